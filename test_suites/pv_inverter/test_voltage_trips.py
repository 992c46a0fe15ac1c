"""Voltage protection: U>> (over-voltage), U< and U<< (under-voltage) stages and U> on the
10-minute running mean.

Method for a protection stage (threshold, clearing time T, each from the catalog; margin m =
1.5 MRA of the requirement):

(a) no trip inside the threshold margin: the AC source holds the quantity at threshold -+ m for
    longer than T + tolerance (but shorter than any other stage that level also exceeds would
    need); the analyzer must see the output stay up (no trip);
(b) trip: a step to threshold +- m; the clearing time is measured on the analyzer's samples from
    the first sample beyond the threshold to the first sample whose output is ~0, and must lie in
    T +- (trip_time_tolerance_s + mra_time_pct_of_duration of T); time uncertainty = the sample
    period (fine sampling around the step).

Under-voltage stages: U< is stepped on all phases. U<< is stepped on phase 1 only (the others
stay at Un): a DUT cannot keep feeding with all phases at 25-45 % Un, so with an all-phase dip
"stays connected" could not be observed; the stage acts on the lowest phase either way.

U> on the 10-minute mean: the bench forms its own IEC 61000-4-30 style running mean (3-s
aggregates, 600-s window) from the analyzer's voltage samples. Phase A (one window long) holds a
base voltage inside the normal operating window with short excursions just below U>>; the DUT
must not trip. Phase B holds the excursion level until the running mean rises through the
threshold: the DUT must not trip while the mean is surely below threshold - 1.5 MRA, and must
trip within max_trip_delay_s (+1 %) of the moment the mean surely exceeds the threshold.

The stage helper below is shared with test_frequency_trips.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from bench.analysis import (first_time_above, first_time_below, sample_period_s,
                            ten_minute_running_mean_v)

REQ_UMEAN = "PV-UMEAN-TRIP"
REQ_UMAX = "PV-UMAX-TRIP"
REQ_UMIN = "PV-UMIN-TRIP"
REQ_UMINMIN = "PV-UMINMIN-TRIP"

FINE_SAMPLE_S = 0.02          # sampling around trip instants
HOLD_SAMPLE_S = 0.1           # (a) a trip latches the output at 0 for the observation time: no timing needed
OFF_FRACTION = 0.05           # "output ~0": below 5 % of rated power (as in bring_to_production)
NO_TRIP_EXTRA_S = 2.0         # (a) hold beyond T + tolerance when no other stage limits it
TRIP_EXTRA_S = 1.0            # (b) observation beyond T + tolerance
AFTER_RESTORE_S = 1.0         # (a) keep watching after the level returns to nominal
MARGIN_MRA = 1.5


# ------------------------------------------------------------------------------------------
# shared protection-stage method (also used by test_frequency_trips.py)
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TripStage:
    requirement: str
    name: str
    quantity: str            # PvBench.series quantity: max_voltage_v, min_voltage_v, frequency_hz
    over: bool
    threshold: float         # V or Hz
    clearing_s: float
    tolerance_s: float       # trip_time_tolerance_s + 1 % of the clearing time
    margin: float            # 1.5 MRA, V or Hz
    unit: str
    phase: int | None = None  # voltage stages: one phase (1-based) or all (None)

    def beyond(self, level: float) -> bool:
        return level > self.threshold if self.over else level < self.threshold


def _stage_tolerance_s(pv, req: str, clearing_s: float) -> float:
    return pv.param(req, "trip_time_tolerance_s") + pv.param(req, "mra_time_pct_of_duration") / 100.0 * clearing_s


def voltage_stage(pv, req: str, name: str, over: bool, phase: int | None = None) -> TripStage:
    clearing = float(pv.param(req, "clearing_time_s"))
    return TripStage(req, name, "max_voltage_v" if over else "min_voltage_v", over,
                     pv.param(req, "threshold_pct_un") / 100.0 * pv.v_nom_v, clearing,
                     _stage_tolerance_s(pv, req, clearing), MARGIN_MRA * pv.mra_voltage_v(req), "V", phase)


def frequency_stages(pv, req: str, over: bool) -> list[TripStage]:
    sign = ">" if over else "<"
    out = []
    for hz, clearing in pv.param(req, "stages_hz_s"):
        out.append(TripStage(req, f"f{sign} {hz:.2f} Hz / {clearing:g} s", "frequency_hz", over, float(hz),
                             float(clearing), _stage_tolerance_s(pv, req, float(clearing)),
                             MARGIN_MRA * pv.param(req, "mra_frequency_hz"), "Hz"))
    return out


def _apply(pv, stage: TripStage, level: float) -> None:
    if stage.quantity == "frequency_hz":
        pv.set_frequency_hz(level)
    elif stage.phase is None:
        pv.set_voltage_v(level)
    else:
        pv.step(f"AC source: phase {stage.phase} at {level:.1f} V ({level / pv.v_nom_v * 100:.1f} % Un), "
                f"other phases at Un")
        pv.ac_source.set_voltage_v(level, phase=stage.phase)


def _restore(pv) -> None:
    pv.set_frequency_hz(pv.f_nom_hz)
    pv.set_voltage_v(pv.v_nom_v)


def _u_level(pv, stage: TripStage) -> float:
    return pv.u_frequency_hz if stage.unit == "Hz" else pv.u_voltage_v


def _series_plot(t, y, y_label: str, window: list[float] | None) -> dict:
    plot = {"type": "series", "x_label": "bench time / s", "y_label": y_label,
            "t_s": [float(x) for x in t], "y": [float(v) for v in y]}
    if window is not None:
        plot["window"] = [float(window[0]), float(window[1])]
    return plot


def _fraction_for(pv, stage: TripStage) -> float:
    """Irradiance so that the phase current at the lowest test voltage stays inside the DUT's
    rated current (with 20 % headroom): an under-voltage step must not overload the DUT or trip
    the bench's current limit."""
    i_max = pv.profile.ratings.get("max_current_a")
    if stage.quantity != "min_voltage_v" or not i_max:
        return 1.0
    v_low = stage.threshold - stage.margin
    phase_count = int(pv.profile.ratings.get("phase_count", 3))
    return float(min(1.0, 0.8 * float(i_max) * v_low * phase_count / pv.p_rated_w))


