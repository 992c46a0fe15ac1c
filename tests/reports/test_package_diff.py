"""`flexbench diff A B`: requirement by requirement, what changed between two reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main as flexbench
from reports.build import build_report
from reports.diff import Change, diff_reports, format_diff


def _campaign(writer: Any, helpers: Any, *, pu_measured: float, pu_verdict: str, firmware: str) -> None:
    writer.start()
    writer.test("test_suites/pv/test_vrt.py::test_stay_connected", ["PV-VRT-01"], "PASS",
                checks=[helpers.make_check("PV-VRT-01")])
    writer.test("test_suites/pv/test_pu.py::test_pu_curve", ["PV-PU-01"], "PASS" if pu_verdict == "PASS" else "FAIL",
                checks=[helpers.make_check("PV-PU-01", verdict=pu_verdict, measured=pu_measured)])
    writer.end()
    text = writer.path.read_text(encoding="utf-8").replace('"firmware_version":"1.2.3"',
                                                           f'"firmware_version":"{firmware}"')
    writer.path.write_text(text, encoding="utf-8")


@pytest.fixture
def two_reports(record: Any, helpers: Any, tmp_path: Path) -> tuple[Path, Path]:
    _campaign(record, helpers, pu_measured=240.0, pu_verdict="PASS", firmware="1.2")
    build_report(record.path, tmp_path / "a")
    other = type(record)(tmp_path / "record-b.jsonl")
    _campaign(other, helpers, pu_measured=254.5, pu_verdict="FAIL", firmware="1.3")
    build_report(other.path, tmp_path / "b")
    return tmp_path / "a" / "report.json", tmp_path / "b" / "report.json"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_diff_names_firmware_verdicts_and_measured_values(two_reports: tuple[Path, Path]) -> None:
    a, b = (_load(p) for p in two_reports)
    diff = diff_reports(a, b)
    assert not diff.identical
    got = {(c.scope, c.what): (c.before, c.after) for c in diff.changes}
    assert got[("dut", "firmware_version (declared)")] == ("1.2", "1.3")
    assert got[("dut", "firmware_version (read)")] == ("1.2", "1.3")
    assert got[("PV-PU-01", "verdict")] == ("PASS", "FAIL")
    assert got[("PV-PU-01", "check 'PV-PU-01 check' measured")] == (240.0, 254.5)
    assert got[("PV-PU-01", "check 'PV-PU-01 check' verdict")] == ("PASS", "FAIL")
    assert got[("report", "verdict")] == (a["verdict"], b["verdict"])
    assert not any(c.scope == "PV-VRT-01" for c in diff.changes)     # unchanged requirement: not listed
    text = format_diff(diff)
    assert "Requirement PV-PU-01" in text and "verdict: PASS -> FAIL" in text
    # with its unit, rounded to the uncertainty (U 0.3 V: two decimals)
    assert "measured: 240.00 V -> 254.50 V  (\u0394 +14.50 V)" in text


def test_identical_reports_have_no_differences(two_reports: tuple[Path, Path]) -> None:
    a = _load(two_reports[0])
    diff = diff_reports(a, a)
    assert diff.identical and "no differences" in format_diff(diff)


def test_catalog_version_and_requirement_set_changes(two_reports: tuple[Path, Path]) -> None:
    a = _load(two_reports[0])
    b = json.loads(json.dumps(a))
    b["campaign"]["catalog"]["version"] = "2027.01"
    b["requirements"] = [r for r in b["requirements"] if r["id"] != "PV-LIM-01"]
    got = {(c.scope, c.what): (c.before, c.after) for c in diff_reports(a, b).changes}
    assert got[("report", "campaign.catalog.version")] == ("2026.11", "2027.01")
    assert got[("PV-LIM-01", "requirement")][1] is None


def test_diff_command(two_reports: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = two_reports
    assert flexbench(["diff", str(a), str(b)]) == 6          # differ (1 is NON_COMPLIANT, for run only)
    out = capsys.readouterr().out
    assert "firmware_version (read): 1.2 -> 1.3" in out
    assert flexbench(["diff", str(a.parent), str(a.parent)]) == 0          # a folder works too
    assert "no differences" in capsys.readouterr().out
    assert flexbench(["diff", "--json", str(a), str(b)]) == 6
    data = json.loads(capsys.readouterr().out)
    assert data["identical"] is False and any(c["scope"] == "PV-PU-01" for c in data["changes"])
    assert flexbench(["diff", str(a), str(a.parent / "missing.json")]) == 3


def test_reports_of_different_format_versions_are_refused(two_reports: tuple[Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13, finding 10: diff compared reports of different format versions field by field."""
    a, b = two_reports
    older = _load(b)
    older["format"] = "flexbench-report/1"
    old_b = tmp_path / "old" / "report.json"
    old_b.parent.mkdir()
    old_b.write_text(json.dumps(older), encoding="utf-8")
    for args in (["diff", str(a), str(old_b)], ["diff", "--json", str(a), str(old_b.parent)]):
        assert flexbench(args) == 3
        err = capsys.readouterr().err
        assert str(old_b) in err and "flexbench-report/1" in err and _load(a)["format"] in err
    changes = diff_reports(_load(a), older).changes
    assert changes[0] == Change("report", "format", _load(a)["format"], "flexbench-report/1")   # listed first


