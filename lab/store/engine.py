"""Engines for the store: SQLite in WAL mode with a busy timeout (several bench processes import into
one file at once), PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "SQLITE_IMMEDIATE", "make_engine"]

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_IMMEDIATE = "sqlite_immediate"
"""Execution option of a connection that writes: on SQLite its transactions begin IMMEDIATE."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None     # SQLAlchemy emits BEGIN itself (_sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """``BEGIN IMMEDIATE`` for a writer (execution option ``sqlite_immediate``): it waits for the write
    lock up front (busy timeout) instead of failing when it upgrades a read snapshot another process
    has since written past; readers begin deferred and never block a writer (WAL)."""
    immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: URL) -> Engine:
    """An engine for a resolved store URL (:func:`lab.store.url.resolve_url`); a SQLite file's folder
    is created."""
    if url.drivername == "sqlite":
        assert url.database
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)
