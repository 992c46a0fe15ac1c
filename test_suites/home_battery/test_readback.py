"""Readback accuracy: the battery's own active power reading against the power analyzer.

Method: at each catalog setpoint (discharge and charge), once settled, the map's
``active_power_w`` is read and compared with the analyzer at the same bench time; the largest
deviation must be within the declared ``readback_accuracy_pct_rated`` (else the catalog's) of rated
power, widened by the analyzer's expanded uncertainty, judged with that uncertainty.
NOT_APPLICABLE when the map has no ``active_power_w``.
"""

from __future__ import annotations

import pytest

from test_suites.home_battery.conftest import follows_setpoints

REQ = "BAT-READBACK"
READS = 3
READ_PERIOD_S = 5.0


@pytest.mark.requirement(REQ)
def test_active_power_readback(bat_step, check):
    """The active power readback agrees with the analyzer at discharge and charge setpoints."""
    bat = bat_step
    if not bat.has_point("active_power_w"):
        pytest.skip("NOT_APPLICABLE: the register map has no active_power_w readback")
    if not follows_setpoints(bat, check, REQ):
        return
    accuracy_w = bat.pct_of_rated_w(bat.declared("readback_accuracy_pct_rated", REQ, "accuracy_pct_rated"))
    settle_s = float(bat.param(REQ, "settle_s"))
    bat.bring_to_idle()
    worst = (0.0, 0.0, 0.0, 0.0)          # (deviation, t, readback, analyzer)
    try:
        for share in bat.param(REQ, "setpoints_pct_rated"):
            bat.write_setpoint(bat.pct_of_rated_w(share))
            bat.wait(settle_s, sample_period_s=1.0)
            for _ in range(READS):
                bat.wait(READ_PERIOD_S, sample_period_s=1.0)
                sample = bat.sample_now()
                readback = float(bat.link.read("active_power_w"))
                deviation = abs(readback - sample.reading.active_power_w)
                if deviation >= worst[0]:
                    worst = (deviation, sample.t_s, readback, sample.reading.active_power_w)
    finally:
        bat.write_setpoint(0.0)
    check.within(REQ, "largest |readback - analyzer| (Modbus active_power_w)", "power_deviation", "W", worst[0],
                 bat.u_power_w, None, accuracy_w + bat.u_power_w,
                 detail=f"at {worst[1]:.0f} s readback {worst[2]:.0f} W, analyzer {worst[3]:.0f} W; "
                        f"declared accuracy {accuracy_w:.0f} W + analyzer U")
