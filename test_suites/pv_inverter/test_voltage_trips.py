"""Voltage protection: U>> (over-voltage), U< and U<< (under-voltage) stages and U> on the
10-minute running mean.

Method for a protection stage: see test_suites/pv_inverter/trip_stages.py ((a) no trip at
threshold -+ 1.5 MRA, (b) trip with the set clearing time at threshold +- 1.5 MRA, timed from the
source's step on the analyzer's triggered capture every 5 ms when it offers one).

Under-voltage stages: U< is stepped on all phases. U<< is stepped on the DUT's first phase only
(phase 1 of a three-phase DUT, the connected phase of a single-phase one; the others stay at Un):
a three-phase DUT cannot keep feeding with all phases at 25-45 % Un, so with an all-phase dip
"stays connected" could not be observed; the stage acts on the lowest phase either way.

U> on the 10-minute mean: the bench forms its own IEC 61000-4-30 style running mean (3-s
aggregates, 600-s window) from the analyzer's voltage samples. Phase A (one window long) holds a
base voltage inside the normal operating window with short excursions just below U>>; the DUT
must not trip. Phase B holds the excursion level until the running mean rises through the
threshold: the DUT must not trip while the mean is surely below threshold - 1.5 MRA, and must
trip within max_trip_delay_s (+1 %) of the moment the mean surely exceeds the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from bench.analysis import first_time_below, sample_period_s, ten_minute_running_mean_v
from bench.checks import observed_value
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.pv_inverter.trip_stages import (MARGIN_MRA, OFF_FRACTION, POWER_LABEL, TripStage, check_stage,
                                                 voltage_stage)
from test_suites.sampling import AGGREGATE_SAMPLE_S, TRIP_SAMPLE_S

REQ_UMEAN = "PV-UMEAN-TRIP"
REQ_UMAX = "PV-UMAX-TRIP"
REQ_UMIN = "PV-UMIN-TRIP"
REQ_UMINMIN = "PV-UMINMIN-TRIP"


# ------------------------------------------------------------------------------------------
# U>>, U<, U<<
# ------------------------------------------------------------------------------------------

def _voltage_stages(dut: Any) -> dict[str, TripStage]:
    return {REQ_UMAX: voltage_stage(dut, REQ_UMAX, "U>>", over=True),
            REQ_UMIN: voltage_stage(dut, REQ_UMIN, "U<", over=False),
            REQ_UMINMIN: voltage_stage(dut, REQ_UMINMIN, f"U<< (phase {dut.phases[0]})", over=False,
                                       phase=dut.phases[0])}


def _run_voltage_stage(dut: Any, check: Any, req: str) -> None:
    stages = _voltage_stages(dut)
    stage = stages[req]
    others = [s for r, s in stages.items() if r != req and s.over == stage.over]
    try:
        check_stage(dut, check, stage, others)
    finally:
        dut.restore_nominal_grid()


@pytest.mark.requirement(REQ_UMAX)
def test_umax_trip(dut, check):
    """U>>: no trip at threshold - 1.5 MRA; trip with the set clearing time at threshold + 1.5 MRA."""
    _run_voltage_stage(dut, check, REQ_UMAX)


@pytest.mark.requirement(REQ_UMIN)
def test_umin_trip(dut, check):
    """U<: no trip at threshold + 1.5 MRA; trip with the set clearing time at threshold - 1.5 MRA."""
    _run_voltage_stage(dut, check, REQ_UMIN)


@pytest.mark.requirement(REQ_UMINMIN)
def test_uminmin_trip(dut, check):
    """U<< (on its phase): no trip at threshold + 1.5 MRA (held shorter than U< needs); trip at threshold - 1.5 MRA."""
    _run_voltage_stage(dut, check, REQ_UMINMIN)


# ------------------------------------------------------------------------------------------
# U> on the 10-minute running mean
# ------------------------------------------------------------------------------------------

AGGREGATION_S = 3.0
WINDOW_S = 600.0
CYCLE_S = 60.0                # phase A: one excursion per minute
EXCURSION_S = 9.0             # longer than the trip delay: an instantaneous U> would act
COARSE_CHUNK_S = 15.0
FINE_ZONE_PCT = 0.5           # switch to fine sampling when the mean is this close to the threshold
PHASE_B_MAX_S = 1500.0
AFTER_DELAY_S = 5.0           # phase B: watch this long past the trip-delay limit before giving up
MEAN_LABEL = "10-minute mean voltage / V"


@dataclass(frozen=True)
class MeanTripLevels:
    """The U> setting under test and the bench's levels for it."""

    threshold_v: float
    margin_v: float           # 1.5 MRA
    max_delay_s: float
    delay_limit_s: float      # max_trip_delay_s + mra_time_pct_of_duration
    excursion_v: float        # just below U>> (U>> - 1.5 MRA)
    base_v: float             # low end of the normal operating window + 1.5 MRA
    off_w: float              # "output ~0"
    u_voltage_v: float


