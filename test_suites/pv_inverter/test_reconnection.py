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

import numpy as np
import pytest

from bench.analysis import Uncertainty, first_time_above, ramp_rate_detail

REQ_WINDOW = "PV-RECONNECT-WINDOW"
REQ_DELAY = "PV-RECONNECT-DELAY"
REQ_RAMP = "PV-RECONNECT-RAMP"
FINE_SAMPLE_S = 0.02
MRA_MULTIPLIER = 1.5


def _claims_enter_service(pv, check, req: str) -> bool:
    if not pv.profile.claims("enter_service"):
        check.require_true(req, "DUT claims enter-service (reconnection) control", False,
                           "mandatory function not claimed")
        return False
    return True


def _no_power_threshold_w(pv) -> float:
    """Largest reading still taken as "no power": twice the analyzer's expanded accuracy."""
    return 2.0 * pv.u_power_w


def _trip_by_loss_of_mains(pv, check, req: str) -> float:
    """Switch the AC source output off; return the time it went off. Checks the DUT ceased."""
    pv.step("trip: AC source output off (loss of mains)")
    t_off = pv.now_s()
    pv.ac_source.set_output(False)
    pv.wait(5.0, sample_period_s=FINE_SAMPLE_S)
    t, p = pv.series(t_off + 2.0)
    if p.size == 0 or float(np.max(np.abs(p))) > _no_power_threshold_w(pv):
        check.inconclusive(req, "DUT ceased after loss of mains",
                           f"power {float(np.max(np.abs(p))) if p.size else float('nan'):.0f} W 2-5 s after "
                           "the AC source output went off: the trip precondition was not reached")
    return t_off


def _inside_mask(pv, v_min: np.ndarray, v_max: np.ndarray, f: np.ndarray) -> np.ndarray:
    v_lo = pv.param(REQ_WINDOW, "voltage_low_pct_un") / 100.0 * pv.v_nom_v
    v_hi = pv.param(REQ_WINDOW, "voltage_high_pct_un") / 100.0 * pv.v_nom_v
    f_lo = pv.param(REQ_WINDOW, "frequency_low_hz")
    f_hi = pv.param(REQ_WINDOW, "frequency_high_hz")
    return (v_min >= v_lo) & (v_max <= v_hi) & (f >= f_lo) & (f <= f_hi)


