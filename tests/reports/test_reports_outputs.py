"""report.json / report.html: determinism, schema, content, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reports.build import (REPORT_FORMAT, SCHEMA_PATH, ReportError, ReportSchemaError, build_report,
                           validate_report)
from reports.html import SIMULATED_BANNER, render_html


def test_report_json_is_byte_identical_across_builds(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    build_report(record.path, tmp_path / "a")
    build_report(record.path, tmp_path / "b")
    assert (tmp_path / "a" / "report.json").read_bytes() == (tmp_path / "b" / "report.json").read_bytes()
    assert (tmp_path / "a" / "report.html").read_bytes() == (tmp_path / "b" / "report.html").read_bytes()


def test_report_does_not_depend_on_wall_clock_of_the_build(record: Any, helpers: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    helpers.write_all_pass(record)
    first = build_report(record.path, tmp_path / "a")
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    second = build_report(record.path, tmp_path / "b")
    assert first == second


def test_report_json_content(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    on_disk = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert on_disk == report
    assert report["format"] == REPORT_FORMAT
    assert re.fullmatch(r"FBR-[0-9A-F]{16}", report["report_id"])
    assert report["simulated"] is True
    assert report["campaign"]["id"] == "camp-0001"
    assert report["campaign"]["market"] == "NL"
    assert report["campaign"]["decision_rule"].startswith("simple acceptance")
    assert report["campaign"]["start_t_s"] == 0.0 and report["campaign"]["end_t_s"] is not None
    assert report["dut"]["declared"]["serial_number"] == "SN1" and report["dut"]["identity_mismatches"] == []
    roles = [i["role"] for i in report["bench"]["instruments"]]
    assert roles == ["ac_source", "power_analyzer"]
    assert report["bench"]["instruments"][1]["idn"] == "SIM,SimAnalyzer,0002,1.0"
    vrt = report["requirements"][0]
    assert vrt["id"] == "PV-VRT-01" and vrt["mandatory"] is True and vrt["confidence"] == "std"
    assert vrt["parameters"]["u_max"] == {"value": 253.0, "unit": "V"}
    assert vrt["tests"] == ["test_suites/pv/test_vrt.py::test_stay_connected"]
    check = vrt["checks"][0]
    assert (check["measured"], check["uncertainty"], check["low"], check["high"], check["unit"]) == (
        230.0, 0.3, 195.5, 253.0, "V")
    assert check["plot"]["type"] == "curve"
    assert report["summary"]["requirements"]["PASS"] == 3


def test_report_id_depends_on_campaign_id_only(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    first = build_report(record.path, tmp_path / "a")["report_id"]
    other = type(record)(tmp_path / "other.jsonl")
    other.start(campaign_id="camp-0002")
    other.end()
    assert build_report(other.path, tmp_path / "b")["report_id"] != first


def test_real_device_is_not_flagged_simulated(record: Any, tmp_path: Path) -> None:
    record.start(simulated=False)
    record.end()
    report = build_report(record.path, tmp_path / "out")
    assert report["simulated"] is False
    assert SIMULATED_BANNER not in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_one_simulated_instrument_flags_the_report(record: Any, tmp_path: Path) -> None:
    record.start(simulated=False)
    record.line("instrument", role="dio", model="SimDIO", resource="SIM::1", idn="SIM,DIO", calibration_due=None,
                simulated=True)
    record.end()
    assert build_report(record.path, tmp_path / "out")["simulated"] is True


def test_every_report_validates_against_the_shipped_schema(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(report)


def test_schema_violation_raises(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    report["verdict"] = "PROBABLY_FINE"
    del report["tests"][0]["outcome"]
    with pytest.raises(ReportSchemaError, match="verdict"):
        validate_report(report)


def test_malformed_record_values_still_give_a_schema_valid_report(record: Any, helpers: Any,
                                                                  tmp_path: Path) -> None:
    record.start()
    bad_plot = {"type": "series", "t_s": [0, "x", 2], "y": [1, 2], "limit": "none", "window": [1]}
    record.test("t.py::test_vrt", ["PV-VRT-01"], "MAYBE",
                checks=[{**helpers.make_check("PV-VRT-01", "SORT_OF"), "measured": "n/a", "plot": bad_plot}])
    record.end()
    report = build_report(record.path, tmp_path / "out")
    assert report["tests"][0]["outcome"] == "ERROR"
    assert report["requirements"][0]["checks"][0]["verdict"] == "INCONCLUSIVE"
    assert report["requirements"][0]["checks"][0]["measured"] is None


def test_record_without_campaign_start_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl"
    path.write_text('{"seq":0,"kind":"event","t_s":0,"wall_utc":"x","level":"info","message":"hi"}\n')
    with pytest.raises(ReportError, match="campaign_start"):
        build_report(path, tmp_path / "out")
    assert not (tmp_path / "out" / "report.json").exists()


def test_html_has_plots_banner_and_sections(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert SIMULATED_BANNER in text
    assert text.count("<svg") == 2 and "<polygon" in text  # curve band + series plot
    assert report["report_id"] in text and "SIM,SimSource 3000,0001,1.0" in text
    for needle in ("PV-VRT-01", "195.5", "253", "0.3", "COMPLIANT", "test_suites/pv/test_pu.py::test_pu_curve",
                   "u_start", "250.7", "End of report"):
        assert needle in text
    # self-contained: no scripts, no external resources
    assert "<script" not in text.lower()
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text)
    assert "@media print" in text


def test_html_escapes_record_strings(record: Any, helpers: Any, tmp_path: Path) -> None:
    evil = '<script>alert("x")</script>'
    record.start()
    record.line("dut_identity", declared={"manufacturer": evil, "model": "M"}, read={"manufacturer": evil,
                                                                                     "model": "M&<b>"})
    plot = {**helpers.SERIES_PLOT, "y_label": evil}
    record.test(f"t.py::test_{evil}", ["PV-VRT-01"], "FAIL", message=evil,
                checks=[helpers.make_check("PV-VRT-01", "FAIL", plot=plot, detail=evil)])
    record.line("event", level="error", message=evil)
    record.end("NON_COMPLIANT")
    build_report(record.path, tmp_path / "out")
    text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<b>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_render_html_is_pure(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    assert render_html(report) == render_html(json.loads(json.dumps(report)))


def test_schema_check_covers_long_plot_arrays(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    plot = report["requirements"][1]["checks"][0]["plot"]
    plot["t_s"] = [float(i) for i in range(100)] + ["late garbage"]
    with pytest.raises(ReportSchemaError, match="plot"):
        validate_report(report)
