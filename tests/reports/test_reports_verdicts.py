"""Requirement and campaign verdicts built from synthetic records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.verdicts import EXIT_CODES, campaign_verdict
from reports.build import build_report, verdict_inputs


def _build(rec: Any, tmp_path: Path) -> dict[str, Any]:
    return build_report(rec.path, tmp_path / "out")


def _recomputed(report: dict[str, Any]) -> str:
    """The campaign verdict recomputed from the report's requirements and tests."""
    return campaign_verdict(verdict_inputs(report)).verdict.value


def _verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in report["requirements"]}


def test_all_pass_is_compliant(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = _build(record, tmp_path)
    assert report["verdict"] == "COMPLIANT" == _recomputed(report)
    assert set(_verdicts(report).values()) == {"PASS"}
    assert report["verdict_reasons"] == []
    assert report["summary"]["tests"]["PASS"] == 3
    assert EXIT_CODES[_recomputed(report)] == 0


def test_one_fail_is_non_compliant_and_only_that_requirement_fails(record: Any, helpers: Any,
                                                                    tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS", checks=[helpers.make_check("PV-VRT-01")])
    record.test("t.py::test_pu", ["PV-PU-01"], "FAIL", message="P did not drop",
                checks=[helpers.make_check("PV-PU-01", "FAIL", measured=260.0)])
    record.test("t.py::test_lim", ["PV-LIM-01"], "PASS", checks=[helpers.make_check("PV-LIM-01")])
    record.end("NON_COMPLIANT")
    report = _build(record, tmp_path)
    assert _verdicts(report) == {"PV-VRT-01": "PASS", "PV-PU-01": "FAIL", "PV-LIM-01": "PASS"}
    assert _recomputed(report) == "NON_COMPLIANT"
    assert EXIT_CODES["NON_COMPLIANT"] == 1
    pu = next(t for t in report["tests"] if t["nodeid"] == "t.py::test_pu")
    assert (pu["outcome"], pu["message"]) == ("FAIL", "P did not drop")


def test_error_makes_campaign_inconclusive(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS", checks=[helpers.make_check("PV-VRT-01")])
    record.test("t.py::test_pu", ["PV-PU-01"], "ERROR", message="InstrumentTimeout: power_analyzer")
    record.test("t.py::test_lim", ["PV-LIM-01"], "PASS")
    record.end("INCONCLUSIVE")
    report = _build(record, tmp_path)
    assert _verdicts(report)["PV-PU-01"] == "INCONCLUSIVE"
    assert _recomputed(report) == "INCONCLUSIVE"
    assert EXIT_CODES["INCONCLUSIVE"] == 2
    assert any("ERROR" in r for r in report["verdict_reasons"])


def test_inconclusive_check_makes_requirement_inconclusive(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS",
                checks=[helpers.make_check("PV-VRT-01"), helpers.make_check("PV-VRT-01", "INCONCLUSIVE")])
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS")
    record.end()
    report = _build(record, tmp_path)
    assert _verdicts(report)["PV-VRT-01"] == "INCONCLUSIVE"
    assert report["verdict"] == "INCONCLUSIVE"


def test_missing_campaign_end_is_inconclusive(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS", checks=[helpers.make_check("PV-VRT-01")])
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS", checks=[helpers.make_check("PV-PU-01")])
    record.test("t.py::test_lim", ["PV-LIM-01"], "PASS")
    report = _build(record, tmp_path)  # no campaign_end
    assert set(_verdicts(report).values()) == {"PASS"}
    assert report["campaign"]["complete"] is False
    assert _recomputed(report) == "INCONCLUSIVE"


def test_crash_mid_test_and_torn_last_line(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS", checks=[helpers.make_check("PV-VRT-01")])
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS", checks=[helpers.make_check("PV-PU-01")], end=False)
    with record.path.open("a", encoding="utf-8") as fh:
        fh.write('{"seq": 99, "kind": "sam')  # the bench died while writing
    report = _build(record, tmp_path)
    verdicts = _verdicts(report)
    assert verdicts["PV-PU-01"] == "INCONCLUSIVE"  # started, never finished: an ERROR
    assert verdicts["PV-LIM-01"] == "NOT_TESTED"  # the record ended before it ran
    crashed = next(t for t in report["tests"] if t["nodeid"] == "t.py::test_pu")
    assert crashed["outcome"] == "ERROR" and crashed["recorded_end"] is False
    assert _recomputed(report) == "INCONCLUSIVE"


def test_uncovered_mandatory_requirement_is_not_tested(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS", checks=[helpers.make_check("PV-VRT-01")])
    record.test("t.py::test_lim", ["PV-LIM-01"], "PASS")
    record.end()
    report = _build(record, tmp_path)
    assert _verdicts(report)["PV-PU-01"] == "NOT_TESTED"
    assert report["summary"]["mandatory_not_tested"] == 1
    assert _recomputed(report) != "COMPLIANT"
    assert _recomputed(report) == "INCONCLUSIVE"


def test_uncovered_optional_requirement_does_not_block_compliance(record: Any, helpers: Any,
                                                                  tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS")
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS")
    record.end()
    report = _build(record, tmp_path)
    assert _verdicts(report)["PV-LIM-01"] == "NOT_TESTED"
    assert _recomputed(report) == "COMPLIANT"


def test_not_applicable_requirement(record: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS")
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS")
    record.test("t.py::test_lim", ["PV-LIM-01"], "NOT_APPLICABLE", message="profile has no power limit")
    record.end()
    report = _build(record, tmp_path)
    assert _verdicts(report)["PV-LIM-01"] == "NOT_APPLICABLE"
    assert _recomputed(report) == "COMPLIANT"


def test_requirement_claimed_but_not_in_catalog_is_reported(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    lines = record.path.read_text(encoding="utf-8").splitlines()
    record.path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    record.test("t.py::test_extra", ["XX-01"], "FAIL")
    record.end()
    report = _build(record, tmp_path)
    extra = next(r for r in report["requirements"] if r["id"] == "XX-01")
    assert extra["in_catalog"] is False and extra["verdict"] == "FAIL"
    assert _recomputed(report) == "NON_COMPLIANT"


def test_campaign_verdict_is_recomputed_from_the_report(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = _build(record, tmp_path)
    report["requirements"][0]["verdict"] = "FAIL"
    assert _recomputed(report) == "NON_COMPLIANT"


def test_recorded_verdict_disagreement_is_observed(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("t.py::test_vrt", ["PV-VRT-01"], "FAIL")
    record.end("COMPLIANT")  # the bench claimed more than its own record supports
    report = _build(record, tmp_path)
    assert report["verdict"] == "NON_COMPLIANT"
    assert any("recorded campaign verdict COMPLIANT" in o for o in report["observations"])


def test_campaign_that_passed_nothing_is_not_compliant(record: Any, tmp_path: Path) -> None:
    record.start(requirements=[{"id": "OPT-1", "title": "optional", "source": "s", "clause": "c",
                                "mandatory": False, "confidence": "policy", "parameters": {}}])
    record.test("t.py::test_opt", ["OPT-1"], "NOT_APPLICABLE")
    record.end()
    report = _build(record, tmp_path)
    assert report["requirements"][0]["verdict"] == "NOT_APPLICABLE"
    assert _recomputed(report) == "INCONCLUSIVE"


# ----------------------------------------------------------------------------- the bench's recorded verdict

class _Options:
    """The one pytest option FlexbenchState reads when it is created."""

    def getoption(self, name: str) -> Any:
        return False


class _RecorderAdapter:
    """Lets a Checker write its check lines into the synthetic record."""

    def __init__(self, record: Any) -> None:
        self.record = record

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.record.line(kind, **fields)
        return fields


# (nodeid, declared requirements, outcome, checks as (requirement, "PASS" | "FAIL" | "INCONCLUSIVE"))
PLUGIN_SCENARIOS = {
    "all pass": [("t::vrt", ["PV-VRT-01"], "PASS", [("PV-VRT-01", "PASS")]),
                 ("t::pu", ["PV-PU-01"], "PASS", [("PV-PU-01", "PASS")]),
                 ("t::lim", ["PV-LIM-01"], "PASS", [])],
    "optional left out": [("t::vrt", ["PV-VRT-01", "PV-PU-01"], "PASS", [])],
    "one fail": [("t::vrt", ["PV-VRT-01"], "PASS", []), ("t::pu", ["PV-PU-01"], "FAIL", [("PV-PU-01", "FAIL")])],
    "bench error": [("t::vrt", ["PV-VRT-01"], "PASS", []), ("t::pu", ["PV-PU-01"], "ERROR", [])],
    "inconclusive check": [("t::vrt", ["PV-VRT-01"], "PASS", []),
                           ("t::pu", ["PV-PU-01"], "ERROR", [("PV-PU-01", "INCONCLUSIVE")])],
    "mandatory only skipped": [("t::vrt", ["PV-VRT-01"], "PASS", []), ("t::pu", ["PV-PU-01"], "SKIPPED", [])],
    "mandatory not applicable and skipped": [("t::vrt", ["PV-VRT-01"], "PASS", []),
                                             ("t::pu1", ["PV-PU-01"], "NOT_APPLICABLE", []),
                                             ("t::pu2", ["PV-PU-01"], "SKIPPED", [])],
    "check on an undeclared requirement": [("t::vrt", ["PV-VRT-01"], "PASS", [("PV-PU-01", "PASS")])],
    "claimed outside the catalog": [("t::vrt", ["PV-VRT-01", "PV-PU-01", "XX-01"], "PASS", [])],
    "nothing applicable": [("t::all", ["PV-VRT-01", "PV-PU-01"], "NOT_APPLICABLE", [])],
}


@pytest.mark.parametrize("scenario", sorted(PLUGIN_SCENARIOS))
def test_plugin_records_the_verdict_the_report_recomputes(scenario: str, record: Any, helpers: Any,
                                                          tmp_path: Path) -> None:
    """The verdict the pytest plugin writes into campaign_end and the report's verdict come from the
    same rule and the same facts, so they never disagree."""
    from bench.checks import Checker
    from bench.verdicts import DecisionRule, TestOutcome
    from fixtures.plugin import FlexbenchState

    state = FlexbenchState(_Options())  # type: ignore[arg-type]
    record.start()
    for nodeid, requirements, outcome, checks in PLUGIN_SCENARIOS[scenario]:
        record.line("test_start", nodeid=nodeid, name=nodeid, requirements=requirements, doc="")
        checker = Checker(_RecorderAdapter(record), nodeid, DecisionRule.SIMPLE_ACCEPTANCE)
        for requirement, verdict in checks:
            if verdict == "INCONCLUSIVE":
                checker.inconclusive(requirement, "observed", "not observable")
            else:
                checker.require_true(requirement, "observed", verdict == "PASS")
        state.checkers[nodeid] = checker
        state.finished.append((nodeid, TestOutcome(outcome), requirements))
        record.line("test_end", nodeid=nodeid, outcome=outcome, message="", requirements=requirements)
    recorded = campaign_verdict(state.verdict_inputs(helpers.CATALOG_REQUIREMENTS)).verdict.value
    record.end(recorded)
    report = _build(record, tmp_path)
    assert report["verdict"] == recorded
    assert not any("recorded campaign verdict" in o for o in report["observations"])
