"""Reconnection after a trip: only inside the window, not before the observation time, limited ramp.

Method: the DUT is brought to steady production, then disconnected by switching the AC source
output off (a loss of mains; the DUT must cease at once). The source is switched on again with
the grid held just outside the reconnection window (voltage 1.5 MRA_V beyond each voltage limit,
frequency 1.5 MRA_f beyond each frequency limit) for longer than the observation time: the
measured active power must stay at zero. Back inside the window, the first measured power must
not come before the observation time has elapsed, and the sustained ramp (sliding least-squares
slope over the catalog's window) must not exceed the catalog's ramp limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from bench.analysis import Uncertainty, first_time_above, ramp_rate_detail
from bench.checks import observed_value
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import TRIP_SAMPLE_S

REQ_WINDOW = "PV-RECONNECT-WINDOW"
REQ_DELAY = "PV-RECONNECT-DELAY"
REQ_RAMP = "PV-RECONNECT-RAMP"
MRA_MULTIPLIER = 1.5
CEASED_FROM_S = 2.0          # the DUT must have ceased this long after the loss of mains
AFTER_RETURN_S = 60.0        # watched beyond the observation time once back inside the window
RECONNECTED_MEAN_S = 10.0    # the last seconds of that watch: mean power of the reconnected DUT
POWER_LABEL = "active power / W"


def _claims_enter_service(dut: Any, check: Any, req: str) -> bool:
    if not dut.profile.claims("enter_service"):
        check.require_true(req, "DUT claims enter-service (reconnection) control", False,
                           "mandatory function not claimed")
        return False
    return True


def _no_power_threshold_w(dut: Any) -> float:
    """Largest reading still taken as "no power": twice the analyzer's expanded accuracy."""
    return 2.0 * dut.u_power_w


def _trip_by_loss_of_mains(dut: Any, check: Any, req: str) -> float:
    """The ``tripped`` state (AC source output off); checks the DUT ceased. Returns the time the
    output went off."""
    t_off = dut.transition("tripped")
    _, p = dut.series(t_off + CEASED_FROM_S)
    if p.size == 0 or float(np.max(np.abs(p))) > _no_power_threshold_w(dut):
        check.inconclusive(req, "DUT ceased after loss of mains",
                           f"power {float(np.max(np.abs(p))) if p.size else float('nan'):.0f} W 2-5 s after "
                           "the AC source output went off: the trip precondition was not reached")
    return t_off


def _power_on_at_nominal(dut: Any, text: str) -> float:
    """Nominal grid (inside the window), then the AC source output on; returns the switch-on time."""
    dut.restore_nominal_grid()
    t_on = dut.now_s()
    dut.step(text)
    dut.ac_source.set_output(True)
    return t_on


# ------------------------------------------------------------------------------------------
# PV-RECONNECT-WINDOW
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReconnectWindow:
    """The catalog's reconnection window and the levels held 1.5 MRA outside each of its limits."""

    v_lo_pct: float
    v_hi_pct: float
    f_lo_hz: float
    f_hi_hz: float
    v_below_v: float
    v_above_v: float
    f_below_hz: float
    f_above_hz: float


@dataclass(frozen=True)
class OutsideCondition:
    """One side of the window held: its label, the side and the settings applied, in order."""

    label: str
    side: str                             # v_low, f_low, v_high, f_high
    settings: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class HeldOutside:
    """The record of one condition held outside the window."""

    condition: OutsideCondition
    t_s: np.ndarray
    power_w: np.ndarray
    min_voltage_v: np.ndarray
    max_voltage_v: np.ndarray
    frequency_hz: np.ndarray


def _reconnect_window(dut: Any) -> ReconnectWindow:
    v_lo_pct = dut.param(REQ_WINDOW, "voltage_low_pct_un")
    v_hi_pct = dut.param(REQ_WINDOW, "voltage_high_pct_un")
    f_lo = dut.param(REQ_WINDOW, "frequency_low_hz")
    f_hi = dut.param(REQ_WINDOW, "frequency_high_hz")
    dv_pct = MRA_MULTIPLIER * dut.param(REQ_WINDOW, "mra_voltage_pct_un")
    df = MRA_MULTIPLIER * dut.param(REQ_WINDOW, "mra_frequency_hz")
    return ReconnectWindow(v_lo_pct, v_hi_pct, f_lo, f_hi, (v_lo_pct - dv_pct) / 100.0 * dut.v_nom_v,
                           (v_hi_pct + dv_pct) / 100.0 * dut.v_nom_v, f_lo - df, f_hi + df)


