"""Randomised restart (HP-REBOUND): after an SG-Ready block is lifted and after the grid returns from
an outage, the heat pump restarts within its declared delay range and ramp, and its delays spread.

Method (judging in test_suites/rebound.py): from steady normal operation, one event is repeated
``repetitions`` times, each once the unit runs again:

* block: SG-Ready state 1 for ``block_s``, then state 2; the event is the contacts' change back;
* outage: the AC source off for ``outage_s``, then on; the event is the AC back.

The restart is the first sample at or after the event above the standby band
(``dut.standby_limit_w``); the detection allowance is the time a unit at its declared ramp needs to
rise through the band. The ramp is the steepest rise over ``ramp_window_s`` in the
``ramp_observation_s`` after the restart. Applicability: ``functions.randomised_restart``
(NOT_APPLICABLE otherwise).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from bench.errors import BenchError
from links.sg_ready_contacts import SgReadyState
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.rebound import (FUNCTION, DeclaredRestart, Restart, declared_restart, first_above_s,
                                 judge_restarts, steepest_rise_per_s)
from test_suites.sampling import RESTART_SAMPLE_S, SLOW_LOAD_SAMPLE_S

REQ = "HP-REBOUND"
WATCH_CHUNK_S = 10.0        # the restart is looked for after each chunk of fine sampling
FINE_BEFORE_MIN_S = 10.0    # fine sampling from this long before the declared minimum delay


def _declared(dut: Any) -> DeclaredRestart:
    if not dut.profile.claims(FUNCTION):
        pytest.skip(f"NOT_APPLICABLE: the profile claims no randomised restart (functions.{FUNCTION})")
    return declared_restart(dut, "randomised_restart_ramp_w_per_s", "W")


def _watch_restart(dut: Any, declared: DeclaredRestart, t_event_s: float, allowance_s: float) -> Restart:
    """Wait for the restart after the event at ``t_event_s``, then observe its ramp."""
    level_w = dut.standby_limit_w
    coarse_s = t_event_s + declared.min_delay_s - FINE_BEFORE_MIN_S - dut.now_s()
    if coarse_s > 0:
        dut.wait(coarse_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
    deadline_s = t_event_s + declared.max_delay_s + allowance_s + RESTART_SAMPLE_S
    t_restart = None
    while t_restart is None and dut.now_s() < deadline_s:
        dut.wait(min(WATCH_CHUNK_S, deadline_s - dut.now_s()), sample_period_s=RESTART_SAMPLE_S)
        t, c = dut.series(t_event_s)
        t_restart = first_above_s(t, c, t_event_s, level_w)
    if t_restart is None:
        return Restart(t_event_s, None, None)
    window_s = float(dut.param(REQ, "ramp_window_s"))
    observe_s = float(dut.param(REQ, "ramp_observation_s"))
    dut.wait(max(t_restart + observe_s - dut.now_s(), 0.0), sample_period_s=RESTART_SAMPLE_S)
    t, c = dut.series(t_restart - RESTART_SAMPLE_S, t_restart + observe_s)
    return Restart(t_event_s, t_restart, steepest_rise_per_s(t, c, window_s))


def _repeat(dut: Any, check: Any, event: str, declared: DeclaredRestart, trigger: Callable[[], float],
            stimulus: tuple[str, list[tuple[float, float]], tuple[float, float]]) -> None:
    """Run ``trigger`` (returns the event's bench time; appends what it applied to ``stimulus``'s
    (bench time, value) list) ``repetitions`` times and judge the restarts."""
    repetitions = int(dut.param(REQ, "repetitions"))
    band_w = dut.standby_limit_w - float(dut.profile.declared_value("standby_power_w", 0.0))
    allowance_s = max(band_w, 0.0) / declared.ramp_per_s
    p2 = dut.transition("running")
    if p2 <= dut.standby_limit_w:
        raise BenchError(f"running consumption {p2:.0f} W is not above the standby band: no restart to observe")
    t_start = dut.now_s()
    restarts = [_watch_restart(dut, declared, trigger(), allowance_s) for _ in range(repetitions)]
    t, c = dut.series(t_start)
    instants = [key_instant(f"{event} {i}", r.t_event_s) for i, r in enumerate(restarts, start=1)]
    instants += [key_instant(f"restart {i}", r.t_restart_s) for i, r in enumerate(restarts, start=1)
                 if r.t_restart_s is not None]
    label, steps, axis = stimulus
    plot = series_plot(t, c, CONSUMPTION_LABEL, instants=instants, t_zero_s=t_start,
                       stimulus=stimulus_series(label, [s[0] for s in steps], [s[1] for s in steps],
                                                staircase=True, axis=axis),
                       limits=[applied_limit(f"restart: above the standby band {dut.standby_limit_w:.0f} W",
                                             dut.standby_limit_w)])
    window_s = float(dut.param(REQ, "ramp_window_s"))
    judge_restarts(dut, check, REQ, event, restarts, declared, allowance_s=allowance_s,
                   sample_period_s=RESTART_SAMPLE_S, ramp_uncertainty=2.0 * dut.u_power_w / window_s,
                   ramp_window_s=window_s, plot=plot)


@pytest.mark.requirement(REQ)
def test_restart_after_block(dut: Any, check: Any) -> None:
    """SG-Ready block lifted, repeated: delays in the declared range, ramp, spread."""
    declared = _declared(dut)
    if dut.sg_ready is None:
        pytest.skip("NOT_APPLICABLE: the profile has no SG-Ready contacts to block with")
    block_s = float(dut.param(REQ, "block_s"))

    steps: list[tuple[float, float]] = []

    def block_then_release() -> float:
        steps.append((dut.now_s(), int(SgReadyState.BLOCKED)))
        dut.set_sg_ready(SgReadyState.BLOCKED)
        dut.wait(block_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
        t_event = dut.now_s()
        dut.set_sg_ready(SgReadyState.NORMAL)
        steps.append((t_event, int(SgReadyState.NORMAL)))
        return t_event

    try:
        _repeat(dut, check, "block lifted", declared, block_then_release, ("SG-Ready state", steps, (1, 4)))
    finally:
        dut.set_sg_ready(SgReadyState.NORMAL)


@pytest.mark.requirement(REQ)
def test_restart_after_outage(dut: Any, check: Any) -> None:
    """AC source off then on, repeated: delays in the declared range, ramp, spread."""
    declared = _declared(dut)
    outage_s = float(dut.param(REQ, "outage_s"))

    steps: list[tuple[float, float]] = []

    def outage() -> float:
        dut.step(f"outage: AC source off for {outage_s:g} s")
        steps.append((dut.now_s(), 0.0))
        dut.ac_source.set_output(False)
        dut.wait(outage_s, sample_period_s=RESTART_SAMPLE_S)
        t_event = dut.now_s()
        dut.ac_source.set_output(True)
        steps.append((t_event, 1.0))
        return t_event

    try:
        _repeat(dut, check, "AC back", declared, outage, ("AC source output (1 = on)", steps, (0, 1)))
    finally:
        dut.energize_nominal()
