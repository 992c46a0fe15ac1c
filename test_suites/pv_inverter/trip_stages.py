"""The protection-stage method shared by the voltage and frequency trip suites.

For a stage (threshold, clearing time T, each from the catalog; margin m = 1.5 MRA of the
requirement):

(a) no trip inside the threshold margin: the AC source holds the quantity at threshold -+ m for
    longer than T + tolerance (but shorter than any other stage that level also exceeds would
    need); the analyzer must see the output stay up (no trip);
(b) trip: a step to threshold +- m; the clearing time must lie in
    T +- (trip_time_tolerance_s + mra_time_pct_of_duration of T). When the analyzer offers the
    triggered capture (``AnalyzerAcquisition``), the source's step triggers it and the clearing time
    runs from the trigger instant to the first captured sample whose output is ~0: its uncertainty is
    the capture interval (a quarter cycle, test_suites/sampling.py) plus the trigger's. Otherwise it
    is measured on the bench's polled samples from the first sample beyond the threshold to the first
    sample with the output ~0, uncertain by the sample period.

Each part is a stimulus (the AC source's levels and the waits), an analysis of the recorded
samples and a judgement (the checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.analysis import first_time_above, first_time_below, sample_period_s
from bench.checks import observed_value
from bench.excursions import Excursion, run_excursion
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import (NO_TRIP_HOLD_SAMPLE_S, TRIP_SAMPLE_S, StepCapture, captured_step,
                                  captures_steps)

OFF_FRACTION = 0.05           # "output ~0": below 5 % of rated power (as in the "producing" state)
NO_TRIP_EXTRA_S = 2.0         # (a) hold beyond T + tolerance when no other stage limits it
TRIP_EXTRA_S = 1.0            # (b) observation beyond T + tolerance
AFTER_RESTORE_S = 1.0         # (a) keep watching after the level returns to nominal
PRE_STEP_S = 0.2              # (b) a short pre-step record at the fine period
MARGIN_MRA = 1.5
POWER_LABEL = "active power / W"


@dataclass(frozen=True)
class TripStage:
    requirement: str
    name: str
    quantity: str            # PvInverterStrategy.series quantity: max_voltage_v, min_voltage_v, frequency_hz
    over: bool
    threshold: float         # V or Hz
    clearing_s: float
    tolerance_s: float       # trip_time_tolerance_s + 1 % of the clearing time
    margin: float            # 1.5 MRA, V or Hz
    unit: str
    phase: int | None = None  # voltage stages: one phase (1-based) or all (None)

    def beyond(self, level: float) -> bool:
        return level > self.threshold if self.over else level < self.threshold

    @property
    def sign(self) -> float:
        return 1.0 if self.over else -1.0

    @property
    def t_limit_s(self) -> float:
        """The latest allowed clearing time: T + tolerance."""
        return self.clearing_s + self.tolerance_s

    @property
    def level_inside(self) -> float:
        """(a) the level held without a trip: threshold -+ margin."""
        return self.threshold - self.sign * self.margin

    @property
    def level_beyond(self) -> float:
        """(b) the level stepped to for a trip: threshold +- margin."""
        return self.threshold + self.sign * self.margin


@dataclass(frozen=True)
class HeldLevel:
    """(a) the record of a held level: power, the mean level measured over the hold."""

    t_s: np.ndarray
    power_w: np.ndarray
    measured_level: float
    level: np.ndarray


@dataclass(frozen=True)
class TripRecord:
    """(b) the record around a step: power, quantity, the instant the clearing time runs from
    (``t_cross``: the capture's trigger, or the first polled sample beyond the threshold; None when
    the level never went beyond it), the first sample with the output ~0, the time uncertainty of
    the clearing time and the sampling period, and how the instants were taken (``method``)."""

    t_s: np.ndarray
    power_w: np.ndarray
    level: np.ndarray
    t_cross: float | None
    t_off: float | None
    uncertainty_s: float
    period_s: float
    method: str


# --- stages from the catalog --------------------------------------------------------------------
def _stage_tolerance_s(dut: Any, req: str, clearing_s: float) -> float:
    return dut.param(req, "trip_time_tolerance_s") + dut.param(req, "mra_time_pct_of_duration") / 100.0 * clearing_s


def voltage_stage(dut: Any, req: str, name: str, over: bool, phase: int | None = None) -> TripStage:
    clearing = float(dut.param(req, "clearing_time_s"))
    return TripStage(req, name, "max_voltage_v" if over else "min_voltage_v", over,
                     dut.param(req, "threshold_pct_un") / 100.0 * dut.v_nom_v, clearing,
                     _stage_tolerance_s(dut, req, clearing), MARGIN_MRA * dut.mra_voltage_v(req), "V", phase)


def frequency_stages(dut: Any, req: str, over: bool) -> list[TripStage]:
    sign = ">" if over else "<"
    out = []
    for hz, clearing in dut.param(req, "stages_hz_s"):
        out.append(TripStage(req, f"f{sign} {hz:.2f} Hz / {clearing:g} s", "frequency_hz", over, float(hz),
                             float(clearing), _stage_tolerance_s(dut, req, float(clearing)),
                             MARGIN_MRA * dut.param(req, "mra_frequency_hz"), "Hz"))
    return out


# --- stimulus -------------------------------------------------------------------------------------
def apply_level(dut: Any, stage: TripStage, level: float) -> None:
    if stage.quantity == "frequency_hz":
        dut.set_frequency_hz(level)
    elif stage.phase is None:
        dut.set_voltage_v(level)
    else:
        dut.step(f"AC source: phase {stage.phase} at {level:.1f} V ({level / dut.v_nom_v * 100:.1f} % Un), "
                 f"other phases at Un")
        dut.ac_source.set_voltage_v(level, phase=stage.phase)


def _fraction_for(dut: Any, stage: TripStage) -> float:
    """Irradiance so that the phase current at the lowest test voltage stays inside the DUT's
    rated current (with 20 % headroom): an under-voltage step must not overload the DUT or trip
    the bench's current limit."""
    i_max = dut.profile.ratings.get("max_current_a")
    if stage.quantity != "min_voltage_v" or not i_max:
        return 1.0
    v_low = stage.threshold - stage.margin
    phase_count = int(dut.profile.ratings.get("phase_count", 3))
    return float(min(1.0, 0.8 * float(i_max) * v_low * phase_count / dut.p_rated_w))


