"""Pure analysis functions for the PV suites. Units are in the names; each cites its method.

Nothing here talks to instruments or records; suites feed recorded series in and pass the results
(plus the plot dicts) to :class:`bench.checks.Checker`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Points = Sequence[Sequence[float]]

__all__ = [
    "ResponseResult", "Uncertainty", "first_order_response_check", "first_time_above",
    "first_time_below", "lfsm_o_band_w", "RampResult", "ramp_rate_detail", "lfsm_o_expected_power_w",
    "lfsm_u_band_w", "lfsm_u_expected_power_w", "phase_spread", "positive_sequence_v",
    "ramp_rate_pct_per_min", "volt_watt_unbalanced_band_w", "RESPONSE_BASES", "basis_voltages_v",
    "unbalanced_curve_band", "volt_var_unbalanced_band_var",
    "sample_period_s", "ten_minute_running_mean_v", "volt_watt_band_w", "volt_watt_limit_pct",
]


# --------------------------------------------------------------------------------------------
# Uncertainty (GUM, JCGM 100:2008: type B from a rectangular distribution, RSS combination,
# expanded with coverage factor k = 2)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Uncertainty:
    """A standard uncertainty ``standard`` (same unit as the quantity) and its coverage factor.

    ``expanded`` (U = k * u) is what the record's ``check.uncertainty`` and the guard band use.
    """

    standard: float
    k: float = 2.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.standard) or self.standard < 0:
            raise ValueError(f"standard uncertainty must be finite and >= 0, got {self.standard}")

    @property
    def expanded(self) -> float:
        return self.k * self.standard

    @classmethod
    def from_expanded(cls, expanded: float, k: float = 2.0) -> "Uncertainty":
        return cls(expanded / k, k)

    @classmethod
    def from_accuracy(cls, reading: float, pct_of_reading: float = 0.0, pct_of_range: float = 0.0,
                      range_value: float = 0.0, absolute: float = 0.0,
                      resolution: float = 0.0) -> "Uncertainty":
        """Instrument spec "± (pct_of_reading % of reading + pct_of_range % of range + absolute)"
        taken as the half-width of a rectangular distribution (u = a / sqrt 3); the display
        ``resolution`` adds a rectangular component of full width ``resolution`` (u = r / sqrt 12)."""
        a = abs(reading) * pct_of_reading / 100.0 + abs(range_value) * pct_of_range / 100.0 + abs(absolute)
        u_spec = a / math.sqrt(3.0)
        u_res = abs(resolution) / math.sqrt(12.0)
        return cls(math.hypot(u_spec, u_res))

    @classmethod
    def from_sampling(cls, sample_period_s: float) -> "Uncertainty":
        """An event detected at the first sample after it: rectangular over one sample period."""
        return cls(abs(sample_period_s) / math.sqrt(12.0))

    def combine(self, *others: "Uncertainty") -> "Uncertainty":
        """Root-sum-square of uncorrelated standard uncertainties (k of self kept)."""
        return Uncertainty(math.sqrt(self.standard ** 2 + sum(o.standard ** 2 for o in others)), self.k)

    def scaled(self, factor: float) -> "Uncertainty":
        """Uncertainty of ``factor * x`` (sensitivity coefficient ``factor``)."""
        return Uncertainty(abs(factor) * self.standard, self.k)


# --------------------------------------------------------------------------------------------
# Volt-watt P(U) (IEEE 1547-2018 volt-watt; pass band in the IEEE 1547.1 style)
# --------------------------------------------------------------------------------------------

def _points_xy(points: Points) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
        raise ValueError(f"curve points must be [[x, y], ...], got {points!r}")
    x, y = arr[:, 0], arr[:, 1]
    if np.any(np.diff(x) <= 0):
        raise ValueError(f"curve x values must be strictly increasing, got {x.tolist()}")
    return x, y


def volt_watt_limit_pct(v_pct: ArrayLike, points: Points) -> float | NDArray[np.float64]:
    """Active power limit in % of rated power at ``v_pct`` (% of Vnom): piecewise-linear
    interpolation between ``points`` [[v_pct, p_pct], ...], flat beyond the first and last point."""
    x, y = _points_xy(points)
    out = np.interp(np.asarray(v_pct, dtype=float), x, y)
    return float(out) if np.ndim(out) == 0 else out


def _curve_range(x_lo: float, x_hi: float, points: Points) -> tuple[float, float]:
    """Min and max of the piecewise-linear curve over [x_lo, x_hi] (ends and inner breakpoints)."""
    x, _ = _points_xy(points)
    xs = [x_lo, x_hi] + [float(b) for b in x if x_lo < b < x_hi]
    ys = np.interp(xs, x, np.asarray(points, dtype=float)[:, 1])
    return float(np.min(ys)), float(np.max(ys))


def volt_watt_band_w(v_v: float, points: Points, v_nom_v: float, p_rated_w: float,
                     p_avail_w: float, mra_v_v: float, mra_p_w: float,
                     mra_multiplier: float = 1.5) -> tuple[float, float]:
    """Steady-state pass band (low_w, high_w) for the active power at terminal voltage ``v_v``.

    IEEE 1547.1 style: the curve is evaluated over v ± 1.5·MRA_V, each result capped by the
    available (irradiance-limited) power, and the band widened by ± 1.5·MRA_P.
    """
    dv = mra_multiplier * mra_v_v
    lo_pct, hi_pct = _curve_range((v_v - dv) / v_nom_v * 100.0, (v_v + dv) / v_nom_v * 100.0, points)
    lo_w = min(lo_pct / 100.0 * p_rated_w, p_avail_w)
    hi_w = min(hi_pct / 100.0 * p_rated_w, p_avail_w)
    dp = mra_multiplier * mra_p_w
    return lo_w - dp, hi_w + dp


# --------------------------------------------------------------------------------------------
# Reactive power: Q(U), cos phi(P), fixed cos phi (generator convention: Q > 0 injected)
# --------------------------------------------------------------------------------------------

def curve_band(x: float, points: Points, mra_x: float, mra_y: float,
               mra_multiplier: float = 1.5) -> tuple[float, float]:
    """IEEE 1547.1 style pass band (low, high) of a piecewise-linear characteristic y(x) at ``x``:
    the curve evaluated over x +- k*MRA_x, widened by +- k*MRA_y (points and MRAs in one unit system)."""
    dx = mra_multiplier * mra_x
    lo, hi = _curve_range(x - dx, x + dx, points)
    dy = mra_multiplier * mra_y
    return lo - dy, hi + dy


def power_factor_var(p_w: float, power_factor: float, under_excited: bool) -> float:
    """Reactive power (var) giving displacement factor ``power_factor`` at active power ``p_w``:
    |Q| = |P| tan(acos cos phi), absorbed (negative) when ``under_excited``."""
    pf = min(max(abs(power_factor), 1e-9), 1.0)
    q = abs(p_w) * float(np.sqrt(1.0 - pf * pf)) / pf
    return -q if under_excited else q


def cos_phi_p_var(p_w: float, points: Points, p_rated_w: float) -> float:
    """The reactive power (var, absorbed) a cos phi(P) characteristic [[% Prated, cos phi], ...]
    (under-excited) asks for at active power ``p_w``."""
    pf = float(np.interp(p_w / p_rated_w * 100.0, *_points_xy(points)))
    return power_factor_var(p_w, pf, under_excited=True)


def cos_phi_p_as_watt_var_pct(points: Points, s_rated_va: float, p_rated_w: float,
                              step_pct: float = 10.0) -> list[tuple[float, float]]:
    """A cos phi(P) characteristic as Q(P) points (% Prated, % Srated) for a watt-var curve
    (SunSpec 712): sampled every ``step_pct`` from its first to its last point."""
    x, _ = _points_xy(points)
    xs = np.arange(x[0], x[-1] + 1e-9, step_pct)
    return [(round(float(p), 6), round(cos_phi_p_var(p / 100.0 * p_rated_w, points, p_rated_w)
                                       / s_rated_va * 100.0, 4)) for p in xs]


def power_factor_of(p_w: float, q_var: float) -> float:
    """Displacement factor |P| / S (1 at S = 0)."""
    s = float(np.hypot(p_w, q_var))
    return abs(p_w) / s if s > 0.0 else 1.0


def power_factor_uncertainty(p_w: float, q_var: float, u_p_w: float, u_q_var: float) -> float:
    """Uncertainty of cos phi = P / sqrt(P^2 + Q^2) from those of P and Q (same coverage,
    uncorrelated, first order): dpf/dP = Q^2 / S^3, dpf/dQ = -P Q / S^3."""
    s = float(np.hypot(p_w, q_var))
    if s <= 0.0:
        return 0.0
    return float(np.hypot(q_var * q_var / s ** 3 * u_p_w, p_w * q_var / s ** 3 * u_q_var))


# --------------------------------------------------------------------------------------------
# LFSM-O (EN 50549-1 / VDE-AR-N 4105 droop: dP/Pref = -(f - f_start) / (f_nom · s))
# --------------------------------------------------------------------------------------------

def lfsm_o_expected_power_w(f_hz: ArrayLike, p_ref_w: float, f_start_hz: float = 50.2,
                            droop_pct: float = 5.0, f_nom_hz: float = 50.0,
                            p_min_w: float = 0.0) -> float | NDArray[np.float64]:
    """Expected active power under LFSM-O: p_ref above ``f_start_hz`` reduced by
    p_ref·(f − f_start)/(f_nom·droop) (5 % droop = 40 % of p_ref per Hz), not below ``p_min_w``."""
    f = np.asarray(f_hz, dtype=float)
    reduction = p_ref_w * np.clip(f - f_start_hz, 0.0, None) / (f_nom_hz * droop_pct / 100.0)
    out = np.maximum(p_ref_w - reduction, p_min_w)
    return float(out) if np.ndim(out) == 0 else out


def lfsm_o_band_w(f_hz: float, p_ref_w: float, mra_f_hz: float, mra_p_w: float,
                  f_start_hz: float = 50.2, droop_pct: float = 5.0, f_nom_hz: float = 50.0,
                  mra_multiplier: float = 1.5) -> tuple[float, float]:
    """Pass band (low_w, high_w): droop curve over f ± 1.5·MRA_f, widened by ± 1.5·MRA_P
    (the IEEE 1547.1 band construction applied to the frequency-droop curve)."""
    df = mra_multiplier * mra_f_hz
    ends = lfsm_o_expected_power_w(np.array([f_hz - df, f_hz + df]), p_ref_w, f_start_hz,
                                   droop_pct, f_nom_hz)
    dp = mra_multiplier * mra_p_w
    return float(np.min(ends)) - dp, float(np.max(ends)) + dp


# --------------------------------------------------------------------------------------------
# LFSM-U (EN 50549-1 4.6.2 style: dP/Pref = (f_start - f) / (f_nom · s) below f_start, added to
# the power before the under-frequency, up to the power the device can deliver)
# --------------------------------------------------------------------------------------------

def lfsm_u_expected_power_w(f_hz: ArrayLike, p_initial_w: float, p_ref_w: float, f_start_hz: float = 49.8,
                            droop_pct: float = 5.0, f_nom_hz: float = 50.0,
                            p_max_w: float = math.inf) -> float | NDArray[np.float64]:
    """Expected active power under LFSM-U: ``p_initial_w`` (the power before the under-frequency)
    raised by p_ref·(f_start − f)/(f_nom·droop) below ``f_start_hz``, not above ``p_max_w`` (the
    most the device can deliver: its rating, or the power before plus its storage's power)."""
    f = np.asarray(f_hz, dtype=float)
    increase = p_ref_w * np.clip(f_start_hz - f, 0.0, None) / (f_nom_hz * droop_pct / 100.0)
    out = np.minimum(p_initial_w + increase, max(p_max_w, p_initial_w))
    return float(out) if np.ndim(out) == 0 else out


def lfsm_u_band_w(f_hz: float, p_initial_w: float, p_ref_w: float, mra_f_hz: float, mra_p_w: float,
                  f_start_hz: float = 49.8, droop_pct: float = 5.0, f_nom_hz: float = 50.0,
                  p_max_w: float = math.inf, mra_multiplier: float = 1.5) -> tuple[float, float]:
    """Pass band (low_w, high_w): the LFSM-U droop curve over f ± 1.5·MRA_f, widened by ± 1.5·MRA_P
    (the same IEEE 1547.1 band construction as :func:`lfsm_o_band_w`)."""
    df = mra_multiplier * mra_f_hz
    ends = lfsm_u_expected_power_w(np.array([f_hz - df, f_hz + df]), p_initial_w, p_ref_w, f_start_hz,
                                   droop_pct, f_nom_hz, p_max_w)
    dp = mra_multiplier * mra_p_w
    return float(np.min(ends)) - dp, float(np.max(ends)) + dp


# --------------------------------------------------------------------------------------------
# Unbalanced grid: the voltage a P(U) or Q(U) response is based on, and the spread between phases
# --------------------------------------------------------------------------------------------

RESPONSE_BASES = ("highest_phase", "per_phase", "positive_sequence")
"""The response bases a device may declare for P(U) (declared.volt_watt_basis) and Q(U)
(declared.volt_var_basis) under unbalance (IEEE 1547.1 imbalance tests)."""

_NOMINAL_ANGLES_DEG = (0.0, -120.0, 120.0)


def positive_sequence_v(magnitudes_v: Sequence[float],
                        angles_deg: Sequence[float] = _NOMINAL_ANGLES_DEG) -> float:
    """Magnitude of the positive-sequence component of three phase-neutral voltages (Fortescue:
    |Va + a·Vb + a²·Vc| / 3, a = e^(j120°)); with the angles at 0/−120/120° it is the mean of the
    magnitudes."""
    if len(magnitudes_v) != 3 or len(angles_deg) != 3:
        raise ValueError(f"positive sequence needs three phases, got {list(magnitudes_v)}")
    a = np.exp(2j * np.pi / 3.0)
    phasors = [m * np.exp(1j * np.deg2rad(ang)) for m, ang in zip(magnitudes_v, angles_deg, strict=True)]
    return float(abs(phasors[0] + a * phasors[1] + a * a * phasors[2]) / 3.0)


def basis_voltages_v(phase_v: Sequence[float], basis: str) -> tuple[float, ...]:
    """The voltage each phase's share of a voltage law is judged at, from the measured phase
    voltages ``phase_v`` and a response ``basis`` (:data:`RESPONSE_BASES`): its own voltage
    (``per_phase``), else the highest phase or the positive sequence (source phases at 120°) for
    every phase."""
    if basis == "per_phase":
        return tuple(float(v) for v in phase_v)
    if basis == "highest_phase":
        return (float(max(phase_v)),) * len(phase_v)
    if basis == "positive_sequence":
        return (positive_sequence_v(phase_v),) * len(phase_v)
    raise ValueError(f"unknown response basis {basis!r} (one of {', '.join(RESPONSE_BASES)})")


def unbalanced_curve_band(phase_v: Sequence[float], basis: str, points: Points, v_nom_v: float,
                          rating: float, mra_v_v: float, mra_y: float, cap: float = math.inf,
                          mra_multiplier: float = 1.5) -> tuple[float, float]:
    """Steady-state pass band (low, high) of a device total that follows a voltage curve
    ``points`` [[% Un, % of rating], ...] on a response ``basis``: each phase's share of ``rating``
    is the curve over its basis voltage (:func:`basis_voltages_v`) +- k·MRA_V, the total capped by
    ``cap`` (e.g. the available power) and widened once by +- k·MRA_y."""
    dv = mra_multiplier * mra_v_v
    share = rating / len(phase_v)
    ranges = [_curve_range((v - dv) / v_nom_v * 100.0, (v + dv) / v_nom_v * 100.0, points)
              for v in basis_voltages_v(phase_v, basis)]
    low = min(sum(lo for lo, _ in ranges) / 100.0 * share, cap)
    high = min(sum(hi for _, hi in ranges) / 100.0 * share, cap)
    dy = mra_multiplier * mra_y
    return low - dy, high + dy


def volt_watt_unbalanced_band_w(phase_v: Sequence[float], basis: str, points: Points, v_nom_v: float,
                                p_rated_w: float, p_avail_w: float, mra_v_v: float, mra_p_w: float,
                                mra_multiplier: float = 1.5) -> tuple[float, float]:
    """Steady-state pass band (low_w, high_w) of the total active power for the measured phase
    voltages ``phase_v`` and the declared P(U) response ``basis`` (:func:`unbalanced_curve_band`
    with the rated power, capped by the available power; ``highest_phase`` and
    ``positive_sequence`` equal :func:`volt_watt_band_w` at that voltage)."""
    return unbalanced_curve_band(phase_v, basis, points, v_nom_v, p_rated_w, mra_v_v, mra_p_w, p_avail_w,
                                 mra_multiplier)


def volt_var_unbalanced_band_var(phase_v: Sequence[float], basis: str, points: Points, v_nom_v: float,
                                 s_rated_va: float, mra_v_v: float, mra_q_var: float,
                                 mra_multiplier: float = 1.5) -> tuple[float, float]:
    """Steady-state pass band (low_var, high_var) of the total reactive power for the measured
    phase voltages ``phase_v`` and the declared Q(U) response ``basis``: the volt-var curve
    [[% Un, % Srated], ...] on that basis (:func:`unbalanced_curve_band` with the rated apparent
    power; per phase: each phase's third at its own voltage, summed)."""
    return unbalanced_curve_band(phase_v, basis, points, v_nom_v, s_rated_va, mra_v_v, mra_q_var,
                                 mra_multiplier=mra_multiplier)


def phase_spread(values: Sequence[float]) -> float:
    """Largest minus smallest of per-phase values (e.g. the apparent power per phase: the
    unbalance a grid code limits as the difference between phases)."""
    return float(max(values) - min(values)) if values else 0.0


# --------------------------------------------------------------------------------------------
# First-order open-loop response (IEEE 1547.1 style: 90 % at Tr, τ = Tr / ln 10; at Tr and 2·Tr)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseResult:
    fraction_at_tr: float            # share of the step covered at t_step + Tr (1.0 = complete)
    required_fraction_at_tr: float   # 0.9 − tolerance/|step|
    value_at_tr: float
    value_at_2tr: float
    band_2tr: tuple[float, float]    # y_final ± tolerance
    passed_at_tr: bool
    passed_at_2tr: bool
    plot: dict[str, Any]
    fraction: float = 0.9            # the share of the step the requirement asks for at Tr

    @property
    def passed(self) -> bool:
        return self.passed_at_tr and self.passed_at_2tr


def _value_at(t: NDArray[np.float64], y: NDArray[np.float64], at_s: float, window_s: float) -> float:
    if window_s > 0:
        sel = (t >= at_s - window_s / 2) & (t <= at_s + window_s / 2)
        if np.any(sel):
            return float(np.mean(y[sel]))
    return float(np.interp(at_s, t, y))


def first_order_response_check(t_s: ArrayLike, y: ArrayLike, t_step_s: float, y_initial: float,
                               y_final: float, response_time_s: float, tolerance: float,
                               fraction: float = 0.9, average_window_s: float = 0.0,
                               x_label: str = "t / s", y_label: str = "y",
                               stimulus: dict[str, Any] | None = None) -> ResponseResult:
    """Judge an open-loop response to a step applied at ``t_step_s``.

    At t_step + Tr the response must have covered >= ``fraction`` (90 %) of the step minus
    ``tolerance`` (absolute, same unit as y, e.g. 1.5·MRA_P); at t_step + 2·Tr it must lie in
    y_final ± tolerance. Values are interpolated (or averaged over ``average_window_s``).
    The plot's ``limit`` is the slowest compliant first-order response (τ = Tr / ln(1/(1−fraction))),
    its ``limits`` the band at 2·Tr, its ``instants`` the step, Tr and 2·Tr; ``stimulus`` (what the
    bench stepped, test_suites.evidence.stimulus_series) is drawn on its second axis.
    """
    t = np.asarray(t_s, dtype=float)
    yy = np.asarray(y, dtype=float)
    if t.shape != yy.shape or t.size < 2:
        raise ValueError("t_s and y must be equal-length series with at least two samples")
    step = y_final - y_initial
    if step == 0:
        raise ValueError("y_final equals y_initial: no step to judge")
    t_tr, t_2tr = t_step_s + response_time_s, t_step_s + 2 * response_time_s
    if t[0] > t_step_s or t[-1] < t_2tr:
        raise ValueError(f"series covers {t[0]:g}..{t[-1]:g} s; need {t_step_s:g}..{t_2tr:g} s")
    v_tr = _value_at(t, yy, t_tr, average_window_s)
    v_2tr = _value_at(t, yy, t_2tr, average_window_s)
    frac = (v_tr - y_initial) / step
    required = fraction - abs(tolerance) / abs(step)
    band = (y_final - abs(tolerance), y_final + abs(tolerance))
    tau = response_time_s / math.log(1.0 / (1.0 - fraction))
    sel = (t >= t_step_s - response_time_s) & (t <= t_step_s + 3 * response_time_s)
    ts = t[sel]
    ref = np.where(ts < t_step_s, y_initial,
                   y_initial + step * (1.0 - np.exp(-np.clip(ts - t_step_s, 0, None) / tau)))
    plot: dict[str, Any] = {
        "type": "series", "x_label": x_label, "y_label": y_label, "t_s": ts.tolist(), "y": yy[sel].tolist(),
        "limit": ref.tolist(), "limit_label": "slowest compliant response", "window": [t_step_s, t_2tr],
        "limits": [{"label": f"band at 2 Tr {band[0]:.0f}", "value": band[0]},
                   {"label": f"band at 2 Tr {band[1]:.0f}", "value": band[1]}],
        "instants": [{"label": "step", "t_s": t_step_s}, {"label": "Tr", "t_s": t_tr},
                     {"label": "2 Tr", "t_s": t_2tr}], "t_zero_s": t_step_s}
    if stimulus is not None:
        plot["stimulus"] = stimulus
    return ResponseResult(fraction_at_tr=frac, required_fraction_at_tr=required, value_at_tr=v_tr,
                          value_at_2tr=v_2tr, band_2tr=band, passed_at_tr=frac >= required,
                          passed_at_2tr=band[0] <= v_2tr <= band[1], plot=plot, fraction=fraction)


# --------------------------------------------------------------------------------------------
# 10-minute running mean (IEC 61000-4-30 aggregation: RMS of RMS values, 150-cycle ≈ 3 s
# intervals, then a 10-minute window of them; here a running window advancing per 3 s)
# --------------------------------------------------------------------------------------------

def ten_minute_running_mean_v(t_s: ArrayLike, v_v: ArrayLike, aggregation_s: float = 3.0,
                              window_s: float = 600.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """RMS voltages -> (t_end_s, mean_v): 3-s aggregates (sqrt of mean square, intervals aligned
    to t = 0), then the square-root mean square over the last ``window_s`` of aggregates, one value
    per aggregation interval end, only once a full window has elapsed. Empty 3-s intervals are
    skipped (the window uses the aggregates it has; NaN if none)."""
    t = np.asarray(t_s, dtype=float)
    v = np.asarray(v_v, dtype=float)
    if t.shape != v.shape:
        raise ValueError("t_s and v_v must have equal length")
    if t.size == 0:
        return np.array([]), np.array([])
    idx = np.floor(t / aggregation_s).astype(np.int64)
    first, last = int(idx.min()), int(idx.max())
    n = last - first + 1
    sums = np.bincount(idx - first, weights=v * v, minlength=n)
    counts = np.bincount(idx - first, minlength=n)
    agg_ms = np.full(n, np.nan)
    has = counts > 0
    agg_ms[has] = sums[has] / counts[has]
    per_window = int(round(window_s / aggregation_s))
    if n < per_window:
        return np.array([]), np.array([])
    valid = np.where(has, agg_ms, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(valid)])
    ccount = np.concatenate([[0], np.cumsum(has.astype(np.int64))])
    ends = np.arange(per_window, n + 1)
    wsum = csum[ends] - csum[ends - per_window]
    wcount = ccount[ends] - ccount[ends - per_window]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sqrt(np.where(wcount > 0, wsum / np.maximum(wcount, 1), np.nan))
    t_end = (first + ends) * aggregation_s
    return t_end.astype(float), mean


# --------------------------------------------------------------------------------------------
# Event timing (trip detection: power falls to ~0; reconnection: power rises)
# --------------------------------------------------------------------------------------------

def sample_period_s(t_s: ArrayLike) -> float:
    """Median sampling period of a series (the resolution of event times found in it)."""
    t = np.asarray(t_s, dtype=float)
    if t.size < 2:
        raise ValueError("need at least two samples")
    return float(np.median(np.diff(t)))


def _first_time(t_s: ArrayLike, y: ArrayLike, after_s: float, mask_fn: Any) -> float | None:
    t = np.asarray(t_s, dtype=float)
    yy = np.asarray(y, dtype=float)
    if t.shape != yy.shape:
        raise ValueError("t_s and y must have equal length")
    hit = np.nonzero((t >= after_s) & mask_fn(yy))[0]
    return float(t[hit[0]]) if hit.size else None


def first_time_below(t_s: ArrayLike, y: ArrayLike, threshold: float,
                     after_s: float = -math.inf) -> float | None:
    """Time of the first sample at or after ``after_s`` with y < threshold, else None.

    The sample time is returned (not an interpolated crossing): the event happened in the
    preceding sample period, so add :meth:`Uncertainty.from_sampling` to the time's uncertainty."""
    return _first_time(t_s, y, after_s, lambda a: a < threshold)


def first_time_above(t_s: ArrayLike, y: ArrayLike, threshold: float,
                     after_s: float = -math.inf) -> float | None:
    """Time of the first sample at or after ``after_s`` with y > threshold, else None."""
    return _first_time(t_s, y, after_s, lambda a: a > threshold)


# --------------------------------------------------------------------------------------------
# Ramp rate (sliding least-squares slope over a window: robust to sample noise)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RampResult:
    max_pct_per_min: float           # steepest sustained ramp, % of rated power per minute
    window_start_s: float            # where the steepest window starts
    window_s: float
    slope_stderr_pct_per_min: float  # standard error of that window's fitted slope (noise)


def ramp_rate_detail(t_s: ArrayLike, p_w: ArrayLike, p_rated_w: float, window_s: float = 60.0,
                     t_start_s: float = -math.inf, t_end_s: float = math.inf) -> RampResult:
    """Largest sustained ramp: the maximum, over every window of ``window_s`` starting at a
    sample inside [t_start_s, t_end_s − window_s], of the least-squares slope of p over that
    window. Noise σ on p moves one window's slope by about σ·sqrt(12/n)/window_s (reported as
    ``slope_stderr_pct_per_min`` from the residuals); the maximum over many windows is biased up
    by a few of those, so use the stderr in the check's uncertainty or a longer window."""
    t = np.asarray(t_s, dtype=float)
    p = np.asarray(p_w, dtype=float)
    if t.shape != p.shape:
        raise ValueError("t_s and p_w must have equal length")
    sel = (t >= t_start_s) & (t <= t_end_s)
    t, p = t[sel], p[sel]
    span = window_s * (1 - 1e-9)
    if t.size < 3 or t[-1] - t[0] < span:
        raise ValueError(f"need at least {window_s:g} s of samples to measure a ramp")
    t0 = t - t[0]
    c1 = np.concatenate([[0.0], np.cumsum(t0)])
    c2 = np.concatenate([[0.0], np.cumsum(t0 * t0)])
    cy = np.concatenate([[0.0], np.cumsum(p)])
    cty = np.concatenate([[0.0], np.cumsum(t0 * p)])
    starts = np.arange(t.size)
    stops = np.searchsorted(t0, t0 + span, side="left") + 1  # exclusive end index
    ok = stops <= t.size
    starts, stops = starts[ok], stops[ok]
    ok = t0[stops - 1] - t0[starts] >= span
    starts, stops = starts[ok], stops[ok]
    n = (stops - starts).astype(float)
    sx, sxx = c1[stops] - c1[starts], c2[stops] - c2[starts]
    sy, sxy = cy[stops] - cy[starts], cty[stops] - cty[starts]
    denom = n * sxx - sx * sx
    good = (n >= 3) & (denom > 0)
    if not np.any(good):
        raise ValueError("no window with enough samples to fit a slope")
    starts, stops, n, sx, sy, sxy, denom = (a[good] for a in (starts, stops, n, sx, sy, sxy, denom))
    slopes = (n * sxy - sx * sy) / denom
    best = int(np.argmax(slopes))
    a, b = int(starts[best]), int(stops[best])
    tw, pw = t0[a:b], p[a:b]
    intercept = (sy[best] - slopes[best] * sx[best]) / n[best]
    resid = pw - (intercept + slopes[best] * tw)
    s2 = float(np.sum(resid ** 2) / (n[best] - 2))
    stderr = math.sqrt(s2 * n[best] / denom[best])
    to_pct = 60.0 / p_rated_w * 100.0
    return RampResult(max_pct_per_min=float(slopes[best]) * to_pct, window_start_s=float(t[a]),
                      window_s=window_s, slope_stderr_pct_per_min=stderr * to_pct)


def ramp_rate_pct_per_min(t_s: ArrayLike, p_w: ArrayLike, p_rated_w: float, window_s: float = 60.0,
                          t_start_s: float = -math.inf, t_end_s: float = math.inf) -> float:
    """Largest sustained ramp in % of rated power per minute (sliding least-squares slope over
    ``window_s``; see :func:`ramp_rate_detail`)."""
    return ramp_rate_detail(t_s, p_w, p_rated_w, window_s, t_start_s, t_end_s).max_pct_per_min
