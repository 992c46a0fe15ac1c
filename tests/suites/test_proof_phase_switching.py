"""Proofs of EV-PHASE-SWITCH (test_suites/ev_charger/test_phase_switching.py) on the reference OCPP 2.0.1
charger (device_profiles/sim-ev-charger-201.yaml: phase switching, declared minimum interval 30 s,
its simulation 32 s). Its compliant PASS is in test_proof_ev_charger_compliant.py (the whole campaign);
the campaigns here are shared with test_proof_load_balancing.py (proof_campaigns.SITE_CAMPAIGNS).

A charger switching again 31 s after the last switch started PASSes (1 s sampling guard band); one
that ignores the interval switches back 18 s after, as soon as asked (FAIL), and under P1 load
balancing follows the household load's 10 s high / low with a switch each time (FAIL).
"""

from __future__ import annotations

import pytest
from proof_campaigns import failed_check_names, site_campaign

REQ = "EV-PHASE-SWITCH"


def test_just_inside_the_minimum_interval_passes(shared_campaigns):
    result = site_campaign(shared_campaigns, "just-inside")
    assert result.verdict(REQ) == "PASS", (failed_check_names(result, REQ), result.stderr[-3000:])
    checks = {c["name"]: c for r in result.report["requirements"] if r["id"] == REQ for c in r["checks"]}
    assert checks["time between the starts of two switches"]["measured"] == pytest.approx(31.0)
    assert checks["pause without current during the switch"]["measured"] == pytest.approx(5.0)
    assert checks["shortest time between two switches under load balancing"]["verdict"] == "PASS"


@pytest.mark.parametrize(("campaign", "caught_by"), [
    ("ignores", ["charging on L2 only: reached"]),                 # ignores numberPhases: stays on three
    ("wrong-phase", ["charging on L2 only: reached"]),             # ignores phaseToUse: lands on L1
    # on command, and by itself under P1 load balancing (the short high / low of the household load)
    ("too-slow-too-fast", ["time between the starts of two switches",
                           "shortest time between two switches under load balancing"]),
])
def test_fault_knob_fails(shared_campaigns, campaign, caught_by):
    result = site_campaign(shared_campaigns, campaign)
    assert result.verdict(REQ) == "FAIL", result.stderr[-3000:]
    names = failed_check_names(result, REQ)
    assert all(any(check in name for name in names) for check in caught_by), names