RECONNECT_SAMPLE_S = 1.0      # coarse record while the DUT goes through its reconnection


def reconnect_time_s(pv) -> float:
    """Observation time plus a full 0-100 % reconnection ramp, from the catalog."""
    return (pv.param("PV-RECONNECT-DELAY", "observation_time_s")
            + 100.0 / pv.param("PV-RECONNECT-RAMP", "ramp_max_pct_pn_per_min") * 60.0)


def back_to_production(pv, fraction: float, after_trip: bool) -> float:
    """Nominal grid; after a trip let the reconnection (observation time + ramp) run on a coarse
    record first, then ``pv.bring_to_production`` confirms steady output."""
    _restore(pv)
    if after_trip:
        pv.step("DUT tripped: nominal grid, wait for the reconnection (observation time + ramp)")
        pv.wait(reconnect_time_s(pv), sample_period_s=RECONNECT_SAMPLE_S)
    return pv.bring_to_production(fraction=fraction)


def check_stage(pv, check, stage: TripStage, others: list[TripStage], after_trip: bool = False) -> bool:
    """(a) no trip at threshold -+ margin, then (b) trip and clearing time at threshold +- margin.

    ``others``: the DUT's other configured stages on the same quantity and direction;
    ``after_trip``: the DUT tripped in the measurement before. Returns whether the DUT is (likely)
    tripped at the end, so the next call can wait for its reconnection."""
    req, sign = stage.requirement, (1.0 if stage.over else -1.0)
    off_w = OFF_FRACTION * pv.p_rated_w
    u_level = _u_level(pv, stage)
    t_limit = stage.clearing_s + stage.tolerance_s
    fraction = _fraction_for(pv, stage)

    # ---- (a) no trip inside the margin ----------------------------------------------------
    level_a = stage.threshold - sign * stage.margin
    competing = [o for o in others if o.beyond(level_a)]
    if competing:
        t_other = min(o.clearing_s - o.tolerance_s for o in competing)
        if t_other <= t_limit:
            check.inconclusive(req, f"{stage.name}: no trip at {level_a:.3f} {stage.unit}",
                               f"another stage ({', '.join(o.name for o in competing)}) must act before "
                               f"{t_limit:.3f} s at that level: this stage cannot be held alone")
            return after_trip
        hold = (t_limit + t_other) / 2.0
    else:
        hold = t_limit + NO_TRIP_EXTRA_S
    back_to_production(pv, fraction, after_trip)
    pv.step(f"{stage.name}: hold {level_a:.3f} {stage.unit} (threshold -+ {stage.margin:.3f}) for {hold:.2f} s")
    t0 = pv.now_s()
    _apply(pv, stage, level_a)
    pv.wait(hold, sample_period_s=HOLD_SAMPLE_S)
    _restore(pv)
    pv.wait(AFTER_RESTORE_S, sample_period_s=HOLD_SAMPLE_S)
    t, p = pv.series(t0 + 1e-6)
    _, q = pv.series(t0 + 1e-6, stage.quantity)
    in_hold = t <= t0 + hold + 1e-9
    measured_level = float(np.mean(q[in_hold])) if np.any(in_hold) else float("nan")
    if not np.isfinite(measured_level) or abs(measured_level - level_a) > stage.margin / 2.0:
        check.inconclusive(req, f"{stage.name}: no trip at {level_a:.3f} {stage.unit}",
                           f"the bench applied {measured_level:.3f} {stage.unit}, not {level_a:.3f}")
        return True
    stayed = bool(p.size) and float(p.min()) >= off_w
    check.require_true(req, f"{stage.name}: stays connected at threshold -+ margin",
                       stayed,
                       f"measured {measured_level:.3f} {stage.unit} +- {u_level:g} held {hold:.2f} s "
                       f"(> clearing {stage.clearing_s:g} s + {stage.tolerance_s:.3f} s); minimum output "
                       f"{float(p.min()) if p.size else float('nan'):.0f} W (trip = below {off_w:.0f} W)",
                       plot=_series_plot(t, p, "active power / W", [t0, t0 + hold]))

    # ---- (b) trip beyond the margin -------------------------------------------------------
    level_b = stage.threshold + sign * stage.margin
    faster = [o for o in others if o.beyond(level_b) and o.clearing_s - o.tolerance_s <= t_limit]
    if faster:
        check.inconclusive(req, f"{stage.name}: clearing time",
                           f"another stage ({', '.join(o.name for o in faster)}) may act first at "
                           f"{level_b:.3f} {stage.unit}")
        return not stayed
    p_before = back_to_production(pv, fraction, not stayed)
    window = t_limit + TRIP_EXTRA_S
    pv.step(f"{stage.name}: step to {level_b:.3f} {stage.unit} (threshold +- {stage.margin:.3f}); "
            f"clearing time {stage.clearing_s:g} s +- {stage.tolerance_s:.3f} s")
    pv.wait(0.2, sample_period_s=FINE_SAMPLE_S)     # a short pre-step record at the fine period
    t_cmd = pv.now_s()
    _apply(pv, stage, level_b)
    pv.wait(window, sample_period_s=FINE_SAMPLE_S)
    _restore(pv)
    t, p = pv.series(t_cmd - 0.2)
    _, q = pv.series(t_cmd - 0.2, stage.quantity)
    keep = t <= t_cmd + window + 1e-9
    t, p, q = t[keep], p[keep], q[keep]
    finder = first_time_above if stage.over else first_time_below
    t_cross = finder(t, q, stage.threshold, after_s=t_cmd)
    t_off = first_time_below(t, p, off_w, after_s=t_cmd)
    period = sample_period_s(t)
    plot = _series_plot(t, p, "active power / W", None)
    if t_cross is None:
        check.inconclusive(req, f"{stage.name}: clearing time",
                           f"the analyzer never saw the {stage.unit} beyond {stage.threshold:.3f}")
        return True
    plot["window"] = [t_cross + stage.clearing_s - stage.tolerance_s, t_cross + t_limit]
    level_meas = float(np.mean(q[t >= t_cross]))
    if t_off is None:
        check.require_true(req, f"{stage.name}: trips at threshold +- margin", False,
                           f"measured {level_meas:.3f} {stage.unit}; output stayed above {off_w:.0f} W for "
                           f"{window:.2f} s after the step (from {p_before:.0f} W)", plot=plot)
        return False
    check.require_true(req, f"{stage.name}: trips at threshold +- margin", True,
                       f"measured {level_meas:.3f} {stage.unit}; output {p_before:.0f} W -> below {off_w:.0f} W")
    check.within(req, f"{stage.name}: clearing time", "clearing_time", "s", t_off - t_cross, period,
                 stage.clearing_s - stage.tolerance_s, t_limit,
                 detail=f"from the first sample beyond {stage.threshold:.3f} {stage.unit} ({t_cross:.2f} s) to "
                        f"the first sample below {off_w:.0f} W ({t_off:.2f} s); setting {stage.clearing_s:g} s "
                        f"+- {stage.tolerance_s:.3f} s; uncertainty = sample period {period:g} s",
                 plot=plot)
    return True