def _outside_conditions(dut: Any, w: ReconnectWindow) -> list[OutsideCondition]:
    """The order keeps every transition outside the window: the quantity that goes out is set
    before the other returns. The first (U low) is applied before the output goes on."""
    v_nom, f_nom = dut.v_nom_v, dut.f_nom_hz
    return [OutsideCondition(f"U below {w.v_lo_pct:g} % Un", "v_low", ()),
            OutsideCondition(f"f below {w.f_lo_hz:g} Hz", "f_low", (("f", w.f_below_hz), ("v", v_nom))),
            OutsideCondition(f"U above {w.v_hi_pct:g} % Un", "v_high", (("v", w.v_above_v), ("f", f_nom))),
            OutsideCondition(f"f above {w.f_hi_hz:g} Hz", "f_high", (("f", w.f_above_hz), ("v", v_nom)))]


def _hold_outside_then_nominal(dut: Any, w: ReconnectWindow, conditions: list[OutsideCondition], hold_s: float,
                               observation_s: float) -> tuple[list[tuple[float, float]], float]:
    """Stimulus: the output on with the grid below the window, each condition held ``hold_s``, then
    the grid back to nominal for the observation time + a minute. Returns each hold's span and the
    time the grid returned."""
    dut.set_frequency_hz(dut.f_nom_hz)
    dut.set_voltage_v(w.v_below_v)
    dut.step("AC source output on, grid outside the reconnection window")
    dut.ac_source.set_output(True)
    spans = []
    for condition in conditions:
        for what, value in condition.settings:
            if what == "f":
                dut.set_frequency_hz(value)
            else:
                dut.set_voltage_v(value)
        dut.step(f"hold {condition.label} for {hold_s:.0f} s (observation time {observation_s:g} s)")
        t0 = dut.now_s()
        dut.wait(hold_s)
        spans.append((t0, dut.now_s()))
    dut.step("grid back to nominal: the DUT must reconnect inside the window")
    dut.restore_nominal_grid()
    t_back = dut.now_s()
    dut.wait(observation_s + AFTER_RETURN_S)
    return spans, t_back


def _held_outside(dut: Any, condition: OutsideCondition, t0: float, t1: float) -> HeldOutside:
    def series(quantity: str) -> np.ndarray:
        return dut.series(t0 + 1e-6, quantity, t1_s=t1)[1]

    t, p = dut.series(t0 + 1e-6, t1_s=t1)
    return HeldOutside(condition, t, p, series("min_voltage_v"), series("max_voltage_v"), series("frequency_hz"))


def _held_beyond_accuracy(dut: Any, w: ReconnectWindow, held: HeldOutside) -> tuple[bool, str]:
    """Whether the measured grid was outside the window beyond the analyzer accuracy, and what was held."""
    v_nom, side = dut.v_nom_v, held.condition.side
    if side == "v_low":
        return (float(np.max(held.min_voltage_v)) + dut.u_voltage_v < w.v_lo_pct / 100.0 * v_nom,
                f"measured min phase voltage <= {float(np.max(held.min_voltage_v)):.2f} V")
    if side == "v_high":
        return (float(np.min(held.max_voltage_v)) - dut.u_voltage_v > w.v_hi_pct / 100.0 * v_nom,
                f"measured max phase voltage >= {float(np.min(held.max_voltage_v)):.2f} V")
    if side == "f_high":
        return (float(np.min(held.frequency_hz)) - dut.u_frequency_hz > w.f_hi_hz,
                f"measured frequency >= {float(np.min(held.frequency_hz)):.3f} Hz")
    return (float(np.max(held.frequency_hz)) + dut.u_frequency_hz < w.f_lo_hz,
            f"measured frequency <= {float(np.max(held.frequency_hz)):.3f} Hz")