@pytest.mark.requirement(REQ_WINDOW)
def test_no_reconnection_outside_window(pv_step, check):
    """After a trip, no power while the grid is held just outside each limit of the window."""
    pv = pv_step
    if not _claims_enter_service(pv, check, REQ_WINDOW):
        return
    v_lo_pct = pv.param(REQ_WINDOW, "voltage_low_pct_un")
    v_hi_pct = pv.param(REQ_WINDOW, "voltage_high_pct_un")
    f_lo = pv.param(REQ_WINDOW, "frequency_low_hz")
    f_hi = pv.param(REQ_WINDOW, "frequency_high_hz")
    dv_pct = MRA_MULTIPLIER * pv.param(REQ_WINDOW, "mra_voltage_pct_un")
    df = MRA_MULTIPLIER * pv.param(REQ_WINDOW, "mra_frequency_hz")
    observation_s = pv.param(REQ_DELAY, "observation_time_s")
    hold_s = 1.5 * observation_s + 10.0
    threshold_w = _no_power_threshold_w(pv)
    v_nom, f_nom = pv.v_nom_v, pv.f_nom_hz

    pv.bring_to_production(fraction=1.0)
    _trip_by_loss_of_mains(pv, check, REQ_WINDOW)

    # Each condition: (label, side held outside, settings applied in order). The order keeps every
    # transition outside the window: the quantity that goes out is set before the other returns.
    v_low = (v_lo_pct - dv_pct) / 100.0 * v_nom
    v_high = (v_hi_pct + dv_pct) / 100.0 * v_nom
    f_low, f_high = f_lo - df, f_hi + df
    conditions = [
        (f"U below {v_lo_pct:g} % Un", "v_low", []),   # applied before the output goes on
        (f"f below {f_lo:g} Hz", "f_low", [("f", f_low), ("v", v_nom)]),
        (f"U above {v_hi_pct:g} % Un", "v_high", [("v", v_high), ("f", f_nom)]),
        (f"f above {f_hi:g} Hz", "f_high", [("f", f_high), ("v", v_nom)]),
    ]
    pv.set_frequency_hz(f_nom)
    pv.set_voltage_v(v_low)
    pv.step("AC source output on, grid outside the reconnection window")
    pv.ac_source.set_output(True)
    results = []
    plot_t: list[float] = []
    plot_p: list[float] = []
    for label, side, settings in conditions:
        for what, value in settings:
            if what == "f":
                pv.set_frequency_hz(value)
            else:
                pv.set_voltage_v(value)
        pv.step(f"hold {label} for {hold_s:.0f} s (observation time {observation_s:g} s)")
        t0 = pv.now_s()
        pv.wait(hold_s)
        t, p = pv.series(t0 + 1e-6)
        _, vmin = pv.series(t0 + 1e-6, "min_voltage_v")
        _, vmax = pv.series(t0 + 1e-6, "max_voltage_v")
        _, f = pv.series(t0 + 1e-6, "frequency_hz")
        plot_t += t.tolist()
        plot_p += p.tolist()
        results.append((label, side, t, p, vmin, vmax, f))

    pv.step("grid back to nominal: the DUT must reconnect inside the window")
    pv.set_frequency_hz(f_nom)
    pv.set_voltage_v(v_nom)
    t_back = pv.now_s()
    pv.wait(observation_s + 60.0)
    t_in, p_in = pv.series(t_back + 1e-6)
    plot_t += t_in.tolist()
    plot_p += p_in.tolist()
    plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power / W",
            "t_s": plot_t, "y": plot_p, "limit": [threshold_w] * len(plot_t)}

    for i, (label, side, t, p, vmin, vmax, f) in enumerate(results):
        # the grid condition must really have been outside, judged on measured values
        if side == "v_low":
            outside = float(np.max(vmin)) + pv.u_voltage_v < v_lo_pct / 100.0 * v_nom
            held = f"measured min phase voltage <= {float(np.max(vmin)):.2f} V"
        elif side == "v_high":
            outside = float(np.min(vmax)) - pv.u_voltage_v > v_hi_pct / 100.0 * v_nom
            held = f"measured max phase voltage >= {float(np.min(vmax)):.2f} V"
        elif side == "f_high":
            outside = float(np.min(f)) - pv.u_frequency_hz > f_hi
            held = f"measured frequency >= {float(np.min(f)):.3f} Hz"
        else:
            outside = float(np.max(f)) + pv.u_frequency_hz < f_lo
            held = f"measured frequency <= {float(np.max(f)):.3f} Hz"
        if not outside:
            check.inconclusive(REQ_WINDOW, f"grid held outside the window ({label})",
                               f"{held}: not outside the window beyond the analyzer accuracy")
            continue
        p_max = float(np.max(p))
        t_first = first_time_above(t, p, threshold_w)
        check.within(REQ_WINDOW, f"no reconnection with {label} ({held})", "active_power", "W",
                     p_max, pv.u_power_w, None, threshold_w,
                     detail=f"largest power over {t[-1] - t[0]:.0f} s held outside "
                            f"(> observation time {observation_s:g} s)"
                            + (f"; power first above {threshold_w:.0f} W at {t_first - t[0]:.2f} s"
                               if t_first is not None else ""),
                     plot=plot if i == len(results) - 1 else None)
    p_end = float(np.mean(p_in[t_in >= t_in[-1] - 10.0]))
    check.require_true(REQ_WINDOW, "reconnects once back inside the window", p_end > threshold_w,
                       f"mean power {p_end:.0f} W at {observation_s + 50:.0f}-{observation_s + 60:.0f} s "
                       f"after the grid returned to nominal")


