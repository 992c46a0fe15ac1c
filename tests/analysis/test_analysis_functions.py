"""bench.analysis on synthetic data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.analysis import (Uncertainty, first_order_response_check, first_time_above,
                            first_time_below, lfsm_o_band_w, lfsm_o_expected_power_w,
                            ramp_rate_detail, ramp_rate_pct_per_min, sample_period_s, ten_minute_running_mean_v,
                            volt_watt_band_w, volt_watt_limit_pct)

VW = [[106.0, 100.0], [110.0, 20.0]]


# ---------------------------------------------------------------- volt-watt
@pytest.mark.parametrize("v_pct, expected", [
    (100.0, 100.0), (106.0, 100.0), (108.0, 60.0), (109.0, 40.0), (110.0, 20.0), (115.0, 20.0),
])
def test_volt_watt_limit_interpolates_and_is_flat_beyond_ends(v_pct, expected):
    assert volt_watt_limit_pct(v_pct, VW) == pytest.approx(expected)


def test_volt_watt_limit_vectorised_and_rejects_bad_points():
    out = volt_watt_limit_pct(np.array([106.0, 108.0]), VW)
    assert out.tolist() == pytest.approx([100.0, 60.0])
    with pytest.raises(ValueError):
        volt_watt_limit_pct(107.0, [[110.0, 20.0], [106.0, 100.0]])


def test_volt_watt_band_mid_slope():
    # 108 % of 230 V = 248.4 V; MRA_V = 2.3 V -> curve over 248.4 ± 3.45 V
    # = 106.5 % .. 109.5 % -> 90 % .. 30 % of 10 kW; widened by 1.5 * 500 W
    low, high = volt_watt_band_w(248.4, VW, 230.0, 10000.0, 10000.0, 2.3, 500.0)
    assert low == pytest.approx(3000.0 - 750.0)
    assert high == pytest.approx(9000.0 + 750.0)


def test_volt_watt_band_includes_breakpoint_and_is_capped_by_available_power():
    # at 106 % the window straddles the knee: max is 100 %, min at 107.5 % = 70 %
    low, high = volt_watt_band_w(243.8, VW, 230.0, 10000.0, 10000.0, 2.3, 500.0)
    assert high == pytest.approx(10000.0 + 750.0)
    assert low == pytest.approx(7000.0 - 750.0)
    # only 5 kW available: the curve (>= 7 kW) does not bind
    low, high = volt_watt_band_w(243.8, VW, 230.0, 10000.0, 5000.0, 2.3, 500.0)
    assert (low, high) == pytest.approx((5000.0 - 750.0, 5000.0 + 750.0))


# ---------------------------------------------------------------- LFSM-O
def test_lfsm_o_droop_40_pct_per_hz():
    assert lfsm_o_expected_power_w(50.0, 8000.0) == 8000.0
    assert lfsm_o_expected_power_w(50.2, 8000.0) == 8000.0
    assert lfsm_o_expected_power_w(50.7, 8000.0) == pytest.approx(8000.0 * (1 - 0.4 * 0.5))
    assert lfsm_o_expected_power_w(53.0, 8000.0) == 0.0          # floored at p_min
    assert lfsm_o_expected_power_w(50.7, 8000.0, droop_pct=10.0) == pytest.approx(8000.0 * 0.9)
    arr = lfsm_o_expected_power_w(np.array([50.0, 51.2]), 10000.0)
    assert arr.tolist() == pytest.approx([10000.0, 6000.0])


def test_lfsm_o_band():
    low, high = lfsm_o_band_w(50.7, 10000.0, mra_f_hz=0.01, mra_p_w=500.0)
    # f ± 0.015 Hz -> ± 60 W on the curve, ± 750 W widening
    assert low == pytest.approx(8000.0 - 60.0 - 750.0)
    assert high == pytest.approx(8000.0 + 60.0 + 750.0)


# ---------------------------------------------------------------- first-order response
def _response(tr_s: float, actual_tr_s: float, noise_w: float = 0.0):
    t = np.arange(0.0, 60.0, 0.1)
    tau = actual_tr_s / math.log(10.0)
    y = np.where(t < 10.0, 10000.0, 2000.0 + 8000.0 * np.exp(-np.clip(t - 10.0, 0, None) / tau))
    if noise_w:
        y = y + np.random.default_rng(1).normal(0.0, noise_w, t.size)
    return first_order_response_check(t, y, 10.0, 10000.0, 2000.0, tr_s, tolerance=750.0)


def test_first_order_response_compliant():
    r = _response(10.0, 10.0)
    assert r.fraction_at_tr == pytest.approx(0.9, abs=2e-3)
    assert r.required_fraction_at_tr == pytest.approx(0.9 - 750.0 / 8000.0)
    assert r.passed_at_tr and r.passed_at_2tr and r.passed
    assert r.value_at_2tr == pytest.approx(2000.0 + 80.0, abs=5.0)   # 99 % at 2·Tr
    assert r.plot["type"] == "series" and r.plot["window"] == [10.0, 30.0]
    assert len(r.plot["t_s"]) == len(r.plot["y"]) == len(r.plot["limit"])


def test_first_order_response_too_slow_fails_at_tr():
    r = _response(10.0, 30.0)   # 3x slower
    assert r.fraction_at_tr == pytest.approx(1 - 10 ** (-1 / 3), abs=2e-3)
    assert not r.passed_at_tr and not r.passed


def test_first_order_response_with_noise_and_averaging():
    t = np.arange(0.0, 60.0, 0.1)
    tau = 10.0 / math.log(10.0)
    y = np.where(t < 10.0, 0.0, 1000.0 * (1 - np.exp(-np.clip(t - 10.0, 0, None) / tau)))
    y = y + np.random.default_rng(7).normal(0.0, 20.0, t.size)
    r = first_order_response_check(t, y, 10.0, 0.0, 1000.0, 10.0, 75.0, average_window_s=1.0)
    assert r.fraction_at_tr == pytest.approx(0.9, abs=0.02)
    assert r.passed


def test_first_order_response_needs_data_to_2tr():
    t = np.arange(0.0, 20.0, 0.1)
    with pytest.raises(ValueError, match="need"):
        first_order_response_check(t, np.zeros_like(t), 10.0, 0.0, 1.0, 10.0, 0.1)
    with pytest.raises(ValueError, match="no step"):
        first_order_response_check(t, np.zeros_like(t), 1.0, 1.0, 1.0, 1.0, 0.1)


# ---------------------------------------------------------------- 10-minute mean
def test_ten_minute_mean_constant_and_step():
    t = np.arange(0.0, 1800.0, 0.2)
    v = np.where(t < 600.0, 230.0, 260.0)
    t_end, mean = ten_minute_running_mean_v(t, v)
    assert t_end[0] == pytest.approx(600.0)
    assert mean[0] == pytest.approx(230.0)
    # 300 s after the step: half the window at 260 V (RMS aggregation)
    i = int(np.argmin(np.abs(t_end - 900.0)))
    assert mean[i] == pytest.approx(math.sqrt((230.0 ** 2 + 260.0 ** 2) / 2))
    assert mean[-1] == pytest.approx(260.0)
    # the running mean first exceeds 253 V when more than ~(253²-230²)/(260²-230²) of the window is high
    frac = (253.0 ** 2 - 230.0 ** 2) / (260.0 ** 2 - 230.0 ** 2)
    t_cross = t_end[np.argmax(mean > 253.0)]
    assert t_cross == pytest.approx(600.0 + frac * 600.0, abs=3.0)


def test_ten_minute_mean_short_series_and_gaps():
    t_end, mean = ten_minute_running_mean_v(np.arange(0.0, 100.0, 1.0), np.full(100, 230.0))
    assert t_end.size == 0 and mean.size == 0
    t = np.concatenate([np.arange(0.0, 300.0, 1.0), np.arange(330.0, 700.0, 1.0)])  # 30 s gap
    t_end, mean = ten_minute_running_mean_v(t, np.full(t.size, 240.0))
    assert np.all(np.isfinite(mean)) and mean == pytest.approx(np.full(mean.size, 240.0))


# ---------------------------------------------------------------- event times
def test_first_time_below_and_above():
    t = np.arange(0.0, 10.0, 0.1)
    p = np.where(t < 4.05, 5000.0, 0.0)
    assert first_time_below(t, p, 50.0) == pytest.approx(4.1)
    assert first_time_below(t, p, 50.0, after_s=6.0) == pytest.approx(6.0)
    assert first_time_below(t, np.full(t.size, 5000.0), 50.0) is None
    q = np.where(t < 7.0, 0.0, 100.0)
    assert first_time_above(t, q, 50.0) == pytest.approx(7.0)
    assert first_time_above(t, q, 50.0, after_s=8.55) == pytest.approx(8.6)
    assert first_time_above(t, q, 500.0) is None
    assert sample_period_s(t) == pytest.approx(0.1)


# ---------------------------------------------------------------- ramp rate
def test_ramp_rate_of_a_clean_ramp():
    t = np.arange(0.0, 900.0, 1.0)
    p = np.clip((t - 100.0) * 10000.0 * 0.10 / 60.0, 0.0, 10000.0)   # 10 % Pn/min from t=100 s
    assert ramp_rate_pct_per_min(t, p, 10000.0) == pytest.approx(10.0, rel=1e-6)


def test_ramp_rate_is_robust_to_noise_and_finds_the_fast_part():
    rng = np.random.default_rng(3)
    t = np.arange(0.0, 900.0, 1.0)
    p = np.clip((t - 100.0) * 10000.0 * 0.10 / 60.0, 0.0, 10000.0) + rng.normal(0, 20.0, t.size)
    assert ramp_rate_pct_per_min(t, p, 10000.0) == pytest.approx(10.0, abs=0.5)
    r = ramp_rate_detail(t, p, 10000.0)
    # stderr of one 60-sample window: σ·sqrt(12/n)/60 s, in % Pn/min
    expected_stderr = 20.0 * math.sqrt(12.0 / 61.0) / 60.0 * 60.0 / 10000.0 * 100.0
    assert r.slope_stderr_pct_per_min == pytest.approx(expected_stderr, rel=0.35)
    assert 100.0 <= r.window_start_s <= 640.0
    assert r.max_pct_per_min - 10.0 < 4 * r.slope_stderr_pct_per_min
    # a 25 %/min burst for 120 s
    q = np.interp(t, [0, 100, 220, 900], [0, 0, 5000, 5000])
    assert ramp_rate_pct_per_min(t, q, 10000.0) == pytest.approx(25.0, rel=1e-3)
    assert ramp_rate_pct_per_min(t, q, 10000.0, t_start_s=300.0) == pytest.approx(0.0, abs=1e-9)


def test_ramp_rate_needs_a_window():
    with pytest.raises(ValueError):
        ramp_rate_pct_per_min(np.arange(0.0, 30.0), np.zeros(30), 1000.0)


# ---------------------------------------------------------------- uncertainty
def test_uncertainty_from_accuracy():
    # 0.1 % of reading + 0.05 % of 600 V range at 230 V: a = 0.23 + 0.3 = 0.53 V
    u = Uncertainty.from_accuracy(230.0, pct_of_reading=0.1, pct_of_range=0.05, range_value=600.0)
    assert u.standard == pytest.approx(0.53 / math.sqrt(3))
    assert u.expanded == pytest.approx(2 * 0.53 / math.sqrt(3))
    r = Uncertainty.from_accuracy(0.0, resolution=0.1)
    assert r.standard == pytest.approx(0.1 / math.sqrt(12))


def test_uncertainty_combine_scale_and_sampling():
    a, b = Uncertainty(3.0), Uncertainty(4.0)
    assert a.combine(b).standard == pytest.approx(5.0)
    assert a.scaled(-2.0).standard == pytest.approx(6.0)
    assert Uncertainty.from_expanded(1.0).standard == pytest.approx(0.5)
    assert Uncertainty.from_sampling(0.1).expanded == pytest.approx(2 * 0.1 / math.sqrt(12))
    with pytest.raises(ValueError):
        Uncertainty(-1.0)
