"""The ride-through method shared by the LVRT, HVRT, phase-jump and RoCoF tests.

Stimulus: one instrument-timed program of the AC source per event (``bench.excursions``: the
source's LIST, whose start pulses its trigger output), recorded by the analyzer's capture triggered
by it (``PRE_TRIGGER_S`` before, the whole program after). Every instant is then the trigger plus the
programmed dwells, and every judged time is uncertain by one capture interval plus the trigger's.

Judgement on the capture:

* **energising**: the lowest phase current of the DUT's phases stays above
  ``energising_current_pct_irated`` of its rated current on every sample after the trigger, except
  inside an event where momentary cessation is allowed (a residual voltage below
  ``momentary_cessation_below_pct_un``) and the recovery time after it;
* **recovery**: after each event's end (the dip's return, a jump, the ramp's end) the active power
  is back at ``recovery_share_pct`` of the pre-fault power (the mean over the pre-trigger samples)
  and stays there to the next event or the capture's end; the time from the event's end to the first
  sample of that final stretch must be at most ``recovery_time_s`` (+ 1 % time MRA). A DUT that never
  gets back (it tripped) has no recovery time: FAIL.

A test dip must be consistent with the market's must-trip stages (:func:`dip_conflicts`): a level
held long enough to require a trip would make "stays connected" contradict the protection
requirement, so it is recorded inconclusive (a lab-parameter problem), never a DUT FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pytest

from bench.checks import observed_value
from bench.excursions import Excursion, run_excursion
from instruments.capabilities import VoltageStep
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.pv_inverter.trip_stages import TripStage
from test_suites.sampling import StepCapture, captured_step

PRE_TRIGGER_S = 0.2           # pre-fault record before the program's start
SETTLE_AFTER_RECOVERY_S = 1.0  # the program holds nominal this long beyond the recovery time
POWER_LABEL = "active power / W"
CURRENT_LABEL = "lowest phase current / A"


@dataclass(frozen=True)
class RideThroughEvent:
    """One event of a program, in seconds from the trigger: it acts from ``start_s``; its end
    (the voltage's return, the jump, the ramp's end) is ``end_s``, from which the recovery runs;
    ``cessation_allowed``: the DUT may cease to energise from ``start_s`` to ``end_s`` + recovery."""

    label: str
    start_s: float
    end_s: float
    cessation_allowed: bool = False


@dataclass(frozen=True)
class RideThroughProgram:
    """The AC source's program of one test case, its events and what the report's stimulus shows."""

    name: str
    steps: tuple[VoltageStep, ...]
    events: tuple[RideThroughEvent, ...]
    stimulus_label: str
    stimulus_values: tuple[tuple[float, float], ...]   # (s from the trigger, commanded value)
    stimulus_staircase: bool = True

    @property
    def duration_s(self) -> float:
        return sum(step.duration_s for step in self.steps)


@dataclass(frozen=True)
class Limits:
    """The catalog's ride-through judgement values, in bench units."""

    energising_a: float
    recovery_time_s: float
    recovery_share: float
    time_mra_share: float


@dataclass(frozen=True)
class CaptureSeries:
    """The captured samples as arrays (bench time, active power, lowest phase current)."""

    t_s: np.ndarray
    power_w: np.ndarray
    current_a: np.ndarray
    trigger_t_s: float
    uncertainty_s: float
    interval_s: float


def needs_function(dut: Any, function: str) -> None:
    """Skip the test NOT_APPLICABLE unless the profile declares ``functions.<function>``."""
    if not dut.profile.claims(function):
        pytest.skip(f"NOT_APPLICABLE: the profile does not declare functions.{function}")


# --- programs -----------------------------------------------------------------------------------
def level_program(name: str, level_pct: float, duration_s: float, un_v: float, settle_s: float,
                  cessation_below_pct: float | None) -> RideThroughProgram:
    """A dip or swell of every phase to ``level_pct`` of Un for ``duration_s``, then Un."""
    allowed = cessation_below_pct is not None and level_pct < cessation_below_pct
    return RideThroughProgram(
        name, (VoltageStep(duration_s, level_pct / 100.0 * un_v), VoltageStep(settle_s, un_v)),
        (RideThroughEvent(f"{level_pct:g} % Un for {duration_s:g} s", 0.0, duration_s, allowed),),
        "commanded voltage / % Un", ((-PRE_TRIGGER_S, 100.0), (0.0, level_pct), (duration_s, 100.0),
                                     (duration_s + settle_s, 100.0)))


def phase_jump_program(jump_deg: float, hold_s: float, un_v: float, settle_s: float) -> RideThroughProgram:
    """Every phase's angle jumps by ``jump_deg``, holds ``hold_s``, jumps back."""
    return RideThroughProgram(
        f"phase jump {jump_deg:+g} deg and back",
        (VoltageStep(hold_s, un_v, phase_shift_deg=jump_deg), VoltageStep(settle_s, un_v, phase_shift_deg=0.0)),
        (RideThroughEvent(f"jump {jump_deg:+g} deg", 0.0, 0.0),
         RideThroughEvent(f"jump {-jump_deg:+g} deg (back)", hold_s, hold_s)),
        "commanded phase shift / deg", ((-PRE_TRIGGER_S, 0.0), (0.0, jump_deg), (hold_s, 0.0),
                                        (hold_s + settle_s, 0.0)))