@pytest.mark.requirement(REQ_DELAY)
def test_reconnection_not_before_observation_time(pv_step, check):
    """After a trip, the first power comes no earlier than the observation time inside the window.

    First power: the first sample above the analyzer's expanded power accuracy (smaller readings
    cannot be told from zero); recorded at 0.02 s around both instants.
    """
    pv = pv_step
    if not _claims_enter_service(pv, check, REQ_DELAY):
        return
    observation_s = pv.param(REQ_DELAY, "observation_time_s")
    threshold_w = pv.u_power_w
    pv.bring_to_production(fraction=1.0)
    _trip_by_loss_of_mains(pv, check, REQ_DELAY)
    pv.set_frequency_hz(pv.f_nom_hz)
    pv.set_voltage_v(pv.v_nom_v)
    t_on = pv.now_s()
    pv.step("AC source output on at nominal grid (inside the window)")
    pv.ac_source.set_output(True)
    pv.wait(2.0, sample_period_s=FINE_SAMPLE_S)
    pv.wait(max(observation_s - 7.0, 0.0))
    pv.wait(20.0, sample_period_s=FINE_SAMPLE_S)
    t, p = pv.series(t_on + 1e-6)
    _, vmin = pv.series(t_on + 1e-6, "min_voltage_v")
    _, vmax = pv.series(t_on + 1e-6, "max_voltage_v")
    _, f = pv.series(t_on + 1e-6, "frequency_hz")
    inside = _inside_mask(pv, vmin, vmax, f)
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
    plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power / W",
            "t_s": t.tolist(), "y": p.tolist(), "window": [t_inside, t_inside + observation_s]}
    if t_first is None:
        check.inconclusive(REQ_DELAY, "DUT reconnected", f"no power above {threshold_w:.0f} W within "
                           f"{t[-1] - t_inside:.0f} s inside the window", plot=plot)
        return
    # both instants are sample times: each is late by up to one sample period of its own series
    period_in = float(t[i_in] - t[i_in - 1]) if i_in > 0 else FINE_SAMPLE_S
    i_first = int(np.searchsorted(t, t_first))
    period_first = float(t[i_first] - t[i_first - 1]) if i_first > 0 else FINE_SAMPLE_S
    u = Uncertainty.from_sampling(period_in).combine(Uncertainty.from_sampling(period_first))
    delay = t_first - t_inside
    check.within(REQ_DELAY, "first power after the grid is inside the window", "time", "s", delay,
                 u.expanded, observation_s, None,
                 detail=f"grid inside the window from {t_inside:.2f} s, power first above "
                        f"{threshold_w:.0f} W at {t_first:.2f} s; sample periods {period_in:g} s, "
                        f"{period_first:g} s", plot=plot)


@pytest.mark.requirement(REQ_RAMP)
def test_reconnection_ramp_rate(pv_step, check):
    """After a trip and reconnection, the sustained power ramp stays at or below the limit."""
    pv = pv_step
    if not _claims_enter_service(pv, check, REQ_RAMP):
        return
    limit = pv.param(REQ_RAMP, "ramp_max_pct_pn_per_min")
    window_s = float(pv.catalog.requirement(REQ_RAMP).decision.get("window_s", 60.0))
    observation_s = pv.param(REQ_DELAY, "observation_time_s")
    threshold_w = _no_power_threshold_w(pv)
    p_avail = pv.bring_to_production(fraction=1.0)
    _trip_by_loss_of_mains(pv, check, REQ_RAMP)
    pv.set_frequency_hz(pv.f_nom_hz)
    pv.set_voltage_v(pv.v_nom_v)
    t_on = pv.now_s()
    pv.step("AC source output on at nominal grid; record the reconnection ramp")
    pv.ac_source.set_output(True)
    expected_ramp_s = p_avail / (limit / 100.0 * pv.p_rated_w) * 60.0
    pv.wait(observation_s + expected_ramp_s + 2.0 * window_s)
    t, p = pv.series(t_on + 1e-6)
    t_first = first_time_above(t, p, threshold_w)
    if t_first is None:
        check.inconclusive(REQ_RAMP, "DUT reconnected", "no power after the grid returned")
        return
    t_start = max(t_first - window_s / 2.0, float(t[0]))
    try:
        res = ramp_rate_detail(t, p, pv.p_rated_w, window_s=window_s, t_start_s=t_start)
    except ValueError as exc:
        check.inconclusive(REQ_RAMP, "ramp measurable", str(exc))
        return
    # noise: the fitted slope's standard error; analyzer: its power accuracy taken as a gain
    # error at rated power scales the slope (offsets cancel in a slope)
    u_gain = Uncertainty.from_expanded(pv.u_power_w / pv.p_rated_w * res.max_pct_per_min)
    u = Uncertainty(res.slope_stderr_pct_per_min).combine(u_gain)
    sel = t >= t_start
    plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power / W",
            "t_s": t[sel].tolist(), "y": p[sel].tolist(),
            "limit": np.minimum((t[sel] - t_first) * limit / 100.0 * pv.p_rated_w / 60.0, pv.p_rated_w).clip(0).tolist(),
            "window": [res.window_start_s, res.window_start_s + window_s]}
    check.within(REQ_RAMP, f"largest sustained ramp over {window_s:g} s after reconnection", "ramp_rate",
                 "% Pn/min", res.max_pct_per_min, u.expanded, None, limit,
                 detail=f"steepest window from {res.window_start_s:.1f} s; slope standard error "
                        f"{res.slope_stderr_pct_per_min:.4f} % Pn/min, analyzer gain {u_gain.expanded:.4f} % Pn/min (k=2); first power at {t_first:.1f} s",
                 plot=plot)
