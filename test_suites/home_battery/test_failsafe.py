"""Watchdog failsafe (EEBus LPC/LPP semantics [impl]), judged on the measured active power.

Method: from a discharge setpoint (catalog share of rated power), the map's watchdog heartbeats
stop. Within the declared ``watchdog.timeout_s`` + response time the active power must be at the
declared ``failsafe_setpoint_w`` (else the catalog's 0 W) +- band and stay there; resumed heartbeats
alone must keep it there for the hold time; a new setpoint must then be followed again.
NOT_APPLICABLE when the register map declares no watchdog.
"""

from __future__ import annotations

import numpy as np
import pytest

from test_suites.home_battery.conftest import follows_setpoints

REQ = "BAT-FAILSAFE"
FINE_SAMPLE_S = 0.5
SAMPLE_S = 2.0


def _series_plot(t: np.ndarray, p: np.ndarray, window: list[float]) -> dict:
    return {"type": "series", "x_label": "bench time / s", "y_label": "active power (export +) / W",
            "t_s": t.tolist(), "y": p.tolist(), "window": window}


@pytest.mark.requirement(REQ)
def test_watchdog_failsafe(bat_step, check):
    """Heartbeats stop -> failsafe setpoint; resumed heartbeats keep it; a new setpoint ends it."""
    bat = bat_step
    if bat.link is None or bat.link.register_map.watchdog is None:
        pytest.skip("NOT_APPLICABLE: the register map declares no watchdog")
    if not follows_setpoints(bat, check, REQ):
        return
    link = bat.link
    timeout_s = float(link.register_map.watchdog.timeout_s)
    tr = bat.declared("failsafe_response_time_s", REQ, "response_time_s")
    failsafe_w = bat.declared("failsafe_setpoint_w", REQ, "failsafe_setpoint_w")
    band_w = bat.pct_of_rated_w(bat.param(REQ, "tolerance_pct_rated"))
    setpoint_w = bat.pct_of_rated_w(bat.param(REQ, "setpoint_pct_rated"))
    bat.bring_to_idle()
    try:
        bat.write_setpoint(setpoint_w)
        bat.wait(tr + 10.0, sample_period_s=1.0)
        bat.step(f"stop the watchdog heartbeats (timeout {timeout_s:g} s)")
        t0 = bat.now_s()
        link.pause_heartbeat()
        bat.wait(timeout_s + tr + 20.0, sample_period_s=FINE_SAMPLE_S)
        t, p = bat.series(t0)
        outside = np.nonzero(np.abs(p - failsafe_w) > band_w)[0]
        plot = _series_plot(t, p, [t0, t0 + timeout_s + tr])
        if outside.size and outside[-1] + 1 >= t.size:
            check.require_true(REQ, "failsafe setpoint reached", False,
                               f"still outside {failsafe_w:.0f} +- {band_w:.0f} W at {float(t[-1] - t0):g} s "
                               f"after the last heartbeat", plot=plot)
        else:
            settle_s = float(t[outside[-1] + 1] - t0) if outside.size else 0.0
            check.within(REQ, "time to the failsafe setpoint after the heartbeats stopped", "time", "s", settle_s,
                         FINE_SAMPLE_S, None, timeout_s + tr, plot=plot,
                         detail=f"failsafe {failsafe_w:.0f} +- {band_w:.0f} W; timeout {timeout_s:g} s + Tr {tr:g} s")
        bat.step("resume the heartbeats, no new setpoint")
        t1 = bat.now_s()
        link.resume_heartbeat()
        bat.wait(float(bat.param(REQ, "resumed_hold_s")), sample_period_s=SAMPLE_S)
        t, p = bat.series(t1)
        check.within(REQ, "largest deviation from the failsafe setpoint after heartbeats resumed", "power_deviation",
                     "W", float(np.max(np.abs(p - failsafe_w))), bat.u_power_w, None, band_w,
                     plot=_series_plot(t, p, [t1, float(t[-1])]), detail="failsafe is left only on a new setpoint")
        bat.step("write a new setpoint")
        t2 = bat.now_s()
        new_w = -setpoint_w
        bat.write_setpoint(new_w)
        bat.wait(tr + 10.0, sample_period_s=1.0)
        t, p = bat.series(t2 + tr)
        check.within(REQ, "largest deviation from the new setpoint (failsafe left)", "power_deviation", "W",
                     float(np.max(np.abs(p - new_w))), bat.u_power_w, None, band_w,
                     detail=f"new setpoint {new_w:+.0f} W from Tr {tr:g} s on")
    finally:
        link.resume_heartbeat()
        bat.write_setpoint(0.0)
