"""Proofs that the PV suites use the settable ranges of the catalog: the setting a test writes and judges
(P(U) Tr, LFSM-O droop) must lie in its range, so a lab override outside it makes the test inconclusive
(never a verdict on the device), and the reference settings inside it leave the range exercised.
The full campaign's traceability (every parameter exercised or listed with the method's reason) is
asserted in test_full_campaign.py."""

from __future__ import annotations

RESPONSE = "PV-PU-RESPONSE"
LFSM = "PV-LFSM-O"


def _checks(result, requirement: str) -> list[dict]:
    return [c for r in result.report["requirements"] if r["id"] == requirement for c in r["checks"]]


def test_a_setting_outside_its_settable_range_is_inconclusive(lab):
    bench = lab.bench({"catalog_overrides": {RESPONSE: {"response_time_s": 90.0}, LFSM: {"droop_pct": 15.0}}})
    result = lab.run(bench=bench, requirements=[RESPONSE, LFSM])
    assert result.verdict(RESPONSE) == result.verdict(LFSM) == "INCONCLUSIVE", result.stdout[-2000:]
    (tr,) = _checks(result, RESPONSE)
    assert "response_time_s 90 lies outside the settable range response_time_range_s 0.5-60" in tr["detail"], tr
    (droop,) = _checks(result, LFSM)
    assert "droop_pct 15 lies outside the settable range droop_range_pct 2-12" in droop["detail"], droop


def test_the_reference_settings_exercise_their_ranges(campaign):
    result = campaign(requirements=[RESPONSE, LFSM])
    assert result.verdict(RESPONSE) == "PASS" and result.verdict(LFSM) == "PASS", result.stdout[-2000:]
    status = {(row["requirement"], p["name"]): p["status"] for row in result.report["traceability"]
              for p in row["parameters"]}
    assert status[(RESPONSE, "response_time_range_s")] == status[(LFSM, "droop_range_pct")] == "exercised"
