"""The reactive power judgement helpers of bench/analysis.py: the IEEE 1547.1 style band of a
characteristic, cos phi(P) as Q(P) points, and the uncertainty of cos phi from those of P and Q."""

from __future__ import annotations

import math

import pytest

from bench.analysis import (
    cos_phi_p_as_watt_var_pct, cos_phi_p_var, curve_band, power_factor_of, power_factor_uncertainty,
    power_factor_var,
)

QU_VAR = [(211.6, 4400.0), (225.4, 0.0), (234.6, 0.0), (248.4, -4400.0)]


def test_curve_band_takes_the_curve_over_the_x_tolerance_and_widens_it() -> None:
    # in the deadband, 1.5 x 2.3 V reaches neither slope: the band is 0 +- 750 var
    assert curve_band(230.0, QU_VAR, 2.3, 500.0) == pytest.approx((-750.0, 750.0))
    # on the absorbing slope at 241.5 V: the curve between 238.05 V and 244.95 V
    low, high = curve_band(241.5, QU_VAR, 2.3, 500.0)
    slope = 4400.0 / (248.4 - 234.6)
    assert (low, high) == pytest.approx((-slope * (244.95 - 234.6) - 750.0, -slope * (238.05 - 234.6) + 750.0))
    # flat end: the band does not run past the last point
    assert curve_band(252.0, QU_VAR, 2.3, 500.0) == pytest.approx((-5150.0, -3650.0))


def test_cos_phi_p_characteristic() -> None:
    points = [[50.0, 1.0], [100.0, 0.9]]
    assert cos_phi_p_var(4000.0, points, 10000.0) == 0.0
    assert cos_phi_p_var(10000.0, points, 10000.0) == pytest.approx(-10000.0 * math.tan(math.acos(0.9)))
    curve = cos_phi_p_as_watt_var_pct(points, 10000.0, 10000.0)
    assert [x for x, _ in curve] == [50.0, 60.0, 70.0, 80.0, 90.0, 100.0]
    assert curve[0][1] == 0.0 and curve[-1][1] == pytest.approx(-48.4322, abs=1e-4)
    # between samples the linear Q(P) stays within 0.1 % Srated of the characteristic
    p = 7500.0
    q_lin = (curve[2][1] + curve[3][1]) / 2.0 / 100.0 * 10000.0
    assert abs(q_lin - cos_phi_p_var(p, points, 10000.0)) < 10.0


def test_power_factor_uncertainty_matches_a_finite_difference() -> None:
    p, q, u_p, u_q = 5000.0, -1700.0, 24.0, 30.0
    assert power_factor_of(p, q) == pytest.approx(5000.0 / math.hypot(5000.0, 1700.0))
    d = 1e-3
    dp = (power_factor_of(p + d, q) - power_factor_of(p - d, q)) / (2 * d)
    dq = (power_factor_of(p, q + d) - power_factor_of(p, q - d)) / (2 * d)
    assert power_factor_uncertainty(p, q, u_p, u_q) == pytest.approx(math.hypot(dp * u_p, dq * u_q), rel=1e-6)
    assert power_factor_uncertainty(p, 0.0, u_p, u_q) == 0.0     # cos phi = 1 is flat in P and Q
    assert power_factor_var(5000.0, 0.95, under_excited=True) == pytest.approx(-1643.4, abs=0.1)
