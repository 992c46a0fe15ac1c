"""Proofs for PV-SUNSPEC-CONFORMANCE (test_suites/pv_inverter/test_sunspec_conformance.py): the
compliant reference inverter passes (read from the session's shared reference campaign, which runs
the whole catalog), and each SunSpec fault knob makes the requirement FAIL on the device's own
answers over the wire.

``readback_scale_factor_wrong``: the active 706 curve's RspTms is read back at scale factor 0 while
706.RspTms_SF says -1, so the written response time reads a tenth of itself: the read-back is off
by far more than the one count (0.1 s) it may deviate. ``accepts_unordered_curve``: a volt-watt
curve with its voltages in reverse order is adopted (AdptCrvRslt COMPLETED), so it is not refused
and the active curve changes.
"""

from __future__ import annotations

import pytest
from proof_campaigns import SHARED_REFERENCE_GROUP

REQ = "PV-SUNSPEC-CONFORMANCE"


def _failed_checks(result) -> list[str]:
    return [c["name"] for r in result.report["requirements"] if r["id"] == REQ for c in r["checks"]
            if c["verdict"] == "FAIL"]


@pytest.mark.parametrize("knobs, expected, failing", [
    pytest.param({}, "PASS", [], id="reference-PASS", marks=[SHARED_REFERENCE_GROUP]),
    pytest.param({"readback_scale_factor_wrong": True}, "FAIL", ["write 1: 706.Crv.RspTms: read - written"],
                 id="readback_scale_factor_wrong-FAIL"),
    pytest.param({"accepts_unordered_curve": True}, "FAIL",
                 ["curve with voltages out of order refused by the device",
                  "active 706 curve unchanged after the curve with voltages out of order"],
                 id="accepts_unordered_curve-FAIL"),
])
def test_verdict(shared_campaign, knobs, expected, failing):
    result = shared_campaign(knobs=knobs, requirements=[REQ])
    assert result.verdict(REQ) == expected, result.report.get("requirements")
    assert _failed_checks(result) == failing