def _judge_no_reconnection(dut: Any, check: Any, w: ReconnectWindow, held: HeldOutside, observation_s: float,
                           plot: dict[str, Any] | None) -> None:
    """No power while the grid was (measurably) outside the window."""
    label = held.condition.label
    outside, what_held = _held_beyond_accuracy(dut, w, held)
    if not outside:
        check.inconclusive(REQ_WINDOW, f"grid held outside the window ({label})",
                           f"{what_held}: not outside the window beyond the analyzer accuracy")
        return
    t, p = held.t_s, held.power_w
    threshold_w = _no_power_threshold_w(dut)
    t_first = first_time_above(t, p, threshold_w)
    check.within(REQ_WINDOW, f"no reconnection with {label} ({what_held})", "active_power", "W",
                 float(np.max(p)), dut.u_power_w, None, threshold_w,
                 detail=f"largest power over {t[-1] - t[0]:.0f} s held outside "
                        f"(> observation time {observation_s:g} s)"
                        + (f"; power first above {threshold_w:.0f} W at {t_first - t[0]:.2f} s"
                           if t_first is not None else ""),
                 plot=plot)


def _held_stimulus(dut: Any, held: list[HeldOutside], t_back: float, t_in: np.ndarray) -> dict[str, Any]:
    """The grid quantity the held conditions moved (frequency when any did, else the voltage on
    the side held), measured over the holds and after the grid returned."""
    if any(h.condition.side.startswith("f") for h in held):
        label, quantity, pick = "grid frequency / Hz", "frequency_hz", lambda h: h.frequency_hz
    elif any(h.condition.side == "v_high" for h in held):
        label, quantity, pick = "highest phase voltage / V", "max_voltage_v", lambda h: h.max_voltage_v
    else:
        label, quantity, pick = "lowest phase voltage / V", "min_voltage_v", lambda h: h.min_voltage_v
    _, after = dut.series(t_back + 1e-6, quantity)
    return stimulus_series(label, [x for h in held for x in h.t_s] + t_in.tolist(),
                           [y for h in held for y in pick(h)] + after.tolist())


@pytest.mark.requirement(REQ_WINDOW)
def test_no_reconnection_outside_window(dut, check):
    """After a trip, no power while the grid is held just outside each limit of the window."""
    if not _claims_enter_service(dut, check, REQ_WINDOW):
        return
    window = _reconnect_window(dut)
    observation_s = dut.param(REQ_DELAY, "observation_time_s")
    hold_s = 1.5 * observation_s + 10.0
    threshold_w = _no_power_threshold_w(dut)
    conditions = _outside_conditions(dut, window)

    dut.transition("producing", fraction=1.0)
    _trip_by_loss_of_mains(dut, check, REQ_WINDOW)
    spans, t_back = _hold_outside_then_nominal(dut, window, conditions, hold_s, observation_s)

    held = [_held_outside(dut, c, t0, t1) for c, (t0, t1) in zip(conditions, spans, strict=True)]
    t_in, p_in = dut.series(t_back + 1e-6)
    plot = series_plot([x for h in held for x in h.t_s] + t_in.tolist(),
                       [y for h in held for y in h.power_w] + p_in.tolist(), POWER_LABEL,
                       stimulus=_held_stimulus(dut, held, t_back, t_in),
                       limits=[applied_limit(f"no power = below {threshold_w:.0f} W", threshold_w)],
                       instants=[key_instant(c.label, t0) for c, (t0, _) in zip(conditions, spans, strict=True)]
                       + [key_instant("nominal again", t_back)])

    for i, one in enumerate(held):
        _judge_no_reconnection(dut, check, window, one, observation_s, plot if i == len(held) - 1 else None)
    p_end = float(np.mean(p_in[t_in >= t_in[-1] - RECONNECTED_MEAN_S]))
    check.require_true(REQ_WINDOW, "reconnects once back inside the window", p_end > threshold_w,
                       f"mean power {p_end:.0f} W at {observation_s + 50:.0f}-{observation_s + 60:.0f} s "
                       f"after the grid returned to nominal",
                       observed=observed_value("mean output power at the end of the observation", "W", p_end,
                                               low=threshold_w, uncertainty=dut.u_power_w))


