"""report.json states each timing / slope / level check's sensitivity, and lists every catalog
parameter and every declared value as exercised or not verified (issue 11, item 6)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bench.checks import OBSERVATION_RULE, sensitivity
from reports.build import assemble_report, build_report
from reports.parameters import EXERCISED, NOT_VERIFIED, lacking_sensitivity, untraced
from reports.validate import ReportSchemaError, validate_report

DECLARED = {"power_limit_response_time_s": 5.0, "readings_accuracy": {"voltage_v": 2.3}, "min_off_time_s": 30.0,
            "standby_power_w": 20.0}


def _numeric(requirement: str, name: str, quantity: str, unit: str, measured: float, u: float,
             low: float | None, high: float | None, *, recorded: bool = True, **extra: Any) -> dict[str, Any]:
    check: dict[str, Any] = {"requirement": requirement, "name": name, "quantity": quantity, "unit": unit,
                             "measured": measured, "uncertainty": u, "low": low, "high": high, "verdict": "PASS",
                             "rule": "SIMPLE_ACCEPTANCE", "detail": ""}
    if recorded:
        check["sensitivity"] = sensitivity(unit=unit, uncertainty=u, low=low, high=high, rule="SIMPLE_ACCEPTANCE",
                                           quantity=quantity, **extra)
    return check


def _observation(requirement: str) -> dict[str, Any]:
    return {"requirement": requirement, "name": "stayed connected", "quantity": "observed", "unit": "bool",
            "measured": True, "uncertainty": None, "low": None, "high": None, "verdict": "PASS",
            "rule": OBSERVATION_RULE, "detail": "observed: yes"}


def _campaign(record: Any) -> None:
    record.start(declared=DECLARED)
    record.line("parameter", requirement="PV-PU-01", name="t_response", source="catalog", value=10)  # before tests
    nodeid = "test_suites/pv/test_pu.py::test_pu_response"
    record.line("test_start", nodeid=nodeid, name="test_pu_response", requirements=["PV-PU-01"], doc="")
    record.line("parameter", requirement="PV-PU-01", name="u_start", source="catalog", value=250.7)
    record.line("parameter", requirement="", name="power_limit_response_time_s", source="declared", value=5.0)
    # a declared value read with another requirement's catalog fallback serves the running test's
    record.line("parameter", requirement="PV-LIM-01", name="standby_power_w", source="declared", value=20.0)
    # a catalog parameter of another requirement does not exercise it
    record.line("parameter", requirement="PV-LIM-01", name="mode", source="catalog", value="fixed")
    for check in (_numeric("PV-PU-01", "time to settle", "time", "s", 8.0, 0.1, None, 10.0, sampling_period_s=0.5),
                  _numeric("PV-PU-01", "ramp", "ramp_rate", "% Pn/min", 9.0, 0.5, None, 10.0),
                  _numeric("PV-PU-01", "trip threshold", "voltage", "V", 252.0, 0.5, None, 253.0, required=250.0),
                  _numeric("PV-PU-01", "settled power", "active_power", "W", 5000.0, 50.0, 4000.0, 6000.0,
                           recorded=False),
                  _observation("PV-PU-01")):
        record.line("check", nodeid=nodeid, **check)
    record.line("test_end", nodeid=nodeid, outcome="PASS", message="", requirements=["PV-PU-01"])
    skipped = "test_suites/pv/test_vrt.py::test_vrt"
    record.line("test_start", nodeid=skipped, name="test_vrt", requirements=["PV-VRT-01"], doc="")
    record.line("parameter", requirement="PV-VRT-01", name="u_min", source="catalog", value=195.5)
    record.line("parameter", requirement="PV-VRT-01", name="min_off_time_s", source="declared", value=30.0)
    record.line("test_end", nodeid=skipped, outcome="NOT_APPLICABLE", message="NOT_APPLICABLE: no", requirements=[])
    record.end("INCONCLUSIVE")


def test_every_timing_slope_and_level_check_states_its_sensitivity(record: Any, tmp_path: Path) -> None:
    _campaign(record)
    report = build_report(record.path, tmp_path / "out")
    assert lacking_sensitivity(report) == []
    checks = {c["name"]: c for r in report["requirements"] for c in r["checks"]}
    timing = checks["time to settle"]["sensitivity"]
    assert timing["kind"] == "timing" and timing["ratio_high"] == pytest.approx(1.05)   # 10 s + one 0.5 s sample
    assert timing["text"] == "passes a time up to 10.5 s (1.05 x the required 10 s)" and not timing["derived"]
    assert checks["ramp"]["sensitivity"]["kind"] == "slope"
    level = checks["trip threshold"]["sensitivity"]
    assert level["kind"] == "level" and level["deviation_high"] == pytest.approx(3.5)   # 253 V + U vs 250 V
    derived = checks["settled power"]["sensitivity"]                # a record from before: derived by the report
    assert derived["derived"] and derived["deviation_high"] == pytest.approx(1050.0)
    assert checks["stayed connected"]["sensitivity"] is None
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "sensitivity: passes a time up to 10.5 s (1.05 x the required 10 s)" in html


def test_the_schema_refuses_a_numeric_check_without_sensitivity(record: Any) -> None:
    _campaign(record)
    from bench.recorder import read_record

    report = assemble_report(read_record(record.path))
    broken = copy.deepcopy(report)
    numeric = next(c for r in broken["requirements"] for c in r["checks"] if c["rule"] != OBSERVATION_RULE)
    numeric["sensitivity"] = None
    assert lacking_sensitivity(broken)
    with pytest.raises(ReportSchemaError):
        validate_report(broken)


def test_every_catalog_parameter_and_declared_value_is_exercised_or_listed(record: Any, helpers: Any,
                                                                          tmp_path: Path) -> None:
    _campaign(record)
    report = build_report(record.path, tmp_path / "out")
    assert untraced(report, DECLARED) == []
    rows = {row["requirement"]: {p["name"]: p for p in row["parameters"]} for row in report["traceability"]}
    # every catalog parameter of the market, as the catalog lists it
    assert {rid: set(ps) for rid, ps in rows.items()} == {
        r["id"]: set(r["parameters"]) for r in helpers.CATALOG_REQUIREMENTS}
    assert rows["PV-PU-01"]["u_start"]["status"] == EXERCISED
    assert rows["PV-PU-01"]["u_start"]["tests"] == ["test_suites/pv/test_pu.py::test_pu_response"]
    assert rows["PV-PU-01"]["t_response"]["status"] == NOT_VERIFIED
    assert "outside the tests" in rows["PV-PU-01"]["t_response"]["reason"]
    assert rows["PV-VRT-01"]["u_min"]["status"] == NOT_VERIFIED                 # its test judged nothing
    assert "NOT_APPLICABLE" in rows["PV-VRT-01"]["u_min"]["reason"]
    assert rows["PV-LIM-01"]["mode"]["status"] == NOT_VERIFIED
    assert "cover another requirement: test_suites/pv/test_pu.py::test_pu_response (PASS)" in \
        rows["PV-LIM-01"]["mode"]["reason"]
    assert rows["PV-VRT-01"]["u_max"]["reason"] == "not read by any test"
    declared = {d["name"]: d for d in report["declared_values"]}
    assert set(declared) == set(DECLARED)
    assert declared["power_limit_response_time_s"]["status"] == EXERCISED
    assert declared["power_limit_response_time_s"]["requirements"] == ["PV-PU-01"]   # the reading test's
    assert declared["min_off_time_s"]["status"] == NOT_VERIFIED
    assert declared["standby_power_w"]["status"] == EXERCISED
    assert declared["standby_power_w"]["requirements"] == ["PV-PU-01"]
    assert declared["readings_accuracy"]["status"] == NOT_VERIFIED
    assert declared["readings_accuracy"]["value"] == '{"voltage_v": 2.3}'
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "parameters not verified: t_response" in html and "Values the device profile declares" in html


def test_a_reason_the_suite_states_keeps_the_parameter_not_verified(record: Any, tmp_path: Path) -> None:
    """A ``parameter`` line with a ``reason`` (``dut.not_verified``) is no read: even in a test that judged
    the requirement, the parameter is listed as not verified, with the suite's reason."""
    record.start(declared={})
    nodeid = "test_suites/pv/test_pu.py::test_pu_response"
    record.line("test_start", nodeid=nodeid, name="test_pu_response", requirements=["PV-PU-01"], doc="")
    record.line("parameter", requirement="PV-PU-01", name="u_start", source="catalog", value=250.7,
                reason="the method cannot set it")
    record.line("check", nodeid=nodeid, **_observation("PV-PU-01"))
    record.line("test_end", nodeid=nodeid, outcome="PASS", message="", requirements=["PV-PU-01"])
    record.end("INCONCLUSIVE")
    report = build_report(record.path, tmp_path / "out")
    row = next(r for r in report["traceability"] if r["requirement"] == "PV-PU-01")
    u_start = next(p for p in row["parameters"] if p["name"] == "u_start")
    assert (u_start["status"], u_start["reason"], u_start["tests"]) == (NOT_VERIFIED, "the method cannot set it", [])


def test_untraced_names_a_value_the_report_left_out(record: Any) -> None:
    _campaign(record)
    from bench.recorder import read_record

    report = assemble_report(read_record(record.path))
    assert untraced(report, [*DECLARED, "grid_restart_delay_s"]) == ["declared.grid_restart_delay_s"]
    broken = copy.deepcopy(report)
    broken["traceability"][0]["parameters"].pop()
    assert untraced(broken, DECLARED) == ["PV-VRT-01.u_max"]


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return " ".join(" ".join(texts).split())
    finally:
        doc.close()


def test_the_pdf_states_sensitivities_and_values_not_verified(record: Any, tmp_path: Path) -> None:
    from reports.pdf import render_pdf

    _campaign(record)
    text = _pdf_text(render_pdf(build_report(record.path, tmp_path / "out")))
    assert "sensitivity: passes a time up to 10.5 s (1.05 x the required 10 s)" in text
    assert "parameters not verified: t_response" in text
    assert "declared min_off_time_s = 30: not verified" in text
