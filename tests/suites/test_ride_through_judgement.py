"""The ride-through method's analysis and judgement (test_suites/pv_inverter/ride_through.py) on
synthetic captures: recovery time, energising outside allowed cessation, the consistency of a test
dip with the curve and the must-trip stages, the programs, and NOT_APPLICABLE for an undeclared
function."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from bench.checks import Checker
from bench.verdicts import DecisionRule
from fake_recorder import ListRecorder
from instruments.capabilities import AcquiredSample, AnalyzerReading, PhaseReading
from test_suites.pv_inverter.ride_through import (CaptureSeries, Limits, below_curve, dip_conflicts,
                                                  energising_mask, judge, level_program, needs_function,
                                                  phase_jump_program, recovery_time_s, rocof_program)
from test_suites.pv_inverter.trip_stages import TripStage
from test_suites.sampling import StepCapture

LIMITS = Limits(energising_a=0.72, recovery_time_s=1.0, recovery_share=0.9, time_mra_share=0.01)
CURVE = [[0.0, 15.0], [0.15, 15.0], [3.0, 85.0]]


def test_recovery_time_runs_to_the_start_of_the_final_stretch_above_the_share() -> None:
    t = np.arange(0.0, 3.0, 0.005)
    p = np.where(t < 1.4, 3000.0, 9500.0)
    p[(t > 1.6) & (t < 1.7)] = 8000.0                   # a relapse: the final stretch starts after it
    assert recovery_time_s(t, p, 1.0, 3.0, 9000.0) == pytest.approx(0.7, abs=1e-9)
    assert recovery_time_s(t, np.full_like(t, 3000.0), 1.0, 3.0, 9000.0) is None      # never back
    assert recovery_time_s(t, np.full_like(t, 9500.0), 1.0, 3.0, 9000.0) == pytest.approx(0.005)


def test_energising_is_not_judged_where_cessation_is_allowed() -> None:
    t = np.arange(-0.2, 3.0, 0.005) + 100.0
    series = CaptureSeries(t, np.zeros_like(t), np.zeros_like(t), 100.0, 0.005, 0.005)
    deep = level_program("dip", 30.0, 0.15, 230.0, 2.0, 50.0)
    shallow = level_program("dip", 75.0, 1.0, 230.0, 2.0, 50.0)
    assert deep.events[0].cessation_allowed and not shallow.events[0].cessation_allowed
    rel = t - 100.0
    assert not energising_mask(series, deep.events, 1.0)[(rel > 0.0) & (rel <= 1.15)].any()
    assert energising_mask(series, deep.events, 1.0)[rel > 1.16].all()
    assert energising_mask(series, shallow.events, 1.0)[rel > 0.0].all()
    assert not energising_mask(series, shallow.events, 1.0)[rel <= 0.0].any()     # pre-trigger not judged


def test_dip_consistency_with_the_curve_and_the_must_trip_stages() -> None:
    assert not below_curve(30.0, 0.15, CURVE) and below_curve(10.0, 0.15, CURVE)
    assert below_curve(30.0, 1.0, CURVE) and not below_curve(40.0, 1.0, CURVE)   # 35.9 % at 1 s
    u_low = TripStage("PV-UMIN-TRIP", "U<", "min_voltage_v", False, 161.0, 1.5, 0.115, 2.3, "V")
    u_lowlow = TripStage("PV-UMINMIN-TRIP", "U<<", "min_voltage_v", False, 57.5, 0.0, 0.1, 2.3, "V")
    assert dip_conflicts(69.0, 0.15, [u_low, u_lowlow]) == []                    # 30 % for 0.15 s
    assert dip_conflicts(46.0, 0.15, [u_low, u_lowlow]) == ["U<<"]              # 20 %: U<< must act
    assert dip_conflicts(100.0, 1.4, [u_low, u_lowlow]) == ["U<"]              # 43 % for 1.4 s


def test_programs_carry_frequency_ramps_and_phase_shifts() -> None:
    rocof = rocof_program(50.0, 2.0, 0.5, 1.0, 230.0, 2.0)
    first = rocof.steps[0]
    assert (first.frequency_hz, first.frequency_end_hz, first.duration_s) == (50.0, 49.0, 0.5)
    assert rocof.events[0].end_s == pytest.approx(2.0) and rocof.duration_s == pytest.approx(4.0)
    jump = phase_jump_program(20.0, 1.0, 230.0, 2.0)
    assert [s.phase_shift_deg for s in jump.steps] == [20.0, 0.0]
    assert [e.end_s for e in jump.events] == [0.0, 1.0]


def _capture(power_w: np.ndarray, current_a: np.ndarray, t_s: np.ndarray) -> StepCapture:
    def reading(p: float, i: float) -> AnalyzerReading:
        return AnalyzerReading((PhaseReading(230.0, i, p, 0.0, p, 1.0),), 50.0)
    samples = tuple(AcquiredSample(float(t), reading(float(p), float(i)))
                    for t, p, i in zip(t_s, power_w, current_a, strict=True))
    return StepCapture(100.0, 0.005, 0.0, samples)


def _judged(power_w, current_a, t_s) -> tuple[bool, list[dict]]:
    recorder = ListRecorder()
    catalog = SimpleNamespace(requirement=lambda rid: object())
    check = Checker(recorder, "node", DecisionRule.SIMPLE_ACCEPTANCE, catalog)
    dut = SimpleNamespace(phases=(1,), u_power_w=8.0)
    program = level_program("dip to 75 % Un for 1 s", 75.0, 1.0, 230.0, 2.0, 50.0)
    producing = judge(dut, check, "PV-LVRT", program, _capture(power_w, current_a, t_s), LIMITS)
    return producing, [line for line in recorder.lines if line["kind"] == "check"]


def test_judgement_passes_a_ride_through_and_fails_a_trip() -> None:
    t = np.arange(99.8, 103.0, 0.005)
    power = np.where((t > 100.0) & (t <= 101.0), 7500.0, 10000.0)
    producing, checks = _judged(power, power / 690.0, t)
    assert producing and [c["verdict"] for c in checks] == ["PASS", "PASS"]
    tripped = np.where(t > 100.5, 0.0, power)
    producing, checks = _judged(tripped, tripped / 690.0, t)
    assert not producing and [c["verdict"] for c in checks] == ["FAIL", "FAIL"]
    slow = np.where((t > 101.0) & (t < 102.2), 8000.0, power)          # back 1.2 s after the return
    _, checks = _judged(slow, slow / 690.0, t)
    assert [c["verdict"] for c in checks] == ["PASS", "FAIL"] and checks[1]["measured"] == pytest.approx(1.2, abs=0.006)


def test_undeclared_function_is_not_applicable() -> None:
    dut = SimpleNamespace(profile=SimpleNamespace(claims=lambda function: False))
    with pytest.raises(pytest.skip.Exception, match="NOT_APPLICABLE"):
        needs_function(dut, "voltage_ride_through")
