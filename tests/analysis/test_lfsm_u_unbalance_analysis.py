"""Analysis and plotting of LFSM-U and the unbalanced grid (bench/analysis.py, test_suites/evidence.py,
reports/plotting.py): expected values and bands the suites judge against."""

from __future__ import annotations

import pytest

from bench.analysis import (
    basis_voltages_v,
    lfsm_u_band_w,
    lfsm_u_expected_power_w,
    phase_spread,
    positive_sequence_v,
    volt_var_unbalanced_band_var,
    volt_watt_band_w,
    volt_watt_unbalanced_band_w,
)
from reports.plotting import series_scene
from test_suites.evidence import series_plot, stimulus_series

CURVE = [[106.0, 100.0], [110.0, 20.0]]


def test_lfsm_u_expected_power_adds_the_droop_of_the_reference_and_caps() -> None:
    assert lfsm_u_expected_power_w(49.9, 5000.0, 10000.0) == 5000.0                  # above f_start
    assert lfsm_u_expected_power_w(48.8, 5000.0, 10000.0) == pytest.approx(9000.0)  # 5 %: 40 % per Hz
    assert lfsm_u_expected_power_w(48.0, 5000.0, 10000.0, p_max_w=10000.0) == 10000.0
    assert lfsm_u_expected_power_w(49.3, 5000.0, 10000.0, droop_pct=10.0) == pytest.approx(6000.0)


def test_lfsm_u_band_widens_by_frequency_and_power_tolerance() -> None:
    low, high = lfsm_u_band_w(49.3, 5000.0, 10000.0, 0.01, 500.0)
    assert low == pytest.approx(7000.0 - 60.0 - 750.0)
    assert high == pytest.approx(7000.0 + 60.0 + 750.0)


def test_positive_sequence_of_symmetric_angles_is_the_mean_and_of_a_swap_is_not() -> None:
    assert positive_sequence_v([256.0, 232.0, 232.0]) == pytest.approx(240.0)
    assert positive_sequence_v([230.0, 230.0, 230.0], [0.0, 120.0, -120.0]) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError):
        positive_sequence_v([230.0, 230.0])


@pytest.mark.parametrize("basis, expected_w", [("highest_phase", 2000.0), ("per_phase", 22000.0 / 3.0),
                                               ("positive_sequence", 10000.0)])
def test_volt_watt_band_on_each_basis(basis: str, expected_w: float) -> None:
    phase_v = [111.5 * 2.3, 101.0 * 2.3, 101.0 * 2.3]
    low, high = volt_watt_unbalanced_band_w(phase_v, basis, CURVE, 230.0, 10000.0, 10000.0, 0.0, 0.0)
    assert low == pytest.approx(expected_w) and high == pytest.approx(expected_w)


def test_per_phase_band_takes_each_phase_over_its_voltage_tolerance() -> None:
    phase_v = [108.0 * 2.3, 100.0 * 2.3, 100.0 * 2.3]     # 60 % on L1, over 106.5-109.5 % Un: 30-90 %
    low, high = volt_watt_unbalanced_band_w(phase_v, "per_phase", CURVE, 230.0, 10000.0, 10000.0, 2.3, 500.0)
    assert low == pytest.approx((30.0 + 200.0) / 300.0 * 10000.0 - 750.0)
    assert high == pytest.approx((90.0 + 200.0) / 300.0 * 10000.0 + 750.0)
    with pytest.raises(ValueError, match="basis"):
        volt_watt_unbalanced_band_w(phase_v, "mean", CURVE, 230.0, 10000.0, 10000.0, 2.3, 500.0)


VOLT_VAR = [[92.0, 44.0], [98.0, 0.0], [102.0, 0.0], [108.0, -44.0]]


def test_basis_voltages_one_helper_for_every_basis() -> None:
    phase_v = [256.0, 232.0, 232.0]
    assert basis_voltages_v(phase_v, "highest_phase") == (256.0,) * 3
    assert basis_voltages_v(phase_v, "positive_sequence") == pytest.approx((240.0,) * 3)
    assert basis_voltages_v(phase_v, "per_phase") == (256.0, 232.0, 232.0)
    with pytest.raises(ValueError, match="basis"):
        basis_voltages_v(phase_v, "highest")


def test_single_voltage_bases_equal_the_balanced_volt_watt_band() -> None:
    phase_v = [111.5 * 2.3, 101.0 * 2.3, 101.0 * 2.3]
    assert volt_watt_unbalanced_band_w(phase_v, "highest_phase", CURVE, 230.0, 10000.0, 6000.0, 2.3, 500.0) == \
        pytest.approx(volt_watt_band_w(111.5 * 2.3, CURVE, 230.0, 10000.0, 6000.0, 2.3, 500.0))


