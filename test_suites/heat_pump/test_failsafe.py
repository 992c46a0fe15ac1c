"""Failsafe on loss of the control signal (EEBus LPC semantics [impl]), judged on measured power.

Method, from steady normal operation (consumption P2), with failsafe limit F:

1. the signal is lost: the Modbus map's watchdog heartbeats stop (HP-FAILSAFE-MODBUS), or the bench
   drops the S2 WebSocket and refuses reconnection (HP-FAILSAFE-S2). Consumption must be at or
   below F + band within timeout + response time (timeout: the map's declared
   ``watchdog.timeout_s`` / the profile's ``s2_failsafe_timeout_s``, else the catalog's 120 s);
2. the signal comes back *without* a new limit (heartbeats resume / the RM reconnects): consumption
   must stay at or below F + band for the hold time (leaving needs a new signal);
3. a new limit (the map's ``power_limit_w`` at its maximum / a PEBC instruction without limit):
   consumption must rise above F + band within the observation time (failsafe left).

F: when the map has a writable ``failsafe_limit_w`` the bench writes a share of P2 (catalog) and
restores the old value afterwards; otherwise the profile's declared ``failsafe_limit_w``. A failsafe
limit that would not bind (F + band >= P2) cannot be observed: bench ERROR (inconclusive).
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.errors import BenchError
from test_suites.evidence import applied_limit, key_instant, series_plot
from test_suites.heat_pump.controls import ensure_control_type, lift_modbus_limit, pebc_max_upper_w, s2_offering_pebc
from test_suites.heat_pump.judging import judge_settles_below, signal_stimulus, wait_fine_then_coarse
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.sampling import SLOW_LOAD_SAMPLE_S

HEARTBEATS = "watchdog heartbeats (1 = on)"
S2_LINK = "S2 connection (1 = up)"

RECONNECT_POLL_S = 5.0
BEFORE_TIMEOUT_S = 10.0     # signal lost: sampled coarsely until this long before the timeout ...
AFTER_TR_S = 20.0           # ... then finely for Tr + this long


def _declared_failsafe_w(dut: Any) -> float:
    declared = dut.profile.declared_value("failsafe_limit_w")
    if declared is None:
        raise BenchError("the profile declares no failsafe_limit_w: the failsafe level cannot be judged")
    return float(declared)


def _check_binds(failsafe_w: float, tol_w: float, p2: float) -> None:
    if failsafe_w + tol_w >= p2:
        raise BenchError(f"failsafe limit {failsafe_w:.0f} W + band {tol_w:.0f} W is not below the running "
                         f"consumption {p2:.0f} W: entering failsafe cannot be observed")


# --- stimulus -------------------------------------------------------------------------------------
def _wait_through_timeout(dut: Any, timeout_s: float, tr: float) -> None:
    """After the signal is lost: coarse until shortly before the timeout, fine through the response."""
    dut.wait(timeout_s - BEFORE_TIMEOUT_S, sample_period_s=SLOW_LOAD_SAMPLE_S)
    wait_fine_then_coarse(dut, tr + AFTER_TR_S, tr + AFTER_TR_S)


def _wait_reconnected(dut: Any, s2: Any, session: int, timeout_s: float) -> None:
    """Poll (bench time) until a new RM session is past the handshake; else bench ERROR."""
    t_start = dut.now_s()
    while not (s2.is_ready() and s2.session_number() > session):
        if dut.now_s() - t_start > timeout_s:
            raise BenchError(f"the S2 resource manager did not reconnect within {timeout_s:g} s of bench time")
        dut.wait(RECONNECT_POLL_S, sample_period_s=SLOW_LOAD_SAMPLE_S)


# --- judgement ------------------------------------------------------------------------------------
def _judge_stays(dut: Any, check: Any, req: str, t1: float, limit_w: float, why: str, signal: str) -> None:
    t, c = dut.series(t1)
    plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t1, float(t[-1])],
                       stimulus=signal_stimulus(signal, t1, 0, 1),
                       limits=[applied_limit(f"<= failsafe limit + band {limit_w:.0f} W", limit_w)],
                       instants=[key_instant("signal back", t1)])
    check.within(req, f"highest consumption while {why}", "consumption", "W", float(c.max()), dut.u_power_w,
                 None, limit_w, plot=plot,
                 detail=f"failsafe limit + band {limit_w:.0f} W: failsafe is left only on a new limit")


def _judge_leaves(dut: Any, check: Any, req: str, t2: float, limit_w: float, observation_s: float) -> None:
    t, c = dut.series(t2)
    check.within(req, "highest consumption after a new limit (failsafe left)", "consumption", "W",
                 float(c.max()), dut.u_power_w, limit_w, None,
                 plot=series_plot(t, c, CONSUMPTION_LABEL, window=[t2, t2 + observation_s],
                                  stimulus=signal_stimulus("new limit sent (1 = yes)", t2, 0, 1),
                                  limits=[applied_limit(f">= failsafe limit + band {limit_w:.0f} W", limit_w)],
                                  instants=[key_instant("new limit", t2)]),
                 detail=f"above the failsafe limit + band {limit_w:.0f} W within {observation_s:g} s")


@pytest.mark.requirement("HP-FAILSAFE-MODBUS")
def test_modbus_watchdog_failsafe(dut, check):
    """Heartbeats stop -> failsafe limit within the timeout; resumed heartbeats keep it; a new limit ends it."""
    req = "HP-FAILSAFE-MODBUS"
    link = dut.modbus
    if link is None or link.register_map.watchdog is None:
        pytest.skip("NOT_APPLICABLE: the profile's Modbus register map declares no watchdog")
    if dut.modbus_point("power_limit_w", writable=True) is None:
        pytest.skip("NOT_APPLICABLE: the register map has no writable power_limit_w to leave failsafe with")
    link.require_watchdog()       # the device refused the watchdog point at open: FAIL naming it
    timeout_s = float(link.register_map.watchdog.timeout_s)
    tr = dut.declared("failsafe_response_time_s", req, "response_time_s")
    tol_w = dut.pct_of_rated_w(dut.param(req, "tolerance_pct_rated"))
    writable_failsafe = dut.modbus_point("failsafe_limit_w", writable=True) is not None
    p2 = dut.transition("running")
    original_failsafe_w = None
    try:
        if writable_failsafe:
            original_failsafe_w = link.read("failsafe_limit_w")
            failsafe_w = float(round(float(dut.param(req, "failsafe_limit_pct_of_running")) / 100.0 * p2))
            link.write("failsafe_limit_w", failsafe_w)
        else:
            failsafe_w = _declared_failsafe_w(dut)
        _check_binds(failsafe_w, tol_w, p2)
        limit_w = failsafe_w + tol_w

        dut.step(f"stop the watchdog heartbeats (timeout {timeout_s:g} s, failsafe limit {failsafe_w:.0f} W)")
        t0 = dut.now_s()
        link.pause_heartbeat()
        _wait_through_timeout(dut, timeout_s, tr)
        judge_settles_below(dut, check, req, what="heartbeats lost", t0_s=t0, response_time_s=timeout_s + tr,
                            limit_w=limit_w, detail=f"timeout {timeout_s:g} s + response {tr:g} s; P2 {p2:.0f} W",
                            stimulus=signal_stimulus(HEARTBEATS, t0, 1, 0))

        dut.step("resume the heartbeats, no new limit")
        t1 = dut.now_s()
        link.resume_heartbeat()
        dut.wait(float(dut.param(req, "resumed_hold_s")), sample_period_s=SLOW_LOAD_SAMPLE_S)
        _judge_stays(dut, check, req, t1, limit_w, "heartbeats resumed without a new limit", HEARTBEATS)

        dut.step("write a new limit (the map's maximum)")
        t2 = dut.now_s()
        link.write("power_limit_w", link.register_map.point("power_limit_w").max or dut.p_rated_w)
        observation_s = float(dut.param(req, "leave_observation_s"))
        dut.wait(observation_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
        _judge_leaves(dut, check, req, t2, limit_w, observation_s)
    finally:
        link.resume_heartbeat()
        lift_modbus_limit(link)
        if original_failsafe_w is not None:
            link.write("failsafe_limit_w", original_failsafe_w)


@pytest.mark.requirement("HP-FAILSAFE-S2")
def test_s2_connection_loss_failsafe(dut, check):
    """S2 connection lost -> failsafe limit within the timeout; reconnection keeps it; a new instruction ends it."""
    req = "HP-FAILSAFE-S2"
    s2, _ = s2_offering_pebc(dut, "the S2 resource manager offers no PEBC to leave failsafe with")
    timeout_s = dut.declared("s2_failsafe_timeout_s", req, "connection_timeout_s")
    tr = dut.declared("failsafe_response_time_s", req, "response_time_s")
    tol_w = dut.pct_of_rated_w(dut.param(req, "tolerance_pct_rated"))
    failsafe_w = _declared_failsafe_w(dut)
    p2 = dut.transition("running")
    _check_binds(failsafe_w, tol_w, p2)
    limit_w = failsafe_w + tol_w
    try:
        dut.step(f"drop the S2 connection, refuse reconnection (timeout {timeout_s:g} s)")
        t0 = dut.now_s()
        s2.drop_connection(True)
        _wait_through_timeout(dut, timeout_s, tr)
        judge_settles_below(dut, check, req, what="S2 connection lost", t0_s=t0, response_time_s=timeout_s + tr,
                            limit_w=limit_w, detail=f"timeout {timeout_s:g} s + response {tr:g} s; P2 {p2:.0f} W",
                            stimulus=signal_stimulus(S2_LINK, t0, 1, 0))

        dut.step("allow the RM to reconnect, no new instruction")
        t1 = dut.now_s()
        session = s2.session_number()
        s2.allow_reconnect()
        _wait_reconnected(dut, s2, session, float(dut.param(req, "reconnect_timeout_s")))
        dut.wait(float(dut.param(req, "resumed_hold_s")), sample_period_s=SLOW_LOAD_SAMPLE_S)
        _judge_stays(dut, check, req, t1, limit_w, "the S2 connection is back without a new instruction",
                     S2_LINK)

        dut.step("select PEBC and send a new instruction without limit")
        t2 = dut.now_s()
        ensure_control_type(s2, "PEBC")
        s2.pebc_limit_consumption_w(pebc_max_upper_w(s2, dut.p_rated_w))
        observation_s = float(dut.param(req, "leave_observation_s"))
        dut.wait(observation_s, sample_period_s=SLOW_LOAD_SAMPLE_S)
        _judge_leaves(dut, check, req, t2, limit_w, observation_s)
    finally:
        s2.allow_reconnect()
