"""Communication loss: profiles keep limiting offline, survive reconnects and reboots; the
OCPP 2.1-style offline fallback where the charger claims it.

Method: a TxDefaultProfile limits a charging session to ``default_limit_a`` (A per phase) and is
reached first (EvChargerStrategy.judge_limit_step). The bench's CSMS then goes away as a charger sees it:
it closes the WebSocket (1001) and answers every reconnection with HTTP 503 (``refuse_connections``)
for the offline time; later it accepts the charger again. Judged on the measured per-phase current
(and, after a reconnect or reboot, on the charger's GetCompositeSchedule):

* EV-COMMLOSS-OFFLINE: while offline the current never exceeds the limit + tolerance (OCPP 1.6
  §3.13: a running transaction keeps its profile; "unconstrained when offline" is the defect).
* EV-COMMLOSS-RECONNECT: the charger comes back by itself within ``reconnect_timeout_s``; its
  composite schedule still carries the limit and the current stays at or below it.
* EV-COMMLOSS-RESET: after Reset (1.6 Hard, 2.0.1 Immediate) the charger boots again, charges the
  still-connected EV (a new session; the EV is plugged in again if the charger waits for that) and
  never above the limit; its composite schedule still carries it.
* EV-OFFLINE-FALLBACK: a charger claiming ``offline_fallback`` (declared
  ``offline_fallback_after_s`` and ``offline_fallback_limit_a``) keeps the online limit until the
  declared offline time and is at its fallback limit from there within the response time.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.errors import ConfigError
from links.ocpp import OcppCallError, ProfilePurpose
from test_suites.evidence import key_instant, stimulus_series
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S, LONG_OBSERVATION_SAMPLE_S

OFFLINE, RECONNECT, RESET, FALLBACK = ("EV-COMMLOSS-OFFLINE", "EV-COMMLOSS-RECONNECT", "EV-COMMLOSS-RESET",
                                       "EV-OFFLINE-FALLBACK")


def _limited_session(dut, req: str, limit_a: float) -> bool:
    """Charging under a TxDefaultProfile of ``limit_a``, reached within the response time."""
    dut.needs("smart_charging")
    dut.transition("charging")
    tr = dut.response_time_s(req)
    if not dut.install(req, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, limit_a)])):
        return False
    t0 = dut.now_s()
    dut.wait(tr, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_limit_step(req, f"TxDefaultProfile {limit_a:g} A before the connection loss", t_change_s=t0,
                         t_end_s=dut.now_s(), limit=limit_a, tolerance=float(dut.param(req, "tolerance_a")),
                         response_time_s=tr, previous_limit=dut.rated_current_a)
    return True


def _go_offline(dut) -> float:
    """The CSMS drops the charger and refuses it from now on; returns the bench time."""
    dut.step("CSMS: refuse the charger's connections (HTTP 503) and close its WebSocket")
    dut.link.refuse_connections(True)
    dut.link.disconnect()
    return dut.now_s()


def _back_online(dut, req: str, since_event: int) -> float | None:
    """The CSMS accepts the charger again; the bench time until the charger has connected anew
    (after the first ``since_event`` connection events) and booted (FAIL when it does not)."""
    timeout_s = float(dut.param(req, "reconnect_timeout_s"))
    dut.step("CSMS: accept the charger again")
    dut.link.refuse_connections(False)
    took = dut.wait_reconnected(since_event, timeout_s)
    dut.check.require_true(req, "charger reconnected and booted by itself", took is not None,
                           f"within {took:.0f} s of bench time" if took is not None
                           else f"not back after {timeout_s:g} s of bench time")
    return took


def _link(t_down: float, t_up: float | None = None) -> dict[str, Any]:
    """The CSMS connection as the bench ran it: up, down from ``t_down``, up again from ``t_up``."""
    points = [(t_down - 1e-3, 1.0), (t_down, 0.0)] + ([(t_up, 1.0)] if t_up is not None else [])
    return stimulus_series("CSMS connection (1 = accepted)", [t for t, _ in points], [v for _, v in points],
                           staircase=True, axis=(0, 1))


def _composite_keeps_limit(dut, req: str, limit_a: float) -> None:
    """GetCompositeSchedule (now, next 10 min) still carries the installed limit."""
    try:
        answer = dut.composite(600, "A")
    except OcppCallError as error:
        dut.check.require_true(req, "GetCompositeSchedule answered", False, f"CALLERROR {error.code}")
        return
    reported = answer.limit_at_offset(0) if answer.status == "Accepted" else None
    tol = float(dut.param(req, "tolerance_a"))
    dut.check.within(req, "composite limit now, as the charger reports it", "current", "A", reported, 0.0,
                     None, limit_a + tol, detail=f"status {answer.status}; installed limit {limit_a:g} A + {tol:g} A; "
                                                f"{'no limit reported' if reported is None else 'reported'}")


@pytest.mark.requirement(OFFLINE)
def test_offline_keeps_default_profile(dut):
    """Offline with a TxDefaultProfile installed: never above the limit."""
    limit_a = float(dut.param(OFFLINE, "default_limit_a"))
    if not _limited_session(dut, OFFLINE, limit_a):
        return
    t_off = _go_offline(dut)
    dut.wait(float(dut.param(OFFLINE, "offline_s")), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    tol = float(dut.param(OFFLINE, "tolerance_a"))
    dut.judge_at_most(OFFLINE, "highest current while offline", t0_s=t_off, t1_s=dut.now_s(), limit=limit_a + tol,
                      detail=f"{dut.now_s() - t_off:g} s offline; TxDefaultProfile {limit_a:g} A + {tol:g} A",
                      stimulus=_link(t_off), instants=[key_instant("offline", t_off)])


@pytest.mark.requirement(RECONNECT)
def test_profile_survives_reconnect(dut):
    """After a lost connection the limit still holds (GetCompositeSchedule and measured current)."""
    limit_a = float(dut.param(RECONNECT, "default_limit_a"))
    tol = float(dut.param(RECONNECT, "tolerance_a"))
    if not _limited_session(dut, RECONNECT, limit_a):
        return
    events = len(dut.link.connection_events())
    t_off = _go_offline(dut)
    dut.wait(float(dut.param(RECONNECT, "observation_s")), sample_period_s=LONG_OBSERVATION_SAMPLE_S)
    if _back_online(dut, RECONNECT, events) is None:
        return
    t_back = dut.now_s()
    _composite_keeps_limit(dut, RECONNECT, limit_a)
    dut.wait(dut.response_time_s(RECONNECT) + float(dut.param(RECONNECT, "observation_s")),
             sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_at_most(RECONNECT, "highest current after the reconnect", t0_s=t_back, t1_s=dut.now_s(),
                      limit=limit_a + tol, detail=f"TxDefaultProfile {limit_a:g} A + {tol:g} A",
                      stimulus=_link(t_off, t_back),
                      instants=[key_instant("offline", t_off), key_instant("reconnected", t_back)])


@pytest.mark.requirement(RESET)
def test_profile_survives_reset(dut):
    """After Reset the charger charges again, never above the installed limit."""
    limit_a = float(dut.param(RESET, "default_limit_a"))
    tol = float(dut.param(RESET, "tolerance_a"))
    if not _limited_session(dut, RESET, limit_a):
        return
    kind = dut.link.version.immediate_reset
    dut.step(f"Reset {kind}")
    t_reset = dut.now_s()
    events = len(dut.link.connection_events())
    try:
        status = dut.link.reset(kind)
    except OcppCallError as error:
        status = f"CALLERROR {error.code}"
    if dut.check.require_true(RESET, f"Reset {kind} accepted", status == "Accepted", f"status {status}") != "PASS":
        return
    if _back_online(dut, RESET, events) is None:
        return
    _composite_keeps_limit(dut, RESET, limit_a)
    dut.start_charging()
    t_charging = dut.now_s()
    dut.wait(dut.response_time_s(RESET) + float(dut.param(RESET, "observation_s")),
             sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_at_most(RESET, "highest current from the Reset on", t0_s=t_reset, t1_s=dut.now_s(),
                      limit=limit_a + tol, detail=f"TxDefaultProfile {limit_a:g} A + {tol:g} A; charging again "
                                                 f"{t_charging - t_reset:.0f} s after the Reset",
                      stimulus=stimulus_series("Reset sent (1 = yes)", [t_reset - 1e-3, t_reset], [0, 1],
                                               staircase=True, axis=(0, 1)),
                      instants=[key_instant("Reset", t_reset), key_instant("charging again", t_charging)])


@pytest.mark.requirement(FALLBACK)
def test_offline_fallback_limit(dut):
    """Offline longer than the declared time: the charger applies its declared fallback limit."""
    if not dut.profile.claims("offline_fallback"):
        pytest.skip("NOT_APPLICABLE: the charger does not claim an offline fallback (functions.offline_fallback)")
    after_s = dut.profile.declared_value("offline_fallback_after_s")
    fallback_a = dut.profile.declared_value("offline_fallback_limit_a")
    if after_s is None or fallback_a is None:
        raise ConfigError("a charger claiming offline_fallback declares offline_fallback_after_s and "
                          "offline_fallback_limit_a", file=dut.profile.file, field="declared")
    after_s, fallback_a = float(after_s), float(fallback_a)
    online_a = float(dut.param(FALLBACK, "online_limit_a"))
    tol = float(dut.param(FALLBACK, "tolerance_a"))
    tr = dut.response_time_s(FALLBACK)
    if not _limited_session(dut, FALLBACK, online_a):
        return
    t_off = _go_offline(dut)
    dut.wait(after_s + tr + float(dut.param(FALLBACK, "observation_s")), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_at_most(FALLBACK, "highest current before the fallback time", t0_s=t_off, t1_s=t_off + after_s - 1e-6,
                      limit=online_a + tol, detail=f"online limit {online_a:g} A + {tol:g} A",
                      stimulus=_link(t_off), instants=[key_instant("offline", t_off)])
    paused_a = float(dut.param("EV-MIN-CURRENT", "paused_current_a"))
    if fallback_a < float(dut.param("EV-MIN-CURRENT", "min_current_a")):
        low, high = None, paused_a          # a fallback below 6 A pauses charging
    else:
        low, high = dut.expected_current_a(fallback_a) - tol, fallback_a + tol
    dut.judge_follow(FALLBACK, f"fallback to {fallback_a:g} A after {after_s:g} s offline",
                     t_change_s=t_off + after_s, t_end_s=dut.now_s(), low=low, high=high, response_time_s=tr,
                     peak_limit=online_a + tol, detail=f"declared offline_fallback_limit_a {fallback_a:g} A",
                     stimulus=stimulus_series("limit in force / A", [t_off, t_off + after_s], [online_a, fallback_a],
                                              staircase=True, axis=(0, online_a)),
                     instants=[key_instant("offline", t_off), key_instant("fallback time", t_off + after_s)])
