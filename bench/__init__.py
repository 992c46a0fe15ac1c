"""flexbench core: bench config, session, clock, safety, recorder, catalog, verdicts, CLI.

``bench.sim`` is the simulated lab; nothing outside ``bench.sim`` and the lab's own tests may
import it (suites reach the device only through instruments and links).
"""

__version__ = "0.1.0"
