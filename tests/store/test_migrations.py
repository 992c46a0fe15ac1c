"""The store's Alembic migrations on SQLite and PostgreSQL: from an empty database upward revision by
revision, down to base and up again; the models equal the migrated schema; a database newer than
the code is refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from lab.store import StoreError, open_store
from lab.store.engine import make_engine
from lab.store.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from lab.store.models import Base
from lab.store.url import parse_url

TABLES = {"campaigns", "instruments", "requirement_results", "checks"}


def _revisions_upward() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def _schema_state(url: str) -> tuple[str | None, set[str], set[str], list[object]]:
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = set(inspector.get_table_names()) - {"alembic_version"}
            indexes = {ix["name"] for t in tables for ix in inspector.get_indexes(t) if ix["name"]}
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata) if tables else []
            return current_revision(conn), tables, indexes, diff
    finally:
        engine.dispose()


def test_there_are_at_least_two_revisions_in_one_line() -> None:
    revisions = _revisions_upward()
    assert len(revisions) >= 2 and revisions[-1] == head_revision()


def test_upward_revision_by_revision_then_down_and_up_again(store_url: str) -> None:
    engine = make_engine(parse_url(store_url))
    try:
        assert _schema_state(store_url)[:2] == (None, set())
        seen_indexes: list[set[str]] = []
        for revision in _revisions_upward():
            upgrade(engine, revision)
            current, tables, indexes, _ = _schema_state(store_url)
            assert current == revision and tables == TABLES
            seen_indexes.append(indexes)
        assert seen_indexes[0] < seen_indexes[-1], "the second revision adds the query indexes"
        assert {"ix_campaigns_device", "ix_requirement_results_requirement_verdict"} <= seen_indexes[-1]
        assert _schema_state(store_url)[3] == [], "models and migrated schema differ"
        downgrade(engine, "base")
        assert _schema_state(store_url)[:2] == (None, set())
        upgrade(engine, "head")
        assert _schema_state(store_url)[0] == head_revision() and _schema_state(store_url)[3] == []
    finally:
        engine.dispose()


def test_first_use_upgrades_an_empty_database_to_head(store_url: str) -> None:
    with open_store(store_url):
        pass
    current, tables, _, diff = _schema_state(store_url)
    assert (current, tables, diff) == (head_revision(), TABLES, [])


def test_an_older_schema_is_upgraded_on_use(store_url: str) -> None:
    engine = make_engine(parse_url(store_url))
    upgrade(engine, _revisions_upward()[0])
    engine.dispose()
    with open_store(store_url):
        pass
    assert _schema_state(store_url)[0] == head_revision()


def test_a_database_newer_than_the_code_is_refused(store_url: str) -> None:
    with open_store(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    with pytest.raises(StoreError, match="newer than this flexbench knows") as caught:
        open_store(store_url)
    assert "f00dfeed9999" in str(caught.value) and head_revision() in str(caught.value)
