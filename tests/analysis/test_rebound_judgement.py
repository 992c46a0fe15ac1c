"""The randomised-restart judgement (test_suites/rebound.py): restart detection, ramp, the delay
distribution and the spread criterion with its false-FAIL probability."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from bench.errors import ConfigError
from test_suites.rebound import (DeclaredRestart, Restart, declared_restart, delay_distribution,
                                 false_fail_probability, first_above_s, judge_restarts, restart_allowance_s,
                                 steepest_rise_per_s)

DECLARED = DeclaredRestart(min_delay_s=300.0, max_delay_s=900.0, ramp_per_s=10.0, ramp_unit="W")
PARAMS = {"min_spread_fraction": 0.2, "fleet_window_s": 1.0}


class _Check:
    """Records each check as (name, passed)."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool]] = []

    def within(self, req: str, name: str, quantity: str, unit: str, measured: float, uncertainty: Any,
               low: float | None, high: float | None, **_: Any) -> None:
        self.results.append((name, (low is None or measured >= low) and (high is None or measured <= high)))

    def require_true(self, req: str, name: str, ok: bool, detail: str = "", **_: Any) -> None:
        self.results.append((name, ok))

    def failed(self) -> list[str]:
        return [name for name, ok in self.results if not ok]


def _judge(delays: list[float | None], ramp: float = 5.0) -> _Check:
    dut = SimpleNamespace(param=lambda req, name: PARAMS[name])
    check = _Check()
    restarts = [Restart(1000.0 * i, None if d is None else 1000.0 * i + d, ramp) for i, d in enumerate(delays)]
    judge_restarts(dut, check, "HP-REBOUND", "block lifted", restarts, DECLARED, allowance_s=15.0,
                   sample_period_s=1.0, ramp_uncertainty=0.1, ramp_window_s=60.0)
    return check


def test_spread_delays_inside_the_range_pass():
    assert _judge([320.0, 500.0, 610.0, 780.0, 905.0]).failed() == []


@pytest.mark.parametrize(("delays", "failing"), [
    ([570.0] * 5, ["spread"]),                                   # always the same delay
    ([570.0, 570.4, 570.2, 570.9, 570.1], ["spread"]),           # a fleet restarting within one second
    ([0.0] * 5, ["restart delay", "spread"]),                    # without delay
    ([950.0, 1000.0, 1100.0, 1200.0, 990.0], ["restart delay"]),  # beyond the declared range
    ([400.0, None, 700.0, 800.0, 500.0], ["restarted"]),         # one repetition never restarted
])
def test_defects_fail_their_check(delays, failing):
    failed = _judge(delays).failed()
    for part in failing:
        assert any(part in name for name in failed), (part, failed)


def test_steep_ramp_fails():
    failed = _judge([320.0, 500.0, 610.0, 780.0, 900.0], ramp=20.0).failed()
    assert failed and all("steepest rise" in name for name in failed)


def test_fewer_than_two_restarts_is_no_distribution():
    assert any("spread" in name for name in _judge([None, None, None, None, 400.0]).failed())


def test_false_fail_probability_matches_the_range_of_uniform_draws():
    assert false_fail_probability(5, 0.2) == pytest.approx(0.00672, abs=1e-6)
    assert false_fail_probability(5, 0.25) == pytest.approx(0.015625, abs=1e-6)
    rng = random.Random(1)
    trials = 20000
    below = sum(1 for _ in range(trials) if np.ptp([rng.random() for _ in range(5)]) < 0.2)
    assert below / trials == pytest.approx(false_fail_probability(5, 0.2), abs=0.004)
    assert false_fail_probability(5, 0.0) == 0.0 and false_fail_probability(1, 0.5) == 1.0


def test_distribution_summary():
    dist = delay_distribution([300.0, 400.0, 500.0])
    assert (dist["n"], dist["min_s"], dist["max_s"], dist["mean_s"], dist["spread_s"]) == (3, 300, 500, 400, 200)
    assert dist["std_s"] == pytest.approx(100.0)


def test_restart_detection_and_ramp():
    t = np.arange(0.0, 100.0, 1.0)
    y = np.where(t < 40.0, 20.0, 20.0 + 5.0 * (t - 40.0))
    assert first_above_s(t, y, 10.0, 90.0) == 55.0
    assert first_above_s(t, y, 10.0, 1e6) is None
    assert steepest_rise_per_s(t, y, 10.0) == pytest.approx(5.0)
    assert steepest_rise_per_s(t[:5], y[:5], 10.0) is None


def _dut(functions: dict[str, bool], declared: dict[str, float]) -> Any:
    profile = SimpleNamespace(claims=lambda f: functions.get(f, False),
                              declared_value=lambda name, default=None: declared.get(name, default),
                              file="dut.yaml")
    return SimpleNamespace(profile=profile)


def test_declaration_is_read_and_checked():
    declared = {"randomised_restart_min_delay_s": 20.0, "randomised_restart_max_delay_s": 130.0,
                "randomised_restart_ramp_a_per_s": 1.0}
    dut = _dut({"randomised_restart": True}, declared)
    assert declared_restart(dut, "randomised_restart_ramp_a_per_s", "A") == DeclaredRestart(20.0, 130.0, 1.0, "A")
    assert restart_allowance_s(dut, 8.0, "randomised_restart_ramp_a_per_s") == 138.0
    assert restart_allowance_s(_dut({}, declared), 8.0, "randomised_restart_ramp_a_per_s") == 0.0
    with pytest.raises(ConfigError) as error:
        declared_restart(_dut({"randomised_restart": True}, {**declared, "randomised_restart_max_delay_s": 10.0}),
                         "randomised_restart_ramp_a_per_s", "A")
    assert error.value.field == "declared.randomised_restart_max_delay_s"
