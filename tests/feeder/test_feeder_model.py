"""The feeder model (bench/feeder): the solve against a hand calculation, the neighbours' declared
behaviours, the loop on a fake clock, and scenario files with errors naming file and field."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from bench.analysis import volt_watt_limit_pct
from bench.campaign import check_scenario
from bench.errors import ConfigError
from bench.feeder import load_scenario
from bench.feeder.loop import run_feeder
from bench.feeder.neighbours import Neighbours
from bench.feeder.scenario import SCENARIO_DIR, clock_s

R_LINE_OHM_PER_KM = 0.206
LINE_M = 300.0
TRAFO_KVA, VK_PCT, VKR_PCT = 400.0, 4.0, 1.0


def _scenario(tmp_path: Path, **edits: Any) -> Path:
    doc: dict[str, Any] = {
        "format": "flexbench-feeder-scenario/1", "name": "hand", "device_class": "pv_inverter",
        "requirement": "PV-FEEDER-VOLTAGE", "day": {"start": "12:00", "end": "12:10"}, "step_s": 60,
        "feeder": {"mv_voltage_pu": 1.0,
                   "transformer": {"rated_kva": TRAFO_KVA, "vk_pct": VK_PCT, "vkr_pct": VKR_PCT},
                   "cable": {"r_ohm_per_km": R_LINE_OHM_PER_KM, "x_ohm_per_km": 0.01, "max_i_ka": 0.3},
                   "segments_m": [LINE_M], "dut": {"node": 1}},
        "profiles": {"irradiance": [["12:00", 1.0]], "arrivals": [["16:00", 0.0], ["18:00", 1.0]]},
        "neighbours": []}
    for dotted, value in edits.items():
        node = doc
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_solve_matches_the_hand_calculation(tmp_path):
    """30 kW exported at the end of 300 m of cable behind a 400 kVA transformer, Q = 0: the node
    voltage solves U^2 - U0 U - R P = 0 (R = cable + transformer's resistance on the LV side; the
    reactances, 0.003 + 0.015 ohm, add only (X P / U)^2 / 2U, < 0.003 V); the loading is the
    current over the rating."""
    from bench.feeder.solver import FeederModel

    model = FeederModel(load_scenario(_scenario(tmp_path)), v_nom_v=230.0)
    p_w, u0_v = 30_000.0, 400.0
    r_ohm = R_LINE_OHM_PER_KM * LINE_M / 1000.0 + VKR_PCT / 100.0 * u0_v ** 2 / (TRAFO_KVA * 1000.0)
    u_ll_v = (u0_v + math.sqrt(u0_v ** 2 + 4.0 * r_ohm * p_w)) / 2.0
    state = model.solve(clock_s("12:00"), p_w)
    assert state.dut_voltage_v == pytest.approx(230.0 * u_ll_v / u0_v, abs=0.05)
    loading_pct = 100.0 * (p_w / (math.sqrt(3) * u_ll_v)) / (TRAFO_KVA * 1000.0 / (math.sqrt(3) * u0_v))
    assert state.transformer_loading_pct == pytest.approx(loading_pct, abs=0.05)
    assert model.solve(clock_s("12:00"), 0.0).dut_voltage_v == pytest.approx(230.0, abs=0.01)


def test_volt_watt_neighbours_settle_on_their_curve(tmp_path):
    """P(U) neighbours' powers are the curve at their own solved node voltage (the equilibrium)."""
    from bench.feeder.solver import FeederModel

    curve = [[103.0, 100.0], [105.0, 20.0]]
    path = _scenario(tmp_path, **{"feeder.segments_m": [200.0, 200.0], "neighbours": [
        {"kind": "pv", "count": 6, "rated_kw": 10.0, "volt_watt_points_pct": curve},
        {"kind": "pv", "count": 2, "rated_kw": 10.0}]})
    model = FeederModel(load_scenario(path))
    state = model.solve(clock_s("12:00"), 0.0)
    members = model.neighbours
    node_pct = state.node_voltage_v[members.nodes - 1] / 230.0 * 100.0
    for i in np.flatnonzero(members.has_volt_watt):
        expected_kw = 10.0 * float(volt_watt_limit_pct(node_pct[i], curve)) / 100.0
        assert state.neighbour_kw[i] == pytest.approx(expected_kw, abs=0.1)
    assert (state.neighbour_kw[members.has_volt_watt] < 10.0).any()       # the curve is active
    assert (state.neighbour_kw[~members.has_volt_watt] == 10.0).all()     # no P(U): full output