# ------------------------------------------------------------------------------------------
# PV-RECONNECT-DELAY
# ------------------------------------------------------------------------------------------

def _inside_mask(dut: Any, v_min: np.ndarray, v_max: np.ndarray, f: np.ndarray) -> np.ndarray:
    v_lo = dut.param(REQ_WINDOW, "voltage_low_pct_un") / 100.0 * dut.v_nom_v
    v_hi = dut.param(REQ_WINDOW, "voltage_high_pct_un") / 100.0 * dut.v_nom_v
    f_lo = dut.param(REQ_WINDOW, "frequency_low_hz")
    f_hi = dut.param(REQ_WINDOW, "frequency_high_hz")
    return (v_min >= v_lo) & (v_max <= v_hi) & (f >= f_lo) & (f <= f_hi)


def _judge_first_power(dut: Any, check: Any, t_on: float, observation_s: float) -> None:
    """Analysis and judgement: the grid entered the window and stayed; the first power above the
    analyzer accuracy came no earlier than the observation time after that."""
    threshold_w = dut.u_power_w
    t, p = dut.series(t_on + 1e-6)
    _, vmin = dut.series(t_on + 1e-6, "min_voltage_v")
    _, vmax = dut.series(t_on + 1e-6, "max_voltage_v")
    _, f = dut.series(t_on + 1e-6, "frequency_hz")
    inside = _inside_mask(dut, vmin, vmax, f)
    if not np.any(inside):
        check.inconclusive(REQ_DELAY, "grid inside the window", "no recorded sample inside the window")
        return
    i_in = int(np.argmax(inside))
    if not np.all(inside[i_in:]):
        check.inconclusive(REQ_DELAY, "grid stayed inside the window",
                           "the measured grid left the window during the observation")
        return
    t_inside = float(t[i_in])
    t_first = first_time_above(t, p, threshold_w, after_s=t_inside)
    plot = series_plot(t, p, POWER_LABEL, window=[t_inside, t_inside + observation_s],
                       stimulus=stimulus_series("grid frequency / Hz", t, f),
                       limits=[applied_limit(f"first power = above {threshold_w:.0f} W", threshold_w)],
                       instants=[key_instant("output on", t_on), key_instant("inside the window", t_inside)]
                       + ([key_instant("first power", t_first)] if t_first is not None else []),
                       t_zero_s=t_inside)
    if t_first is None:
        check.inconclusive(REQ_DELAY, "DUT reconnected", f"no power above {threshold_w:.0f} W within "
                           f"{t[-1] - t_inside:.0f} s inside the window", plot=plot)
        return
    # both instants are sample times: each is late by up to one sample period of its own series
    period_in = float(t[i_in] - t[i_in - 1]) if i_in > 0 else TRIP_SAMPLE_S
    i_first = int(np.searchsorted(t, t_first))
    period_first = float(t[i_first] - t[i_first - 1]) if i_first > 0 else TRIP_SAMPLE_S
    u = Uncertainty.from_sampling(period_in).combine(Uncertainty.from_sampling(period_first))
    check.within(REQ_DELAY, "first power after the grid is inside the window", "time", "s", t_first - t_inside,
                 u.expanded, observation_s, None,
                 detail=f"grid inside the window from {t_inside:.2f} s, power first above "
                        f"{threshold_w:.0f} W at {t_first:.2f} s; sample periods {period_in:g} s, "
                        f"{period_first:g} s", plot=plot)