def back_to_production(dut: Any, fraction: float, after_trip: bool) -> float:
    """Nominal grid and steady production; after a trip through the ``reconnected`` state (the
    reconnection runs on a coarse record first)."""
    if after_trip:
        return dut.transition("reconnected", fraction=fraction)
    dut.restore_nominal_grid()
    return dut.transition("producing", fraction=fraction)


def _hold_level(dut: Any, stage: TripStage, level: float, hold_s: float) -> float:
    """(a) hold ``level`` for ``hold_s``, back to nominal, watch on; returns the hold's start."""
    dut.step(f"{stage.name}: hold {level:.3f} {stage.unit} (threshold -+ {stage.margin:.3f}) for {hold_s:.2f} s")
    t0 = dut.now_s()
    apply_level(dut, stage, level)
    dut.wait(hold_s, sample_period_s=NO_TRIP_HOLD_SAMPLE_S)
    dut.restore_nominal_grid()
    dut.wait(AFTER_RESTORE_S, sample_period_s=NO_TRIP_HOLD_SAMPLE_S)
    return t0


def _announce_step(dut: Any, stage: TripStage, level: float) -> None:
    dut.step(f"{stage.name}: step to {level:.3f} {stage.unit} (threshold +- {stage.margin:.3f}); "
             f"clearing time {stage.clearing_s:g} s +- {stage.tolerance_s:.3f} s")


