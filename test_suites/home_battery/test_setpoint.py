"""Charge / discharge setpoints, judged on the measured active power (export positive).

Method: from idle (setpoint 0 W), each catalog step (share of rated power; + discharge, - charge) is
written to the map's ``setpoint_w`` and held. From the response time on (declared
``setpoint_response_time_s``, else the catalog's) the measured active power must stay within
setpoint +- band: the settling time is the time of the last sample outside the band (an overshoot
counts), and the largest deviation after it is judged against the band with the analyzer's
uncertainty.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.checks import observed_value
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.home_battery.strategy import POWER_LABEL
from test_suites.sampling import SETPOINT_RESPONSE_SAMPLE_S, STEADY_SAMPLE_S

REQ = "BAT-SETPOINT"
FINE_AFTER_TR_S = 5.0       # each step: sampled finely until this long after Tr


def _hold_setpoint(dut: Any, setpoint_w: float, tr: float, hold_s: float) -> float:
    """Stimulus: write the setpoint and hold it, finely sampled through Tr; returns the write's time."""
    t0 = dut.now_s()
    dut.write_setpoint(setpoint_w)
    dut.wait(min(tr + FINE_AFTER_TR_S, hold_s), sample_period_s=SETPOINT_RESPONSE_SAMPLE_S)
    dut.wait(max(hold_s - tr - FINE_AFTER_TR_S, 0.0), sample_period_s=STEADY_SAMPLE_S)
    return t0


def _judge_step(dut: Any, check: Any, setpoint_w: float, t0: float, tr: float, band_w: float, hold_s: float) -> None:
    """In setpoint +- band for good within Tr (last sample outside), and within it from Tr on."""
    t, p = dut.series(t0)
    outside = np.nonzero(np.abs(p - setpoint_w) > band_w)[0]
    plot = series_plot(t, p, POWER_LABEL, window=[t0, t0 + tr],
                       stimulus=stimulus_series("setpoint / W", [t0], [setpoint_w], staircase=True,
                                                axis=(min(0.0, setpoint_w), max(0.0, setpoint_w))),
                       limits=[applied_limit(f"setpoint - band {setpoint_w - band_w:+.0f} W", setpoint_w - band_w),
                               applied_limit(f"setpoint + band {setpoint_w + band_w:+.0f} W", setpoint_w + band_w)],
                       instants=[key_instant("setpoint written", t0), key_instant("Tr", t0 + tr)])
    what = f"setpoint {setpoint_w:+.0f} W"
    if outside.size and outside[-1] + 1 >= t.size:
        check.require_true(REQ, f"{what}: power within the band", False,
                           f"outside {setpoint_w:+.0f} +- {band_w:.0f} W at the end of {hold_s:g} s",
                           plot=plot, observed=observed_value("active power at the end of the hold", "W", float(p[-1]),
                                                              low=setpoint_w - band_w, high=setpoint_w + band_w,
                                                              uncertainty=dut.u_power_w))
        return
    settle_s = float(t[outside[-1] + 1] - t0) if outside.size else 0.0
    check.within(REQ, f"{what}: time to enter the band for good", "time", "s", settle_s, SETPOINT_RESPONSE_SAMPLE_S,
                 None, tr, plot=plot, detail=f"band +- {band_w:.0f} W; Tr {tr:g} s")
    held = p[t >= t0 + tr]
    if held.size:
        check.within(REQ, f"{what}: largest deviation from the response time on", "power_deviation", "W",
                     float(np.max(np.abs(held - setpoint_w))), dut.u_power_w, None, band_w,
                     detail=f"over {hold_s - tr:g} s")


@pytest.mark.requirement(REQ)
def test_setpoint_steps(dut, check):
    """Each setpoint step is reached within Tr and held within the band."""
    if not dut.follows_setpoints(check, REQ):
        return
    tr = dut.declared("setpoint_response_time_s", REQ, "response_time_s")
    band_w = dut.pct_of_rated_w(dut.param(REQ, "tolerance_pct_rated"))
    hold_s = float(dut.param(REQ, "hold_s"))
    dut.transition("idle")
    try:
        for share in dut.param(REQ, "setpoint_steps_pct_rated"):
            setpoint_w = dut.pct_of_rated_w(share)
            t0 = _hold_setpoint(dut, setpoint_w, tr, hold_s)
            _judge_step(dut, check, setpoint_w, t0, tr, band_w, hold_s)
    finally:
        dut.write_setpoint(0.0)
