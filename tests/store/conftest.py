"""Fixtures of the results-store tests: every store test runs on SQLite and on a throwaway
PostgreSQL cluster (one per xdist worker, a fresh database per test; tests/postgres_cluster.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from postgres_cluster import PostgresCluster, cluster_or_skip
from store_packages import RunResult, run_campaign_with_store


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = cluster_or_skip()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL, as a user types it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lab' / 'results.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database()


@pytest.fixture(scope="session")
def campaign_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The session's one real campaign (``flexbench run --db``), whichever worker asks first."""
    base = tmp_path_factory.getbasetemp()
    return run_campaign_with_store((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)
                                   / "store-campaign")


@pytest.fixture(scope="session")
def signed_package(campaign_run: RunResult) -> Path:
    """Its signed package (INCONCLUSIVE: one requirement of the catalog, the mandatory others NOT_TESTED)."""
    assert (campaign_run.package / "manifest.sig").is_file(), campaign_run.stdout + campaign_run.stderr[-3000:]
    return campaign_run.package


@pytest.fixture
def no_store_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLEXBENCH_DB", raising=False)
    monkeypatch.delenv("FLEXBENCH_LAB_DIR", raising=False)
