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

from bench.errors import BenchError

from test_suites.heat_pump.judging import SAMPLE_S, judge_settles_below, series_plot, wait_fine_then_coarse

PEBC = "POWER_ENVELOPE_BASED_CONTROL"


def lift_modbus_limit(link: Any) -> None:
    """Lift the map's consumption limit: ``power_limit_enabled`` 0, else the point's maximum."""
    names = {p.name: p for p in link.register_map.points}
    if "power_limit_enabled" in names and names["power_limit_enabled"].writable:
        link.write("power_limit_enabled", 0)
        return
    point = names["power_limit_w"]
    if point.max is None:
        raise BenchError("the map's power_limit_w declares no max and no power_limit_enabled: "
                         "the bench cannot lift the limit")
    link.write("power_limit_w", point.max)


def pebc_max_upper_w(s2: Any, fallback_w: float) -> float:
    """The highest consumption upper limit the RM's latest PEBC.PowerConstraints allow."""
    found = s2.received("PEBC.PowerConstraints")
    if found:
        for limit in found[-1].raw.get("allowed_limit_ranges", []):
            if limit.get("limit_type") == "UPPER_LIMIT":
                return float(limit["range_boundary"]["end_of_range"])
    return fallback_w


def s2_offering_pebc(hp: Any, no_pebc: str) -> tuple[Any, Any]:
    """The profile's S2 link and the RM's details; NOT_APPLICABLE (skip) without an S2 link, or with
    ``no_pebc`` as the reason when the resource manager offers no PEBC."""
    s2 = hp.s2
    if s2 is None:
        pytest.skip("NOT_APPLICABLE: the profile declares no S2 link")
    details = s2.details()
    if details is None or PEBC not in details.available_control_types:
        pytest.skip(f"NOT_APPLICABLE: {no_pebc}")
    return s2, details


def ensure_control_type(s2: Any, short: str) -> None:
    if s2.selected_control_type() != short:
        s2.select_control_type(short)


@pytest.mark.requirement("HP-LIMIT-MODBUS")
def test_modbus_power_limit_steps(hp_step, check):
    """Stepped limits written to the Modbus map are followed within Tr; no surge when lifted."""
    req = "HP-LIMIT-MODBUS"
    hp = hp_step
    link = hp.modbus_point("power_limit_w", writable=True)
    if link is None:
        pytest.skip("NOT_APPLICABLE: the profile's Modbus register map has no writable power_limit_w")
    tr = hp.declared("power_limit_response_time_s", req, "response_time_s")
    tol_w = hp.pct_of_rated_w(hp.param(req, "tolerance_pct_rated"))
    hold_s = float(hp.param(req, "hold_s"))
    overshoot_w = hp.pct_of_rated_w(hp.param(req, "overshoot_tolerance_pct_rated"))
    p2 = hp.bring_to_normal()
    try:
        for share in hp.param(req, "limit_steps_pct_of_running"):
            limit_w = round(float(share) / 100.0 * p2)
            hp.step(f"Modbus power_limit_w = {limit_w} W ({share:g} % of P2 {p2:.0f} W)")
            t0 = hp.now_s()
            link.write("power_limit_w", limit_w)
            wait_fine_then_coarse(hp, tr + 10.0, hold_s)
            judge_settles_below(hp, check, req, what=f"limit {limit_w} W", t0_s=t0, response_time_s=tr,
                                limit_w=limit_w + tol_w,
                                detail=f"limit {limit_w} W + band {tol_w:.0f} W; Tr {tr:g} s; P2 {p2:.0f} W")
        hp.step("lift the Modbus limit")
        t_lift = hp.now_s()
        lift_modbus_limit(link)
        release_s = float(hp.param(req, "release_observation_s"))
        hp.wait(release_s, sample_period_s=SAMPLE_S)
        t, c = hp.series(t_lift)
        check.within(req, "peak consumption after the limit is lifted", "consumption", "W", float(c.max()),
                     hp.u_power_w, None, p2 + overshoot_w, plot=series_plot(t, c, [t_lift, t_lift + release_s]),
                     detail=f"P2 {p2:.0f} W + {overshoot_w:.0f} W over {release_s:g} s")
    finally:
        lift_modbus_limit(link)


@pytest.mark.requirement("HP-LIMIT-S2")
def test_s2_pebc_limit_steps(hp_step, check):
    """Stepped PEBC upper limits are acknowledged and followed within delay + response time."""
    req = "HP-LIMIT-S2"
    hp = hp_step
    s2, details = s2_offering_pebc(hp, "the S2 resource manager does not offer PEBC")
    delay_s = details.instruction_processing_delay_ms / 1000.0
    tr = delay_s + hp.declared("power_limit_response_time_s", req, "response_time_s")
    tol_w = hp.pct_of_rated_w(hp.param(req, "tolerance_pct_rated"))
    hold_s = float(hp.param(req, "hold_s"))
    p2 = hp.bring_to_normal()
    ensure_control_type(s2, "PEBC")
    try:
        for share in hp.param(req, "limit_steps_pct_of_running"):
            limit_w = round(float(share) / 100.0 * p2)
            hp.step(f"S2 PEBC upper limit {limit_w} W ({share:g} % of P2 {p2:.0f} W)")
            t0 = hp.now_s()
            instruction_id = s2.pebc_limit_consumption_w(float(limit_w))
            record = s2.instruction(instruction_id)
            status = record.reception.status if record is not None and record.reception else "none"
            check.require_true(req, f"PEBC instruction {limit_w} W acknowledged", status == "OK",
                               f"ReceptionStatus {status}")
            wait_fine_then_coarse(hp, tr + 10.0, hold_s)
            judge_settles_below(hp, check, req, what=f"PEBC limit {limit_w} W", t0_s=t0, response_time_s=tr,
                                limit_w=limit_w + tol_w,
                                detail=f"limit {limit_w} W + band {tol_w:.0f} W; Tr = declared processing delay "
                                       f"{delay_s:g} s + response {tr - delay_s:g} s; P2 {p2:.0f} W")
        found = s2.violations()
        check.require_true(req, "no S2 protocol violation by the resource manager in this campaign", not found,
                           f"{len(found)}: " + "; ".join(v.reason for v in found[:3]) if found else "none")
    finally:
        s2.pebc_limit_consumption_w(pebc_max_upper_w(s2, hp.p_rated_w))

