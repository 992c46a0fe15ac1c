"""Minimum charging current (EV-MIN-CURRENT): a limit under 6 A pauses charging, and charging
resumes when the limit rises again.

Method (IEC 61851-1 Annex A: 6 A is the lowest current a PWM pilot offers; below it the EVSE
pauses; OCPP 1.6 §3.13): from full-power charging a TxDefaultProfile of ``below_min_a`` is
installed: within the response time the measured per-phase current must fall to at most
``paused_current_a`` and stay there (no silent 6 A). The same profile is then replaced by
``resume_a``: the current must come back within +- tolerance of it within the response time.
"""

from __future__ import annotations

import pytest

from links.ocpp import ProfilePurpose
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S
from test_suites.evidence import stimulus_series

REQ = "EV-MIN-CURRENT"


@pytest.mark.requirement(REQ)
def test_limit_below_minimum_pauses_and_resumes(dut):
    """Below 6 A: paused (about 0 A measured); back above it: charging resumes."""
    below_a = float(dut.param(REQ, "below_min_a"))
    resume_a = float(dut.param(REQ, "resume_a"))
    paused_a = float(dut.param(REQ, "paused_current_a"))
    tol = float(dut.param(REQ, "tolerance_a"))
    tr = dut.response_time_s(REQ)
    hold_s = float(dut.param(REQ, "hold_s"))
    dut.needs("smart_charging")
    dut.transition("charging")
    profile_id = dut.next_profile_id()
    if not dut.install(REQ, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, below_a)], profile_id=profile_id)):
        return
    t_pause = dut.now_s()
    dut.wait(tr + hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_follow(REQ, f"limit {below_a:g} A (< {dut.param(REQ, 'min_current_a'):g} A): paused", t_change_s=t_pause,
                     t_end_s=dut.now_s(), low=None, high=paused_a, response_time_s=tr, peak_limit=None,
                     detail=f"paused: at most {paused_a:g} A per phase",
                     stimulus=stimulus_series("charging-profile limit / A", [t_pause], [below_a], staircase=True,
                                              axis=(0, below_a)))
    if not dut.install(REQ, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, resume_a)], profile_id=profile_id)):
        return
    t_resume = dut.now_s()
    dut.wait(tr + hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_limit_step(REQ, f"limit {resume_a:g} A: charging resumes", t_change_s=t_resume, t_end_s=dut.now_s(),
                         limit=resume_a, tolerance=tol, response_time_s=tr, previous_limit=paused_a)
