"""Hybrid heat pump: switch to gas, judged on measured electric power and the heat readback.

Method: from steady normal operation (consumption P2, heat output H0 read from the DUT), the
switch-to-gas instruction is sent: an S2 DDBC.Instruction activating the gas operation mode when the
profile has an S2 link whose RM offers DDBC (the gas mode is the one whose label names gas, else
the one with the lowest electric power range), otherwise the Modbus map's ``operating_mode``
written ``gas``. Electric consumption (= -analyzer active power) must fall to the declared standby
(``hybrid_standby_power_w``, else ``standby_power_w``) + band within the declared
``hybrid_switch_response_time_s`` (else the catalog's) and stay there; the heat readback
(map point ``heat_output_w``) averaged from the response time on must keep at least the catalog's
share of H0 (heat delivery continues). The unit is switched back to electric afterwards.

Applicability: the profile claims ``functions.hybrid_gas``. A claimed hybrid without a switch path
or without a heat readback cannot show the behaviour: FAIL (the claim is not verifiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.heat_pump.controls import HybridSwitch
from test_suites.heat_pump.judging import judge_settles_below, wait_fine_then_coarse
from test_suites.sampling import SLOW_LOAD_SAMPLE_S

REQ = "HP-HYBRID-SWITCH"
HEAT_READ_PERIOD_S = 30.0
FINE_AFTER_TR_S = 10.0      # sampled finely until this long after Tr


def _heat_readback(dut: Any, heat_link: Any, t0: float, tr: float, observation_s: float) -> list[tuple[float, float]]:
    """Stimulus and record: fine sampling through Tr, then the DUT's heat readback every
    HEAT_READ_PERIOD_S until the observation time; returns (bench time, heat output / W) pairs."""
    wait_fine_then_coarse(dut, tr + FINE_AFTER_TR_S, tr + FINE_AFTER_TR_S)
    heat: list[tuple[float, float]] = []
    while dut.now_s() < t0 + observation_s - 1e-6:
        dut.wait(min(HEAT_READ_PERIOD_S, t0 + observation_s - dut.now_s()), sample_period_s=SLOW_LOAD_SAMPLE_S)
        heat.append((dut.now_s(), float(heat_link.read("heat_output_w"))))
    return heat


def _judge_heat_continues(check: Any, heat: list[tuple[float, float]], t0: float, tr: float, observation_s: float,
                          share: float, heat_before_w: float) -> None:
    """The mean heat readback from Tr on keeps at least ``share`` of the heat output before the switch."""
    t_h = np.array([h[0] for h in heat])
    h = np.array([h[1] for h in heat])
    heat_mean_w = float(np.mean(h[t_h >= t0 + tr])) if h.size else 0.0
    check.within(REQ, "mean heat output readback in gas mode", "heat_output", "W", heat_mean_w, 0.0,
                 share * heat_before_w, None,
                 plot=series_plot(t_h, h, "heat output (DUT readback) / W", window=[t0 + tr, t0 + observation_s],
                                  stimulus=stimulus_series("gas mode (1 = on)", [t0 - 1e-3, t0], [0, 1],
                                                           staircase=True, axis=(0, 1)),
                                  limits=[applied_limit(f">= {share:.0%} of before {share * heat_before_w:.0f} W",
                                                        share * heat_before_w)],
                                  instants=[key_instant("switch to gas", t0), key_instant("Tr", t0 + tr)]),
                 detail=f">= {share:.0%} of {heat_before_w:.0f} W before the switch (DUT readback)")


@pytest.mark.requirement(REQ)
def test_switch_to_gas(dut, check):
    """Switch to gas: electric consumption at standby within Tr, heat delivery continues."""
    if not dut.profile.claims("hybrid_gas"):
        pytest.skip("NOT_APPLICABLE: the profile claims no hybrid (gas) operation")
    switch = HybridSwitch(dut)
    heat_link = dut.modbus_point("heat_output_w")
    if switch.via is None or heat_link is None:
        check.require_true(REQ, "switch-to-gas path and heat readback declared", False,
                           f"switch path: {switch.via or 'none (S2 DDBC or Modbus operating_mode)'}; "
                           f"heat readback: {'heat_output_w' if heat_link else 'none (Modbus heat_output_w)'}")
        return
    tr = dut.declared("hybrid_switch_response_time_s", REQ, "response_time_s")
    standby = dut.profile.declared_value("hybrid_standby_power_w", dut.profile.declared_value("standby_power_w"))
    standby_w = float(standby) if standby is not None else float(dut.param("HP-SGREADY-BLOCK", "standby_power_w"))
    limit_w = standby_w + dut.pct_of_rated_w(dut.param(REQ, "standby_tolerance_pct_rated"))
    observation_s = float(dut.param(REQ, "observation_s"))
    share = float(dut.param(REQ, "heat_continuity_pct")) / 100.0
    p2 = dut.transition("running")
    heat_before_w = float(heat_link.read("heat_output_w"))
    try:
        dut.step(f"switch to gas via {switch.via}")
        t0 = dut.now_s()
        refused = switch.to_gas()
        check.require_true(REQ, "switch-to-gas instruction accepted", not refused, refused or "accepted")
        heat = _heat_readback(dut, heat_link, t0, tr, observation_s)
        judge_settles_below(dut, check, REQ, what="switch to gas", t0_s=t0, response_time_s=tr, limit_w=limit_w,
                            detail=f"standby {standby_w:.0f} W + band; Tr {tr:g} s; P2 {p2:.0f} W")
        _judge_heat_continues(check, heat, t0, tr, observation_s, share, heat_before_w)
    finally:
        switch.to_electric()