def rocof_program(f_nom_hz: float, rate_hz_per_s: float, window_s: float, hold_s: float, un_v: float,
                  settle_s: float) -> RideThroughProgram:
    """A frequency ramp down by rate x window over the window, held ``hold_s``, and back up."""
    f_low = f_nom_hz - rate_hz_per_s * window_s
    end_s = 2.0 * window_s + hold_s
    return RideThroughProgram(
        f"RoCoF {rate_hz_per_s:g} Hz/s over {window_s:g} s, down and back",
        (VoltageStep(window_s, un_v, frequency_hz=f_nom_hz, frequency_end_hz=f_low),
         VoltageStep(hold_s, un_v, frequency_hz=f_low),
         VoltageStep(window_s, un_v, frequency_hz=f_low, frequency_end_hz=f_nom_hz),
         VoltageStep(settle_s, un_v, frequency_hz=f_nom_hz)),
        (RideThroughEvent(f"ramps at {rate_hz_per_s:g} Hz/s to {f_low:g} Hz and back", 0.0, end_s),),
        "commanded frequency / Hz", ((-PRE_TRIGGER_S, f_nom_hz), (0.0, f_nom_hz), (window_s, f_low),
                                     (window_s + hold_s, f_low), (end_s, f_nom_hz), (end_s + settle_s, f_nom_hz)),
        stimulus_staircase=False)


def below_curve(level_pct: float, duration_s: float, curve_s_pct: Sequence[Sequence[float]]) -> bool:
    """Whether a dip to ``level_pct`` for ``duration_s`` lies below the ride-through curve
    ((s, % Un) points; the DUT need not ride through it): the curve's level at every instant of
    the dip is the highest it requires, so compare with the curve at the dip's end."""
    points = sorted((float(t), float(u)) for t, u in curve_s_pct)
    return level_pct < float(np.interp(duration_s, [p[0] for p in points], [p[1] for p in points]))


def dip_conflicts(level_v: float, duration_s: float, stages: Sequence[TripStage]) -> list[str]:
    """The must-trip stages a level held ``duration_s`` would require to act (their threshold
    crossed for at least their clearing time minus its tolerance)."""
    return [stage.name for stage in stages
            if stage.beyond(level_v) and duration_s >= stage.clearing_s - stage.tolerance_s]


# --- stimulus and record ------------------------------------------------------------------------
def run_captured(dut: Any, program: RideThroughProgram) -> StepCapture:
    """Run ``program`` on the AC source's own timer inside the analyzer's triggered capture."""
    dut.step(f"AC source program: {program.name} ({len(program.steps)} points, {program.duration_s:g} s), "
             "captured by the analyzer from its start")
    def apply_program() -> None:
        run_excursion(dut.ac_source, Excursion(program.name, program.steps), dut.clock)

    return captured_step(dut, dut.analyzer, apply_program, pre_s=PRE_TRIGGER_S, post_s=program.duration_s)


def capture_series(dut: Any, capture: StepCapture) -> CaptureSeries:
    """Arrays of the capture: power, the lowest current over the DUT's own phases."""
    t = np.array([s.t_s for s in capture.samples])
    p = np.array([s.reading.active_power_w for s in capture.samples])
    i = np.array([min(s.reading.phases[k - 1].current_a for k in dut.phases if k <= len(s.reading.phases))
                  for s in capture.samples])
    return CaptureSeries(t, p, i, capture.trigger_t_s, capture.timing_uncertainty_s, capture.interval_s)


# --- analysis -----------------------------------------------------------------------------------
def pre_fault_power_w(series: CaptureSeries) -> float | None:
    """Mean active power over the samples before the trigger (None without any)."""
    before = series.power_w[series.t_s < series.trigger_t_s - 1e-9]
    return float(np.mean(before)) if before.size else None


def recovery_time_s(t_s: np.ndarray, power_w: np.ndarray, from_s: float, until_s: float,
                    required_w: float) -> float | None:
    """Time from ``from_s`` to the first sample of the final stretch in (from_s, until_s] where
    the power stays at or above ``required_w``; None when the last sample there is below it."""
    keep = (t_s > from_s + 1e-9) & (t_s <= until_s + 1e-9)
    t, p = t_s[keep], power_w[keep]
    if not t.size or p[-1] < required_w:
        return None
    below = np.nonzero(p < required_w)[0]
    first_ok = 0 if not below.size else int(below[-1]) + 1
    return float(t[first_ok] - from_s)


