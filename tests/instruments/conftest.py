"""Make ``transcripts`` importable from this folder's tests (no package __init__ here: a
``tests/instruments`` package would shadow the top-level ``instruments`` package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