def _programmed_step(dut: Any, stage: TripStage, level: float, hold_s: float) -> None:
    """The step as a program of the AC source: a voltage step through ``bench.excursions`` (the
    source's own LIST when it has one, whose start pulses its trigger output), a frequency step as
    a setting (the source pulses its trigger output when it applies it)."""
    if stage.quantity == "frequency_hz":
        apply_level(dut, stage, level)
        return
    where = "all phases" if stage.phase is None else f"phase {stage.phase} (other phases at Un)"
    dut.step(f"AC source: {level:.1f} V ({level / dut.v_nom_v * 100:.1f} % Un) on {where} for {hold_s:.2f} s")
    run_excursion(dut.ac_source, Excursion.step(level, hold_s), dut.clock, phase=stage.phase)


def _captured_step_beyond(dut: Any, stage: TripStage, level: float, window_s: float) -> StepCapture:
    """(b) the step to ``level`` recorded by the analyzer's triggered capture (``PRE_STEP_S``
    before the trigger, ``window_s`` after), then back to nominal."""
    _announce_step(dut, stage, level)
    capture = captured_step(dut, dut.analyzer, lambda: _programmed_step(dut, stage, level, window_s),
                            pre_s=PRE_STEP_S, post_s=window_s)
    dut.restore_nominal_grid()
    return capture


def _step_beyond(dut: Any, stage: TripStage, level: float, window_s: float) -> float:
    """(b) a pre-step record, the step to ``level`` for ``window_s``, back to nominal; returns the
    bench time of the step command."""
    _announce_step(dut, stage, level)
    dut.wait(PRE_STEP_S, sample_period_s=TRIP_SAMPLE_S)
    t_cmd = dut.now_s()
    apply_level(dut, stage, level)
    dut.wait(window_s, sample_period_s=TRIP_SAMPLE_S)
    dut.restore_nominal_grid()
    return t_cmd


# --- analysis -------------------------------------------------------------------------------------
def _held_record(dut: Any, stage: TripStage, t0: float, hold_s: float) -> HeldLevel:
    t, p = dut.series(t0 + 1e-6)
    _, q = dut.series(t0 + 1e-6, stage.quantity)
    in_hold = t <= t0 + hold_s + 1e-9
    measured_level = float(np.mean(q[in_hold])) if np.any(in_hold) else float("nan")
    return HeldLevel(t, p, measured_level, q)


def _trip_record(dut: Any, stage: TripStage, t_cmd: float, window_s: float) -> TripRecord:
    off_w = OFF_FRACTION * dut.p_rated_w
    t, p = dut.series(t_cmd - PRE_STEP_S)
    _, q = dut.series(t_cmd - PRE_STEP_S, stage.quantity)
    keep = t <= t_cmd + window_s + 1e-9
    t, p, q = t[keep], p[keep], q[keep]
    finder = first_time_above if stage.over else first_time_below
    period = sample_period_s(t)
    return TripRecord(t, p, q, finder(t, q, stage.threshold, after_s=t_cmd),
                      first_time_below(t, p, off_w, after_s=t_cmd), period, period,
                      f"from the first sample beyond {stage.threshold:.3f} {stage.unit}; uncertainty = the "
                      f"sample period {period:g} s")


def _captured_trip_record(dut: Any, stage: TripStage, capture: StepCapture) -> TripRecord:
    """(b) the captured record: the clearing time runs from the trigger (the source applied the
    step) when the first captured sample after it is beyond the threshold (None otherwise)."""
    off_w = OFF_FRACTION * dut.p_rated_w
    t = np.array([s.t_s for s in capture.samples])
    p = np.array([s.reading.active_power_w for s in capture.samples])
    q = np.array([dut.quantity_of(s.reading, stage.quantity) for s in capture.samples])
    after = t > capture.trigger_t_s + 1e-9
    beyond = bool(np.any(after)) and stage.beyond(float(q[after][0]))
    u = capture.timing_uncertainty_s
    return TripRecord(t, p, q, capture.trigger_t_s if beyond else None,
                      first_time_below(t, p, off_w, after_s=capture.trigger_t_s), u, capture.interval_s,
                      f"from the trigger (the AC source applied the step, {capture.trigger_t_s:.3f} s) on the "
                      f"analyzer's capture every {capture.interval_s * 1000:g} ms; uncertainty = capture "
                      f"interval + trigger {capture.trigger_uncertainty_s * 1000:g} ms = {u * 1000:g} ms")


