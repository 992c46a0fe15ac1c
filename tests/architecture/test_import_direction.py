"""Import direction between the top-level packages, read from the source (AST) of every .py file.

* Outside ``simlab/`` the bench uses only the simulated lab's public names (``simlab.__all__``):
  no ``simlab.<submodule>``, no private name. ``tests/`` and ``benchmarks/`` (the lab's own tests
  and measurements, which drive its parts in-process) are exempt.
* ``simlab/`` imports nothing of the bench's runtime: of ``bench`` only ``bench.errors`` and
  ``bench.registry``; nothing of ``instruments``, ``reports``, ``fixtures``, ``test_suites``.
* ``links/`` (the bench's side of each protocol) never imports ``simlab``.
* ``test_suites/`` reach the device only through instruments and links: no ``simlab``, and no
  import from a ``conftest`` or another test module (shared code lives in importable modules).
* ``lab/`` (what several benches share: results store, live view) may import bench and reports, and
  of the simulated lab only its public names (as the bench); ``bench/`` imports ``lab`` only from the
  command line (``bench/cli.py``, ``bench/demo.py``), so a campaign never depends on the lab around it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXEMPT_FROM_SIMLAB_API = ("tests", "benchmarks")
SIMLAB_MAY_IMPORT_FROM_BENCH = frozenset({"bench.errors", "bench.registry"})
SIMLAB_MUST_NOT_IMPORT = ("instruments", "reports", "fixtures", "test_suites")
BENCH_MODULES_IMPORTING_LAB = frozenset({"bench/cli.py", "bench/demo.py"})


@dataclass(frozen=True)
class ImportRef:
    """One imported thing: ``module`` (absolute), and ``name`` for ``from module import name``."""

    module: str
    name: str | None
    line: int

    def __str__(self) -> str:
        return f"from {self.module} import {self.name}" if self.name else f"import {self.module}"


def module_name(rel_path: Path) -> str:
    parts = list(rel_path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(tree: ast.AST, rel_path: Path) -> list[ImportRef]:
    """Every import of a module (nested and TYPE_CHECKING ones too), relative ones made absolute."""
    package = module_name(rel_path) if rel_path.name == "__init__.py" else ".".join(rel_path.parts[:-1])
    refs: list[ImportRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refs += [ImportRef(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            refs += [ImportRef(base, alias.name, node.lineno) for alias in node.names]
    return refs


def _simlab_attributes(tree: ast.AST) -> list[tuple[str, int]]:
    """``simlab.<attr>`` reached through a plain ``import simlab``."""
    return [(node.attr, node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "simlab"]


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _is_test_module(ref: ImportRef) -> bool:
    parts = ref.module.split(".")[1:] + ([ref.name] if ref.name else [])
    return any(part == "conftest" or part.startswith("test_") for part in parts)


def _test_borrows_test_code(ref: ImportRef) -> bool:
    """A project test importing a conftest, another test module of tests/, or a private helper of a
    suite's test module. Importing a suite test module itself (``from test_suites.ev_charger import
    test_security``) to exercise that suite is allowed: the suite is the subject of the test."""
    parts = ref.module.split(".") + ([ref.name] if ref.name else [])
    if "conftest" in parts:
        return True
    if _top(ref.module) == "test_suites":
        return _is_test_module(ref) and ref.name is not None and ref.name.startswith("_")
    return any(part.startswith("test_") for part in parts)


def violations(rel_path: Path, source: str, simlab_public: frozenset[str]) -> list[str]:
    """What ``rel_path`` (relative to the repository root) breaks of the rules above."""
    tree = ast.parse(source, filename=str(rel_path))
    where = rel_path.parts[0]
    found: list[str] = []

    def flag(line: int, problem: str) -> None:
        found.append(f"{rel_path.as_posix()}:{line}: {problem}")

    refs = imports_of(tree, rel_path)
    for ref in refs:
        top = _top(ref.module)
        if where == "bench" and top == "lab" and rel_path.as_posix() not in BENCH_MODULES_IMPORTING_LAB:
            flag(ref.line, f"{ref}: bench/ imports lab only from {', '.join(sorted(BENCH_MODULES_IMPORTING_LAB))}")
        if where == "simlab":
            if top == "bench":
                target = ref.module if ref.name is None or ref.module != "bench" else f"bench.{ref.name}"
                if not any(target == ok or target.startswith(ok + ".") for ok in SIMLAB_MAY_IMPORT_FROM_BENCH):
                    flag(ref.line, f"{ref}: simlab may import only {', '.join(sorted(SIMLAB_MAY_IMPORT_FROM_BENCH))} "
                                   "of the bench")
            elif top in SIMLAB_MUST_NOT_IMPORT:
                flag(ref.line, f"{ref}: simlab imports nothing of {top}/")
            continue
        if top != "simlab":
            if where == "tests" and _test_borrows_test_code(ref):
                flag(ref.line, f"{ref}: a test imports no conftest and no other test module "
                               "(move shared code to an importable helper module)")
            elif where == "test_suites" and top == "test_suites" and _is_test_module(ref):
                flag(ref.line, f"{ref}: a suite imports no conftest and no other test module "
                               "(move shared code to an importable module)")
            continue
        if where in ("links", "test_suites"):
            flag(ref.line, f"{ref}: {where}/ never imports simlab")
        elif where in EXEMPT_FROM_SIMLAB_API:
            continue
        elif ref.module != "simlab":
            flag(ref.line, f"{ref}: a simlab submodule; import its public names from simlab")
        elif ref.name is not None and ref.name not in simlab_public:
            flag(ref.line, f"{ref}: not a public name of simlab (simlab.__all__)")
    if where not in ("simlab", *EXEMPT_FROM_SIMLAB_API) and any(r.module == "simlab" and r.name is None for r in refs):
        for attr, line in _simlab_attributes(tree):
            if attr not in simlab_public:
                flag(line, f"simlab.{attr}: not a public name of simlab (simlab.__all__)")
    return found


def simlab_public_names() -> frozenset[str]:
    """``__all__`` of simlab/__init__.py, read from its source."""
    tree = ast.parse((ROOT / "simlab" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return frozenset(ast.literal_eval(node.value))
    raise AssertionError("simlab/__init__.py declares no __all__")


def project_sources() -> list[Path]:
    """Every .py file of the repository (not hidden folders, not the ``out`` folder of campaigns)."""
    return sorted(p.relative_to(ROOT) for p in ROOT.rglob("*.py")
                  if not any(part.startswith(".") or part in ("out", "__pycache__")
                             for part in p.relative_to(ROOT).parts[:-1]))


def _repository_violations(*wheres: str) -> list[str]:
    public = simlab_public_names()
    found: list[str] = []
    for rel in project_sources():
        if rel.parts[0] in wheres:
            found += violations(rel, (ROOT / rel).read_text(encoding="utf-8"), public)
    return found


# ---- the repository ------------------------------------------------------------------------------
def test_the_sources_are_found() -> None:
    tops = {rel.parts[0] for rel in project_sources()}
    assert {"bench", "lab", "simlab", "links", "instruments", "fixtures", "reports", "test_suites", "tests"} <= tops


def test_simlab_exports_a_small_public_api() -> None:
    import simlab

    assert set(simlab.__all__) == simlab_public_names()
    assert all(not name.startswith("_") and hasattr(simlab, name) for name in simlab.__all__)


@pytest.mark.parametrize("where", ["bench", "lab", "instruments", "links", "reports", "fixtures", "simlab",
                                   "device_profiles"])
def test_package_imports_point_the_right_way(where: str) -> None:
    assert _repository_violations(where) == []


def test_suites_reach_the_device_only_through_instruments_and_links() -> None:
    assert _repository_violations("test_suites") == []


def test_the_project_tests_share_code_through_helper_modules() -> None:
    assert _repository_violations("tests") == []


# ---- the checker catches what it should -----------------------------------------------------------
PUBLIC = frozenset({"LabSpec", "SimLabProcess", "SpecError"})


@pytest.mark.parametrize(("path", "source"), [
    ("bench/x.py", "from simlab.lab import LabSpec"),
    ("bench/x.py", "import simlab.launcher"),
    ("bench/x.py", "def f():\n    from simlab import _build_device"),
    ("bench/x.py", "from simlab import lab"),
    ("instruments/x.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from simlab.spec import LabSpec"),
    ("reports/x.py", "import simlab\nsimlab.lab.Lab"),
    ("links/sunspec_modbus/x.py", "from simlab import LabSpec"),
    ("links/x.py", "from simlab.devices.pv_inverter.sunspec_image import SunSpecDeviceImage"),
    ("simlab/x.py", "from bench.session import BenchSession"),
    ("simlab/x.py", "from bench import clock"),
    ("simlab/devices/x.py", "import bench.recorder"),
    ("simlab/x.py", "from instruments.registry import DRIVERS"),
    ("test_suites/x/test_a.py", "from simlab import LabSpec"),
    ("test_suites/x/test_a.py", "from test_suites.x.conftest import FINE_SAMPLE_S"),
    ("test_suites/x/test_a.py", "from .conftest import FINE_SAMPLE_S"),
    ("test_suites/x/test_a.py", "from . import conftest"),
    ("tests/suites/test_a.py", "from conftest import run_campaign"),
    ("tests/suites/test_a.py", "from test_suites.x.test_b import _compare"),
    ("tests/suites/test_a.py", "from test_ev_charger_ocpp import rig_factory"),
    ("tests/modbus_map/test_a.py", "from tests.modbus_map.conftest import TraceLog"),
    ("test_suites/x/test_a.py", "from test_suites.x.test_b import check_stage"),
    ("test_suites/x/test_a.py", "from test_suites.x import test_b"),
    ("lab/store/x.py", "from simlab.lab import LabSpec"),
    ("lab/liveview/x.py", "import simlab.launcher"),
    ("bench/session.py", "from lab.store import open_store"),
    ("bench/campaign.py", "def f():\n    import lab.store.cli"),
])
def test_the_checker_catches_a_violation(path: str, source: str) -> None:
    assert len(violations(Path(path), source, PUBLIC)) == 1


@pytest.mark.parametrize(("path", "source"), [
    ("bench/x.py", "from simlab import LabSpec, SimLabProcess"),
    ("bench/x.py", "import simlab\nsimlab.LabSpec"),
    ("links/x.py", "from bench.errors import ConfigError\nfrom links.openers import OPENERS"),
    ("simlab/x.py", "from bench.errors import ConfigError\nfrom bench.registry import Registry"),
    ("simlab/x.py", "from bench import errors, registry"),
    ("simlab/devices/x.py",
     "from simlab.devices.hooks import DefaultLabHooks\nfrom links.sunspec_modbus import server"),
    ("simlab/x.py", "from . import physics\nfrom .devices import registry"),
    ("test_suites/x/test_a.py",
     "from test_suites.common import SuiteBench\nfrom test_suites.x.judging import SAMPLE_S"),
    ("test_suites/x/conftest.py", "from test_suites.common import SuiteBench"),
    ("tests/sim/test_x.py", "from simlab.lab import Lab, _device_context"),
    ("tests/ocpp/test_x.py", "from test_suites.ev_charger import test_security"),
    ("tests/suites/test_x.py", "from proof_campaigns import run_campaign"),
    ("benchmarks/x.py", "from simlab.instruments.scpi_server import BackgroundScpiServer"),
    ("lab/store/x.py", "from bench.errors import ConfigError\nfrom reports.integrity import verify_folder"),
    ("bench/cli.py", "from lab.store.cli import add_parser"),
    ("bench/demo.py", "def f():\n    from lab.store import open_store"),
])
def test_the_checker_lets_allowed_imports_pass(path: str, source: str) -> None:
    assert violations(Path(path), source, PUBLIC) == []


def test_relative_imports_are_resolved() -> None:
    tree = ast.parse("from .conftest import A\nfrom ..common import B\nfrom . import c")
    refs = imports_of(tree, Path("test_suites/x/test_a.py"))
    assert [str(r) for r in refs] == ["from test_suites.x.conftest import A", "from test_suites.common import B",
                                      "from test_suites.x import c"]
