"""ISO/IEC 17025 7.8 content, traceability matrix and per-test evidence, from synthetic records."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from reports import content
from reports.build import build_report
from reports.html_evidence import INLINE_HEAD, INLINE_TAIL
from reports.evidence import EXCERPT_HEAD, EXCERPT_TAIL

LAB = {"name": "Example Test Lab", "address": "Teststraat 1, 2600 AA Delft", "accreditation_id": "L999",
       "report_title": "Type test report", "authoriser": {"name": "J. Jansen", "role": "technical manager"}}
ORDER = {"customer": "ACME Solar BV", "received": "2026-11-20", "reference": "PO-123"}


def _campaign(record: Any, helpers: Any, **start: Any) -> None:
    record.start(laboratory=LAB, order=ORDER, dut_condition="new, undamaged", **start)
    nodeid = "test_suites/pv/test_vrt.py::test_stay_connected"
    record.line("test_start", nodeid=nodeid, name="test_stay_connected", requirements=["PV-VRT-01"], doc="")
    for i in range(EXCERPT_HEAD + EXCERPT_TAIL + 25):
        record.line("command", target="ac_source", text=f"SOURce:VOLTage:AC {200 + i}")
        record.line("command", target="ac_source", text="SYSTem:ERRor?")
    record.line("command", target="dut", text="read (addr 40000 count 3)")
    record.line("sample", phases=[[230.0, 10.0, 2300.0, 0.0, 2300.0, 1.0]] * 3, frequency_hz=50.0,
                active_power_w=6900.0, dut={"active_power_w": 6890.0, "voltage_v": [230.1, 230.0, 229.9]})
    record.line("sample", phases=[[231.0, 10.0, 2310.0, 0.0, 2310.0, 1.0]] * 3, frequency_hz=50.01,
                active_power_w=6930.0)
    record.line("check", nodeid=nodeid, **helpers.make_check("PV-VRT-01"))
    record.line("test_end", nodeid=nodeid, outcome="PASS", message="", requirements=["PV-VRT-01"])
    record.line("command", target="ac_source", text="OUTPut:STATe OFF")  # after the test: bench tear-down
    record.test("t.py::test_lim", ["PV-LIM-01"], "SKIPPED", message="not wired")
    record.end("INCONCLUSIVE")


def test_iso17025_identification_method_dates_and_authoriser(record: Any, helpers: Any, tmp_path: Path) -> None:
    _campaign(record, helpers)
    report = build_report(record.path, tmp_path / "out")
    assert report["format"] == "flexbench-report/2" and report["title"] == "Type test report"
    assert report["laboratory"] == {"declared": True, "name": LAB["name"], "address": LAB["address"],
                                    "accreditation_id": "L999", "authoriser": LAB["authoriser"],
                                    "place_of_testing": None, "environment": {},
                                    "statement": content.RESULTS_RELATE_ONLY}
    assert report["customer"] == {"name": "ACME Solar BV", "order_reference": "PO-123"}
    assert report["dut"]["condition"] == "new, undamaged"
    dates = report["dates"]
    assert dates["received"] == "2026-11-20"
    assert dates["tested_from"] == dates["tested_to"] == dates["issued"] == "2026-11-27"  # from wall_utc lines
    assert "campaign_end" in dates["issued_basis"]
    assert report["method"]["requirement_set"] == {"name": "flexbench-catalog", "version": "2026.11"}
    assert report["method"]["decision_rule"]["id"] == "simple_acceptance"
    assert "EN 50549-1" in report["method"]["specifications"]
    assert report["conformity"]["decision_rule"] in report["conformity"]["statement"]
    vrt = next(c for c in report["conformity"]["requirements"] if c["requirement"] == "PV-VRT-01")
    assert "conforms to PV-VRT-01 (EN 50549-1 4.4.2" in vrt["statement"]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for needle in ("Type test report", "Teststraat 1", "L999", "ACME Solar BV", "PO-123", "2026-11-20",
                   "J. Jansen, technical manager", "new, undamaged", "Statement of conformity",
                   "simple acceptance (ILAC-G8:09/2019 4.2.1)"):
        assert needle in html, needle


def test_report_id_and_simulation_notice_repeat_on_every_printed_page(record: Any, helpers: Any,
                                                                     tmp_path: Path) -> None:
    _campaign(record, helpers)
    report = build_report(record.path, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert report["simulation_notice"] and "not a certificate" in report["simulation_notice"]
    for cls in ("print-header sim", "print-footer sim"):
        start = html.index(f'<div class="{cls}">')
        running = html[start:html.index("</div>", start)]
        assert report["report_id"] in running and "SIMULATED" in running
    assert "position: fixed" in html
    assert html.rstrip().endswith(f'<p class="end">End of report {report["report_id"]}</p></body></html>')


def test_calibration_overdue_at_test_date_is_flagged(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.line("instrument", role="pv_simulator", model="X", resource="r", idn="X,1", calibration_due="2026-11-26",
                simulated=True)
    record.end()
    report = build_report(record.path, tmp_path / "out")
    status = {i["role"]: i["calibration_overdue"] for i in report["bench"]["instruments"]}
    assert status == {"ac_source": None, "power_analyzer": False, "pv_simulator": True}
    assert any("pv_simulator calibration was due 2026-11-26" in d for d in report["deviations"])
    assert any("ac_source has no calibration due date" in d for d in report["deviations"])
    assert "OVERDUE at the test date" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_unconfirmed_commands_of_an_instrument_are_a_deviation(record: Any, tmp_path: Path) -> None:
    record.start()
    record.line("instrument", role="pv_simulator", model="chroma_62150h_1000s", resource="r", idn="X,1",
                calibration_due="2027-01-31", simulated=True, unconfirmed_commands=["SYSTem:ERRor", "TRIG"])
    record.end()
    report = build_report(record.path, tmp_path / "out")
    by_role = {i["role"]: i["unconfirmed_commands"] for i in report["bench"]["instruments"]}
    assert by_role == {"ac_source": [], "power_analyzer": [], "pv_simulator": ["SYSTem:ERRor", "TRIG"]}
    assert any(d.startswith("pv_simulator (chroma_62150h_1000s): its driver may send 2 command(s) no public source")
               for d in report["deviations"])


def test_identity_mismatch_and_overrides_are_deviations_or_observations(record: Any, tmp_path: Path) -> None:
    record.start(catalog_overrides={"PV-PU-01": {"u_start": 251.0}})
    record.line("dut_identity", declared={"firmware_version": "1.2"}, read={"firmware_version": "1.3"})
    record.end()
    report = build_report(record.path, tmp_path / "out")
    assert report["dut"]["identity_mismatches"] == ["firmware_version"]
    assert any("declared '1.2' but read '1.3'" in o for o in report["observations"])
    assert any(d.startswith("catalog override of PV-PU-01") for d in report["deviations"])
    assert "MISMATCH" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_traceability_matrix_lists_every_requirement_with_tests_and_not_tested(record: Any, helpers: Any,
                                                                              tmp_path: Path) -> None:
    _campaign(record, helpers)
    report = build_report(record.path, tmp_path / "out")
    matrix = {row["requirement"]: row for row in report["traceability"]}
    assert list(matrix) == ["PV-VRT-01", "PV-PU-01", "PV-LIM-01"]
    assert matrix["PV-VRT-01"]["tests"] == [{"nodeid": "test_suites/pv/test_vrt.py::test_stay_connected",
                                             "outcome": "PASS"}]
    assert matrix["PV-VRT-01"]["checks"]["PASS"] == 1 and matrix["PV-VRT-01"]["verdict"] == "PASS"
    assert matrix["PV-PU-01"] == {"requirement": "PV-PU-01", "title": matrix["PV-PU-01"]["title"], "mandatory": True,
                                  "tests": [], "checks": {"total": 0, "PASS": 0, "FAIL": 0, "INCONCLUSIVE": 0},
                                  "verdict": "NOT_TESTED",
                                  "parameters": [
                                      {"name": n, "value": v, "unit": u, "status": "not verified", "tests": [],
                                       "reason": "the record carries no parameter reads"}
                                      for n, v, u in (("u_start", 250.7, "V"), ("t_response", 10, "s"))]}
    assert matrix["PV-LIM-01"]["tests"][0]["outcome"] == "SKIPPED"
    assert report["verdict"] != "COMPLIANT"  # mandatory PV-PU-01 untested
    assert any("mandatory requirement PV-PU-01 NOT TESTED" in d for d in report["deviations"])
    assert any("t.py::test_lim SKIPPED: not wired" in d for d in report["deviations"])
    assert "Traceability matrix" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_wire_trace_excerpt_is_abbreviated_with_counts(record: Any, helpers: Any, tmp_path: Path) -> None:
    _campaign(record, helpers)
    report = build_report(record.path, tmp_path / "out")
    test = report["tests"][0]
    wt = test["wire_trace"]
    n_set = EXCERPT_HEAD + EXCERPT_TAIL + 25
    assert wt["total"] == 2 * n_set + 1  # the tear-down line after test_end is not the test's
    assert wt["by_target"] == {"ac_source": 2 * n_set, "dut": 1}
    assert wt["settings_total"] == n_set and wt["settings_omitted"] == 25
    assert len(wt["settings"]) == EXCERPT_HEAD + EXCERPT_TAIL
    assert wt["settings"][0]["text"] == "SOURce:VOLTage:AC 200"
    assert wt["settings"][-1]["text"] == f"SOURce:VOLTage:AC {200 + n_set - 1}"
    assert wt["queries"][0] == {"target": "ac_source", "text": "SYSTem:ERRor?", "count": n_set}
    assert report["bench"]["commands_outside_tests"] == 1
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    inline_hidden = len(wt["settings"]) - INLINE_HEAD - INLINE_TAIL    # the HTML shows a shorter excerpt
    assert f"{25 + inline_hidden} more setting lines" in html and "SYSTem:ERRor? \u00d7" in html


def test_raw_samples_csv_and_trace_are_written_and_referenced(record: Any, helpers: Any, tmp_path: Path) -> None:
    _campaign(record, helpers)
    out = tmp_path / "out"
    report = build_report(record.path, out)
    raw = report["tests"][0]["raw_data"]
    csv_path, trace_path = out / raw["samples_csv"], out / raw["trace_txt"]
    assert raw["samples_csv"] == "raw/test_vrt__test_stay_connected.csv"
    assert hashlib.sha256(csv_path.read_bytes()).hexdigest() == raw["samples_sha256"]
    assert hashlib.sha256(trace_path.read_bytes()).hexdigest() == raw["trace_sha256"]
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert raw["samples"] == len(rows) == 2
    assert rows[0]["U1_V"] == "230.0" and rows[1]["frequency_hz"] == "50.01"
    assert rows[0]["dut.voltage_v[3]"] == "229.9" and rows[1]["dut.active_power_w"] == ""
    assert trace_path.read_text(encoding="utf-8").count("SOURce:VOLTage:AC") == EXCERPT_HEAD + EXCERPT_TAIL + 25
    assert raw["samples_csv"] in (out / "report.html").read_text(encoding="utf-8")
    # a rebuild leaves no stale evidence and identical bytes
    (out / "raw" / "stale.csv").write_text("old", encoding="utf-8")
    first = (out / "report.json").read_bytes()
    build_report(record.path, out)
    assert not (out / "raw" / "stale.csv").exists()
    assert (out / "report.json").read_bytes() == first


def test_uncertainty_basis_names_the_instrument_accuracy(record: Any, helpers: Any, tmp_path: Path) -> None:
    bench = {"file": "b.yaml", "name": "b", "config": {"instruments": {"power_analyzer": {
        "model": "m", "resource": "r", "accuracy": {"voltage_v": 0.3, "power_w": 8.0}}}}}
    record.line("campaign_start", format="flexbench-record/1", campaign_id="c", bench=bench,
                profile={"file": "p", "config": {"ratings": {"phase_count": 3}}}, market="NL",
                catalog={"name": "c", "version": "1", "requirements": helpers.CATALOG_REQUIREMENTS},
                clock={"mode": "virtual", "start_calendar": None, "sample_period_s": 0.2},
                simulated=True, decision_rule="guard_band")
    power = {**helpers.make_check("PV-PU-01"), "unit": "W", "uncertainty": 24.0}
    time_check = {**helpers.make_check("PV-PU-01"), "unit": "s", "uncertainty": 0.2}
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS", checks=[helpers.make_check("PV-VRT-01"), power, time_check])
    record.end()
    report = build_report(record.path, tmp_path / "out")
    bases = [c["uncertainty_basis"] for r in report["requirements"] for c in r["checks"]]
    assert bases == ["power_analyzer accuracy voltage_v = 0.3 V (bench config, k = 2)",
                     "power_analyzer accuracy power_w = 8 W (bench config, k = 2) x 3 phases "
                     "(total of per-phase readings)",
                     "time resolution: the recorder sample period 0.2 s"]
    assert report["measurement_uncertainty"]["instrument_accuracy"] == [
        {"role": "power_analyzer", "quantity": "power_w", "value": 8.0, "unit": "W"},
        {"role": "power_analyzer", "quantity": "voltage_v", "value": 0.3, "unit": "V"}]
    assert report["method"]["decision_rule"]["id"] == "guard_band"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "binary guard band, w = U (ILAC-G8:09/2019 4.2.3)" in html and "x 3 phases" in html


def test_report_without_laboratory_says_so(record: Any, tmp_path: Path) -> None:
    record.start(simulated=False)
    record.end()
    report = build_report(record.path, tmp_path / "out")
    assert report["laboratory"]["declared"] is False and report["laboratory"]["authoriser"] is None
    assert report["simulation_notice"] is None and report["customer"]["name"] is None
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "no laboratory identity in the bench config" in html and "no authoriser named" in html
    json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