@pytest.mark.parametrize("basis, expected_var", [("highest_phase", -4400.0), ("per_phase", -4400.0 / 3.0),
                                                 ("positive_sequence", -2.5 / 6.0 * 4400.0)])
def test_volt_var_band_on_each_basis(basis: str, expected_var: float) -> None:
    phase_v = [111.5 * 2.3, 101.0 * 2.3, 101.0 * 2.3]      # positive sequence 104.5 % Un
    low, high = volt_var_unbalanced_band_var(phase_v, basis, VOLT_VAR, 230.0, 10000.0, 0.0, 0.0)
    assert low == pytest.approx(expected_var) and high == pytest.approx(expected_var)


def test_volt_var_band_not_capped_and_widened_by_voltage_and_q_tolerance() -> None:
    phase_v = [90.0 * 2.3, 90.0 * 2.3, 90.0 * 2.3]         # injecting flat end: 4400 var, not capped
    assert volt_var_unbalanced_band_var(phase_v, "per_phase", VOLT_VAR, 230.0, 10000.0, 2.3, 500.0) == \
        pytest.approx((4400.0 - 750.0, 4400.0 + 750.0))
    low, high = volt_var_unbalanced_band_var([105.0 * 2.3] * 3, "highest_phase", VOLT_VAR, 230.0, 10000.0, 2.3, 500.0)
    assert (low, high) == pytest.approx((-33.0 / 100.0 * 10000.0 - 750.0, -11.0 / 100.0 * 10000.0 + 750.0))


def test_phase_spread() -> None:
    assert phase_spread([3300.0, 3350.0, 3200.0]) == pytest.approx(150.0)
    assert phase_spread([]) == 0.0


def test_a_stimulus_with_other_phases_draws_each_on_the_stimulus_axis() -> None:
    stimulus = stimulus_series("L1 voltage (set) / V", [0.0, 5.0], [230.0, 256.0], staircase=True,
                               others={"L2 voltage (set) / V": [230.0, 232.0], "L3 voltage (set) / V": [230.0, 232.0]})
    scene = series_scene(series_plot([0.0, 5.0, 10.0], [1.0, 2.0, 3.0], "P / W", stimulus=stimulus), "t")
    lines = [i for i in scene.items if getattr(i, "role", "") == "stimulus"]
    assert len(lines) == 3 and len({i.dash for i in lines}) == 3
    with pytest.raises(ValueError):
        stimulus_series("L1", [0.0, 5.0], [1.0, 2.0], others={"L2": [1.0]})


def test_a_long_stimulus_keeps_its_other_phases_on_the_same_samples() -> None:
    from reports.decimation import display_plots

    n = 2000
    stimulus = stimulus_series("L1 / V", [i * 0.1 for i in range(n)], [230.0 + (i % 7) for i in range(n)],
                               others={"L2 / V": [230.0 - (i % 5) for i in range(n)]})
    plot = series_plot([0.0, 1.0], [1.0, 2.0], "P / W", stimulus=stimulus)
    display_plots([{"id": "R", "checks": [{"seq": 1, "plot": plot}]}], {})
    shown = plot["stimulus"]
    assert shown["full_points"] == n and len(shown["t_s"]) < n
    assert len(shown["others"][0]["values"]) == len(shown["t_s"])
    kept = [round(t / 0.1) for t in shown["t_s"]]
    assert shown["others"][0]["values"] == [230.0 - (i % 5) for i in kept]


def test_lfsm_u_is_inconclusive_when_the_declared_energy_cannot_feed_the_steps() -> None:
    from types import SimpleNamespace

    from test_suites.pv_inverter.droop import energy_short_of

    def dut(**declared: float) -> SimpleNamespace:
        return SimpleNamespace(profile=SimpleNamespace(declared_value=lambda name, default=None:
                                                       declared.get(name, default)))

    assert energy_short_of(dut(), 5000.0, 40.0) is None                       # nothing declared
    assert energy_short_of(dut(storage_energy_wh=10000.0, storage_soc_pct=60.0), 5000.0, 40.0) is None
    short = energy_short_of(dut(storage_energy_wh=100.0, storage_soc_pct=50.0), 5000.0, 40.0)
    assert short is not None and "56 Wh" in short and "50 Wh" in short
