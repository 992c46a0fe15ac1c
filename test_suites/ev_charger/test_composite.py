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
measured per-phase current against the bench's composite period by period (EvBench.judge_follow).
"""

from __future__ import annotations

import datetime as dt

import pytest

from links.ocpp import CompositeSchedule, InstalledProfile, ProfilePurpose, Transaction
from links.ocpp.smart_charging import composite
from test_suites.ev_charger.conftest import FINE_SAMPLE_S

REQ = "EV-COMPOSITE"


def _compare(expected: CompositeSchedule, reported: CompositeSchedule, *, limit_tolerance: float,
             time_tolerance_s: float) -> list[str]:
    """Where the reported limits differ from the expected ones, away from the expected boundaries (a
    reported schedule without a duration counts as 0 s long)."""
    reported_s = reported.duration_s or 0
    end = min(expected.start + dt.timedelta(seconds=expected.duration_s),
              reported.start + dt.timedelta(seconds=reported_s))
    edges = [expected.start + dt.timedelta(seconds=p.start_s) for p in expected.periods]
    instants = set()
    for edge, nxt in zip(edges, edges[1:] + [end]):
        instants.update({edge + dt.timedelta(seconds=time_tolerance_s), edge + (nxt - edge) / 2,
                         nxt - dt.timedelta(seconds=time_tolerance_s)})
    for p in reported.periods:
        t = reported.start + dt.timedelta(seconds=p.start_s)
        if all(abs((t - e).total_seconds()) > time_tolerance_s for e in edges):
            instants.add(t + dt.timedelta(seconds=0.5))
    findings = []
    for t in sorted(i for i in instants if max(expected.start, reported.start) <= i < end):
        want = expected.limit_at_offset((t - expected.start).total_seconds())
        got = reported.limit_at_offset((t - reported.start).total_seconds())
        offset = (t - expected.start).total_seconds()
        if want is None:
            continue
        if got is None or abs(got - want) > limit_tolerance:
            findings.append(f"at +{offset:g} s: expected {want:g} {expected.unit.value}, reported "
                            f"{'no limit' if got is None else f'{got:g}'}")
    if reported_s < expected.duration_s - time_tolerance_s:
        findings.append(f"reported duration {reported_s} s shorter than the requested "
                        f"{expected.duration_s} s")
    return findings


@pytest.mark.requirement(REQ)
def test_composite_schedule_and_current(ev):
    """GetCompositeSchedule equals the bench's own composite, and the measured current follows it."""
    check = ev.check
    tr = ev.response_time_s(REQ)
    tol = float(ev.param(REQ, "tolerance_a"))
    duration_s = int(ev.param(REQ, "duration_s"))
    period_s = duration_s // 4
    ev.prepare()
    tx = ev.transaction_id()
    start = ev.next_whole_second()
    ev.wait(max(0.0, (start - ev.clock.calendar()).total_seconds()))
    specs = [
        (ev.charging_profile(ProfilePurpose.STATION_MAX, [(0, 13.0)], start=start), 0),
        (ev.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, 11.0), (2 * period_s, 7.0)], start=start),
         ev.connector_id),
        (ev.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, 9.0), (period_s, 16.0)], stack_level=1, start=start,
                    duration_s=3 * period_s), ev.connector_id),
        (ev.charging_profile(ProfilePurpose.TX, [(0, 10.0)], start=start + dt.timedelta(seconds=3 * period_s),
                    transaction_id=tx), ev.connector_id),
    ]
    for spec, connector_id in specs:
        if not ev.install(REQ, spec, connector_id):
            return
    t_start = ev.bench_time_of(start)
    installed = [InstalledProfile(connector_id, spec) for spec, connector_id in specs]
    expected = composite(installed, start, duration_s, "A", connector_id=ev.connector_id,
                         transactions=[Transaction(ev.connector_id, start, str(tx))],
                         number_phases=ev.phase_count, max_current_a=ev.rated_current_a)
    answer = ev.composite(duration_s, "A")
    if answer.status != "Accepted" or not answer.periods:
        check.require_true(REQ, "GetCompositeSchedule answered with a schedule", False,
                           f"status {answer.status}, {len(answer.periods)} period(s)")
    else:
        findings = _compare(expected, answer, limit_tolerance=float(ev.param(REQ, "limit_tolerance_a")),
                            time_tolerance_s=float(ev.param(REQ, "time_tolerance_s")))
        want = ", ".join(f"+{p.start_s} s {p.limit:g} A" for p in expected.periods)
        got = ", ".join(f"+{p.start_s} s {p.limit:g} {answer.unit}" for p in answer.periods)
        check.require_true(REQ, "GetCompositeSchedule equals the bench's composite", not findings,
                           f"bench: {want}; charger (from {answer.start}): {got}"
                           + (f"; differences: {'; '.join(findings)}" if findings else ""))
    ev.wait(duration_s - (ev.now_s() - t_start), sample_period_s=FINE_SAMPLE_S)
    previous = ev.rated_current_a
    offsets = [p.start_s for p in expected.periods] + [duration_s]
    for period, end in zip(expected.periods, offsets[1:]):
        limit = period.limit if period.limit is not None else ev.rated_current_a
        ev.judge_limit_step(REQ, f"composite period +{period.start_s} s: {limit:g} A",
                            t_change_s=t_start + period.start_s, t_end_s=t_start + end - 1e-6, limit=limit,
                            tolerance=tol, response_time_s=tr, previous_limit=previous)
        previous = limit
