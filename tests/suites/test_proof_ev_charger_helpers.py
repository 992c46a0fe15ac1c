"""The EV-charger suites' judging helpers, on synthetic analyzer series (no lab, fast): a measured
response inside the band PASSes, a slow one, an overshoot, a missed pause and a wrong composite FAIL.
The campaign-level proofs are in test_proof_ev_charger.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Callable

import pytest

from bench.checks import Checker
from bench.session import Sample
from links.ocpp.smart_charging import CompositeSchedule, RateUnit, SchedulePeriod
from bench.verdicts import DecisionRule
from instruments.capabilities import AnalyzerReading, PhaseReading
from test_suites.ev_charger.strategy import EvChargerStrategy
from test_suites.ev_charger.measurements import composite_differences, declared_grid_behaviour
from fake_recorder import ListRecorder


def _bench(current_of_t: Callable[[float], float], t_end_s: float = 120.0) -> EvChargerStrategy:
    """An EvChargerStrategy over a synthetic 3-phase series sampled every second (230 V, unity power factor)."""
    samples = []
    for i in range(int(t_end_s) + 1):
        amps = current_of_t(float(i))
        phase = PhaseReading(230.0, amps, -230.0 * amps, 0.0, 230.0 * amps, 1.0)
        samples.append(Sample(float(i), AnalyzerReading((phase, phase, phase), 50.0)))
    session = SimpleNamespace(
        samples_since=lambda t0: [s for s in samples if s.t_s >= t0 - 1e-9],
        config=SimpleNamespace(instruments={"power_analyzer": SimpleNamespace(
            accuracy={"current_a": 0.01, "power_w": 8.0, "voltage_v": 0.15})}))
    profile = SimpleNamespace(nominal_voltage_v=230.0, nominal_frequency_hz=50.0, rated_power_w=11040.0,
                              phase_count=3, ratings={"max_current_a": 16.0},
                              declared_value=lambda name, default=None: default)
    ev = EvChargerStrategy(ac_source=None, ev_emulator=None, dut_link=None, clock=None, dut_profile=profile,
                           catalog=None, market="NL", bench=session, step=lambda text: None)
    ev.check = Checker(ListRecorder(), "synthetic", DecisionRule.GUARD_BAND)
    return ev


def _step_to(target_a: float, *, from_a: float = 16.0, at_s: float = 5.0, overshoot_a: float = 0.0):
    def current(t: float) -> float:
        if t < at_s:
            return from_a
        return target_a + (overshoot_a if t < at_s + 3.0 else 0.0)
    return current


def _judge(ev: EvChargerStrategy, limit_a: float = 10.0) -> list[str]:
    ev.judge_limit_step("EV-LIMIT-TXDEFAULT", "step", t_change_s=0.0, t_end_s=120.0, limit=limit_a,
                        tolerance=1.0, response_time_s=30.0, previous_limit=16.0)
    return [c["name"] for c in ev.check.failures()]


def test_prompt_step_passes():
    ev = _bench(_step_to(10.0))
    assert _judge(ev) == []
    assert ev.check.verdict() == "PASS"


def test_slow_step_fails_on_settling_time():
    assert _judge(_bench(_step_to(10.0, at_s=45.0))) == ["step: time to settle in [9, 11] A",
                                                         "step: highest current from Tr on"]


def test_never_reached_fails():
    assert _judge(_bench(lambda t: 16.0)) == ["step: reached [9, 11] A", "step: highest current from Tr on"]


def test_overshoot_on_a_rise_fails():
    failed = _judge(_bench(_step_to(13.0, from_a=6.0, overshoot_a=6.0)), limit_a=13.0)
    assert failed == ["step: peak current during the change"]


def test_too_little_current_fails_the_lower_bound():
    assert "step: lowest current from Tr on" in _judge(_bench(_step_to(7.0)))


def test_pause_band_without_lower_bound():
    ev = _bench(_step_to(0.0))
    ev.judge_follow("EV-MIN-CURRENT", "paused", t_change_s=0.0, t_end_s=120.0, low=None, high=0.5,
                    response_time_s=30.0, peak_limit=None)
    assert ev.check.failures() == []
    ev = _bench(_step_to(6.0))
    ev.judge_follow("EV-MIN-CURRENT", "paused", t_change_s=0.0, t_end_s=120.0, low=None, high=0.5,
                    response_time_s=30.0, peak_limit=None)
    assert [c["name"] for c in ev.check.failures()] == ["paused: reached [-, 0.5] A",
                                                        "paused: highest current from Tr on"]


START = dt.datetime(2026, 6, 21, 10, 0, tzinfo=dt.timezone.utc)


def _schedule(periods: list[tuple[int, float]], *, shift_s: int = 0, duration_s: int = 480) -> CompositeSchedule:
    return CompositeSchedule(START + dt.timedelta(seconds=shift_s), duration_s, RateUnit.A,
                             tuple(SchedulePeriod(s, v) for s, v in periods))


def test_composite_comparison():
    expected = _schedule([(0, 9.0), (120, 13.0), (360, 10.0)])
    assert composite_differences(expected, _schedule([(0, 9.0), (120, 13.0), (360, 10.0)]),
                    limit_tolerance=0.1, time_tolerance_s=4.0) == []
    # same limits reported with period boundaries 2 s late and split periods: still equal
    assert composite_differences(expected, _schedule([(0, 9.0), (122, 13.0), (240, 13.0), (362, 10.0)]),
                    limit_tolerance=0.1, time_tolerance_s=4.0) == []
    wrong = composite_differences(expected, _schedule([(0, 11.0), (120, 11.0), (240, 7.0)]), limit_tolerance=0.1,
                     time_tolerance_s=4.0)
    assert wrong and all("expected" in finding for finding in wrong)
    short = composite_differences(expected, _schedule([(0, 9.0)], duration_s=60), limit_tolerance=0.1,
                                  time_tolerance_s=4.0)
    assert any("shorter" in finding for finding in short)
    # a 1.6 answer may leave the duration out: it counts as 0 s, so shorter than requested
    no_duration = CompositeSchedule(START, None, RateUnit.A, (SchedulePeriod(0, 9.0),), connector_id=1)
    assert composite_differences(expected, no_duration, limit_tolerance=0.1, time_tolerance_s=4.0) == [
        "reported duration 0 s shorter than the requested 480 s"]


@pytest.mark.parametrize(("volts", "behaviour"), [
    (195.5, "stop"), (207.0, "continue"), (253.0, "continue"), (199.5, "either"), (266.0, "stop")])
def test_declared_griddeclared_grid_behaviour(volts, behaviour):
    assert declared_grid_behaviour(volts, 200.0, 264.5, 1.0) == behaviour