# ------------------------------------------------------------------------------------------
# U>>, U<, U<<
# ------------------------------------------------------------------------------------------

def _voltage_stages(pv) -> dict[str, TripStage]:
    return {REQ_UMAX: voltage_stage(pv, REQ_UMAX, "U>>", over=True),
            REQ_UMIN: voltage_stage(pv, REQ_UMIN, "U<", over=False),
            REQ_UMINMIN: voltage_stage(pv, REQ_UMINMIN, "U<< (phase 1)", over=False, phase=1)}


def _run_voltage_stage(pv, check, req: str) -> None:
    stages = _voltage_stages(pv)
    stage = stages[req]
    others = [s for r, s in stages.items() if r != req and s.over == stage.over]
    try:
        check_stage(pv, check, stage, others)
    finally:
        _restore(pv)


@pytest.mark.requirement(REQ_UMAX)
def test_umax_trip(pv_step, check):
    """U>>: no trip at threshold - 1.5 MRA; trip with the set clearing time at threshold + 1.5 MRA."""
    _run_voltage_stage(pv_step, check, REQ_UMAX)


@pytest.mark.requirement(REQ_UMIN)
def test_umin_trip(pv_step, check):
    """U<: no trip at threshold + 1.5 MRA; trip with the set clearing time at threshold - 1.5 MRA."""
    _run_voltage_stage(pv_step, check, REQ_UMIN)


