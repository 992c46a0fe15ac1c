""""Why not COMPLIANT" names the cause: the failed check (frame, missing point), the error that
ERRORed the tests (one line for a session or fixture failure, not one per test), bench errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.build import build_report

SESSION_ERROR = "ModelError: model 706 point RspTms_SF not implemented"


def test_a_session_failure_is_one_cause_line_naming_the_error(record: Any, tmp_path: Path) -> None:
    record.start()
    for i in range(31):
        record.test(f"test_suites/pv/test_{i}.py::test_{i}", ["PV-VRT-01"], "ERROR", message=SESSION_ERROR)
    record.line("event", level="error", message="bench could not be opened: lab not reachable")
    record.end("INCONCLUSIVE")
    report = build_report(record.path, tmp_path / "out")
    assert len(report["verdict_reasons"]) > 31                     # what: one line per ERROR test
    causes = report["verdict_causes"]
    errors = [c for c in causes if SESSION_ERROR in c]
    assert len(errors) == 1 and errors[0].startswith("31 tests (test_suites/pv/test_0.py::test_0, ")
    assert "and 28 more" in errors[0] and "ERROR (bench, not the device)" in errors[0]
    assert any(c.startswith("bench error at ") and "lab not reachable" in c for c in causes)
    assert "2 mandatory requirement(s) NOT TESTED: PV-VRT-01, PV-PU-01" not in causes   # VRT is INCONCLUSIVE
    assert "1 mandatory requirement(s) NOT TESTED: PV-PU-01" in causes
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "31 tests (test_suites/pv/test_0.py::test_0, test_suites/pv/test_1.py::test_1" in html


def test_a_fail_names_the_failed_check_with_its_evidence(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    lacks = {"requirement": "PV-PU-01", "name": "the device provides volt-watt (706)", "quantity": "observed",
             "unit": "bool", "measured": False, "uncertainty": None, "low": None, "high": None, "verdict": "FAIL",
             "rule": "OBSERVATION", "detail": "observed: no; Modbus exception 02 reading 706.RspTms_SF"}
    record.test("test_suites/pv/test_pu.py::test_pu", ["PV-PU-01"], "FAIL", checks=[lacks],
                message="[PV-PU-01] 1 check(s) failed")
    record.test("test_suites/pv/test_vrt.py::test_vrt", ["PV-VRT-01"], "FAIL",
                checks=[helpers.make_check("PV-VRT-01", "FAIL", measured=260.0)])
    record.end("NON_COMPLIANT")
    report = build_report(record.path, tmp_path / "out")
    causes = report["verdict_causes"]
    assert ("requirement PV-PU-01 FAIL: the device provides volt-watt (706): observed: no; Modbus exception 02 "
            "reading 706.RspTms_SF") in causes
    assert ("requirement PV-VRT-01 FAIL: PV-VRT-01 check: 260 V, required 195.5 \u2026 253 V (simple acceptance)"
            in causes)


def test_compliant_has_no_causes(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    assert report["verdict"] == "COMPLIANT" and report["verdict_causes"] == []
