"""``flexbench results list | show | trend`` (tables and --json) over campaigns of one model across
firmware versions, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bench.cli import main
from lab.store import Trust, import_package, list_campaigns, open_store, trend
from reports.integrity import load_signing_key
from store_packages import CAMPAIGN_REQUIREMENT, TIMED_CHECK, derive_package

MODEL = "SIM-PV-10K-3P"
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
# firmware, serial, days after T0, measured scale, failing requirement
CAMPAIGNS = [("1.0.0", "SN-A", 0, 300.0, CAMPAIGN_REQUIREMENT), ("1.1.0", "SN-A", 10, 1.0, None),
             ("1.2.0", "SN-B", 20, 2.0, None)]


@pytest.fixture
def filled(store_url: str, signed_package: Path, tmp_path: Path) -> str:
    """The store with three campaigns of one model: firmware 1.0.0 FAILs the requirement, 1.1.0 and
    1.2.0 pass it (1.2.0 on another serial)."""
    trust = Trust(trusted_keys=(load_signing_key().public_raw,))
    with open_store(store_url) as store:
        for n, (firmware, serial, days, scale, fail) in enumerate(CAMPAIGNS):
            folder = derive_package(signed_package, tmp_path / f"c{n}", campaign_id=f"fw{n}", serial=serial,
                                    firmware=firmware, started=T0 + dt.timedelta(days=days), measured_scale=scale,
                                    fail=fail)
            import_package(store, folder, trust)
    return store_url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_list_filters_by_device_requirement_verdict_and_time(filled: str) -> None:
    with open_store(filled) as store:
        assert [r.campaign_id for r in list_campaigns(store)] == ["fw2", "fw1", "fw0"]
        assert [r.campaign_id for r in list_campaigns(store, model=MODEL, serial_number="SN-A")] == ["fw1", "fw0"]
        failed = list_campaigns(store, requirement=CAMPAIGN_REQUIREMENT, verdict="FAIL")
        assert [(r.campaign_id, r.requirement_verdict) for r in failed] == [("fw0", "FAIL")]
        assert [r.campaign_id for r in list_campaigns(store, verdict="NON_COMPLIANT")] == ["fw0"]
        assert [r.campaign_id for r in list_campaigns(store, since=T0 + dt.timedelta(days=5))] == ["fw2", "fw1"]
        assert list_campaigns(store, manufacturer="nobody") == []
        assert list_campaigns(store, bench="flexbench simulated lab", market="NL", limit=1)[0].campaign_id == "fw2"
        assert all(Path(r.package_path).is_absolute() for r in list_campaigns(store))


def test_list_as_a_table_and_as_json(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "results", "list", "--db", filled, "--requirement", CAMPAIGN_REQUIREMENT,
                     "--serial", "SN-A")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:2] == ["campaign", "started"] and CAMPAIGN_REQUIREMENT in lines[0]
    assert [line.split()[0] for line in lines[2:4]] == ["fw1", "fw0"] and lines[-1] == "2 campaigns"
    code, out = _run(capsys, "results", "list", "--db", filled, "--since", "2026-03-15", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["campaign_id"] for r in rows] == ["fw2"]
    assert rows[0]["firmware_version"] == "1.2.0" and rows[0]["started_at"].startswith("2026-03-21T09:00:00")


def test_show_gives_identity_verdicts_and_checks(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "results", "show", "fw0", "--db", filled)
    assert code == 0
    assert "SN-A" in out and "1.0.0" in out and "NON_COMPLIANT" in out and "instruments:" in out
    assert any(line.split()[:2] == [CAMPAIGN_REQUIREMENT, "FAIL"] for line in out.splitlines())
    assert TIMED_CHECK in out
    code, out = _run(capsys, "results", "show", "fw0", "--db", filled, "--json")
    detail = json.loads(out)
    req = next(r for r in detail["requirements"] if r["requirement_id"] == CAMPAIGN_REQUIREMENT)
    assert code == 0 and req["verdict"] == "FAIL" and req["checks"] and detail["package_path"].endswith("/c0")
    assert main(["results", "show", "no-such-campaign", "--db", filled]) == 3


def test_trend_answers_which_firmware_first_passed(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(filled) as store:
        points = trend(store, CAMPAIGN_REQUIREMENT, model=MODEL, check=TIMED_CHECK)
    assert [(p.firmware_version, p.requirement_verdict) for p in points] == [
        ("1.0.0", "FAIL"), ("1.1.0", "PASS"), ("1.2.0", "PASS")]
    assert points[0].measured == pytest.approx(300 * points[1].measured)
    assert points[2].measured == pytest.approx(2 * points[1].measured)
    code, out = _run(capsys, "results", "trend", CAMPAIGN_REQUIREMENT, "--model", MODEL, "--check", TIMED_CHECK,
                     "--db", filled)
    assert code == 0 and out.splitlines()[-1].startswith(f"first PASS of {CAMPAIGN_REQUIREMENT} for {MODEL}: "
                                                         "firmware 1.1.0 (campaign fw1")
    code, out = _run(capsys, "results", "trend", CAMPAIGN_REQUIREMENT, "--model", MODEL, "--db", filled, "--json")
    data = json.loads(out)
    assert code == 0 and data["first_pass"]["firmware_version"] == "1.1.0"
    assert [p["firmware_version"] for p in data["points"]][::2] == ["1.0.0", "1.1.0", "1.2.0"]


def test_bad_input_is_a_usage_error(filled: str) -> None:
    assert main(["results", "list", "--db", filled, "--since", "yesterday"]) == 3
    assert main(["results", "trend", CAMPAIGN_REQUIREMENT, "--db", filled]) == 3     # --model is required


def test_table_numbers_are_rounded_to_their_uncertainty_as_in_the_report() -> None:
    from lab.store.tables import check_cells

    assert check_cells(9249.987, 9249.99, 10750.0, 24.0, 749.976) == ["9250", "9250", "10750", "24", "+750"]
    assert check_cells(0.21234, None, 0.3, 0.0052, -0.0877) == ["0.2123", "\u2014", "0.3000", "0.0052", "-0.0877"]
    assert check_cells(1.0, 0.5, None, None, 0.5)[:2] == ["1", "0.5"]           # no U: plain digits
