"""flexbench core: bench config, session, clock, safety, recorder, catalog, verdicts, CLI.

``simlab`` is the simulated lab; nothing outside ``simlab`` and the lab's own tests may
import it (suites reach the device only through instruments and links).
"""

__version__ = "0.1.0"
