"""SG-Ready (BWP) operating states, judged on measured consumption at the power analyzer.

Method: from steady normal operation (state 2, consumption P2), the SG-Ready contacts are set and
the consumption (= -analyzer active power, see strategy.py) is recorded. Response time Tr is the
profile's declared ``sg_ready_response_time_s`` (else the catalog's). Limits come from the catalog
(bench/catalog/heat_pump.yaml) for the campaign's market; every check carries the analyzer's
expanded uncertainty and is judged by the campaign's decision rule.

* HP-SGREADY-NORMAL: P2 above the standby band (running); after a block is released, consumption
  is back to >= P2 - tolerance by the recovery time (mean of its last minute; a unit that claims a
  randomised restart, HP-REBOUND: plus its declared maximum delay and ramp time to P2).
* HP-SGREADY-BLOCK: state 1: consumption settles at or below standby + band within Tr and stays
  there for the hold time.
* HP-SGREADY-RELEASE: after a block, peak consumption <= P2 + overshoot tolerance, and the
  steepest rise over the ramp window <= the ramp limit.
* HP-SGREADY-BOOST: state 3: mean consumption from Tr over the observation time >= P2 + increase.
* HP-SGREADY-FORCED: state 4: minimum consumption from Tr over the observation time >= the declared
  state-4 power - tolerance.
* HP-SGREADY-BLOCK-DURATION: state 1 for 2 h: consumption at or below the standby band from Tr
  until 2 h after the contacts changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.checks import observed_value
from links.sg_ready_contacts import SgReadyState
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.heat_pump.judging import settle_time_s
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.rebound import restart_allowance_s, steepest_rise_per_s
from test_suites.sampling import (CONTROL_RESPONSE_SAMPLE_S, LONG_OBSERVATION_SAMPLE_S, SLOW_LOAD_SAMPLE_S,
                                  STEADY_SAMPLE_S)

RECOVERY_MEAN_S = 60.0
FINE_AFTER_TR_S = 10.0      # block: sampled finely until this long after Tr


def _claims(dut: Any, check: Any, req: str) -> bool:
    if not dut.profile.claims("sg_ready"):
        check.require_true(req, "DUT claims SG-Ready inputs", False, "mandatory function not claimed")
        return False
    return True


def _hold_state(dut: Any, state: SgReadyState, *waits: tuple[float, float]) -> float:
    """Stimulus: set the SG-Ready ``state`` and wait each (duration, sample period) in turn; returns
    the bench time the contacts were set."""
    t0 = dut.now_s()
    dut.set_sg_ready(state)
    for duration_s, sample_period_s in waits:
        dut.wait(duration_s, sample_period_s=sample_period_s)
    return t0


def _state_stimulus(t_s: float, state: SgReadyState, before: SgReadyState = SgReadyState.NORMAL) -> dict[str, Any]:
    """The SG-Ready state the bench set at ``t_s`` (from ``before``; held to the end of the plot)."""
    return stimulus_series("SG-Ready state", [t_s - 1e-3, t_s], [int(before), int(state)], staircase=True,
                           axis=(1, 4))


def _block_then_release(dut: Any, block_s: float, observation_s: float, sample_period_s: float) -> float:
    """Stimulus: state 1 for ``block_s``, then state 2 observed for ``observation_s``; returns the release."""
    _hold_state(dut, SgReadyState.BLOCKED, (block_s, SLOW_LOAD_SAMPLE_S))
    return _hold_state(dut, SgReadyState.NORMAL, (observation_s, sample_period_s))


@pytest.mark.requirement("HP-SGREADY-NORMAL")
def test_normal_operation_and_resume(dut, check):
    """State 2 runs the DUT; after a block is released it resumes its normal consumption."""
    req = "HP-SGREADY-NORMAL"
    if not _claims(dut, check, req):
        return
    p2 = dut.transition("running")
    check.within(req, "consumption in state 2 (running)", "consumption", "W", p2, dut.u_power_w,
                 dut.standby_limit_w, None, detail=f"above standby + band ({dut.standby_limit_w:.0f} W)")
    tolerance_w = dut.pct_of_rated_w(dut.param(req, "tolerance_pct_rated"))
    recovery_s = float(dut.param(req, "recovery_time_s")) + restart_allowance_s(
        dut, p2, "randomised_restart_ramp_w_per_s")
    try:
        t_release = _block_then_release(dut, float(dut.param(req, "block_s")), recovery_s, SLOW_LOAD_SAMPLE_S)
        t, c = dut.series(t_release)
        resumed = float(np.mean(c[t >= t_release + recovery_s - RECOVERY_MEAN_S]))
        plot = series_plot(t, c, CONSUMPTION_LABEL,
                           window=[t_release + recovery_s - RECOVERY_MEAN_S, t_release + recovery_s],
                           stimulus=_state_stimulus(t_release, SgReadyState.NORMAL, SgReadyState.BLOCKED),
                           limits=[applied_limit(f">= P2 - tolerance {p2 - tolerance_w:.0f} W", p2 - tolerance_w)],
                           instants=[key_instant("release (state 2)", t_release),
                                     key_instant("recovery time", t_release + recovery_s)])
        check.within(req, "consumption at the recovery time after a block", "consumption", "W", resumed,
                     dut.u_power_w, p2 - tolerance_w, None, plot=plot,
                     detail=f"mean of the last {RECOVERY_MEAN_S:g} s of {recovery_s:g} s after release; "
                            f"P2 {p2:.0f} W - {tolerance_w:.0f} W")
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-BLOCK")
def test_block(dut, check):
    """State 1: consumption at standby within the response time, held."""
    req = "HP-SGREADY-BLOCK"
    if not _claims(dut, check, req):
        return
    tr = dut.response_time_s
    hold_s = float(dut.param(req, "hold_observation_s"))
    limit_w = dut.standby_limit_w
    p2 = dut.transition("running")
    try:
        t0 = _hold_state(dut, SgReadyState.BLOCKED, (tr + FINE_AFTER_TR_S, CONTROL_RESPONSE_SAMPLE_S),
                         (hold_s - FINE_AFTER_TR_S, SLOW_LOAD_SAMPLE_S))
        t, c = dut.series(t0)
        settle_s = settle_time_s(t, c, t0, limit_w)
        plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t0, t0 + tr],
                           stimulus=_state_stimulus(t0, SgReadyState.BLOCKED),
                           limits=[applied_limit(f"<= standby + band {limit_w:.0f} W", limit_w)],
                           instants=[key_instant("state 1 set", t0), key_instant("Tr", t0 + tr)])
        if settle_s is None:
            check.require_true(req, "consumption fell to standby", False,
                               f"still above {limit_w:.0f} W at the end of the {tr + hold_s:g} s observation "
                               f"(P2 was {p2:.0f} W)", plot=plot,
                               observed=observed_value("consumption at the end of the observation", "W",
                                                       float(c[-1]), high=limit_w, uncertainty=dut.u_power_w))
            return
        check.within(req, "time from state 1 to standby (last crossing)", "time", "s", settle_s,
                     CONTROL_RESPONSE_SAMPLE_S, None, tr, plot=plot,
                     detail=f"consumption <= {limit_w:.0f} W for good; P2 was {p2:.0f} W")
        held = c[t >= t0 + tr]
        check.within(req, "highest consumption from Tr to the end of the hold", "consumption", "W",
                     float(held.max()), dut.u_power_w, None, limit_w,
                     detail=f"over {hold_s:g} s; standby + band {limit_w:.0f} W")
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-RELEASE")
def test_release_without_surge(dut, check):
    """After a block: no overshoot above normal, ramp within the limit."""
    req = "HP-SGREADY-RELEASE"
    if not _claims(dut, check, req):
        return
    overshoot_w = dut.pct_of_rated_w(dut.param(req, "overshoot_tolerance_pct_rated"))
    ramp_limit_w_per_s = dut.pct_of_rated_w(dut.param(req, "ramp_max_pct_rated_per_min")) / 60.0
    window_s = float(dut.param(req, "ramp_window_s"))
    observation_s = float(dut.param(req, "observation_s"))
    p2 = dut.transition("running")
    try:
        t_release = _block_then_release(dut, float(dut.param(req, "block_s")), observation_s, STEADY_SAMPLE_S)
        t, c = dut.series(t_release)
        plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t_release, t_release + observation_s],
                           stimulus=_state_stimulus(t_release, SgReadyState.NORMAL, SgReadyState.BLOCKED),
                           limits=[applied_limit(f"<= P2 + overshoot {p2 + overshoot_w:.0f} W", p2 + overshoot_w)],
                           instants=[key_instant("release (state 2)", t_release)])
        check.within(req, "peak consumption after release", "consumption", "W", float(c.max()), dut.u_power_w,
                     None, p2 + overshoot_w, plot=plot,
                     detail=f"P2 before the block {p2:.0f} W + {overshoot_w:.0f} W")
        check.within(req, f"steepest rise over {window_s:g} s after release", "ramp_rate", "W/s",
                     steepest_rise_per_s(t, c, window_s), 2.0 * dut.u_power_w / window_s, None,
                     ramp_limit_w_per_s, detail=f"limit {dut.param(req, 'ramp_max_pct_rated_per_min'):g} % Prated/min")
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-BOOST")
def test_boost(dut, check):
    """State 3 raises consumption above normal within the response time."""
    req = "HP-SGREADY-BOOST"
    if not _claims(dut, check, req):
        return
    tr = dut.response_time_s
    increase_w = dut.pct_of_rated_w(dut.param(req, "min_increase_pct_rated"))
    observation_s = float(dut.param(req, "observation_s"))
    p2 = dut.transition("running")
    try:
        t0 = _hold_state(dut, SgReadyState.RECOMMENDED_ON, (tr + observation_s, STEADY_SAMPLE_S))
        t, c = dut.series(t0)
        boosted = float(np.mean(c[t >= t0 + tr]))
        plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t0 + tr, t0 + tr + observation_s],
                           stimulus=_state_stimulus(t0, SgReadyState.RECOMMENDED_ON),
                           limits=[applied_limit(f">= P2 + increase {p2 + increase_w:.0f} W", p2 + increase_w)],
                           instants=[key_instant("state 3 set", t0), key_instant("Tr", t0 + tr)])
        check.within(req, "mean consumption in state 3 from Tr", "consumption", "W", boosted, dut.u_power_w,
                     p2 + increase_w, None, plot=plot,
                     detail=f"P2 {p2:.0f} W + {increase_w:.0f} W; Tr {tr:g} s, over {observation_s:g} s")
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-FORCED")
def test_forced_on(dut, check):
    """State 4 runs the DUT at its declared maximum within the response time."""
    req = "HP-SGREADY-FORCED"
    if not _claims(dut, check, req):
        return
    tr = dut.response_time_s
    declared = dut.profile.declared_value("forced_on_power_w")
    forced_w = float(declared) if declared is not None else dut.p_rated_w
    tolerance_w = dut.pct_of_rated_w(dut.param(req, "tolerance_pct_rated"))
    observation_s = float(dut.param(req, "observation_s"))
    dut.transition("running")
    try:
        t0 = _hold_state(dut, SgReadyState.FORCED_ON, (tr + observation_s, STEADY_SAMPLE_S))
        t, c = dut.series(t0)
        lowest = float(c[t >= t0 + tr].min())
        plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t0 + tr, t0 + tr + observation_s],
                           stimulus=_state_stimulus(t0, SgReadyState.FORCED_ON),
                           limits=[applied_limit(f">= state-4 power - tolerance {forced_w - tolerance_w:.0f} W",
                                                 forced_w - tolerance_w)],
                           instants=[key_instant("state 4 set", t0), key_instant("Tr", t0 + tr)])
        check.within(req, "lowest consumption in state 4 from Tr", "consumption", "W", lowest, dut.u_power_w,
                     forced_w - tolerance_w, None, plot=plot,
                     detail=f"declared state-4 power {forced_w:.0f} W - {tolerance_w:.0f} W; Tr {tr:g} s")
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-BLOCK-DURATION")
def test_block_honoured_for_two_hours(dut, check):
    """State 1 held for 2 h: consumption stays at standby for the whole 2 h."""
    req = "HP-SGREADY-BLOCK-DURATION"
    if not _claims(dut, check, req):
        return
    tr = dut.response_time_s
    duration_s = float(dut.param(req, "max_block_duration_s"))
    limit_w = dut.standby_limit_w
    dut.transition("running")
    try:
        t0 = _hold_state(dut, SgReadyState.BLOCKED, (tr, STEADY_SAMPLE_S),
                         (duration_s - tr, LONG_OBSERVATION_SAMPLE_S))
        t, c = dut.series(t0 + tr)
        above = np.nonzero(c > limit_w)[0]
        held_s = float(t[above[0]] - t0) if above.size else float(t[-1] - t0)
        plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t0 + tr, t0 + duration_s],
                           stimulus=_state_stimulus(t0, SgReadyState.BLOCKED),
                           limits=[applied_limit(f"<= standby + band {limit_w:.0f} W", limit_w)],
                           instants=[key_instant("state 1 set", t0), key_instant("Tr", t0 + tr)])
        check.within(req, f"highest consumption from Tr to {duration_s:g} s of block", "consumption", "W",
                     float(c.max()), dut.u_power_w, None, limit_w, plot=plot,
                     detail=f"standby + band {limit_w:.0f} W; at standby until {held_s:.0f} s after state 1")
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)
