"""Importing signed report packages: what is indexed, idempotent re-import, and what is refused
(tampered, untrusted, conflicting campaign id) with nothing written. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.cli import main
from lab.store import CampaignConflict, PackageRefused, Trust, find_packages, import_package, open_store
from lab.store import show_campaign
from lab.store.models import Campaign, CheckResult, Instrument, RequirementResult
from reports.integrity import load_signing_key
from store_packages import CAMPAIGN_REQUIREMENT, TIMED_CHECK, derive_package


@pytest.fixture(scope="module")
def trust() -> Trust:
    return Trust(trusted_keys=(load_signing_key().public_raw,))


@pytest.fixture
def key_pem(tmp_path: Path) -> Path:
    path = tmp_path / "trusted.pub.pem"
    path.write_bytes(load_signing_key().public_pem())
    return path


def _counts(url: str) -> tuple[int, ...]:
    with open_store(url) as store, store.reading() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) or 0
                     for t in (Campaign, Instrument, RequirementResult, CheckResult))


def test_a_package_is_indexed_with_what_the_lab_asks_about(store_url: str, signed_package: Path,
                                                          trust: Trust) -> None:
    report = json.loads((signed_package / "report.json").read_text())
    manifest = json.loads((signed_package / "manifest.json").read_text())
    with open_store(store_url) as store:
        outcome = import_package(store, signed_package, trust)
        detail = show_campaign(store, outcome.campaign_id)
    assert outcome.status == "imported" and outcome.campaign_id == report["campaign"]["id"]
    assert detail is not None
    read = report["dut"]["read"]
    assert (detail.manufacturer, detail.model, detail.serial_number, detail.firmware_version) == (
        read["manufacturer"], read["model"], read["serial_number"], read["firmware_version"])
    assert (detail.device_class, detail.market, detail.catalog_name, detail.decision_rule, detail.verdict) == (
        "pv_inverter", report["campaign"]["market"], "pv_inverter", report["campaign"]["decision_rule"],
        report["verdict"])
    assert detail.catalog_version == report["campaign"]["catalog"]["version"]
    assert detail.bench_name == report["bench"]["name"] and detail.profile_sha256 and len(detail.profile_sha256) == 64
    assert detail.signer_fingerprint == manifest["signer"]["fingerprint_sha256"] and detail.signed_at is not None
    assert detail.package_path == str(signed_package.resolve()) and Path(detail.package_path).is_absolute()
    assert len(detail.manifest_sha256) == 64 and detail.started_at is not None
    assert {i.role for i in detail.instruments} >= {"ac_source", "power_analyzer"}
    assert all(i.serial_number and i.calibration_due for i in detail.instruments)
    verdicts = {r.requirement_id: r.verdict for r in detail.requirements}
    assert verdicts[CAMPAIGN_REQUIREMENT] == "PASS" and len(verdicts) == len(report["requirements"])
    timed = next(c for r in detail.requirements for c in r.checks if c.name == TIMED_CHECK)
    assert timed.unit == "s" and timed.measured is not None and timed.high is not None
    assert timed.uncertainty is not None and timed.sensitivity is not None and timed.verdict == "PASS"
    assert timed.margin == pytest.approx(timed.high - timed.measured)


def test_re_importing_the_same_package_changes_nothing(store_url: str, signed_package: Path, trust: Trust) -> None:
    with open_store(store_url) as store:
        assert import_package(store, signed_package, trust).status == "imported"
        before = _counts(store_url)
        assert import_package(store, signed_package, trust).status == "unchanged"
    assert _counts(store_url) == before


def test_a_tampered_package_is_refused_and_nothing_is_written(store_url: str, signed_package: Path, trust: Trust,
                                                              tmp_path: Path, key_pem: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(signed_package, tampered)
    csv = next((tampered / "raw").glob("*.csv"))
    csv.write_text(csv.read_text().replace("1", "2", 1))
    before = _counts(store_url)
    with open_store(store_url) as store, pytest.raises(PackageRefused, match="does not verify") as caught:
        import_package(store, tampered, trust)
    assert caught.value.status == "FAILED" and f"changed: raw/{csv.name}" in str(caught.value)
    assert _counts(store_url) == before
    code = main(["results", "import", str(tampered), "--db", store_url, "--trusted-keys", str(key_pem)])
    err = capsys.readouterr().err
    assert code == 5 and str(tampered) in err and "FAILED" in err
    assert _counts(store_url) == before


def test_a_package_by_an_untrusted_key_is_refused(store_url: str, signed_package: Path) -> None:
    with open_store(store_url) as store, pytest.raises(PackageRefused) as caught:
        import_package(store, signed_package, Trust())
    assert caught.value.status == "UNTRUSTED" and str(signed_package) in str(caught.value)
    assert main(["results", "import", str(signed_package), "--db", store_url]) == 4
    assert _counts(store_url)[0] == 0


def test_the_same_campaign_id_with_another_manifest_is_refused(store_url: str, signed_package: Path, trust: Trust,
                                                               tmp_path: Path) -> None:
    report = json.loads((signed_package / "report.json").read_text())
    other = derive_package(signed_package, tmp_path / "other", campaign_id=report["campaign"]["id"],
                           firmware="9.9.9")
    with open_store(store_url) as store:
        import_package(store, signed_package, trust)
        before = _counts(store_url)
        with pytest.raises(CampaignConflict) as caught:
            import_package(store, other, trust)
    assert str(signed_package.resolve()) in str(caught.value) and str(other) in str(caught.value)
    assert _counts(store_url) == before


def test_a_folder_tree_is_imported_package_by_package(store_url: str, signed_package: Path, tmp_path: Path,
                                                      key_pem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "tree"
    for n in range(3):
        derive_package(signed_package, tree / f"bench{n % 2}" / f"c{n}", campaign_id=f"tree{n:04d}")
    (tree / "not-a-package").mkdir()
    assert len(find_packages([tree])) == 3
    code = main(["results", "import", str(tree), "--db", store_url, "--trusted-keys", str(key_pem), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and sorted(o["campaign_id"] for o in out["imported"]) == ["tree0000", "tree0001", "tree0002"]
    assert out["refused"] == [] and _counts(store_url)[0] == 3
