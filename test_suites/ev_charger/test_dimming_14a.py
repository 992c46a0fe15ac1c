"""§14a EnWG dimming (EV-14A-DIMMING): charging power reduced to 4.2 kW within the response time.

Method: the grid operator's dimming reaches the charger the way an energy manager / CSMS sends it
over OCPP: a station-maximum profile (1.6 ChargePointMaxProfile, 2.0.1 ChargingStationMaxProfile,
connector 0) of ``dimmed_power_w`` in W. From full-power charging, the measured total consumption
must settle within [dimmed - tolerance_low_pct, dimmed + tolerance_pct] within the response time
and stay there for ``hold_s`` (a dimmed device keeps at least 4.2 kW); when the dimming profile is
cleared, the per-phase current returns to the full expected current within the response time. A
charger rated at 4.2 kW or less is not dimmed (NOT_APPLICABLE).
"""

from __future__ import annotations

import pytest

from links.ocpp import ProfilePurpose
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S
from test_suites.evidence import stimulus_series

REQ = "EV-14A-DIMMING"


@pytest.mark.requirement(REQ)
def test_dimming_to_4_2_kw(dut):
    """Station maximum of 4.2 kW: consumption at 4.2 kW within Tr, and full power after it is lifted."""
    dimmed_w = float(dut.param(REQ, "dimmed_power_w"))
    high_w = dimmed_w * (1.0 + float(dut.param(REQ, "tolerance_pct")) / 100.0)
    low_w = dimmed_w * (1.0 - float(dut.param(REQ, "tolerance_low_pct")) / 100.0)
    tol_a = float(dut.param(REQ, "tolerance_a"))
    tr = dut.response_time_s(REQ)
    hold_s = float(dut.param(REQ, "hold_s"))
    if dut.p_rated_w <= dimmed_w:
        pytest.skip(f"NOT_APPLICABLE: rated {dut.p_rated_w:g} W: §14a dims devices above {dimmed_w:g} W only")
    dut.needs("smart_charging")
    dut.transition("charging")
    full_w = dut.watts_for_amps(dut.rated_current_a)
    spec = dut.charging_profile(ProfilePurpose.STATION_MAX, [(0, dimmed_w)], unit="W")
    if not dut.install(REQ, spec):
        return
    t_dim = dut.now_s()
    dut.wait(tr + hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_follow(REQ, f"dimmed to {dimmed_w:g} W", t_change_s=t_dim, t_end_s=dut.now_s(), low=low_w, high=high_w,
                     response_time_s=tr, peak_limit=None, unit="W",
                     detail=f"§14a: {dimmed_w:g} W -{dut.param(REQ, 'tolerance_low_pct'):g} % / "
                           f"+{dut.param(REQ, 'tolerance_pct'):g} %; full power was about {full_w:.0f} W",
                     stimulus=stimulus_series("ChargePointMaxProfile limit / W", [t_dim], [dimmed_w], staircase=True,
                                              axis=(0, dimmed_w)))
    dut.step(f"ClearChargingProfile id {spec.profile_id}: dimming lifted")
    dut.link.clear_charging_profile(profile_id=spec.profile_id)
    t_lift = dut.now_s()
    dut.wait(tr + hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_limit_step(REQ, "dimming lifted: full current again", t_change_s=t_lift, t_end_s=dut.now_s(),
                         limit=dut.rated_current_a, tolerance=tol_a, response_time_s=tr, previous_limit=None)
