"""Proofs of EV-LOADBAL-P1 (test_suites/ev_charger/test_load_balancing.py) on the reference OCPP 2.0.1
charger (device_profiles/sim-ev-charger-201.yaml: P1 load balancing, main fuse 3 x 25 A, declared
response time 8 s). Its compliant PASS is in test_proof_ev_charger_compliant.py (the whole campaign);
the campaigns here are shared with test_proof_phase_switching.py (proof_campaigns.SITE_CAMPAIGNS).

The charger reacts 1 s after a telegram (p1_response_delay_s), then its pilot (1 s) and the EV (2 s):
about 3 s plus up to a 1 s telegram wait. x4 on its delay settles 7 s after the step (PASS with the
1 s sampling guard band under 8 s); x7 settles after 10 s (FAIL).
"""

from __future__ import annotations

import pytest
from proof_campaigns import failed_check_names, site_campaign

REQ = "EV-LOADBAL-P1"


def test_just_inside_the_response_time_passes(shared_campaigns):
    result = site_campaign(shared_campaigns, "just-inside")
    assert result.verdict(REQ) == "PASS", (failed_check_names(result, REQ), result.stderr[-3000:])
    checks = {c["name"]: c for r in result.report["requirements"] if r["id"] == REQ for c in r["checks"]}
    settle = next(c for name, c in checks.items() if "time until the connection point" in name)
    assert settle["measured"] == pytest.approx(7.0)


@pytest.mark.parametrize(("campaign", "caught_by"), [
    ("ignores", "connection point at or under the main fuse"),
    ("wrong-phase", "connection point at or under the main fuse"),      # reads L1, the step is on L2
    ("too-slow-too-fast", "time until the connection point is at or under the main fuse"),
])
def test_fault_knob_fails(shared_campaigns, campaign, caught_by):
    result = site_campaign(shared_campaigns, campaign)
    assert result.verdict(REQ) == "FAIL", result.stderr[-3000:]
    names = failed_check_names(result, REQ)
    assert any(caught_by in name for name in names), names
    assert any("highest connection-point phase import from Tr on" in name for name in names), names