@pytest.mark.requirement(REQ_DELAY)
def test_reconnection_not_before_observation_time(dut, check):
    """After a trip, the first power comes no earlier than the observation time inside the window.

    First power: the first sample above the analyzer's expanded power accuracy (smaller readings
    cannot be told from zero); recorded at 0.02 s around both instants.
    """
    if not _claims_enter_service(dut, check, REQ_DELAY):
        return
    observation_s = dut.param(REQ_DELAY, "observation_time_s")
    dut.transition("producing", fraction=1.0)
    _trip_by_loss_of_mains(dut, check, REQ_DELAY)
    t_on = _power_on_at_nominal(dut, "AC source output on at nominal grid (inside the window)")
    dut.wait(2.0, sample_period_s=TRIP_SAMPLE_S)
    dut.wait(max(observation_s - 7.0, 0.0))
    dut.wait(20.0, sample_period_s=TRIP_SAMPLE_S)
    _judge_first_power(dut, check, t_on, observation_s)


# ------------------------------------------------------------------------------------------
# PV-RECONNECT-RAMP
# ------------------------------------------------------------------------------------------

def _judge_ramp(dut: Any, check: Any, t_on: float, limit: float, window_s: float) -> None:
    """Analysis and judgement: the steepest sustained ramp (least-squares slope over ``window_s``)
    from the first power on, at or below ``limit`` (% Pn/min)."""
    t, p = dut.series(t_on + 1e-6)
    t_first = first_time_above(t, p, _no_power_threshold_w(dut))
    if t_first is None:
        check.inconclusive(REQ_RAMP, "DUT reconnected", "no power after the grid returned")
        return
    t_start = max(t_first - window_s / 2.0, float(t[0]))
    try:
        res = ramp_rate_detail(t, p, dut.p_rated_w, window_s=window_s, t_start_s=t_start)
    except ValueError as exc:
        check.inconclusive(REQ_RAMP, "ramp measurable", str(exc))
        return
    # noise: the fitted slope's standard error; analyzer: its power accuracy taken as a gain
    # error at rated power scales the slope (offsets cancel in a slope)
    u_gain = Uncertainty.from_expanded(dut.u_power_w / dut.p_rated_w * res.max_pct_per_min)
    u = Uncertainty(res.slope_stderr_pct_per_min).combine(u_gain)
    sel = t >= t_start
    limit_line = np.minimum((t[sel] - t_first) * limit / 100.0 * dut.p_rated_w / 60.0, dut.p_rated_w).clip(0)
    _, v = dut.series(t_on + 1e-6, "max_voltage_v")
    plot = series_plot(t[sel], p[sel], POWER_LABEL, limit=limit_line, limit_label=f"ramp limit {limit:g} % Pn/min",
                       window=[res.window_start_s, res.window_start_s + window_s],
                       stimulus=stimulus_series("highest phase voltage / V", t[sel], v[sel]),
                       instants=[key_instant("output on", t_on), key_instant("first power", t_first)],
                       t_zero_s=t_first)
    check.within(REQ_RAMP, f"largest sustained ramp over {window_s:g} s after reconnection", "ramp_rate",
                 "% Pn/min", res.max_pct_per_min, u.expanded, None, limit,
                 detail=f"steepest window from {res.window_start_s:.1f} s; slope standard error "
                        f"{res.slope_stderr_pct_per_min:.4f} % Pn/min, analyzer gain {u_gain.expanded:.4f} % Pn/min "
                        f"(k=2); first power at {t_first:.1f} s",
                 plot=plot)


@pytest.mark.requirement(REQ_RAMP)
def test_reconnection_ramp_rate(dut, check):
    """After a trip and reconnection, the sustained power ramp stays at or below the limit."""
    if not _claims_enter_service(dut, check, REQ_RAMP):
        return
    limit = dut.param(REQ_RAMP, "ramp_max_pct_pn_per_min")
    window_s = float(dut.catalog.requirement(REQ_RAMP).decision.get("window_s", 60.0))
    observation_s = dut.param(REQ_DELAY, "observation_time_s")
    p_avail = dut.transition("producing", fraction=1.0)
    _trip_by_loss_of_mains(dut, check, REQ_RAMP)
    t_on = _power_on_at_nominal(dut, "AC source output on at nominal grid; record the reconnection ramp")
    expected_ramp_s = p_avail / (limit / 100.0 * dut.p_rated_w) * 60.0
    dut.wait(observation_s + expected_ramp_s + 2.0 * window_s)
    _judge_ramp(dut, check, t_on, limit, window_s)