def energising_mask(series: CaptureSeries, events: Sequence[RideThroughEvent], recovery_time_s_: float) -> np.ndarray:
    """The samples after the trigger on which the DUT must energise (outside allowed cessation)."""
    rel = series.t_s - series.trigger_t_s
    judged = rel > 1e-9
    for event in events:
        if event.cessation_allowed:
            judged &= ~((rel > event.start_s) & (rel <= event.end_s + recovery_time_s_ + 1e-9))
    return judged


# --- judgement ----------------------------------------------------------------------------------
def judge(dut: Any, check: Any, req: str, program: RideThroughProgram, capture: StepCapture,
          limits: Limits) -> bool:
    """Energising outside allowed cessation and each event's recovery (see the module docstring).
    Returns whether the DUT produces at the end of the capture (False: it tripped or ceased)."""
    series = capture_series(dut, capture)
    t0 = series.trigger_t_s
    instants = [key_instant(event.label, t0 + event.start_s) for event in program.events]
    instants += [key_instant("event ends", t0 + event.end_s) for event in program.events
                 if event.end_s > event.start_s]
    stimulus = stimulus_series(program.stimulus_label, [t0 + t for t, _ in program.stimulus_values],
                               [v for _, v in program.stimulus_values], staircase=program.stimulus_staircase)
    _judge_energising(dut, check, req, program, series, limits, stimulus, instants)
    p_pre = pre_fault_power_w(series)
    if p_pre is None or p_pre < 10.0 * limits.energising_a:
        check.inconclusive(req, f"{program.name}: recovery", "no pre-fault production in the capture")
        return False
    required_w = limits.recovery_share * p_pre
    ends = [t0 + e.end_s for e in program.events] + [t0 + program.duration_s]
    for event, end_s, next_s in zip(program.events, ends, ends[1:], strict=False):
        recovered = recovery_time_s(series.t_s, series.power_w, end_s, next_s, required_w)
        high = limits.recovery_time_s * (1.0 + limits.time_mra_share)
        plot = series_plot(series.t_s, series.power_w, POWER_LABEL, window=[end_s, end_s + limits.recovery_time_s],
                           stimulus=stimulus,
                           limits=[applied_limit(f"{limits.recovery_share * 100:g} % of pre-fault {p_pre:.0f} W",
                                                 required_w)],
                           instants=instants + [key_instant("recovery deadline", end_s + limits.recovery_time_s)]
                           + ([key_instant("recovered", end_s + recovered)] if recovered is not None else []),
                           t_zero_s=t0)
        detail = (f"from {end_s:.3f} s ({event.label}) to the power staying >= {required_w:.0f} W "
                  f"({limits.recovery_share * 100:g} % of the pre-fault {p_pre:.0f} W) on the analyzer's capture "
                  f"every {series.interval_s * 1000:g} ms; uncertainty {series.uncertainty_s * 1000:g} ms")
        if recovered is None:
            last = series.power_w[series.t_s <= next_s + 1e-9]
            check.require_true(req, f"{program.name}: recovery after {event.label}", False,
                               f"the power was below {required_w:.0f} W at {next_s:.3f} s, {next_s - end_s:.2f} s "
                               f"after {event.label}: not recovered within the recovery time (tripped or ceased)",
                               plot, observed=observed_value("active power at the segment's end", "W",
                                                             float(last[-1]) if last.size else None,
                                                             low=required_w, uncertainty=dut.u_power_w))
            continue
        check.within(req, f"{program.name}: recovery after {event.label}", "recovery_time", "s", recovered,
                     series.uncertainty_s, None, high, detail, plot, required=limits.recovery_time_s,
                     sampling_period_s=series.interval_s)
    return bool(series.power_w.size) and float(series.power_w[-1]) >= required_w


def _judge_energising(dut: Any, check: Any, req: str, program: RideThroughProgram, series: CaptureSeries,
                      limits: Limits, stimulus: dict[str, Any], instants: list[dict[str, Any]]) -> None:
    mask = energising_mask(series, program.events, limits.recovery_time_s)
    judged = series.current_a[mask]
    lowest = float(judged.min()) if judged.size else None
    ok = lowest is not None and lowest >= limits.energising_a
    allowed = [e.label for e in program.events if e.cessation_allowed]
    where = (f"outside the allowed momentary cessation ({', '.join(allowed)} and the recovery time after it)"
             if allowed else "on every sample after the trigger")
    check.require_true(
        req, f"{program.name}: stays connected and energising", ok,
        f"lowest phase current {where}: {lowest if lowest is not None else float('nan'):.2f} A "
        f"(energising = at least {limits.energising_a:.2f} A) over {int(mask.sum())} samples every "
        f"{series.interval_s * 1000:g} ms",
        plot=series_plot(series.t_s, series.current_a, CURRENT_LABEL, stimulus=stimulus,
                         limits=[applied_limit(f"energising >= {limits.energising_a:.2f} A", limits.energising_a)],
                         instants=instants, t_zero_s=series.trigger_t_s),
        observed=observed_value("lowest phase current while judged", "A", lowest, low=limits.energising_a,
                                uncertainty=None))
