"""Reactive power: Q(U), cos phi(P), fixed cos phi, fixed Q, the S limit with the declared priority.

Method after IEEE 1547.1 (VV, WV, CPF, CRP, PRI), judged on the power analyzer (generator
convention: Q > 0 injected, over-excited). The market's curves are written over SunSpec (705 Q(U),
712 Q(P) for the cos phi(P) characteristic, 704 PFWInj / VarSet) by the strategy; each test enables
the mode it judges and disables it afterwards, so Q is 0 for every other test. A steady point is
held for its settling time, then P, Q and the terminal voltage are averaged over AVERAGING_S.

* PV-QU-STEADY: at half irradiance (inside Srated), Q at voltages on both slopes, in the deadband
  and on the flat ends, in the band of the curve over U +- 1.5 MRA_U widened by +- 1.5 MRA_Q.
* PV-QU-RESPONSE: a voltage step from Un to the injecting flat end (first point - 1.5 MRA_U): the
  first-order check (>= 90 % of the step at Tr minus 1.5 MRA_Q, settled at 2 Tr).
* PV-COSPHI-P: at several irradiance levels, Q in the band of the characteristic over P +- 1.5 MRA_P
  widened by +- 1.5 MRA_Q; cos phi plotted against P. Points whose required (P, Q) exceeds Srated
  are not judged here (PV-Q-PRIORITY judges the limit).
* PV-FIXED-COSPHI: each set cos phi (under- and over-excited) at half irradiance: Q in the band of
  the set cos phi over P +- 1.5 MRA_P (+- 1.5 MRA_Q) and cos phi itself with the analyzer's
  propagated uncertainty.
* PV-FIXED-Q: each set Q at half irradiance within +- 1.5 MRA_Q.
* PV-Q-PRIORITY: at full irradiance a fixed Q that does not fit beside P: P and Q where the declared
  priority puts them; then P(U) and Q(U) together at voltages on both curves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from bench.analysis import (
    cos_phi_p_as_watt_var_pct, curve_band, power_factor_of,
    power_factor_uncertainty, power_factor_var, volt_watt_limit_pct,
)
from test_suites.evidence import applied_limit, curve_plot, key_instant, series_plot, stimulus_series
from test_suites.step_response import REACTIVE_POWER, judge_step_response

REQ_QU = "PV-QU-STEADY"
REQ_QU_RESPONSE = "PV-QU-RESPONSE"
REQ_COSPHI_P = "PV-COSPHI-P"
REQ_FIXED_PF = "PV-FIXED-COSPHI"
REQ_FIXED_Q = "PV-FIXED-Q"
REQ_PRIORITY = "PV-Q-PRIORITY"
MRA_MULTIPLIER = 1.5
AVERAGING_S = 5.0
HALF_IRRADIANCE = 0.5
COS_PHI_FRACTIONS = (0.3, 0.55, 0.7, 0.8)     # irradiance levels for cos phi(P)
REFERENCE_MEAN_S = 5.0
BAND_SAMPLES = 41                             # samples of a stimulus range when a band is not a curve's


# --- helpers ------------------------------------------------------------------------------------
def _needs(dut: Any, function: str) -> None:
    if not dut.profile.claims(function):
        pytest.skip(f"NOT_APPLICABLE: the DUT does not declare {function} (functions.{function})")


def _priority(dut: Any, check: Any, requirement: str) -> bool | None:
    """The declared priority (True reactive); undeclared is a FAIL of ``requirement``."""
    priority = dut.reactive_priority
    if priority is None:
        check.require_true(requirement, "profile declares its P/Q priority at the S limit", False,
                           "declared.reactive_power_priority (reactive | active) missing")
    return priority


@contextmanager
def _mode(dut: Any, what: str, enable: Callable[[], None], disable: Callable[[], None]) -> Iterator[None]:
    """One reactive mode enabled for the block, disabled after it (Q 0 for the tests after)."""
    dut.step(f"enable {what}")
    enable()
    try:
        yield
    finally:
        dut.step(f"disable {what}")
        disable()


def _volt_var(dut: Any) -> Any:
    return _mode(dut, "Q(U) (705)", lambda: dut.write_volt_var(enabled=True),
                 lambda: dut.write_volt_var(enabled=False))


def _fixed_var(dut: Any, pct: float) -> Any:
    priority = dut.reactive_priority is not False
    return _mode(dut, f"fixed Q {pct:g} % Srated (704 VarSet)",
                 lambda: dut.link.write_fixed_reactive_power(pct, reactive_priority=priority),
                 lambda: dut.link.write_fixed_reactive_power(None, reactive_priority=priority))


def _hold(dut: Any, settle_s: float) -> tuple[float, float, float]:
    """Wait ``settle_s``, then (mean terminal voltage V, mean P W, mean Q var) over AVERAGING_S."""
    dut.wait(settle_s)
    t0 = dut.now_s()
    dut.wait(AVERAGING_S)
    means = [float(np.mean(dut.series(t0 + 1e-6, q)[1])) for q in ("max_voltage_v", "active_power_w",
                                                                    "reactive_power_var")]
    return means[0], means[1], means[2]


def _mra_q_var(dut: Any, requirement: str) -> float:
    return dut.param(requirement, "mra_reactive_power_pct_srated") / 100.0 * dut.s_rated_va


def _pct_curve_var(points: list[list[float]], x_scale: float, y_scale: float) -> list[tuple[float, float]]:
    return [(x * x_scale / 100.0, y * y_scale / 100.0) for x, y in points]


def _on_curve(curve: list[tuple[float, float]], x: float) -> float:
    """The piecewise-linear ``curve`` at ``x`` (flat beyond its ends)."""
    return float(np.interp(x, [c[0] for c in curve], [c[1] for c in curve]))


def _range_over(f: Callable[[float], float], lo: float, hi: float) -> tuple[float, float]:
    values = [f(x) for x in np.linspace(lo, hi, BAND_SAMPLES)]
    return min(values), max(values)


# --- Q(U) ---------------------------------------------------------------------------------------
def _qu_test_points_pct(points: list[list[float]]) -> list[float]:
    """Beyond both ends (flat), on every break point and between them (both slopes, the deadband)."""
    xs = sorted(p[0] for p in points)
    out = [xs[0] - 2.0]
    for a, b in zip(xs, xs[1:], strict=False):
        out += [a, (a + b) / 2.0]
    return out + [xs[-1], xs[-1] + 1.0]


@pytest.mark.requirement(REQ_QU)
def test_volt_var_steady_state(dut, check):
    """Q(U) at half irradiance: both slopes, the deadband and the flat ends on the curve."""
    _needs(dut, "volt_var")
    points = dut.param(REQ_QU, "volt_var_points_pct")
    curve_v = _pct_curve_var(points, dut.v_nom_v, dut.s_rated_va)
    mra_v, mra_q = dut.mra_voltage_v(REQ_QU), _mra_q_var(dut, REQ_QU)
    settle_s = 2.0 * dut.param(REQ_QU_RESPONSE, "response_time_s")
    dut.transition("producing", fraction=HALF_IRRADIANCE)
    measured = []
    with _volt_var(dut):
        for v_pct in _qu_test_points_pct(points):
            dut.step(f"Q(U) point {v_pct:.1f} % Un")
            dut.set_terminal_voltage_v(v_pct / 100.0 * dut.v_nom_v, settle_s=1.0)
            v, _, q = _hold(dut, settle_s)
            measured.append((v, q))
        dut.set_voltage_v(dut.v_nom_v)
    grid = np.linspace(min(v for v, _ in measured) - 2.0, max(v for v, _ in measured) + 2.0, 80)
    bands = [curve_band(g, curve_v, mra_v, mra_q, MRA_MULTIPLIER) for g in grid]
    plot = curve_plot("terminal voltage / V", "reactive power (injected > 0) / var", measured,
                      [(g, b[0]) for g, b in zip(grid, bands, strict=True)],
                      [(g, b[1]) for g, b in zip(grid, bands, strict=True)],
                      required=[(g, _on_curve(curve_v, g)) for g in grid])
    for i, (v, q) in enumerate(measured):
        low, high = curve_band(v, curve_v, mra_v, mra_q, MRA_MULTIPLIER)
        check.within(REQ_QU, f"Q at {v:.1f} V", "reactive_power", "var", q, dut.u_reactive_power_var, low, high,
                     detail=f"curve {points} (% Un, % Srated) at {v:.2f} V +- {MRA_MULTIPLIER * mra_v:.2f} V, "
                            f"+- {MRA_MULTIPLIER * mra_q:.0f} var",
                     plot=plot if i == len(measured) - 1 else None)


@pytest.mark.requirement(REQ_QU_RESPONSE)
def test_volt_var_response_time(dut, check):
    """Q(U) open-loop response to a step from Un to the injecting flat end: >= 90 % at Tr, settled at 2 Tr."""
    _needs(dut, "volt_var")
    tr = dut.param(REQ_QU_RESPONSE, "response_time_s")
    outside = dut.outside_settable_range(REQ_QU_RESPONSE, "response_time_s", "response_time_range_s")
    if outside:
        check.inconclusive(REQ_QU_RESPONSE, "Tr setting inside its settable range", outside)
        return
    points = dut.param(REQ_QU, "volt_var_points_pct")
    tolerance_var = MRA_MULTIPLIER * _mra_q_var(dut, REQ_QU_RESPONSE)
    v_pct = min(p[0] for p in points) - MRA_MULTIPLIER * dut.param(REQ_QU, "mra_voltage_pct_un")
    v_step = v_pct / 100.0 * dut.v_nom_v
    dut.transition("producing", fraction=HALF_IRRADIANCE)
    with _volt_var(dut):
        dut.wait(2.0 * tr)
        y_initial = dut.mean_over(REFERENCE_MEAN_S, "reactive_power_var")
        t_step = dut.now_s()
        dut.step(f"voltage step to {v_step:.1f} V ({v_pct:.1f} % Un, the injecting end of Q(U)); Tr = {tr:g} s")
        dut.set_voltage_v(v_step)
        dut.wait(4.0 * tr)
        t, q = dut.series(t_step - REFERENCE_MEAN_S, "reactive_power_var")
        dut.set_voltage_v(dut.v_nom_v)
    y_final = float(np.mean(q[t >= t_step + 3.0 * tr]))
    judge_step_response(dut, check, REQ_QU_RESPONSE, REACTIVE_POWER, cause="voltage step", t=t, y=q,
                        t_step_s=t_step, y_initial=y_initial, y_final=y_final, tr_s=tr, tolerance=tolerance_var,
                        uncertainty=dut.u_reactive_power_var,
                        stimulus=stimulus_series("AC source voltage (set) / V", [t_step - 1e-3, t_step],
                                                 [dut.v_nom_v, v_step], staircase=True))


# --- cos phi(P) ---------------------------------------------------------------------------------
def _cos_phi_band(q_band: tuple[float, float], p: float) -> tuple[float, float]:
    """The cos phi range a Q band spans at active power ``p`` (1 when the band includes Q = 0)."""
    low, high = q_band
    pfs = [power_factor_of(p, low), power_factor_of(p, high)]
    return min(pfs), (1.0 if low <= 0.0 <= high else max(pfs))


@pytest.mark.requirement(REQ_COSPHI_P)
def test_cos_phi_of_p(dut, check):
    """cos phi(P): Q on the characteristic at several active power levels; cos phi against P plotted."""
    _needs(dut, "watt_power_factor")
    pf_points = dut.cos_phi_points()
    # the judge's own Q(P): the characteristic sampled every 1 % P (the DUT got 10 % steps)
    q_curve = _pct_curve_var([list(p) for p in cos_phi_p_as_watt_var_pct(pf_points, dut.s_rated_va, dut.p_rated_w,
                                                                         step_pct=1.0)],
                             dut.p_rated_w, dut.s_rated_va)
    q_curve = [(0.0, 0.0), *q_curve] if q_curve[0][0] > 0.0 else q_curve
    mra_p, mra_q = dut.mra_power_w(REQ_COSPHI_P), _mra_q_var(dut, REQ_COSPHI_P)
    settle_s = dut.param(REQ_COSPHI_P, "settle_time_s")
    measured: list[tuple[float, float]] = []
    with _mode(dut, "cos phi(P) as Q(P) (712)", lambda: dut.write_watt_var(enabled=True),
               lambda: dut.write_watt_var(enabled=False)):
        for fraction in COS_PHI_FRACTIONS:
            dut.transition("producing", fraction=fraction)
            _, p, q = _hold(dut, settle_s)
            measured.append((p, q))
    judged = [(p, q) for p, q in measured
              if math.hypot(p, _on_curve(q_curve, p)) <= dut.s_rated_va]
    for p, _ in set(measured) - set(judged):
        dut.step(f"cos phi(P) point at {p:.0f} W not judged: the characteristic asks more than Srated "
                 f"{dut.s_rated_va:g} VA (PV-Q-PRIORITY judges the limit)")
    grid = np.linspace(0.8 * min(p for p, _ in measured), dut.p_rated_w, 60)   # the judged range, not 0 W
    bands = [curve_band(g, q_curve, mra_p, mra_q, MRA_MULTIPLIER) for g in grid]
    pf_bands = [_cos_phi_band(b, g) for g, b in zip(grid, bands, strict=True)]
    plot = curve_plot("active power / W", "cos phi (under-excited)", [(p, power_factor_of(p, q)) for p, q in judged],
                      [(g, b[0]) for g, b in zip(grid, pf_bands, strict=True)],
                      [(g, b[1]) for g, b in zip(grid, pf_bands, strict=True)],
                      required=[(g, power_factor_of(g, _on_curve(q_curve, g))) for g in grid])
    for i, (p, q) in enumerate(judged):
        low, high = curve_band(p, q_curve, mra_p, mra_q, MRA_MULTIPLIER)
        check.within(REQ_COSPHI_P, f"Q at {p:.0f} W (cos phi {power_factor_of(p, q):.3f})", "reactive_power", "var",
                     q, dut.u_reactive_power_var, low, high,
                     detail=f"cos phi(P) {pf_points} (% Prated, cos phi under-excited) at {p:.0f} W "
                            f"+- {MRA_MULTIPLIER * mra_p:.0f} W, +- {MRA_MULTIPLIER * mra_q:.0f} var",
                     plot=plot if i == len(judged) - 1 else None)
    if not judged:
        check.inconclusive(REQ_COSPHI_P, "a cos phi(P) point inside Srated", f"measured {measured}")


# --- fixed cos phi and fixed Q ------------------------------------------------------------------
@pytest.mark.requirement(REQ_FIXED_PF)
def test_fixed_power_factor(dut, check):
    """Each set cos phi (under- and over-excited) at half irradiance."""
    _needs(dut, "fixed_power_factor")
    settle_s = dut.param(REQ_FIXED_PF, "settle_time_s")
    mra_p, mra_q = dut.mra_power_w(REQ_FIXED_PF), _mra_q_var(dut, REQ_FIXED_PF)
    dut.transition("producing", fraction=HALF_IRRADIANCE)
    for pf, under in dut.param(REQ_FIXED_PF, "power_factors"):
        excitation = "under-excited" if under else "over-excited"
        with _mode(dut, f"fixed cos phi {pf:g} {excitation} (704 PFWInj)",
                   lambda pf=pf, under=under: dut.link.write_fixed_power_factor(pf, under_excited=under),
                   lambda: dut.link.write_fixed_power_factor(None)):
            _, p, q = _hold(dut, settle_s)
        low, high = _range_over(lambda x, pf=pf, under=under: power_factor_var(x, pf, under),
                                p - MRA_MULTIPLIER * mra_p, p + MRA_MULTIPLIER * mra_p)
        low, high = low - MRA_MULTIPLIER * mra_q, high + MRA_MULTIPLIER * mra_q
        check.within(REQ_FIXED_PF, f"Q at cos phi {pf:g} {excitation}", "reactive_power", "var", q,
                     dut.u_reactive_power_var, low, high,
                     detail=f"P {p:.0f} W +- {MRA_MULTIPLIER * mra_p:.0f} W at cos phi {pf:g} {excitation}, "
                            f"+- {MRA_MULTIPLIER * mra_q:.0f} var")
        pf_low, pf_high = _cos_phi_band((low, high), p)
        check.within(REQ_FIXED_PF, f"cos phi {pf:g} {excitation}", "power_factor", "1", power_factor_of(p, q),
                     power_factor_uncertainty(p, q, dut.u_power_w, dut.u_reactive_power_var), pf_low, pf_high,
                     detail=f"cos phi = P / S from the analyzer's P {p:.0f} W and Q {q:.0f} var")


@pytest.mark.requirement(REQ_FIXED_Q)
def test_fixed_reactive_power(dut, check):
    """Each set Q (injected and absorbed) at half irradiance."""
    _needs(dut, "fixed_reactive_power")
    settle_s = dut.param(REQ_FIXED_Q, "settle_time_s")
    tolerance = MRA_MULTIPLIER * _mra_q_var(dut, REQ_FIXED_Q)
    dut.transition("producing", fraction=HALF_IRRADIANCE)
    for pct in dut.param(REQ_FIXED_Q, "reactive_power_pct_srated"):
        t0 = dut.now_s()
        with _fixed_var(dut, pct):
            _, _, q = _hold(dut, settle_s)
            t, series = dut.series(t0, "reactive_power_var")
        required = pct / 100.0 * dut.s_rated_va
        plot = series_plot(t, series, "reactive power (injected > 0) / var",
                           window=(t[-1] - AVERAGING_S, t[-1]), limit=required - tolerance,
                           limit_label="lower edge of the band",
                           limits=[applied_limit(f"upper edge of the band {required + tolerance:.0f} var",
                                                 required + tolerance)],
                           stimulus=stimulus_series("Q set point / var", [t0, t0 + 1e-3], [0.0, required],
                                                    staircase=True),
                           instants=[key_instant("set point written", t0)])
        check.within(REQ_FIXED_Q, f"Q at set point {pct:g} % Srated", "reactive_power", "var", q,
                     dut.u_reactive_power_var, required - tolerance, required + tolerance,
                     detail=f"set {required:.0f} var +- {tolerance:.0f} var after {settle_s:g} s", plot=plot)


# --- S limit, priority, P(U) with Q(U) ----------------------------------------------------------
def _limited(p_w: float, q_var: float, s_va: float, reactive: bool) -> tuple[float, float]:
    """Where a DUT with priority ``reactive`` puts (P, Q) that exceed ``s_va``."""
    if math.hypot(p_w, q_var) <= s_va:
        return p_w, q_var
    if reactive:
        q = math.copysign(min(abs(q_var), s_va), q_var)
        return math.sqrt(s_va ** 2 - q ** 2), q
    p = min(p_w, s_va)
    return p, math.copysign(math.sqrt(s_va ** 2 - p ** 2), q_var)


@pytest.mark.requirement(REQ_PRIORITY)
def test_apparent_power_limit_priority(dut, check):
    """Full irradiance and a fixed Q beyond what fits beside P: the declared priority decides."""
    _needs(dut, "fixed_reactive_power")
    priority = _priority(dut, check, REQ_PRIORITY)
    if priority is None:
        return
    pct = dut.param(REQ_PRIORITY, "reactive_power_pct_srated")
    s_va = dut.s_rated_va
    tol_p, tol_q = MRA_MULTIPLIER * dut.mra_power_w(REQ_PRIORITY), MRA_MULTIPLIER * _mra_q_var(dut, REQ_PRIORITY)
    p_avail = dut.transition("producing", fraction=1.0)
    with _fixed_var(dut, pct):
        _, p, q = _hold(dut, dut.param(REQ_PRIORITY, "settle_time_s"))
    p_req, q_req = _limited(p_avail, pct / 100.0 * s_va, s_va, priority)
    kept = "Q kept, P reduced" if priority else "P kept, Q reduced"
    detail = (f"available {p_avail:.0f} W, set Q {pct:g} % of Srated {s_va:g} VA; declared priority "
              f"{'reactive' if priority else 'active'} ({kept}): P {p_req:.0f} W, Q {q_req:.0f} var")
    check.within(REQ_PRIORITY, "P at the S limit", "active_power", "W", p, dut.u_power_w, p_req - tol_p,
                 p_req + tol_p, detail=detail)
    check.within(REQ_PRIORITY, "Q at the S limit", "reactive_power", "var", q, dut.u_reactive_power_var,
                 q_req - tol_q, q_req + tol_q, detail=detail)


@pytest.mark.requirement(REQ_PRIORITY)
def test_volt_watt_with_volt_var(dut, check):
    """P(U) and Q(U) both enabled at full irradiance: P on P(U) and Q on Q(U), inside Srated by priority."""
    _needs(dut, "volt_var")
    priority = _priority(dut, check, REQ_PRIORITY)
    if priority is None or not dut.profile.claims("volt_watt"):
        if priority is not None:
            check.require_true(REQ_PRIORITY, "DUT claims P(U) (volt-watt)", False, "mandatory function not claimed")
        return
    pu_points, qu_points = dut.param("PV-PU-STEADY", "volt_watt_points_pct"), dut.param(REQ_QU, "volt_var_points_pct")
    qu_curve = _pct_curve_var(qu_points, dut.v_nom_v, dut.s_rated_va)
    s_va, mra_v = dut.s_rated_va, dut.mra_voltage_v(REQ_QU)
    tol_p, tol_q = MRA_MULTIPLIER * dut.mra_power_w(REQ_PRIORITY), MRA_MULTIPLIER * _mra_q_var(dut, REQ_PRIORITY)
    p_avail = dut.transition("producing", fraction=1.0)

    def expected(v: float) -> tuple[float, float]:
        p = min(float(volt_watt_limit_pct(v / dut.v_nom_v * 100.0, pu_points)) / 100.0 * dut.p_rated_w, p_avail)
        return _limited(p, _on_curve(qu_curve, v), s_va, priority)

    settle_s = max(2.0 * dut.param(REQ_QU_RESPONSE, "response_time_s"), 2.0 * dut.param("PV-PU-RESPONSE",
                                                                                         "response_time_s"))
    with _volt_var(dut):
        for v_pct in dut.param(REQ_PRIORITY, "voltage_points_pct_un"):
            dut.step(f"P(U) with Q(U): {v_pct:g} % Un")
            dut.set_terminal_voltage_v(v_pct / 100.0 * dut.v_nom_v, settle_s=1.0)
            v, p, q = _hold(dut, settle_s)
            lo, hi = v - MRA_MULTIPLIER * mra_v, v + MRA_MULTIPLIER * mra_v
            p_band = _range_over(lambda x: expected(x)[0], lo, hi)
            q_band = _range_over(lambda x: expected(x)[1], lo, hi)
            detail = (f"P(U) {pu_points}, Q(U) {qu_points} at {v:.2f} V +- {MRA_MULTIPLIER * mra_v:.2f} V, "
                      f"inside Srated {s_va:g} VA ({'reactive' if priority else 'active'} priority)")
            check.within(REQ_PRIORITY, f"P at {v:.1f} V with Q(U)", "active_power", "W", p, dut.u_power_w,
                         p_band[0] - tol_p, p_band[1] + tol_p, detail=detail)
            check.within(REQ_PRIORITY, f"Q at {v:.1f} V with P(U)", "reactive_power", "var", q,
                         dut.u_reactive_power_var, q_band[0] - tol_q, q_band[1] + tol_q, detail=detail)
        dut.set_voltage_v(dut.v_nom_v)