def _report_in_folder(folder: Path, helpers: Any, writer_type: Any, *, measured: float, declared: dict[str, Any],
                      catalog_name: str = "flexbench-catalog") -> Path:
    """A report folder holding report.json and the record it was built from (whose campaign_start
    carries the profile the campaign ran with)."""
    folder.mkdir(parents=True)
    writer = writer_type(folder / "record.jsonl")
    writer.start(declared=declared)
    writer.test("test_suites/pv/test_pu.py::test_pu_curve", ["PV-PU-01"], "PASS",
                checks=[helpers.make_check("PV-PU-01", measured=measured)])
    writer.end()
    if catalog_name != "flexbench-catalog":
        text = (folder / "record.jsonl").read_text(encoding="utf-8")
        (folder / "record.jsonl").write_text(text.replace('"name":"flexbench-catalog"', f'"name":"{catalog_name}"'),
                                             encoding="utf-8")
    build_report(folder / "record.jsonl", folder)
    return folder


@pytest.fixture
def folder(record: Any, helpers: Any, tmp_path: Path) -> Any:
    """``folder(name, measured=..., declared=..., catalog_name=...)``: a report folder under tmp_path."""
    return lambda name, **kw: _report_in_folder(tmp_path / name, helpers, type(record), **kw)


def test_float_noise_below_the_uncertainty_is_no_difference(folder: Any) -> None:
    a = folder("a", measured=240.0, declared={"capacity_wh": 2000})
    b = folder("b", measured=240.0000004, declared={"capacity_wh": 2000})
    whats = [c.what for c in diff_reports(_load(a / "report.json"), _load(b / "report.json")).changes]
    assert not any("measured" in w for w in whats), whats          # U 0.3 V: 240.00 V both
    c = folder("c", measured=240.02, declared={"capacity_wh": 2000})
    changes = diff_reports(_load(a / "report.json"), _load(c / "report.json")).changes
    measured = [ch for ch in changes if ch.what.endswith("measured")]
    assert [(m.before, m.after, m.unit) for m in measured] == [(240.0, 240.02, "V")]
    assert measured[0].describe().endswith("240.00 V -> 240.02 V  (\u0394 +0.02 V)")


def test_profile_changes_are_named_with_the_profile_hash(folder: Any, capsys: pytest.CaptureFixture[str]) -> None:
    a = folder("a", measured=240.0, declared={"capacity_wh": 2000, "phases": 3})
    b = folder("b", measured=240.0, declared={"capacity_wh": 2500, "phases": 3})
    assert flexbench(["diff", str(a), str(b)]) == 6
    out = capsys.readouterr().out
    assert "Device profile" in out and "declared.capacity_wh: 2000 -> 2500" in out
    assert "SHA-256: " in out and "declared.phases" not in out          # unchanged settings are not listed
    same = folder("same", measured=240.0, declared={"capacity_wh": 2000, "phases": 3})
    assert flexbench(["diff", str(a), str(same)]) == 0                    # same profile content: same hash


def test_reports_of_two_device_classes_are_compared_with_a_warning(folder: Any,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pv = folder("pv", measured=240.0, declared={}, catalog_name="pv_inverter")
    bat = folder("bat", measured=240.0, declared={}, catalog_name="home_battery")
    assert flexbench(["diff", str(pv), str(bat)]) == 6
    out = capsys.readouterr().out
    assert out.startswith("WARNING: different device classes: A is pv_inverter, B is home_battery")
    assert flexbench(["diff", "--json", str(pv), str(bat)]) == 6
    captured = capsys.readouterr()
    assert json.loads(captured.out)["warnings"][0].startswith("different device classes")
    assert "WARNING: different device classes" in captured.err
    assert not diff_reports(_load(pv / "report.json"), _load(pv / "report.json")).warnings


def test_diff_into_a_closed_pipe_ends_quietly_with_its_exit_code(two_reports: tuple[Path, Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`flexbench diff --json A B | head -1`: the reader leaves; no BrokenPipeError traceback."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)                                  # the reader is gone before the first write
    closed = os.fdopen(write_end, "w")
    monkeypatch.setattr("sys.stdout", closed)
    try:
        assert flexbench(["diff", "--json", str(two_reports[0]), str(two_reports[1])]) == 6
    finally:
        closed.close()


def test_limits_and_uncertainty_changes_carry_their_unit(two_reports: tuple[Path, Path]) -> None:
    a = _load(two_reports[0])
    b = json.loads(json.dumps(a))
    check = next(r for r in b["requirements"] if r["id"] == "PV-VRT-01")["checks"][0]
    check["high"], check["uncertainty"] = 250.0, 0.45
    text = format_diff(diff_reports(a, b))
    assert "check 'PV-VRT-01 check' high: 253 V -> 250 V  (\u0394 -3 V)" in text
    assert "check 'PV-VRT-01 check' uncertainty: 0.3 V -> 0.45 V  (\u0394 +0.15 V)" in text