# --- judgement ------------------------------------------------------------------------------------
def _hold_alone_s(check: Any, stage: TripStage, others: list[TripStage]) -> float | None:
    """(a) how long the level inside the margin can be held without another stage acting; None
    (recorded inconclusive) when another stage must act before this one may."""
    level_a = stage.level_inside
    competing = [o for o in others if o.beyond(level_a)]
    if not competing:
        return stage.t_limit_s + NO_TRIP_EXTRA_S
    t_other = min(o.clearing_s - o.tolerance_s for o in competing)
    if t_other <= stage.t_limit_s:
        check.inconclusive(stage.requirement, f"{stage.name}: no trip at {level_a:.3f} {stage.unit}",
                           f"another stage ({', '.join(o.name for o in competing)}) must act before "
                           f"{stage.t_limit_s:.3f} s at that level: this stage cannot be held alone")
        return None
    return (stage.t_limit_s + t_other) / 2.0


def _judge_stays_connected(dut: Any, check: Any, stage: TripStage, hold_s: float, t0: float,
                           held: HeldLevel) -> bool | None:
    """(a) the output stayed up while the level was held; None (recorded inconclusive) when the
    bench did not apply the level."""
    req, level_a = stage.requirement, stage.level_inside
    off_w = OFF_FRACTION * dut.p_rated_w
    u_level = dut.u_frequency_hz if stage.unit == "Hz" else dut.u_voltage_v
    measured_level, p = held.measured_level, held.power_w
    if not np.isfinite(measured_level) or abs(measured_level - level_a) > stage.margin / 2.0:
        check.inconclusive(req, f"{stage.name}: no trip at {level_a:.3f} {stage.unit}",
                           f"the bench applied {measured_level:.3f} {stage.unit}, not {level_a:.3f}")
        return None
    stayed = bool(p.size) and float(p.min()) >= off_w
    check.require_true(req, f"{stage.name}: stays connected at threshold -+ margin",
                       stayed,
                       f"measured {measured_level:.3f} {stage.unit} +- {u_level:g} held {hold_s:.2f} s "
                       f"(> clearing {stage.clearing_s:g} s + {stage.tolerance_s:.3f} s); minimum output "
                       f"{float(p.min()) if p.size else float('nan'):.0f} W (trip = below {off_w:.0f} W)",
                       plot=series_plot(held.t_s, p, POWER_LABEL, window=[t0, t0 + hold_s],
                                        stimulus=stimulus_series(_level_label(stage), held.t_s, held.level),
                                        limits=[applied_limit(f"trip = below {off_w:.0f} W", off_w)],
                                        instants=[key_instant("level applied", t0),
                                                  key_instant("level restored", t0 + hold_s)]),
                       observed=observed_value("lowest output power while held", "W",
                                               float(p.min()) if p.size else None, low=off_w,
                                               uncertainty=dut.u_power_w))
    return stayed


def _level_label(stage: TripStage) -> str:
    return f"{'frequency' if stage.unit == 'Hz' else 'voltage'} / {stage.unit}"


def _preempted(check: Any, stage: TripStage, others: list[TripStage]) -> bool:
    """(b) whether another stage may act first at the level beyond the margin (recorded inconclusive)."""
    level_b = stage.level_beyond
    faster = [o for o in others if o.beyond(level_b) and o.clearing_s - o.tolerance_s <= stage.t_limit_s]
    if faster:
        check.inconclusive(stage.requirement, f"{stage.name}: clearing time",
                           f"another stage ({', '.join(o.name for o in faster)}) may act first at "
                           f"{level_b:.3f} {stage.unit}")
    return bool(faster)


def _lowest_after(trip: TripRecord, t_cross: float) -> float | None:
    """The lowest output power recorded after the level crossed the threshold (None without samples)."""
    after = np.asarray(trip.power_w)[np.asarray(trip.t_s) > t_cross]
    return float(after.min()) if after.size else None


