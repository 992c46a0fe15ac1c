"""Feeder in the loop (PV-FEEDER-VOLTAGE): the DUT on a PV-rich street for a part of a day.

Runs only when the campaign selects a scenario judging PV-FEEDER-VOLTAGE (``flexbench run
--scenario sunny-afternoon``; docs/feeder.md). Each feeder step (the scenario's ``step_s`` of bench
time) the bench solves the scenario's radial LV feeder (bench/feeder, pandapower) with the DUT's
latest measured export and the neighbours' declared behaviour at that time of day, and sets the AC
source to the DUT node's voltage; the PV simulator follows the scenario's irradiance.

Checks: the highest 10-minute running mean of the measured terminal voltage (the aggregation of
PV-ACTIVE-LIMITING, bench.analysis) <= ``ten_minute_mean_max_v``; the DUT stayed connected; the
bench-computed transformer loading <= ``transformer_loading_max_pct`` of its rating over the day.
"""

from __future__ import annotations


import numpy as np
import pytest

from bench.feeder.neighbours import profile_value
from test_suites.feeder_scenario import judge_node_mean_voltage, judge_transformer_loading, run_on_feeder
from test_suites.pv_inverter.stays_connected import judge_stays_connected

REQ = "PV-FEEDER-VOLTAGE"
LEVEL_CHANGE = 0.01      # the PV simulator is reprogrammed when the irradiance moved by more than this


@pytest.mark.requirement(REQ)
@pytest.mark.feeder_scenario
def test_feeder_scenario_node_voltage(dut, check, feeder_scenario):
    """The scenario's day on the feeder: 10-min mean at the DUT's node, DUT connected, transformer loading."""
    if not dut.profile.claims("volt_watt"):
        check.require_true(REQ, "DUT claims P(U) (volt-watt)", False, "the scenario judges a DUT with P(U) enabled")
        return
    scenario = feeder_scenario
    level_profile = scenario.profiles.get(scenario.dut_profile or "")
    start_level = profile_value(level_profile, scenario.start_s) if level_profile else 1.0
    dut.transition("producing", fraction=start_level)
    applied = [start_level]

    def set_level(level: float) -> None:
        if abs(level - applied[0]) > LEVEL_CHANGE:
            dut.set_available_fraction(level)
            applied[0] = level

    def export_w() -> float:
        return float(dut.sample_now().reading.active_power_w)

    t0 = dut.now_s()
    trace = run_on_feeder(dut, scenario, export_w, set_level)
    t, p = dut.series(t0 + 1e-6)
    _, v = dut.series(t0 + 1e-6, "max_voltage_v")
    if t.size < 2:
        check.inconclusive(REQ, "samples recorded on the feeder", f"{t.size} samples")
        return
    energy_kwh = float(np.sum(0.5 * (p[1:] + p[:-1]) * np.diff(t))) / 3.6e6
    judge_node_mean_voltage(dut, check, REQ, scenario, trace, t, v,
                            v_max=float(dut.param(REQ, "ten_minute_mean_max_v")),
                            detail=f"DUT export {min(trace.dut_export_w):.0f}-{max(trace.dut_export_w):.0f} W; ")
    judge_stays_connected(dut, check, REQ, t, p, v, energy_kwh)
    judge_transformer_loading(dut, check, REQ, scenario, trace, float(dut.param(REQ, "transformer_loading_max_pct")))
