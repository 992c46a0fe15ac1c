"""Randomised restart (HP-REBOUND): after an SG-Ready block is lifted, after §14a dimming is lifted and
after the grid returns from an outage, the heat pump restarts within its declared delay range and
ramp, and its delays spread.

Method (judging in test_suites/rebound.py): from steady normal operation, one event is repeated
``repetitions`` times, each once the unit runs steadily again:

* block: SG-Ready state 1 for ``block_s``, then state 2; the event is the contacts' change back;
* dimming: the declared §14a input (test_dimming_14a.py) on for ``dimming_hold_s``, then off; the
  event is the signal's release. NOT_APPLICABLE without a §14a input, or when the unit runs at or
  below the floor (dimming holds nothing back);
* outage: the AC source off for ``outage_s``, then on; the event is the AC back.

The restart is the first sample at or after the event above the standby band
(``dut.standby_limit_w``; dimming: above ``dimming_limit_w`` + ``dimming_band_pct_rated``, the unit
keeps running dimmed); the detection allowance is the time a unit at its declared ramp needs to
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
from test_suites.heat_pump.controls import DimmingSignal
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.rebound import FUNCTION, DeclaredRestart, ac_outage, declared_restart, judge_restarts, watch_restart
from test_suites.sampling import RESTART_SAMPLE_S, SLOW_LOAD_SAMPLE_S

REQ = "HP-REBOUND"


def _declared(dut: Any) -> DeclaredRestart:
    if not dut.profile.claims(FUNCTION):
        pytest.skip(f"NOT_APPLICABLE: the profile claims no randomised restart (functions.{FUNCTION})")
    return declared_restart(dut, "randomised_restart_ramp_w_per_s", "W")


def _repeat(dut: Any, check: Any, event: str, declared: DeclaredRestart, trigger: Callable[[], float],
            stimulus: tuple[str, list[tuple[float, float]], tuple[float, float]],
            level: tuple[float, float] | None = None) -> None:
    """Run ``trigger`` (returns the event's bench time; appends what it applied to ``stimulus``'s
    (bench time, value) list) ``repetitions`` times from normal operation and judge the restarts;
    ``level``: (restart level, band below it) in W, default the standby band."""
    repetitions = int(dut.param(REQ, "repetitions"))
    if level is None:
        level = (dut.standby_limit_w,
                 dut.standby_limit_w - float(dut.profile.declared_value("standby_power_w", 0.0)))
    level_w, band_w = level
    allowance_s = max(band_w, 0.0) / declared.ramp_per_s
    t_start = dut.now_s()
    restarts = []
    for _ in range(repetitions):          # each from normal operation: independent repetitions
        restarts.append(watch_restart(dut, REQ, declared, trigger(), level_w, allowance_s, series=dut.series,
                                     coarse_period_s=SLOW_LOAD_SAMPLE_S, fine_period_s=RESTART_SAMPLE_S,
                                     ramp_from_s=-RESTART_SAMPLE_S))
        if restarts[-1].t_restart_s is not None:
            dut.rebound_seen()
        _running(dut)
    t, c = dut.series(t_start)
    instants = [key_instant(f"{event} {i}", r.t_event_s) for i, r in enumerate(restarts, start=1)]
    instants += [key_instant(f"restart {i}", r.t_restart_s) for i, r in enumerate(restarts, start=1)
                 if r.t_restart_s is not None]
    label, steps, axis = stimulus
    plot = series_plot(t, c, CONSUMPTION_LABEL, instants=instants, t_zero_s=t_start,
                       stimulus=stimulus_series(label, [s[0] for s in steps], [s[1] for s in steps],
                                                staircase=True, axis=axis),
                       limits=[applied_limit(f"restart: above {level_w:.0f} W", level_w)])
    window_s = float(dut.param(REQ, "ramp_window_s"))
    judge_restarts(dut, check, REQ, event, restarts, declared, allowance_s=allowance_s,
                   sample_period_s=RESTART_SAMPLE_S, ramp_uncertainty=2.0 * dut.u_power_w / window_s,
                   ramp_window_s=window_s, plot=plot)


def _running(dut: Any) -> float:
    """Normal operation, above the standby band (a unit that does not run is a bench ERROR)."""
    p2 = float(dut.transition("running"))
    if p2 <= dut.standby_limit_w:
        raise BenchError(f"running consumption {p2:.0f} W is not above the standby band: no restart to observe")
    return p2


@pytest.mark.requirement(REQ)
def test_restart_after_block(dut: Any, check: Any) -> None:
    """SG-Ready block lifted, repeated: delays in the declared range, ramp, spread."""
    declared = _declared(dut)
    if dut.sg_ready is None:
        pytest.skip("NOT_APPLICABLE: the profile has no SG-Ready contacts to block with")
    block_s = float(dut.param(REQ, "block_s"))
    _running(dut)
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
    _running(dut)
    steps: list[tuple[float, float]] = []

    outage = ac_outage(dut, outage_s, steps, RESTART_SAMPLE_S)

    try:
        _repeat(dut, check, "AC back", declared, outage, ("AC source output (1 = on)", steps, (0, 1)))
    finally:
        dut.energize_nominal()


@pytest.mark.requirement(REQ)
def test_restart_after_dimming(dut: Any, check: Any) -> None:
    """§14a dimming lifted, repeated: delays in the declared range, ramp, spread."""
    declared = _declared(dut)
    if not dut.profile.claims("dimming_14a"):
        pytest.skip("NOT_APPLICABLE: the profile claims no §14a dimming input")
    floor_w = float(dut.param(REQ, "dimming_limit_w"))
    band_w = dut.pct_of_rated_w(dut.param(REQ, "dimming_band_pct_rated"))
    hold_s = float(dut.param(REQ, "dimming_hold_s"))
    signal = DimmingSignal(dut, floor_w)
    p2 = _running(dut)
    if p2 <= floor_w + 2.0 * band_w:
        pytest.skip(f"NOT_APPLICABLE: running at {p2:.0f} W, the §14a floor {floor_w:.0f} W holds nothing back")
    steps: list[tuple[float, float]] = []

    def dim_then_release() -> float:
        dut.step(f"§14a dimming signal on ({signal.kind}) for {hold_s:g} s")
        steps.append((dut.now_s(), 1.0))
        signal.apply()
        dut.wait(hold_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
        t_event = dut.now_s()
        signal.release()
        steps.append((t_event, 0.0))
        return t_event

    try:
        _repeat(dut, check, "dimming lifted", declared, dim_then_release,
                (f"§14a dimming signal ({signal.kind}, 1 = on)", steps, (0, 1)), (floor_w + band_w, band_w))
    finally:
        signal.release()