def _judge_clearing(dut: Any, check: Any, stage: TripStage, trip: TripRecord, p_before: float,
                    window_s: float) -> bool:
    """(b) the DUT tripped, with the clearing time inside T +- tolerance. Returns whether it is
    (likely) tripped at the end."""
    req, t_limit = stage.requirement, stage.t_limit_s
    off_w = OFF_FRACTION * dut.p_rated_w
    t_cross, t_off = trip.t_cross, trip.t_off
    if t_cross is None:
        check.inconclusive(req, f"{stage.name}: clearing time",
                           f"the analyzer never saw the {stage.unit} beyond {stage.threshold:.3f}")
        return True
    instants = [key_instant("step", t_cross)] + ([key_instant("trip", t_off)] if t_off is not None else [])
    plot = series_plot(trip.t_s, trip.power_w, POWER_LABEL,
                       window=[t_cross + stage.clearing_s - stage.tolerance_s, t_cross + t_limit],
                       stimulus=stimulus_series(_level_label(stage), trip.t_s, trip.level),
                       limits=[applied_limit(f"trip = below {off_w:.0f} W", off_w)], instants=instants)
    level_meas = float(np.mean(trip.level[trip.t_s > t_cross + 1e-9]))   # samples after the step
    if t_off is None:
        check.require_true(req, f"{stage.name}: trips at threshold +- margin", False,
                           f"measured {level_meas:.3f} {stage.unit}; output stayed above {off_w:.0f} W for "
                           f"{window_s:.2f} s after the step (from {p_before:.0f} W)", plot=plot,
                           observed=observed_value("lowest output power after the step", "W",
                                                   _lowest_after(trip, t_cross), high=off_w,
                                                   uncertainty=dut.u_power_w))
        return False
    check.require_true(req, f"{stage.name}: trips at threshold +- margin", True,
                       f"measured {level_meas:.3f} {stage.unit}; output {p_before:.0f} W -> below {off_w:.0f} W",
                       observed=observed_value("lowest output power after the step", "W",
                                               _lowest_after(trip, t_cross), high=off_w, uncertainty=dut.u_power_w))
    clearing_s = round(t_off - t_cross, 6)     # instants are whole microseconds
    check.within(req, f"{stage.name}: clearing time", "clearing_time", "s", clearing_s, trip.uncertainty_s,
                 stage.clearing_s - stage.tolerance_s, t_limit, sampling_period_s=trip.period_s,
                 detail=f"{trip.method}: {t_cross:.3f} s to the first sample below {off_w:.0f} W "
                        f"({t_off:.3f} s); setting {stage.clearing_s:g} s +- {stage.tolerance_s:.3f} s",
                 plot=plot)
    return True


# --- the method -----------------------------------------------------------------------------------
def check_stage(dut: Any, check: Any, stage: TripStage, others: list[TripStage], after_trip: bool = False) -> bool:
    """(a) no trip at threshold -+ margin, then (b) trip and clearing time at threshold +- margin.

    ``others``: the DUT's other configured stages on the same quantity and direction;
    ``after_trip``: the DUT tripped in the measurement before. Returns whether the DUT is (likely)
    tripped at the end, so the next call can wait for its reconnection."""
    fraction = _fraction_for(dut, stage)

    # (a) no trip inside the margin
    hold_s = _hold_alone_s(check, stage, others)
    if hold_s is None:
        return after_trip
    back_to_production(dut, fraction, after_trip)
    t0 = _hold_level(dut, stage, stage.level_inside, hold_s)
    held = _held_record(dut, stage, t0, hold_s)
    stayed = _judge_stays_connected(dut, check, stage, hold_s, t0, held)
    if stayed is None:
        return True

    # (b) trip beyond the margin
    if _preempted(check, stage, others):
        return not stayed
    p_before = back_to_production(dut, fraction, not stayed)
    window_s = stage.t_limit_s + TRIP_EXTRA_S
    if captures_steps(dut.analyzer):
        trip = _captured_trip_record(dut, stage, _captured_step_beyond(dut, stage, stage.level_beyond, window_s))
    else:
        t_cmd = _step_beyond(dut, stage, stage.level_beyond, window_s)
        trip = _trip_record(dut, stage, t_cmd, window_s)
    return _judge_clearing(dut, check, stage, trip, p_before, window_s)
