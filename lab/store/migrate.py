"""Alembic, run programmatically: the migration scripts ship inside the package (lab/store/migrations),
no alembic.ini. A store is upgraded to head on first use; a database NEWER than this code is refused."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from lab.store.engine import SQLITE_IMMEDIATE
from lab.store.errors import StoreError
from lab.store.url import display_url

__all__ = ["SCRIPT_LOCATION", "alembic_config", "head_revision", "current_revision", "upgrade", "downgrade",
           "ensure_current"]

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = 0x666C6278   # PostgreSQL advisory lock held while one process migrates the store


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config of the store's scripts; ``connection`` is what env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The database's revision (None: an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def ensure_current(engine: Engine) -> None:
    """Upgrade the database to head when it is behind (an empty one too); StoreError when its revision
    is unknown to this code (a newer flexbench migrated it), naming the URL and both revisions.
    Processes opening one new store at once upgrade it once: the check is repeated under the
    database's write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock) before upgrading."""
    head = head_revision()
    with engine.connect() as connection:
        if _checked(engine, current_revision(connection), head):
            return
    with engine.connect() as connection:
        connection = connection.execution_options(**{SQLITE_IMMEDIATE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            if not _checked(engine, current_revision(connection), head):
                command.upgrade(alembic_config(connection), "head")


def _checked(engine: Engine, current: str | None, head: str) -> bool:
    """True when the database is at ``head``; StoreError when it is at a revision this code lacks."""
    if current == head:
        return True
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise StoreError(f"the results store {display_url(engine.url)} is at schema revision {current}, "
                         f"newer than this flexbench knows (head {head}): upgrade flexbench, or use another store")
    return False
