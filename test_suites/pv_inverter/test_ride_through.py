"""Ride-through: voltage dips (LVRT) and swells (HVRT), phase jumps and RoCoF.

Method (test_suites/pv_inverter/ride_through.py): the DUT produces at full irradiance; each event is
one program on the AC source's own timer (LIST: levels, a phase shift per point, frequency ramps), its
start triggers the analyzer's capture every 5 ms. Judged on the capture: the DUT stays connected and
energising (lowest phase current above the catalog's share of rated current, except where momentary
cessation is allowed), and its power is back at 90 % of the pre-fault power within the recovery
time of each event's end. A DUT that tripped is brought back through its reconnection before the
next event.

A test dip or swell that would require a must-trip stage of the market to act, or that lies below
the ride-through curve, is recorded inconclusive (the lab's parameters are inconsistent). Each
test is NOT_APPLICABLE when the profile does not declare the function (``functions``).
"""

from __future__ import annotations

from typing import Any

import pytest

from test_suites.pv_inverter.ride_through import (SETTLE_AFTER_RECOVERY_S, Limits, RideThroughProgram,
                                                  below_curve, dip_conflicts, judge, level_program,
                                                  needs_function, phase_jump_program, rocof_program, run_captured)
from test_suites.pv_inverter.trip_stages import back_to_production, voltage_stage

REQ_LVRT = "PV-LVRT"
REQ_HVRT = "PV-HVRT"
REQ_PHASE_JUMP = "PV-PHASE-JUMP"
REQ_ROCOF = "PV-ROCOF"


def _limits(dut: Any, req: str) -> Limits:
    rated_current_a = dut.s_rated_va / (int(dut.profile.ratings.get("phase_count", 3)) * dut.v_nom_v)
    return Limits(energising_a=dut.param(req, "energising_current_pct_irated") / 100.0 * rated_current_a,
                  recovery_time_s=float(dut.param(req, "recovery_time_s")),
                  recovery_share=dut.param(req, "recovery_share_pct") / 100.0,
                  time_mra_share=dut.param(req, "mra_time_pct_of_duration") / 100.0)


def _run_programs(dut: Any, check: Any, req: str, programs: list[RideThroughProgram]) -> None:
    """Each program from steady production (after a reconnection when the previous one tripped it)."""
    limits = _limits(dut, req)
    tripped = False
    try:
        for program in programs:
            back_to_production(dut, 1.0, tripped)
            tripped = not judge(dut, check, req, program, run_captured(dut, program), limits)
    finally:
        dut.restore_nominal_grid()


def _settle_s(dut: Any, req: str) -> float:
    return float(dut.param(req, "recovery_time_s")) + SETTLE_AFTER_RECOVERY_S


def _consistent_levels(dut: Any, check: Any, req: str, levels: list[tuple[float, float]],
                       curve: list[list[float]] | None) -> list[tuple[float, float]]:
    """The (% Un, s) test levels the DUT must ride through without contradicting the market's
    must-trip stages; the others recorded inconclusive."""
    stages = [voltage_stage(dut, "PV-UMAX-TRIP", "U>>", over=True),
              voltage_stage(dut, "PV-UMIN-TRIP", "U<", over=False),
              voltage_stage(dut, "PV-UMINMIN-TRIP", "U<<", over=False)]
    kept = []
    for level_pct, duration_s in levels:
        name = f"{level_pct:g} % Un for {duration_s:g} s"
        conflicts = dip_conflicts(level_pct / 100.0 * dut.v_nom_v, duration_s, stages)
        if conflicts:
            check.inconclusive(req, f"{name}: consistent with the protection settings",
                               f"the market's {', '.join(conflicts)} must trip at this level and duration: "
                               "the ride-through test values contradict the must-trip stages")
        elif curve is not None and below_curve(level_pct, duration_s, curve):
            check.inconclusive(req, f"{name}: above the ride-through curve",
                               "the curve does not require riding through this dip")
        else:
            kept.append((float(level_pct), float(duration_s)))
    return kept


@pytest.mark.requirement(REQ_LVRT)
def test_lvrt(dut, check):
    """LVRT: every phase dips to each test level for its duration; stays connected, energising above
    the momentary-cessation level, power back to 90 % of the pre-fault power within the recovery time."""
    needs_function(dut, "voltage_ride_through")
    dips = _consistent_levels(dut, check, REQ_LVRT, dut.param(REQ_LVRT, "test_dips_pct_un_s"),
                              dut.param(REQ_LVRT, "curve_pct_un_s"))
    cessation = dut.param(REQ_LVRT, "momentary_cessation_below_pct_un")
    _run_programs(dut, check, REQ_LVRT, [
        level_program(f"dip to {level:g} % Un for {duration:g} s", level, duration, dut.v_nom_v,
                      _settle_s(dut, REQ_LVRT), cessation) for level, duration in dips])


@pytest.mark.requirement(REQ_HVRT)
def test_hvrt(dut, check):
    """HVRT: every phase swells to each test level below U>> for its duration; stays connected and
    energising, power back to 90 % of the pre-fault power within the recovery time."""
    needs_function(dut, "voltage_ride_through")
    swells = _consistent_levels(dut, check, REQ_HVRT, dut.param(REQ_HVRT, "test_swells_pct_un_s"), None)
    _run_programs(dut, check, REQ_HVRT, [
        level_program(f"swell to {level:g} % Un for {duration:g} s", level, duration, dut.v_nom_v,
                      _settle_s(dut, REQ_HVRT), None) for level, duration in swells])


@pytest.mark.requirement(REQ_PHASE_JUMP)
def test_phase_jump(dut, check):
    """Phase jump of every phase by the market's angle and back: stays connected and energising,
    power back to 90 % of the pre-fault power within the recovery time of each jump."""
    needs_function(dut, "phase_jump_immunity")
    _run_programs(dut, check, REQ_PHASE_JUMP, [
        phase_jump_program(float(dut.param(REQ_PHASE_JUMP, "phase_jump_deg")),
                           float(dut.param(REQ_PHASE_JUMP, "hold_s")), dut.v_nom_v,
                           _settle_s(dut, REQ_PHASE_JUMP))])


@pytest.mark.requirement(REQ_ROCOF)
def test_rocof(dut, check):
    """RoCoF: the frequency ramps down at the market's rate over its window and back up; stays
    connected and energising, power back to 90 % of the pre-fault power within the recovery time."""
    needs_function(dut, "rocof_immunity")
    _run_programs(dut, check, REQ_ROCOF, [
        rocof_program(dut.f_nom_hz, float(dut.param(REQ_ROCOF, "rocof_hz_per_s")),
                      float(dut.param(REQ_ROCOF, "window_s")), float(dut.param(REQ_ROCOF, "hold_s")),
                      dut.v_nom_v, _settle_s(dut, REQ_ROCOF))])
