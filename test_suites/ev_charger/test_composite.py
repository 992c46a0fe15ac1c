"""Stacking and the composite schedule (EV-COMPOSITE), on the wire and in the measured current.

Method (OCPP 1.6 §3.13.3-3.13.5 and §5.7; 2.0.1 K08): during a charging session the bench installs,
all starting at the same instant S (periods of P = duration/4 seconds):

* a station maximum (ChargePointMaxProfile / ChargingStationMaxProfile, connector 0): 13 A;
* TxDefaultProfile stack 0: 11 A, then 7 A from 2P;
* TxDefaultProfile stack 1, lasting 3P: 9 A, then 16 A from P (the higher stack level prevails);
* a TxProfile for the running transaction starting at 3P: 10 A (it overrules the TxDefaultProfile).

The composite a compliant charger applies is then 9 A, 13 A (station maximum caps 16 A), 13 A, 10 A.
The bench computes it itself from the profiles it sent (links/ocpp/smart_charging.composite), asks the
charger for GetCompositeSchedule over the same span and compares them (limits within
``limit_tolerance_a``, ignoring ``time_tolerance_s`` around each expected boundary), then judges the
measured per-phase current against the bench's composite period by period (EvChargerStrategy.judge_follow).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from links.ocpp import CompositeSchedule, InstalledProfile, ProfilePurpose, Transaction
from links.ocpp.smart_charging import composite
from test_suites.ev_charger.measurements import composite_differences
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

REQ = "EV-COMPOSITE"


def _install_stack(dut, start: dt.datetime, period_s: int, tx) -> list[tuple[Any, int]] | None:
    """Stimulus: the four profiles of the method, all starting at ``start``; None when one was
    refused (a FAIL recorded by ``dut.install``)."""
    specs = [
        (dut.charging_profile(ProfilePurpose.STATION_MAX, [(0, 13.0)], start=start), 0),
        (dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, 11.0), (2 * period_s, 7.0)], start=start),
         dut.connector_id),
        (dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, 9.0), (period_s, 16.0)], stack_level=1, start=start,
                              duration_s=3 * period_s), dut.connector_id),
        (dut.charging_profile(ProfilePurpose.TX, [(0, 10.0)], start=start + dt.timedelta(seconds=3 * period_s),
                              transaction_id=tx), dut.connector_id),
    ]
    for spec, connector_id in specs:
        if not dut.install(REQ, spec, connector_id):
            return None
    return specs


def _judge_reported(dut, expected: CompositeSchedule, answer) -> None:
    """The charger's GetCompositeSchedule equals the bench's composite."""
    if answer.status != "Accepted" or not answer.periods:
        dut.check.require_true(REQ, "GetCompositeSchedule answered with a schedule", False,
                               f"status {answer.status}, {len(answer.periods)} period(s)")
        return
    findings = composite_differences(expected, answer, limit_tolerance=float(dut.param(REQ, "limit_tolerance_a")),
                        time_tolerance_s=float(dut.param(REQ, "time_tolerance_s")))
    want = ", ".join(f"+{p.start_s} s {p.limit:g} A" for p in expected.periods)
    got = ", ".join(f"+{p.start_s} s {p.limit:g} {answer.unit}" for p in answer.periods)
    dut.check.require_true(REQ, "GetCompositeSchedule equals the bench's composite", not findings,
                           f"bench: {want}; charger (from {answer.start}): {got}"
                           + (f"; differences: {'; '.join(findings)}" if findings else ""))


def _judge_followed(dut, expected: CompositeSchedule, t_start: float, duration_s: int, tol: float,
                    tr: float) -> None:
    """The measured current follows the bench's composite, period by period."""
    previous = dut.rated_current_a
    offsets = [p.start_s for p in expected.periods] + [duration_s]
    for period, end in zip(expected.periods, offsets[1:], strict=True):
        limit = period.limit if period.limit is not None else dut.rated_current_a
        dut.judge_limit_step(REQ, f"composite period +{period.start_s} s: {limit:g} A",
                             t_change_s=t_start + period.start_s, t_end_s=t_start + end - 1e-6, limit=limit,
                             tolerance=tol, response_time_s=tr, previous_limit=previous)
        previous = limit


@pytest.mark.requirement(REQ)
def test_composite_schedule_and_current(dut):
    """GetCompositeSchedule equals the bench's own composite, and the measured current follows it."""
    tr = dut.response_time_s(REQ)
    tol = float(dut.param(REQ, "tolerance_a"))
    duration_s = int(dut.param(REQ, "duration_s"))
    dut.needs("smart_charging")
    dut.transition("charging")
    tx = dut.transaction_id()
    start = dut.next_whole_second()
    dut.wait(max(0.0, (start - dut.clock.calendar()).total_seconds()))
    specs = _install_stack(dut, start, duration_s // 4, tx)
    if specs is None:
        return
    t_start = dut.bench_time_of(start)
    installed = [InstalledProfile(connector_id, spec) for spec, connector_id in specs]
    expected = composite(installed, start, duration_s, "A", connector_id=dut.connector_id,
                         transactions=[Transaction(dut.connector_id, start, str(tx))],
                         number_phases=dut.phase_count, max_current_a=dut.rated_current_a)
    _judge_reported(dut, expected, dut.composite(duration_s, "A"))
    dut.wait(duration_s - (dut.now_s() - t_start), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    _judge_followed(dut, expected, t_start, duration_s, tol, tr)