def _mean_trip_levels(dut: Any) -> MeanTripLevels:
    """Excursions just below U>>; the base at the low end of the normal operating window (+ margin),
    so the mean rises steeply through the threshold in phase B."""
    un = dut.v_nom_v
    max_delay = dut.param(REQ_UMEAN, "max_trip_delay_s")
    return MeanTripLevels(
        threshold_v=dut.param(REQ_UMEAN, "threshold_pct_un") / 100.0 * un,
        margin_v=MARGIN_MRA * dut.mra_voltage_v(REQ_UMEAN),
        max_delay_s=max_delay,
        delay_limit_s=max_delay * (1.0 + dut.param(REQ_UMEAN, "mra_time_pct_of_duration") / 100.0),
        excursion_v=dut.param(REQ_UMAX, "threshold_pct_un") / 100.0 * un - MARGIN_MRA * dut.mra_voltage_v(REQ_UMAX),
        base_v=(dut.param("PV-RECONNECT-WINDOW", "voltage_low_pct_un") / 100.0 * un
                + MARGIN_MRA * dut.mra_voltage_v(REQ_UMEAN)),
        off_w=OFF_FRACTION * dut.p_rated_w,
        u_voltage_v=dut.u_voltage_v)


def _running_mean(dut: Any, t_first: float) -> tuple[np.ndarray, np.ndarray]:
    t, v = dut.series(t_first, "max_voltage_v")
    keep = t >= t_first - 1e-9
    return ten_minute_running_mean_v(t[keep], v[keep], AGGREGATION_S, WINDOW_S)


def _surely_above(tm: np.ndarray, m: np.ndarray, levels: MeanTripLevels) -> np.ndarray:
    """The aggregation ends where the mean minus the analyzer's uncertainty exceeds the threshold."""
    return tm[m - levels.u_voltage_v > levels.threshold_v]


# --- stimulus -------------------------------------------------------------------------------------
def _phase_a(dut: Any, levels: MeanTripLevels) -> tuple[float, int]:
    """Start on a 3-s boundary; one window of base voltage with an excursion every minute.
    Returns the start (the first aggregation boundary) and the number of excursions."""
    t_first = float(np.ceil(dut.now_s() / AGGREGATION_S) * AGGREGATION_S)
    dut.wait(max(0.0, t_first - dut.now_s()))
    dut.step(f"phase A: {WINDOW_S:.0f} s at {levels.base_v:.1f} V with {EXCURSION_S:g} s excursions to "
             f"{levels.excursion_v:.1f} V every {CYCLE_S:g} s")
    n_cycles = int(np.ceil(WINDOW_S / CYCLE_S))
    for _ in range(n_cycles):
        dut.set_voltage_v(levels.excursion_v)
        dut.wait(EXCURSION_S, sample_period_s=AGGREGATE_SAMPLE_S)
        dut.set_voltage_v(levels.base_v)
        dut.wait(CYCLE_S - EXCURSION_S, sample_period_s=AGGREGATE_SAMPLE_S)
    return t_first, n_cycles


