"""Charge / discharge setpoints, judged on the measured active power (export positive).

Method: from idle (setpoint 0 W), each catalog step (share of rated power; + discharge, - charge) is
written to the map's ``setpoint_w`` and held. From the response time on (declared
``setpoint_response_time_s``, else the catalog's) the measured active power must stay within
setpoint +- band: the settling time is the time of the last sample outside the band (an overshoot
counts), and the largest deviation after it is judged against the band with the analyzer's
uncertainty.
"""

from __future__ import annotations

import numpy as np
import pytest

from test_suites.home_battery.conftest import follows_setpoints

REQ = "BAT-SETPOINT"
FINE_SAMPLE_S = 0.2
SAMPLE_S = 1.0


@pytest.mark.requirement(REQ)
def test_setpoint_steps(bat_step, check):
    """Each setpoint step is reached within Tr and held within the band."""
    bat = bat_step
    if not follows_setpoints(bat, check, REQ):
        return
    tr = bat.declared("setpoint_response_time_s", REQ, "response_time_s")
    band_w = bat.pct_of_rated_w(bat.param(REQ, "tolerance_pct_rated"))
    hold_s = float(bat.param(REQ, "hold_s"))
    bat.bring_to_idle()
    try:
        for share in bat.param(REQ, "setpoint_steps_pct_rated"):
            setpoint_w = bat.pct_of_rated_w(share)
            t0 = bat.now_s()
            bat.write_setpoint(setpoint_w)
            bat.wait(min(tr + 5.0, hold_s), sample_period_s=FINE_SAMPLE_S)
            bat.wait(max(hold_s - tr - 5.0, 0.0), sample_period_s=SAMPLE_S)
            t, p = bat.series(t0)
            outside = np.nonzero(np.abs(p - setpoint_w) > band_w)[0]
            plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power (export +) / W",
                    "t_s": t.tolist(), "y": p.tolist(), "window": [t0, t0 + tr]}
            what = f"setpoint {setpoint_w:+.0f} W"
            if outside.size and outside[-1] + 1 >= t.size:
                check.require_true(REQ, f"{what}: power within the band", False,
                                   f"outside {setpoint_w:+.0f} +- {band_w:.0f} W at the end of {hold_s:g} s",
                                   plot=plot)
                continue
            settle_s = float(t[outside[-1] + 1] - t0) if outside.size else 0.0
            check.within(REQ, f"{what}: time to enter the band for good", "time", "s", settle_s, FINE_SAMPLE_S,
                         None, tr, plot=plot, detail=f"band +- {band_w:.0f} W; Tr {tr:g} s")
            held = p[t >= t0 + tr]
            if held.size:
                check.within(REQ, f"{what}: largest deviation from the response time on", "power_deviation", "W",
                             float(np.max(np.abs(held - setpoint_w))), bat.u_power_w, None, band_w,
                             detail=f"over {hold_s - tr:g} s")
    finally:
        bat.write_setpoint(0.0)
