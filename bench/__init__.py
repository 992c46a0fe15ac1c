"""flexbench core: bench config, session, clock, safety, recorder, catalog, verdicts, CLI.

``simlab`` is the simulated lab; outside ``simlab`` and the lab's own tests only its public
names (``simlab.__all__``) are imported, and suites never import it (they reach the device only
through instruments and links): tests/architecture/test_import_direction.py.
"""

from importlib.metadata import PackageNotFoundError, version as _package_version

try:
    __version__ = _package_version("flexbench")     # the installed package's metadata (pyproject.toml)
except PackageNotFoundError:                          # a source tree that was never installed
    __version__ = "0+unknown"
