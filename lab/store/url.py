"""Which database a command uses: ``--db URL`` > ``$FLEXBENCH_DB`` > ``sqlite:///<lab dir>/results.sqlite3``.

The lab directory is ``--lab DIR`` > ``$FLEXBENCH_LAB_DIR`` > ``out/lab``. PostgreSQL URLs may be
written ``postgresql://`` (or ``postgres://``); they are driven through psycopg 3
(``postgresql+psycopg://``). One resolver for every command of the lab (run, results, serve).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from lab.store.errors import StoreError

__all__ = ["DB_ENV", "LAB_DIR_ENV", "DEFAULT_LAB_DIR", "DB_FILE_NAME", "lab_dir", "resolve_url", "parse_url",
           "display_url"]

DB_ENV = "FLEXBENCH_DB"
LAB_DIR_ENV = "FLEXBENCH_LAB_DIR"
DEFAULT_LAB_DIR = Path("out") / "lab"
DB_FILE_NAME = "results.sqlite3"
_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
            "postgresql+psycopg": "postgresql+psycopg"}


def lab_dir(lab: str | Path | None = None) -> Path:
    """The lab directory: ``lab`` (``--lab``), else ``$FLEXBENCH_LAB_DIR``, else ``out/lab``."""
    chosen = lab if lab is not None else os.environ.get(LAB_DIR_ENV) or None
    return Path(chosen) if chosen is not None else DEFAULT_LAB_DIR


def resolve_url(db: str | None = None, lab: str | Path | None = None) -> URL:
    """The store's URL: ``db`` (``--db``), else ``$FLEXBENCH_DB``, else the SQLite file in the lab dir."""
    chosen = db if db is not None else os.environ.get(DB_ENV) or None
    if chosen is None:
        return parse_url(f"sqlite:///{lab_dir(lab).absolute() / DB_FILE_NAME}")
    return parse_url(chosen)


def parse_url(text: str) -> URL:
    """A SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3); StoreError naming ``text`` otherwise."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreError(f"malformed database URL {text!r} (expected sqlite:///PATH or "
                         "postgresql://USER@HOST:PORT/DB)", field="--db / $FLEXBENCH_DB") from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise StoreError(f"unsupported database URL {display_url(url)!r}: the store runs on SQLite or "
                         "PostgreSQL (postgresql://...)", field="--db / $FLEXBENCH_DB")
    if driver == "sqlite" and url.database in (None, "", ":memory:"):
        raise StoreError(f"database URL {text!r} names no SQLite file (sqlite:///PATH)",
                         field="--db / $FLEXBENCH_DB")
    return url.set(drivername=driver)


def display_url(url: URL | str) -> str:
    """The URL for messages, its password hidden."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)
