"""Feeder in the loop (EV-FEEDER-TRANSFORMER): the DUT charging on a street of chargers around 21:00.

Runs only when the campaign selects a scenario judging EV-FEEDER-TRANSFORMER (``flexbench run
--scenario evening-chargers``; docs/feeder.md). The bench makes the DUT net-aware: an Absolute
TxDefaultProfile limits it to ``pause_limit_a`` until the end of the scenario's net-aware window for
the DUT (``feeder.dut.net_aware``) and to ``offpeak_limit_a`` after it; after the response time the
scenario runs: each feeder step the bench solves the feeder (bench/feeder, pandapower) with the
DUT's latest measured power and the neighbours' declared behaviour, and sets the AC source to the
DUT node's voltage.

Checks: the bench-computed transformer loading <= ``transformer_loading_max_pct`` of its rating
over the scenario; the lowest 10-minute running mean of the measured voltage at the DUT's node
(bench.analysis, the aggregation of PV-ACTIVE-LIMITING) >= ``ten_minute_mean_min_v``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.feeder import Scenario, clock_text
from links.ocpp import ProfilePurpose
from test_suites.feeder_scenario import judge_node_mean_voltage, judge_transformer_loading, run_on_feeder
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

REQ = "EV-FEEDER-TRANSFORMER"


def _make_net_aware(dut: Any, scenario: Scenario) -> bool:
    """The DUT's net-aware profile on the scenario's timeline, then its response time; False when the
    DUT refused the profile (a FAIL recorded by ``install``)."""
    na = scenario.dut_net_aware
    pause_a, offpeak_a = float(dut.param(REQ, "pause_limit_a")), float(dut.param(REQ, "offpeak_limit_a"))
    settle_s = dut.response_time_s(REQ)
    if na is None or not na.pause_start_s <= scenario.start_s < na.pause_end_s:
        periods = [(0.0, offpeak_a)]
    else:   # the scenario starts settle_s after the profile: its pause ends that much later
        periods = [(0.0, pause_a), (settle_s + (na.pause_end_s - scenario.start_s) / scenario.time_scale, offpeak_a)]
    spec = dut.charging_profile(ProfilePurpose.TX_DEFAULT, periods)
    if not dut.install(REQ, spec):
        return False
    dut.step(f"net-aware DUT: {pause_a:g} A until {clock_text(na.pause_end_s) if na else '-'} of the scenario, "
             f"then {offpeak_a:g} A; wait its response time {settle_s:g} s")
    dut.wait(settle_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    return True


def _node_voltage(dut: Any, t0_s: float) -> tuple[np.ndarray, np.ndarray]:
    samples = dut.samples_between(t0_s)
    return (np.array([s.t_s for s in samples]),
            np.array([min(p.voltage_v for p in s.reading.phases) for s in samples]))


@pytest.mark.requirement(REQ)
@pytest.mark.feeder_scenario
def test_feeder_scenario_transformer(dut, check, feeder_scenario):
    """The scenario's evening on the feeder: transformer loading within its rating, node voltage above its limit."""
    dut.needs("smart_charging")
    dut.transition("charging")
    if not _make_net_aware(dut, feeder_scenario):
        return

    def export_w() -> float:      # the charger consumes: its export is negative
        return float(dut.sample_now().reading.active_power_w)

    t0 = dut.now_s()
    trace = run_on_feeder(dut, feeder_scenario, export_w, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    t, v = _node_voltage(dut, t0 + 1e-6)
    if t.size < 2:
        check.inconclusive(REQ, "samples recorded on the feeder", f"{t.size} samples")
        return
    judge_transformer_loading(dut, check, REQ, feeder_scenario, trace,
                              float(dut.param(REQ, "transformer_loading_max_pct")))
    judge_node_mean_voltage(dut, check, REQ, feeder_scenario, trace, t, v,
                            v_min=float(dut.param(REQ, "ten_minute_mean_min_v")))
