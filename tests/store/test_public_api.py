"""lab.store's public names (its docstring's API) all resolve, and importing the package or its
command line does not load SQLAlchemy (every ``flexbench`` command builds its parser with it)."""

from __future__ import annotations

import subprocess
import sys

import lab.store
from store_packages import REPO


def test_every_public_name_resolves() -> None:
    assert set(lab.store.__all__) == set(lab.store._MODULE_OF)
    assert all(getattr(lab.store, name) is not None for name in lab.store.__all__)


def test_the_command_line_does_not_load_sqlalchemy_unless_used() -> None:
    code = ("import sys, bench.cli; bench.cli.build_parser(); from lab.store.cli import index_after_run; "
            "index_after_run(None, out=None, profile='x', exit_code=0); print('sqlalchemy' in sys.modules)")
    env_free = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env_free,
                         check=True).stdout
    assert out.strip() == "False"
