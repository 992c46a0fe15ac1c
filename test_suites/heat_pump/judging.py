"""Judging helpers shared by the heat-pump control suites (limits, failsafe, dimming, hybrid).

All judge measured consumption (= -analyzer active power, see strategy.py) from the recorded
samples; limits come from the catalog / the profile's declarations, uncertainties from the analyzer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.checks import observed_value
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.sampling import CONTROL_RESPONSE_SAMPLE_S, SLOW_LOAD_SAMPLE_S


def settle_time_s(t: np.ndarray, c: np.ndarray, t0_s: float, limit_w: float) -> float | None:
    """Time from ``t0_s`` to the sample after the last one above ``limit_w`` (0 when none was
    above); None when the consumption is still above the limit at the last sample."""
    above = np.nonzero(c > limit_w)[0]
    if above.size == 0:
        return 0.0
    if above[-1] + 1 < t.size:
        return float(t[above[-1] + 1] - t0_s)
    return None


def signal_stimulus(label: str, t_s: float, before: float, after: float) -> dict[str, Any]:
    """A control signal the bench changed at ``t_s`` (e.g. heartbeats 1 -> 0), as a staircase."""
    return stimulus_series(label, [t_s - 1e-3, t_s], [before, after], staircase=True, axis=(0, 1))


def limit_step_stimulus(label: str, t_s: float, previous_w: float, limit_w: float, rated_w: float) -> dict[str, Any]:
    """A power limit the bench wrote at ``t_s`` (``previous_w`` before it), on an axis from 0 to rated."""
    return stimulus_series(label, [t_s - 1e-3, t_s], [previous_w, limit_w], staircase=True, axis=(0, rated_w))


def judge_settles_below(dut: Any, check: Any, req: str, *, what: str, t0_s: float, response_time_s: float,
                        limit_w: float, t1_s: float | None = None, detail: str = "",
                        stimulus: dict[str, Any] | None = None) -> None:
    """Consumption at or below ``limit_w`` for good within ``response_time_s`` of ``t0_s``, and at
    or below it from then until ``t1_s`` (default: now). ``stimulus``: what the bench changed at
    ``t0_s`` (default: the limit itself, as commanded from ``t0_s``)."""
    t, c = dut.series(t0_s, t1_s)
    if stimulus is None:
        stimulus = stimulus_series("commanded limit + band / W", [t0_s], [limit_w], staircase=True, axis=(0, limit_w))
    plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t0_s, t0_s + response_time_s], stimulus=stimulus,
                       limits=[applied_limit(f"<= limit + band {limit_w:.0f} W", limit_w)],
                       instants=[key_instant(what, t0_s), key_instant("response time", t0_s + response_time_s)])
    settle_s = settle_time_s(t, c, t0_s, limit_w)
    if settle_s is None:
        check.require_true(req, f"{what}: consumption fell to the limit", False,
                           f"still above {limit_w:.0f} W at the end of the {float(t[-1] - t0_s):g} s "
                           f"observation; {detail}", plot=plot,
                           observed=observed_value("consumption at the end of the observation", "W", float(c[-1]),
                                                   high=limit_w, uncertainty=dut.u_power_w))
        return
    check.within(req, f"{what}: time to reach the limit (last crossing)", "time", "s", settle_s,
                 CONTROL_RESPONSE_SAMPLE_S, None, response_time_s, plot=plot,
                 detail=f"consumption <= {limit_w:.0f} W for good; {detail}")
    held = c[t >= t0_s + response_time_s]
    if held.size:
        check.within(req, f"{what}: highest consumption from the response time on", "consumption", "W",
                     float(held.max()), dut.u_power_w, None, limit_w,
                     detail=f"limit + band {limit_w:.0f} W over {float(t[-1] - t0_s - response_time_s):g} s")


def wait_fine_then_coarse(dut: Any, fine_s: float, total_s: float) -> None:
    """Wait ``total_s`` on the bench clock: the first ``fine_s`` finely sampled (response times)."""
    fine_s = min(fine_s, total_s)
    dut.wait(fine_s, sample_period_s=CONTROL_RESPONSE_SAMPLE_S)
    if total_s > fine_s:
        dut.wait(total_s - fine_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