def _phase_b(dut: Any, levels: MeanTripLevels, t_first: float) -> tuple[float, float | None]:
    """Hold the excursion level until the DUT trips, or until the trip-delay limit has passed since
    the mean surely exceeded the threshold (at most PHASE_B_MAX_S); sampled finely once the mean
    nears the threshold. Then back to nominal. Returns the phase's start and the first sample
    with the output ~0 (None: no trip)."""
    dut.step(f"phase B: hold {levels.excursion_v:.1f} V until the 10-minute mean passes {levels.threshold_v:.1f} V")
    dut.set_voltage_v(levels.excursion_v)
    t_b = dut.now_s()
    t_off = None
    while dut.now_s() - t_b < PHASE_B_MAX_S:
        _, m = _running_mean(dut, t_first)
        latest = float(m[-1]) if m.size else 0.0
        chunk_start = dut.now_s()
        if latest > levels.threshold_v - FINE_ZONE_PCT / 100.0 * dut.v_nom_v:
            dut.wait(AGGREGATION_S, sample_period_s=TRIP_SAMPLE_S)
        else:
            dut.wait(COARSE_CHUNK_S, sample_period_s=AGGREGATE_SAMPLE_S)
        tc, pc = dut.series(chunk_start + 1e-6)
        t_off = first_time_below(tc, pc, levels.off_w)
        if t_off is not None:
            break
        tm, m = _running_mean(dut, t_first)
        sure = _surely_above(tm, m, levels)
        sure = sure[sure >= t_b]
        if sure.size and dut.now_s() > float(sure[0]) + levels.delay_limit_s + AFTER_DELAY_S:
            break
    dut.set_voltage_v(dut.v_nom_v)
    return t_b, t_off


# --- judgement ------------------------------------------------------------------------------------
def _judge_phase_a(dut: Any, check: Any, levels: MeanTripLevels, t_first: float, n_cycles: int) -> bool:
    """No trip on the short excursions (the mean stays under the threshold). Returns whether the
    DUT stayed connected."""
    t_a_end = dut.now_s()
    t, p = dut.series(t_first)
    _, v = dut.series(t_first, "max_voltage_v")
    _, m = _running_mean(dut, t_first)
    mean_a = float(np.nanmax(m)) if m.size else float("nan")
    stayed = bool(p.size) and float(p.min()) >= levels.off_w
    check.require_true(REQ_UMEAN, "no trip on short excursions below U>> (mean under the threshold)", stayed,
                       f"{n_cycles} excursions of {EXCURSION_S:g} s to {float(v.max()):.1f} V "
                       f"(U>> - {MARGIN_MRA:g} MRA) from {levels.base_v:.1f} V; 10-minute mean at the end "
                       f"{mean_a:.2f} V (threshold {levels.threshold_v:.1f} V); minimum output {float(p.min()):.0f} W",
                       plot=series_plot(t, p, POWER_LABEL, window=[t_first, t_a_end],
                                        stimulus=stimulus_series("highest phase voltage / V", t, v),
                                        limits=[applied_limit(f"trip = below {levels.off_w:.0f} W", levels.off_w)],
                                        instants=[key_instant("first excursion", t_first)]),
                       observed=observed_value("lowest output power", "W", float(p.min()) if p.size else None,
                                               low=levels.off_w, uncertainty=dut.u_power_w))
    return stayed


