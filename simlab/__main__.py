"""``python -m simlab --spec SPEC.json``: run the simulated lab process (simlab/lab.py)."""

import sys

from simlab.lab import main

sys.exit(main())