def test_chargers_follow_arrivals_and_net_aware_pause(tmp_path):
    path = _scenario(tmp_path, neighbours=[
        {"kind": "charger", "count": 4, "rated_kw": 11.0},
        {"kind": "charger", "count": 4, "rated_kw": 11.0,
         "net_aware": {"pause": ["16:00", "21:00"], "restart_spread_min": 40}}])
    members = Neighbours(load_scenario(path))
    assert list(members.available_kw(clock_s("17:00"))) == [-11.0, -11.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert (members.available_kw(clock_s("20:59")) == np.array([-11.0] * 4 + [0.0] * 4)).all()
    # restarts spread over 40 min: charger k of 4 at 21:00 + k x 10 min
    assert list(members.available_kw(clock_s("21:15"))[4:]) == [-11.0, -11.0, 0.0, 0.0]
    assert list(members.available_kw(clock_s("21:45"))[4:]) == [-11.0] * 4


def test_loop_steps_the_day_on_the_clock_it_is_given(tmp_path):
    """The loop only uses the clock it is given: ten 60 s steps, one voltage command each, the
    measured power read before each solve, the DUT level set from its day profile."""
    from bench.feeder.solver import FeederModel

    scenario = load_scenario(_scenario(tmp_path, **{"feeder.dut.profile": "irradiance"}))
    now = [100.0]
    commanded: list[float] = []
    levels: list[float] = []
    trace = run_feeder(FeederModel(scenario), now_s=lambda: now[0],
                       wait=lambda s: now.__setitem__(0, now[0] + s), set_voltage_v=commanded.append,
                       dut_export_w=lambda: 30_000.0, set_dut_level=levels.append)
    assert len(commanded) == 10 and trace.t_s[0] == 100.0 and now[0] == pytest.approx(700.0)
    assert trace.day_s[-1] == clock_s("12:09") and levels == [1.0] * 10
    assert all(v > 232.0 for v in commanded)


def test_reference_scenarios_load():
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        scenario = load_scenario(path)
        assert scenario.neighbour_count >= 1 and scenario.bench_duration_s > 600.0, path
    assert load_scenario("sunny-afternoon").neighbour_count == 20


@pytest.mark.parametrize(("edits", "field", "words"), [
    ({"step_s": None}, "step_s", "None is not of type"),
    ({"feeder.dut.node": 3}, "feeder.dut.node", "does not exist"),
    ({"feeder.segmentz": [1]}, "feeder.segmentz", "unknown field"),
    ({"day.end": "11:00"}, "day.end", "must end after it starts"),
    ({"day.start": "25:00"}, "day.start", "does not match"),
    ({"neighbours": [{"kind": "pv", "count": 2, "rated_kw": 5, "profile": "sunshine"}]},
     "neighbours[0].profile", "not declared"),
    ({"neighbours": [{"kind": "pv", "count": 2, "rated_kw": 5, "nodes": [2]}]}, "neighbours[0].nodes[0]",
     "does not exist"),
    ({"neighbours": [{"kind": "heat_pump", "count": 1, "rated_kw": 3, "profile": "arrivals",
                      "net_aware": {"pause": ["16:00", "21:00"]}}]},
     "neighbours[0].net_aware", "charger neighbours only"),
    ({"feeder.transformer.vkr_pct": 5.0}, "feeder.transformer.vkr_pct", "below vk_pct"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_scenario_names_file_and_field(tmp_path, edits, field, words):
    path = _scenario(tmp_path, **edits)
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert exc.value.field == field and str(path) in str(exc.value) and words in str(exc.value), str(exc.value)


def test_scenario_must_fit_the_dut(tmp_path):
    with pytest.raises(ConfigError, match="scenario for a pv_inverter, the DUT is a ev_charger"):
        check_scenario(str(_scenario(tmp_path)), "ev_charger")
    with pytest.raises(ConfigError, match="not in the pv_inverter catalog") as exc:
        check_scenario(str(_scenario(tmp_path, requirement="PV-NOPE")), "pv_inverter")
    assert exc.value.field == "requirement"


def test_the_safety_guard_bounds_every_feeder_command(tmp_path):
    """The suites hand the loop the guarded source: a feeder voltage above the bench's limit is
    refused before it reaches the instrument (a bench ERROR, never a FAIL)."""
    from bench.config import SafetyLimits
    from bench.errors import SafetyLimitError
    from bench.feeder.solver import FeederModel
    from bench.safety import GuardedAcSource

    class Source:
        name, phase_count = "fake source", 3
        volts: list[float] = []

        def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
            self.volts.append(volts)

    limits = SafetyLimits(voltage_max_v=232.0, voltage_min_v=0.0, current_max_a=40.0, frequency_min_hz=45.0,
                          frequency_max_hz=55.0, voltage_slew_max_v_per_s=1000.0, safe_output_on=False,
                          safe_voltage_v=0.0, safe_frequency_hz=50.0)
    source = Source()
    guarded = GuardedAcSource(source, limits)  # type: ignore[arg-type]
    now = [0.0]
    with pytest.raises(SafetyLimitError, match="refused voltage"):
        run_feeder(FeederModel(load_scenario(_scenario(tmp_path))), now_s=lambda: now[0],
                   wait=lambda s: now.__setitem__(0, now[0] + s), set_voltage_v=guarded.set_voltage_v,
                   dut_export_w=lambda: 30_000.0)
    assert source.volts == []