@pytest.mark.requirement(REQ_UMINMIN)
def test_uminmin_trip(pv_step, check):
    """U<< (phase 1): no trip at threshold + 1.5 MRA (held shorter than U< needs); trip at threshold - 1.5 MRA."""
    _run_voltage_stage(pv_step, check, REQ_UMINMIN)


# ------------------------------------------------------------------------------------------
# U> on the 10-minute running mean
# ------------------------------------------------------------------------------------------

AGGREGATION_S = 3.0
WINDOW_S = 600.0
CYCLE_S = 60.0                # phase A: one excursion per minute
EXCURSION_S = 9.0             # longer than the trip delay: an instantaneous U> would act
COARSE_SAMPLE_S = 1.0         # levels change on 3-s boundaries only, so 1-s samples give exact aggregates
COARSE_CHUNK_S = 15.0
FINE_ZONE_PCT = 0.5           # switch to fine sampling when the mean is this close to the threshold
PHASE_B_MAX_S = 1500.0


def _running_mean(pv, t_first: float):
    t, v = pv.series(t_first, "max_voltage_v")
    keep = t >= t_first - 1e-9
    return ten_minute_running_mean_v(t[keep], v[keep], AGGREGATION_S, WINDOW_S)


@pytest.mark.requirement(REQ_UMEAN)
def test_ten_minute_mean_trip(pv_step, check):
    """U> on the 10-minute running mean: no trip on short excursions below U>> or while the mean is
    below threshold - 1.5 MRA; trip within max_trip_delay_s of the mean exceeding the threshold."""
    pv = pv_step
    if not pv.profile.claims("ten_minute_mean_trip"):
        check.require_true(REQ_UMEAN, "DUT claims U> on the 10-minute mean", False, "mandatory function not claimed")
        return
    un = pv.v_nom_v
    threshold_v = pv.param(REQ_UMEAN, "threshold_pct_un") / 100.0 * un
    margin_v = MARGIN_MRA * pv.mra_voltage_v(REQ_UMEAN)
    max_delay = pv.param(REQ_UMEAN, "max_trip_delay_s")
    delay_limit = max_delay * (1.0 + pv.param(REQ_UMEAN, "mra_time_pct_of_duration") / 100.0)
    u_v = pv.u_voltage_v
    off_w = OFF_FRACTION * pv.p_rated_w
    # excursions just below U>>; the base at the low end of the normal operating window (+ margin),
    # so the mean rises steeply through the threshold in phase B
    v_exc = pv.param(REQ_UMAX, "threshold_pct_un") / 100.0 * un - MARGIN_MRA * pv.mra_voltage_v(REQ_UMAX)
    v_base = (pv.param("PV-RECONNECT-WINDOW", "voltage_low_pct_un") / 100.0 * un
              + MARGIN_MRA * pv.mra_voltage_v(REQ_UMEAN))
    try:
        pv.bring_to_production()
        t_first = float(np.ceil(pv.now_s() / AGGREGATION_S) * AGGREGATION_S)
        pv.wait(max(0.0, t_first - pv.now_s()))
        # ---- phase A: one window of base voltage with short excursions ----------------------
        pv.step(f"phase A: {WINDOW_S:.0f} s at {v_base:.1f} V with {EXCURSION_S:g} s excursions to "
                f"{v_exc:.1f} V every {CYCLE_S:g} s")
        n_cycles = int(np.ceil(WINDOW_S / CYCLE_S))
        for _ in range(n_cycles):
            pv.set_voltage_v(v_exc)
            pv.wait(EXCURSION_S, sample_period_s=COARSE_SAMPLE_S)
            pv.set_voltage_v(v_base)
            pv.wait(CYCLE_S - EXCURSION_S, sample_period_s=COARSE_SAMPLE_S)
        t_a_end = pv.now_s()
        t, p = pv.series(t_first)
        _, v = pv.series(t_first, "max_voltage_v")
        tm, m = _running_mean(pv, t_first)
        mean_a = float(np.nanmax(m)) if m.size else float("nan")
        stayed = bool(p.size) and float(p.min()) >= off_w
        check.require_true(REQ_UMEAN, "no trip on short excursions below U>> (mean under the threshold)", stayed,
                           f"{n_cycles} excursions of {EXCURSION_S:g} s to {float(v.max()):.1f} V "
                           f"(U>> - {MARGIN_MRA:g} MRA) from {v_base:.1f} V; 10-minute mean at the end "
                           f"{mean_a:.2f} V (threshold {threshold_v:.1f} V); minimum output {float(p.min()):.0f} W",
                           plot=_series_plot(t, p, "active power / W", [t_first, t_a_end]))
        if not stayed:
            return
        # ---- phase B: hold the excursion level until the mean passes the threshold ------------
        pv.step(f"phase B: hold {v_exc:.1f} V until the 10-minute mean passes {threshold_v:.1f} V")
        pv.set_voltage_v(v_exc)
        t_b = pv.now_s()
        t_sure = None
        t_off = None
        while pv.now_s() - t_b < PHASE_B_MAX_S:
            tm, m = _running_mean(pv, t_first)
            latest = float(m[-1]) if m.size else 0.0
            near = latest > threshold_v - FINE_ZONE_PCT / 100.0 * un
            chunk_start = pv.now_s()
            if near:
                pv.wait(AGGREGATION_S, sample_period_s=FINE_SAMPLE_S)
            else:
                pv.wait(COARSE_CHUNK_S, sample_period_s=COARSE_SAMPLE_S)
            tc, pc = pv.series(chunk_start + 1e-6)
            t_off = first_time_below(tc, pc, off_w)
            if t_off is not None:
                break
            tm, m = _running_mean(pv, t_first)
            sure = tm[(m - u_v > threshold_v) & (tm >= t_b)]
            if sure.size:
                t_sure = float(sure[0])
                if pv.now_s() > t_sure + delay_limit + 5.0:
                    break
        pv.set_voltage_v(un)
        tm, m = _running_mean(pv, t_first)
        sure = tm[m - u_v > threshold_v]
        t_sure = float(sure[0]) if sure.size else None
        t, p = pv.series(t_b - 60.0)
        sel = tm >= t_b - 60.0
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "10-minute mean voltage / V",
                "t_s": tm[sel].tolist(), "y": m[sel].tolist(), "limit": [threshold_v] * int(np.sum(sel))}
        if t_off is None:
            if t_sure is None:
                check.inconclusive(REQ_UMEAN, "trip after the mean exceeds U>",
                                   f"the bench never raised the 10-minute mean surely above {threshold_v:.1f} V "
                                   f"(max {float(np.nanmax(m)):.2f} V)", plot=plot)
            else:
                check.require_true(REQ_UMEAN, "trips once the 10-minute mean exceeds U>", False,
                                   f"no trip up to {pv.now_s() - t_sure:.1f} s after the bench mean surely "
                                   f"exceeded {threshold_v:.1f} V (at {t_sure:.1f} s; max {float(np.nanmax(m)):.2f} V)",
                                   plot=plot)
            return
        before = tm <= t_off + 1e-9
        mean_at_trip = float(m[before][-1]) if np.any(before) else float("nan")
        plot["window"] = [t_off - max_delay, t_off]
        check.within(REQ_UMEAN, "10-minute mean when the DUT tripped (no trip below threshold - margin)",
                     "ten_minute_mean_voltage", "V", mean_at_trip, u_v, threshold_v - margin_v, None,
                     detail=f"bench running mean at the last 3-s boundary before the trip ({t_off:.2f} s); "
                            f"threshold {threshold_v:.1f} V - {MARGIN_MRA:g} MRA", plot=plot)
        if t_sure is None:
            check.require_true(REQ_UMEAN, "trip delay after the mean exceeds U>", True,
                               f"tripped at {t_off:.2f} s before the bench mean was surely above "
                               f"{threshold_v:.1f} V (mean {mean_at_trip:.2f} V)")
            return
        tt, _ = pv.series(t_off - 1.0)
        period = sample_period_s(tt[tt <= t_off + 1.0]) if tt.size > 2 else COARSE_SAMPLE_S
        check.within(REQ_UMEAN, "trip delay after the mean surely exceeds U>", "trip_delay", "s",
                     t_off - t_sure, period, None, delay_limit,
                     detail=f"first 3-s boundary with bench mean - {u_v:g} V > {threshold_v:.1f} V at "
                            f"{t_sure:.1f} s; output below {off_w:.0f} W at {t_off:.2f} s; limit "
                            f"{max_delay:g} s + 1 %; uncertainty = sample period {period:g} s")
    finally:
        pv.set_voltage_v(un)