def _judge_mean_trip(dut: Any, check: Any, levels: MeanTripLevels, t_first: float, t_b: float,
                     t_off: float | None) -> None:
    """No trip while the mean is surely below threshold - margin; a trip within the delay limit
    of the mean surely exceeding the threshold."""
    threshold_v, u_v = levels.threshold_v, levels.u_voltage_v
    tm, m = _running_mean(dut, t_first)
    sure = _surely_above(tm, m, levels)
    t_sure = float(sure[0]) if sure.size else None
    sel = tm >= t_b - 60.0
    t_v, v = dut.series(t_b - 60.0, "max_voltage_v")
    plot = series_plot(tm[sel], m[sel], MEAN_LABEL, stimulus=stimulus_series("highest phase voltage / V", t_v, v),
                       limits=[applied_limit(f"U> {threshold_v:.1f} V", threshold_v)],
                       instants=[key_instant("mean raised", t_b)]
                       + ([key_instant("mean surely above", t_sure)] if t_sure is not None else [])
                       + ([key_instant("trip", t_off)] if t_off is not None else []))
    if t_off is None:
        if t_sure is None:
            check.inconclusive(REQ_UMEAN, "trip after the mean exceeds U>",
                               f"the bench never raised the 10-minute mean surely above {threshold_v:.1f} V "
                               f"(max {float(np.nanmax(m)):.2f} V)", plot=plot)
        else:
            check.require_true(REQ_UMEAN, "trips once the 10-minute mean exceeds U>", False,
                               f"no trip up to {dut.now_s() - t_sure:.1f} s after the bench mean surely "
                               f"exceeded {threshold_v:.1f} V (at {t_sure:.1f} s; max {float(np.nanmax(m)):.2f} V)",
                               plot=plot, observed=observed_value(
                                   "time without a trip after the mean surely exceeded U>", "s",
                                   dut.now_s() - t_sure, high=levels.max_delay_s))
        return
    before = tm <= t_off + 1e-9
    mean_at_trip = float(m[before][-1]) if np.any(before) else float("nan")
    plot["window"] = [t_off - levels.max_delay_s, t_off]
    check.within(REQ_UMEAN, "10-minute mean when the DUT tripped (no trip below threshold - margin)",
                 "ten_minute_mean_voltage", "V", mean_at_trip, u_v, threshold_v - levels.margin_v, None,
                 detail=f"bench running mean at the last 3-s boundary before the trip ({t_off:.2f} s); "
                        f"threshold {threshold_v:.1f} V - {MARGIN_MRA:g} MRA", plot=plot)
    if t_sure is None:
        check.require_true(REQ_UMEAN, "trip delay after the mean exceeds U>", True,
                           f"tripped at {t_off:.2f} s before the bench mean was surely above "
                           f"{threshold_v:.1f} V (mean {mean_at_trip:.2f} V)")
        return
    tt, _ = dut.series(t_off - 1.0)
    period = sample_period_s(tt[tt <= t_off + 1.0]) if tt.size > 2 else AGGREGATE_SAMPLE_S
    check.within(REQ_UMEAN, "trip delay after the mean surely exceeds U>", "trip_delay", "s",
                 t_off - t_sure, period, None, levels.delay_limit_s,
                 detail=f"first 3-s boundary with bench mean - {u_v:g} V > {threshold_v:.1f} V at "
                        f"{t_sure:.1f} s; output below {levels.off_w:.0f} W at {t_off:.2f} s; limit "
                        f"{levels.max_delay_s:g} s + 1 %; uncertainty = sample period {period:g} s")


@pytest.mark.requirement(REQ_UMEAN)
def test_ten_minute_mean_trip(dut, check):
    """U> on the 10-minute running mean: no trip on short excursions below U>> or while the mean is
    below threshold - 1.5 MRA; trip within max_trip_delay_s of the mean exceeding the threshold."""
    if not dut.profile.claims("ten_minute_mean_trip"):
        check.require_true(REQ_UMEAN, "DUT claims U> on the 10-minute mean", False, "mandatory function not claimed")
        return
    levels = _mean_trip_levels(dut)
    try:
        dut.transition("producing")
        t_first, n_cycles = _phase_a(dut, levels)
        if not _judge_phase_a(dut, check, levels, t_first, n_cycles):
            return
        t_b, t_off = _phase_b(dut, levels, t_first)
        _judge_mean_trip(dut, check, levels, t_first, t_b, t_off)
    finally:
        dut.set_voltage_v(dut.v_nom_v)
