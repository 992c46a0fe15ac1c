"""Watchdog failsafe (EEBus LPC/LPP semantics [impl]), judged on the measured active power.

Method: from a discharge setpoint (catalog share of rated power), the map's watchdog heartbeats
stop. Within the declared ``watchdog.timeout_s`` + response time the active power must be at the
declared ``failsafe_setpoint_w`` (else the catalog's 0 W) +- band and stay there; resumed heartbeats
alone must keep it there for the hold time; a new setpoint must then be followed again.
NOT_APPLICABLE when the register map declares no watchdog.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.checks import observed_value
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.home_battery.strategy import POWER_LABEL
from test_suites.sampling import CONTROL_RESPONSE_SAMPLE_S, SLOW_LOAD_SAMPLE_S, STEADY_SAMPLE_S

REQ = "BAT-FAILSAFE"
AFTER_TR_S = 10.0           # settled this long after Tr
WATCH_AFTER_S = 20.0        # heartbeats lost: watched this long after timeout + Tr


HEARTBEATS = "watchdog heartbeats (1 = on)"


def _band(centre_w: float, band_w: float, what: str) -> list[dict[str, Any]]:
    return [applied_limit(f"{what} - band {centre_w - band_w:+.0f} W", centre_w - band_w),
            applied_limit(f"{what} + band {centre_w + band_w:+.0f} W", centre_w + band_w)]


def _heartbeats(t_s: float, before: float, after: float) -> dict[str, Any]:
    return stimulus_series(HEARTBEATS, [t_s - 1e-3, t_s], [before, after], staircase=True, axis=(0, 1))


def _judge_failsafe_reached(dut: Any, check: Any, t0: float, failsafe_w: float, band_w: float, timeout_s: float,
                            tr: float) -> None:
    """At the failsafe setpoint +- band for good within timeout + Tr of the last heartbeat."""
    t, p = dut.series(t0)
    outside = np.nonzero(np.abs(p - failsafe_w) > band_w)[0]
    plot = series_plot(t, p, POWER_LABEL, window=[t0, t0 + timeout_s + tr], stimulus=_heartbeats(t0, 1, 0),
                       limits=_band(failsafe_w, band_w, "failsafe"),
                       instants=[key_instant("heartbeats stopped", t0), key_instant("timeout", t0 + timeout_s)])
    if outside.size and outside[-1] + 1 >= t.size:
        check.require_true(REQ, "failsafe setpoint reached", False,
                           f"still outside {failsafe_w:.0f} +- {band_w:.0f} W at {float(t[-1] - t0):g} s "
                           f"after the last heartbeat", plot=plot,
                           observed=observed_value("active power at the end of the observation", "W", float(p[-1]),
                                                   low=failsafe_w - band_w, high=failsafe_w + band_w,
                                                   uncertainty=dut.u_power_w))
        return
    settle_s = float(t[outside[-1] + 1] - t0) if outside.size else 0.0
    check.within(REQ, "time to the failsafe setpoint after the heartbeats stopped", "time", "s", settle_s,
                 CONTROL_RESPONSE_SAMPLE_S, None, timeout_s + tr, plot=plot,
                 detail=f"failsafe {failsafe_w:.0f} +- {band_w:.0f} W; timeout {timeout_s:g} s + Tr {tr:g} s")


@pytest.mark.requirement(REQ)
def test_watchdog_failsafe(dut, check):
    """Heartbeats stop -> failsafe setpoint; resumed heartbeats keep it; a new setpoint ends it."""
    if dut.link is None or dut.link.register_map.watchdog is None:
        pytest.skip("NOT_APPLICABLE: the register map declares no watchdog")
    if not dut.follows_setpoints(check, REQ):
        return
    link = dut.link
    timeout_s = float(link.register_map.watchdog.timeout_s)
    tr = dut.declared("failsafe_response_time_s", REQ, "response_time_s")
    failsafe_w = dut.declared("failsafe_setpoint_w", REQ, "failsafe_setpoint_w")
    band_w = dut.pct_of_rated_w(dut.param(REQ, "tolerance_pct_rated"))
    setpoint_w = dut.pct_of_rated_w(dut.param(REQ, "setpoint_pct_rated"))
    dut.transition("idle")
    try:
        dut.transition("discharging", power_w=setpoint_w, settle_s=tr + AFTER_TR_S)

        dut.step(f"stop the watchdog heartbeats (timeout {timeout_s:g} s)")
        t0 = dut.now_s()
        link.pause_heartbeat()
        dut.wait(timeout_s + tr + WATCH_AFTER_S, sample_period_s=CONTROL_RESPONSE_SAMPLE_S)
        _judge_failsafe_reached(dut, check, t0, failsafe_w, band_w, timeout_s, tr)

        dut.step("resume the heartbeats, no new setpoint")
        t1 = dut.now_s()
        link.resume_heartbeat()
        dut.wait(float(dut.param(REQ, "resumed_hold_s")), sample_period_s=SLOW_LOAD_SAMPLE_S)
        t, p = dut.series(t1)
        check.within(REQ, "largest deviation from the failsafe setpoint after heartbeats resumed", "power_deviation",
                     "W", float(np.max(np.abs(p - failsafe_w))), dut.u_power_w, None, band_w,
                     plot=series_plot(t, p, POWER_LABEL, window=[t1, float(t[-1])], stimulus=_heartbeats(t1, 0, 1),
                                      limits=_band(failsafe_w, band_w, "failsafe"),
                                      instants=[key_instant("heartbeats resumed", t1)]),
                     detail="failsafe is left only on a new setpoint")

        dut.step("write a new setpoint")
        t2 = dut.now_s()
        new_w = -setpoint_w
        dut.write_setpoint(new_w)
        dut.wait(tr + AFTER_TR_S, sample_period_s=STEADY_SAMPLE_S)
        t, p = dut.series(t2 + tr)
        check.within(REQ, "largest deviation from the new setpoint (failsafe left)", "power_deviation", "W",
                     float(np.max(np.abs(p - new_w))), dut.u_power_w, None, band_w,
                     detail=f"new setpoint {new_w:+.0f} W from Tr {tr:g} s on")
    finally:
        link.resume_heartbeat()
        dut.write_setpoint(0.0)
