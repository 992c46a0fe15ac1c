"""``flexbench run --db`` (and $FLEXBENCH_DB): the signed package is indexed after the run; the run's
verdict and exit code stay what they were; a store failure loses no package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.verdicts import EXIT_CODES
from lab.store import open_store, show_campaign
from lab.store.cli import index_after_run
from reports.integrity import load_signing_key, verify_folder
from store_packages import CAMPAIGN_PROFILE, RunResult


def _campaign_id(package: Path) -> str:
    return str(json.loads((package / "report.json").read_text())["campaign"]["id"])


def test_run_with_db_indexes_its_package_and_keeps_its_exit_code(campaign_run: RunResult,
                                                                 signed_package: Path) -> None:
    verdict = json.loads((signed_package / "report.json").read_text())["verdict"]
    assert campaign_run.exit_code == EXIT_CODES[verdict]
    campaign_id = _campaign_id(signed_package)
    assert f"campaign {campaign_id} imported" in campaign_run.stdout
    with open_store(campaign_run.store_url) as store:
        detail = show_campaign(store, campaign_id)
    assert detail is not None and detail.package_path == str(signed_package.resolve()) and detail.verdict == verdict


def test_the_store_step_indexes_into_either_backend(store_url: str, signed_package: Path,
                                                    monkeypatch: pytest.MonkeyPatch, no_store_env: None) -> None:
    assert index_after_run(None, out=str(signed_package), profile=CAMPAIGN_PROFILE, exit_code=2) is False
    monkeypatch.setenv("FLEXBENCH_DB", store_url)
    assert index_after_run(None, out=str(signed_package), profile=CAMPAIGN_PROFILE, exit_code=2) is True
    with open_store(store_url) as store:
        assert show_campaign(store, _campaign_id(signed_package)) is not None


def test_a_store_failure_is_reported_and_loses_no_package(signed_package: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert index_after_run("postgresql://lab@127.0.0.1:1/results", out=str(signed_package),
                           profile=CAMPAIGN_PROFILE, exit_code=1) is False
    err = capsys.readouterr().err
    assert "NOT indexed" in err and "cannot reach the results store" in err
    assert f"flexbench results import {signed_package}" in err
    assert verify_folder(signed_package, trusted_keys=[load_signing_key().public_raw]).ok


def test_no_package_no_store_step(tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert index_after_run(store_url, out=str(tmp_path / "empty"), profile=CAMPAIGN_PROFILE, exit_code=2) is False
    assert "no signed package" in capsys.readouterr().err
