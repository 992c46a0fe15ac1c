"""Consumption limits via the vendor Modbus register map and via S2 PEBC, judged on measured power.

Method: from steady normal operation (consumption P2), each limit step (a share of P2 from the
catalog) is sent and the consumption (= -analyzer active power) recorded for the hold time.

* HP-LIMIT-MODBUS: the map's ``power_limit_w`` is written; consumption at or below limit + band
  within the declared ``power_limit_response_time_s`` (else the catalog's) and held; after the limit
  is lifted (``power_limit_enabled`` 0, else the point's maximum) the peak stays below
  P2 + overshoot band (no rebound surge).
* HP-LIMIT-S2: PEBC.Instruction with one envelope (upper limit = the step); Tr = the RM's declared
  ``instruction_processing_delay`` (ResourceManagerDetails, read from the wire) + the declared
  response time; the instruction must be acknowledged with ReceptionStatus OK and the RM must not
  have broken the protocol (schema, order, acknowledgements: links/s2 violations) at any time in
  the campaign so far (an interoperability FAIL).

NOT_APPLICABLE when the profile has no Modbus map with a writable ``power_limit_w`` / no S2 link
whose RM offers PEBC.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_suites.evidence import applied_limit, key_instant, series_plot
from test_suites.heat_pump.controls import ensure_control_type, lift_modbus_limit, pebc_max_upper_w, s2_offering_pebc
from test_suites.heat_pump.judging import (judge_settles_below, limit_step_stimulus, signal_stimulus,
                                           wait_fine_then_coarse)
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.sampling import SLOW_LOAD_SAMPLE_S

FINE_AFTER_TR_S = 10.0      # each step: sampled finely until this long after Tr


def _limit_steps_w(dut: Any, req: str, p2: float) -> list[tuple[float, int]]:
    """The catalog's limit steps (share of P2, %) and each limit in whole watts."""
    return [(share, round(float(share) / 100.0 * p2)) for share in dut.param(req, "limit_steps_pct_of_running")]


@pytest.mark.requirement("HP-LIMIT-MODBUS")
def test_modbus_power_limit_steps(dut, check):
    """Stepped limits written to the Modbus map are followed within Tr; no surge when lifted."""
    req = "HP-LIMIT-MODBUS"
    link = dut.modbus_point("power_limit_w", writable=True)
    if link is None:
        pytest.skip("NOT_APPLICABLE: the profile's Modbus register map has no writable power_limit_w")
    tr = dut.declared("power_limit_response_time_s", req, "response_time_s")
    tol_w = dut.pct_of_rated_w(dut.param(req, "tolerance_pct_rated"))
    hold_s = float(dut.param(req, "hold_s"))
    overshoot_w = dut.pct_of_rated_w(dut.param(req, "overshoot_tolerance_pct_rated"))
    p2 = dut.transition("running")
    previous_w = dut.p_rated_w                     # no limit written yet
    try:
        for share, limit_w in _limit_steps_w(dut, req, p2):
            dut.step(f"Modbus power_limit_w = {limit_w} W ({share:g} % of P2 {p2:.0f} W)")
            t0 = dut.now_s()
            link.write("power_limit_w", limit_w)
            wait_fine_then_coarse(dut, tr + FINE_AFTER_TR_S, hold_s)
            judge_settles_below(dut, check, req, what=f"limit {limit_w} W", t0_s=t0, response_time_s=tr,
                                limit_w=limit_w + tol_w,
                                detail=f"limit {limit_w} W + band {tol_w:.0f} W; Tr {tr:g} s; P2 {p2:.0f} W",
                                stimulus=limit_step_stimulus("power_limit_w written / W", t0, previous_w, limit_w,
                                                             dut.p_rated_w))
            previous_w = limit_w
        dut.step("lift the Modbus limit")
        t_lift = dut.now_s()
        lift_modbus_limit(link)
        release_s = float(dut.param(req, "release_observation_s"))
        dut.wait(release_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
        t, c = dut.series(t_lift)
        check.within(req, "peak consumption after the limit is lifted", "consumption", "W", float(c.max()),
                     dut.u_power_w, None, p2 + overshoot_w,
                     plot=series_plot(t, c, CONSUMPTION_LABEL, window=[t_lift, t_lift + release_s],
                                      stimulus=signal_stimulus("limit lifted (1 = yes)", t_lift, 0, 1),
                                      limits=[applied_limit(f"<= P2 + overshoot {p2 + overshoot_w:.0f} W",
                                                            p2 + overshoot_w)],
                                      instants=[key_instant("limit lifted", t_lift)]),
                     detail=f"P2 {p2:.0f} W + {overshoot_w:.0f} W over {release_s:g} s")
    finally:
        lift_modbus_limit(link)


@pytest.mark.requirement("HP-LIMIT-S2")
def test_s2_pebc_limit_steps(dut, check):
    """Stepped PEBC upper limits are acknowledged and followed within delay + response time."""
    req = "HP-LIMIT-S2"
    s2, details = s2_offering_pebc(dut, "the S2 resource manager does not offer PEBC")
    delay_s = details.instruction_processing_delay_ms / 1000.0
    tr = delay_s + dut.declared("power_limit_response_time_s", req, "response_time_s")
    tol_w = dut.pct_of_rated_w(dut.param(req, "tolerance_pct_rated"))
    hold_s = float(dut.param(req, "hold_s"))
    p2 = dut.transition("running")
    ensure_control_type(s2, "PEBC")
    previous_w = dut.p_rated_w                     # no limit instructed yet
    try:
        for share, limit_w in _limit_steps_w(dut, req, p2):
            dut.step(f"S2 PEBC upper limit {limit_w} W ({share:g} % of P2 {p2:.0f} W)")
            t0 = dut.now_s()
            instruction_id = s2.pebc_limit_consumption_w(float(limit_w))
            record = s2.instruction(instruction_id)
            status = record.reception.status if record is not None and record.reception else "none"
            check.require_true(req, f"PEBC instruction {limit_w} W acknowledged", status == "OK",
                               f"ReceptionStatus {status}")
            wait_fine_then_coarse(dut, tr + FINE_AFTER_TR_S, hold_s)
            judge_settles_below(dut, check, req, what=f"PEBC limit {limit_w} W", t0_s=t0, response_time_s=tr,
                                limit_w=limit_w + tol_w,
                                detail=f"limit {limit_w} W + band {tol_w:.0f} W; Tr = declared processing delay "
                                       f"{delay_s:g} s + response {tr - delay_s:g} s; P2 {p2:.0f} W",
                                stimulus=limit_step_stimulus("PEBC upper limit / W", t0, previous_w, limit_w,
                                                             dut.p_rated_w))
            previous_w = limit_w
        found = s2.violations()
        check.require_true(req, "no S2 protocol violation by the resource manager in this campaign", not found,
                           f"{len(found)}: " + "; ".join(v.reason for v in found[:3]) if found else "none")
    finally:
        s2.pebc_limit_consumption_w(pebc_max_upper_w(s2, dut.p_rated_w))
