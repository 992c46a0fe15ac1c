"""Grid-voltage excursions (a step, a dip, a ramp) on an AC source, with the timing evidence.

Two ways, chosen by what the driver offers:

* **on the instrument** when the source fills
  :class:`instruments.capabilities.AcSourceTransients` (Chroma 61500/61600/61800 LIST, Asterion
  LIST): the whole profile is loaded first, one trigger starts it, the instrument's own timer
  paces it. The result records the bench time window in which the trigger was sent; every step's
  start is that time plus the programmed dwells (exact to the instrument's timebase). The program's
  start is also what pulses the source's trigger output, so an analyzer capture armed on it
  (``AnalyzerAcquisition.arm_capture``) is timed from the instant the first level is applied.
* **stepped** otherwise: one ``set_voltage_v`` per step, paced by the bench clock; the result
  records when each command was sent and when it returned (the achieved timing), so a report
  can show how far it is from the intended profile.

A ramp is a staircase of ``points`` equal steps on both paths (no slew-rate assumption). A point
may also hold a frequency (both paths) or ramp the frequency / jump the phase angle (the instrument's
program only: stepped, that is an ``InstrumentError``).
Bench safety limits, when given, are checked for every step before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.clock import BenchClock
from bench.config import SafetyLimits
from bench.errors import InstrumentError, SafetyLimitError
from instruments.capabilities import AcSource, AcSourceTransients, VoltageStep

__all__ = ["Excursion", "StepTiming", "ExcursionResult", "run_excursion"]

RecordFn = Callable[..., Any]


@dataclass(frozen=True)
class Excursion:
    """A voltage profile: ``steps`` run in order from the moment the excursion starts."""

    name: str
    steps: tuple[VoltageStep, ...]

    @property
    def duration_s(self) -> float:
        return sum(step.duration_s for step in self.steps)

    @property
    def final_v(self) -> float:
        return self.steps[-1].volts

    @classmethod
    def step(cls, to_v: float, hold_s: float) -> Excursion:
        """Jump to ``to_v`` and hold it for ``hold_s``."""
        return cls(f"step to {to_v:g} V", (VoltageStep(hold_s, to_v),))

    @classmethod
    def dip(cls, dip_v: float, duration_s: float, return_v: float, settle_s: float) -> Excursion:
        """Drop to ``dip_v`` for ``duration_s``, then return to ``return_v`` for ``settle_s``."""
        return cls(f"dip to {dip_v:g} V for {duration_s:g} s",
                   (VoltageStep(duration_s, dip_v), VoltageStep(settle_s, return_v)))

    @classmethod
    def ramp(cls, from_v: float, to_v: float, duration_s: float, points: int,
             hold_s: float = 0.0) -> Excursion:
        """Go from ``from_v`` to ``to_v`` in ``points`` equal steps over ``duration_s``, then
        hold ``to_v`` for ``hold_s`` (0: the last step's own dwell ends the ramp)."""
        if points < 1 or duration_s <= 0:
            raise ValueError("a ramp needs points >= 1 and a positive duration")
        dwell = duration_s / points
        steps = [VoltageStep(dwell, from_v + (to_v - from_v) * i / points)
                 for i in range(1, points + 1)]
        if hold_s > 0:
            steps.append(VoltageStep(hold_s, to_v))
        return cls(f"ramp {from_v:g}->{to_v:g} V in {duration_s:g} s", tuple(steps))


@dataclass(frozen=True)
class StepTiming:
    """When one step reached the instrument, in bench seconds.

    ``sent_s``..``acknowledged_s`` brackets the moment the new level was commanded; for an
    instrument-timed program both are the trigger window shifted by the dwells before it."""

    volts: float
    planned_start_s: float
    sent_s: float
    acknowledged_s: float


@dataclass(frozen=True)
class ExcursionResult:
    name: str
    mode: Literal["instrument", "stepped"]
    started_s: float
    steps: tuple[StepTiming, ...]
    ended_s: float
    notes: tuple[str, ...] = field(default=())

    @property
    def worst_lateness_s(self) -> float:
        """Largest delay of a step's acknowledgement behind its planned start."""
        return max(s.acknowledged_s - s.planned_start_s for s in self.steps)


def _check_limits(excursion: Excursion, limits: SafetyLimits | None) -> None:
    if limits is None:
        return
    for step in excursion.steps:
        if not limits.voltage_min_v <= step.volts <= limits.voltage_max_v:
            raise SafetyLimitError(
                f"excursion {excursion.name!r}: {step.volts:g} V outside the bench limits "
                f"[{limits.voltage_min_v:g}, {limits.voltage_max_v:g}] V")


def run_excursion(source: AcSource, excursion: Excursion, clock: BenchClock, *,
                  phase: int | None = None, limits: SafetyLimits | None = None,
                  record: RecordFn | None = None, poll_period_s: float = 0.05,
                  done_margin_s: float = 1.0) -> ExcursionResult:
    """Run ``excursion`` on ``source`` and return (and record) its timing evidence.

    Uses the instrument's own program when ``source`` fills ``AcSourceTransients`` and can
    hold the profile (length, shortest dwell, phase); otherwise stepped set commands.
    ``record(kind, **fields)`` (e.g. ``Recorder.write``) receives one ``excursion`` entry.
    """
    if not excursion.steps:
        raise ValueError("an excursion needs at least one step")
    _check_limits(excursion, limits)
    notes: list[str] = []
    on_instrument = isinstance(source, AcSourceTransients)
    if on_instrument:
        transients: Any = source
        if len(excursion.steps) > transients.max_transient_steps:
            notes.append("profile longer than the instrument list: stepped instead")
            on_instrument = False
        elif min(s.duration_s for s in excursion.steps) < transients.min_step_duration_s:
            notes.append("a dwell shorter than the instrument allows: stepped instead")
            on_instrument = False
        elif phase is not None and source.phase_count > 1:
            notes.append("per-phase program not offered by the driver: stepped instead")
            on_instrument = False
    if not on_instrument and any(step.shapes_frequency_or_angle for step in excursion.steps):
        raise InstrumentError(f"excursion {excursion.name!r}: a frequency ramp or phase jump needs the "
                              f"AC source's own program ({'; '.join(notes) or 'the driver offers none'})")
    if on_instrument:
        result = _run_on_instrument(source, excursion, clock, phase, poll_period_s,
                                    done_margin_s, notes)
    else:
        result = _run_stepped(source, excursion, clock, phase, notes)
    if record is not None:
        record("excursion", name=result.name, mode=result.mode, started_s=result.started_s,
               ended_s=result.ended_s, notes=list(result.notes),
               steps=[{"volts": s.volts, "planned_start_s": s.planned_start_s,
                       "sent_s": s.sent_s, "acknowledged_s": s.acknowledged_s}
                      for s in result.steps])
    return result


def _run_on_instrument(source: Any, excursion: Excursion, clock: BenchClock,
                       phase: int | None, poll_period_s: float, done_margin_s: float,
                       notes: list[str]) -> ExcursionResult:
    source.program_voltage_steps(list(excursion.steps), phase=phase)
    sent_s = clock.now_s()
    source.run_transient()
    acknowledged_s = clock.now_s()
    timings: list[StepTiming] = []
    offset_s = 0.0
    for step in excursion.steps:
        timings.append(StepTiming(step.volts, sent_s + offset_s, sent_s + offset_s,
                                  acknowledged_s + offset_s))
        offset_s += step.duration_s
    clock.sleep(excursion.duration_s)
    deadline_s = acknowledged_s + excursion.duration_s + done_margin_s
    while not source.transient_done():
        if clock.now_s() >= deadline_s:
            source.abort_transient()
            raise InstrumentError(
                f"{source.name}: transient {excursion.name!r} not done {done_margin_s:g} s "
                "after its programmed end")
        clock.sleep(poll_period_s)
    ended_s = clock.now_s()
    source.abort_transient()          # back to fixed mode ...
    source.set_voltage_v(excursion.final_v, phase)  # ... holding the profile's last level
    notes.append("timing from the instrument's list timer; trigger window recorded")
    return ExcursionResult(excursion.name, "instrument", sent_s, tuple(timings), ended_s,
                           tuple(notes))


def _run_stepped(source: AcSource, excursion: Excursion, clock: BenchClock,
                 phase: int | None, notes: list[str]) -> ExcursionResult:
    started_s = clock.now_s()
    planned_s = started_s
    timings: list[StepTiming] = []
    for step in excursion.steps:
        sent_s = clock.now_s()
        if step.frequency_hz is not None:
            source.set_frequency_hz(step.frequency_hz)
        source.set_voltage_v(step.volts, phase)
        acknowledged_s = clock.now_s()
        timings.append(StepTiming(step.volts, planned_s, sent_s, acknowledged_s))
        planned_s += step.duration_s
        remaining_s = planned_s - clock.now_s()
        if remaining_s > 0:
            clock.sleep(remaining_s)
    notes.append("stepped set commands; achieved timing is sent/acknowledged per step")
    return ExcursionResult(excursion.name, "stepped", started_s, tuple(timings),
                           clock.now_s(), tuple(notes))
