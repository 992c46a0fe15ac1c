"""SG-Ready (BWP) operating states, judged on measured consumption at the power analyzer.

Method: from steady normal operation (state 2, consumption P2), the SG-Ready contacts are set and
the consumption (= -analyzer active power, see conftest) is recorded. Response time Tr is the
profile's declared ``sg_ready_response_time_s`` (else the catalog's). Limits come from the catalog
(bench/catalog/heat_pump.yaml) for the campaign's market; every check carries the analyzer's
expanded uncertainty and is judged by the campaign's decision rule.

* HP-SGREADY-NORMAL: P2 above the standby band (running); after a block is released, consumption
  is back to >= P2 - tolerance by the recovery time (mean of its last minute).
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

import numpy as np
import pytest

from links.sg_ready_contacts import SgReadyState

FINE_SAMPLE_S = 0.5
SAMPLE_S = 2.0
LONG_SAMPLE_S = 10.0
RECOVERY_MEAN_S = 60.0


def _claims(hp, check, req: str) -> bool:
    if not hp.profile.claims("sg_ready"):
        check.require_true(req, "DUT claims SG-Ready inputs", False, "mandatory function not claimed")
        return False
    return True


def _block(hp, duration_s: float) -> None:
    hp.set_state(SgReadyState.BLOCKED)
    hp.wait(duration_s, sample_period_s=SAMPLE_S)


@pytest.mark.requirement("HP-SGREADY-NORMAL")
def test_normal_operation_and_resume(hp_step, check):
    """State 2 runs the DUT; after a block is released it resumes its normal consumption."""
    req = "HP-SGREADY-NORMAL"
    hp = hp_step
    if not _claims(hp, check, req):
        return
    p2 = hp.bring_to_normal()
    check.within(req, "consumption in state 2 (running)", "consumption", "W", p2, hp.u_power_w,
                 hp.standby_limit_w, None, detail=f"above standby + band ({hp.standby_limit_w:.0f} W)")
    tolerance_w = hp.pct_of_rated_w(hp.param(req, "tolerance_pct_rated"))
    recovery_s = float(hp.param(req, "recovery_time_s"))
    try:
        _block(hp, float(hp.param(req, "block_s")))
        t_release = hp.now_s()
        hp.set_state(SgReadyState.NORMAL)
        hp.wait(recovery_s, sample_period_s=SAMPLE_S)
        t, c = hp.series(t_release)
        resumed = float(np.mean(c[t >= t_release + recovery_s - RECOVERY_MEAN_S]))
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "consumption / W",
                "t_s": t.tolist(), "y": c.tolist(), "window": [t_release + recovery_s - RECOVERY_MEAN_S,
                                                              t_release + recovery_s]}
        check.within(req, "consumption at the recovery time after a block", "consumption", "W", resumed,
                     hp.u_power_w, p2 - tolerance_w, None, plot=plot,
                     detail=f"mean of the last {RECOVERY_MEAN_S:g} s of {recovery_s:g} s after release; "
                            f"P2 {p2:.0f} W - {tolerance_w:.0f} W")
    finally:
        hp.set_state(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-BLOCK")
def test_block(hp_step, check):
    """State 1: consumption at standby within the response time, held."""
    req = "HP-SGREADY-BLOCK"
    hp = hp_step
    if not _claims(hp, check, req):
        return
    tr = hp.response_time_s
    hold_s = float(hp.param(req, "hold_observation_s"))
    limit_w = hp.standby_limit_w
    p2 = hp.bring_to_normal()
    try:
        t0 = hp.now_s()
        hp.set_state(SgReadyState.BLOCKED)
        hp.wait(tr + 10.0, sample_period_s=FINE_SAMPLE_S)
        hp.wait(hold_s - 10.0, sample_period_s=SAMPLE_S)
        t, c = hp.series(t0)
        above = np.nonzero(c > limit_w)[0]
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "consumption / W",
                "t_s": t.tolist(), "y": c.tolist(), "window": [t0, t0 + tr]}
        if above.size == 0:
            settle_s = 0.0
        elif above[-1] + 1 < t.size:
            settle_s = float(t[above[-1] + 1] - t0)
        else:
            settle_s = None
        if settle_s is None:
            check.require_true(req, "consumption fell to standby", False,
                               f"still above {limit_w:.0f} W at the end of the {tr + hold_s:g} s observation "
                               f"(P2 was {p2:.0f} W)", plot=plot)
            return
        check.within(req, "time from state 1 to standby (last crossing)", "time", "s", settle_s,
                     FINE_SAMPLE_S, None, tr, plot=plot,
                     detail=f"consumption <= {limit_w:.0f} W for good; P2 was {p2:.0f} W")
        held = c[t >= t0 + tr]
        check.within(req, "highest consumption from Tr to the end of the hold", "consumption", "W",
                     float(held.max()), hp.u_power_w, None, limit_w,
                     detail=f"over {hold_s:g} s; standby + band {limit_w:.0f} W")
    finally:
        hp.set_state(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-RELEASE")
def test_release_without_surge(hp_step, check):
    """After a block: no overshoot above normal, ramp within the limit."""
    req = "HP-SGREADY-RELEASE"
    hp = hp_step
    if not _claims(hp, check, req):
        return
    overshoot_w = hp.pct_of_rated_w(hp.param(req, "overshoot_tolerance_pct_rated"))
    ramp_limit_w_per_s = hp.pct_of_rated_w(hp.param(req, "ramp_max_pct_rated_per_min")) / 60.0
    window_s = float(hp.param(req, "ramp_window_s"))
    observation_s = float(hp.param(req, "observation_s"))
    p2 = hp.bring_to_normal()
    try:
        _block(hp, float(hp.param(req, "block_s")))
        t_release = hp.now_s()
        hp.set_state(SgReadyState.NORMAL)
        hp.wait(observation_s, sample_period_s=1.0)
        t, c = hp.series(t_release)
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "consumption / W",
                "t_s": t.tolist(), "y": c.tolist(), "window": [t_release, t_release + observation_s]}
        check.within(req, "peak consumption after release", "consumption", "W", float(c.max()), hp.u_power_w,
                     None, p2 + overshoot_w, plot=plot,
                     detail=f"P2 before the block {p2:.0f} W + {overshoot_w:.0f} W")
        ends = np.searchsorted(t, t + window_s - 1e-6)
        valid = ends < t.size
        rises = (c[ends[valid]] - c[valid]) / (t[ends[valid]] - t[valid])
        steepest = float(rises.max()) if rises.size else None
        check.within(req, f"steepest rise over {window_s:g} s after release", "ramp_rate", "W/s", steepest,
                     2.0 * hp.u_power_w / window_s, None, ramp_limit_w_per_s,
                     detail=f"limit {hp.param(req, 'ramp_max_pct_rated_per_min'):g} % Prated/min")
    finally:
        hp.set_state(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-BOOST")
def test_boost(hp_step, check):
    """State 3 raises consumption above normal within the response time."""
    req = "HP-SGREADY-BOOST"
    hp = hp_step
    if not _claims(hp, check, req):
        return
    tr = hp.response_time_s
    increase_w = hp.pct_of_rated_w(hp.param(req, "min_increase_pct_rated"))
    observation_s = float(hp.param(req, "observation_s"))
    p2 = hp.bring_to_normal()
    try:
        t0 = hp.now_s()
        hp.set_state(SgReadyState.RECOMMENDED_ON)
        hp.wait(tr + observation_s, sample_period_s=1.0)
        t, c = hp.series(t0)
        boosted = float(np.mean(c[t >= t0 + tr]))
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "consumption / W",
                "t_s": t.tolist(), "y": c.tolist(), "window": [t0 + tr, t0 + tr + observation_s]}
        check.within(req, "mean consumption in state 3 from Tr", "consumption", "W", boosted, hp.u_power_w,
                     p2 + increase_w, None, plot=plot,
                     detail=f"P2 {p2:.0f} W + {increase_w:.0f} W; Tr {tr:g} s, over {observation_s:g} s")
    finally:
        hp.set_state(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-FORCED")
def test_forced_on(hp_step, check):
    """State 4 runs the DUT at its declared maximum within the response time."""
    req = "HP-SGREADY-FORCED"
    hp = hp_step
    if not _claims(hp, check, req):
        return
    tr = hp.response_time_s
    declared = hp.profile.declared_value("forced_on_power_w")
    forced_w = float(declared) if declared is not None else hp.p_rated_w
    tolerance_w = hp.pct_of_rated_w(hp.param(req, "tolerance_pct_rated"))
    observation_s = float(hp.param(req, "observation_s"))
    hp.bring_to_normal()
    try:
        t0 = hp.now_s()
        hp.set_state(SgReadyState.FORCED_ON)
        hp.wait(tr + observation_s, sample_period_s=1.0)
        t, c = hp.series(t0)
        lowest = float(c[t >= t0 + tr].min())
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "consumption / W",
                "t_s": t.tolist(), "y": c.tolist(), "window": [t0 + tr, t0 + tr + observation_s]}
        check.within(req, "lowest consumption in state 4 from Tr", "consumption", "W", lowest, hp.u_power_w,
                     forced_w - tolerance_w, None, plot=plot,
                     detail=f"declared state-4 power {forced_w:.0f} W - {tolerance_w:.0f} W; Tr {tr:g} s")
    finally:
        hp.set_state(SgReadyState.NORMAL)


@pytest.mark.requirement("HP-SGREADY-BLOCK-DURATION")
def test_block_honoured_for_two_hours(hp_step, check):
    """State 1 held for 2 h: consumption stays at standby for the whole 2 h."""
    req = "HP-SGREADY-BLOCK-DURATION"
    hp = hp_step
    if not _claims(hp, check, req):
        return
    tr = hp.response_time_s
    duration_s = float(hp.param(req, "max_block_duration_s"))
    limit_w = hp.standby_limit_w
    hp.bring_to_normal()
    try:
        t0 = hp.now_s()
        hp.set_state(SgReadyState.BLOCKED)
        hp.wait(tr, sample_period_s=1.0)
        hp.wait(duration_s - tr, sample_period_s=LONG_SAMPLE_S)
        t, c = hp.series(t0 + tr)
        above = np.nonzero(c > limit_w)[0]
        held_s = float(t[above[0]] - t0) if above.size else float(t[-1] - t0)
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "consumption / W",
                "t_s": t.tolist(), "y": c.tolist(), "window": [t0 + tr, t0 + duration_s]}
        check.within(req, f"highest consumption from Tr to {duration_s:g} s of block", "consumption", "W",
                     float(c.max()), hp.u_power_w, None, limit_w, plot=plot,
                     detail=f"standby + band {limit_w:.0f} W; at standby until {held_s:.0f} s after state 1")
    finally:
        hp.set_state(SgReadyState.NORMAL)
