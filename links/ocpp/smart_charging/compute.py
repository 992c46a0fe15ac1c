"""The limit in force and the composite schedule, per OCPP 1.6J §3.13 and OCPP 2.0.1 K08.

Rules (OCPP 1.6J §3.13 "Smart Charging": purposes, stacking, combining; 2.0.1 block K):

* a profile counts at instant ``t`` only when ``validFrom <= t < validTo`` and ``t`` falls inside
  its schedule: after the schedule start and before ``start + duration`` (no duration: the last
  period holds on);
* the schedule start is ``startSchedule`` (Absolute), the latest recurrence of ``startSchedule``
  (Recurring Daily / Weekly, recurrences extend both ways in time) or the transaction start
  (Relative; also an Absolute profile without ``startSchedule``, 1.6 ChargingSchedule "if absent the
  schedule will be relative to start of charging"). With no transaction on the connector a
  relative schedule starts at ``relative_start`` (the composite's own start: the schedule that
  would apply if charging began now);
* within one purpose the profile with the highest ``stackLevel`` prevails (1.6 §3.13); on a
  tie a profile on the connector itself wins over one on connector 0, then the higher id;
* TxProfile applies only inside a transaction on its connector (and, when it names one, only to
  that transaction); while a TxProfile is in force it overrules the TxDefaultProfile; a
  TxDefaultProfile on connector 0 applies to every connector (1.6 §3.13);
* the ChargePointMaxProfile / ChargingStationMaxProfile (connector 0) caps the result: the
  composite limit is the minimum of the station maximum and the transaction-level limit;
  for connector 0 the transaction-level limit is the sum over the station's connectors (1.6
  §5.7 / 2.0.1 K08: connector or EVSE 0 gives the expected consumption of the grid connection);
* limits are compared in the requested unit: an ``A`` limit is per phase, a ``W`` limit is total
  power, converted at ``voltage_v`` x numberPhases (3 when absent) (1.6 ChargingRateUnitType,
  ChargingSchedulePeriod).

The combination is the minimum over purposes once TxProfile has replaced TxDefaultProfile.
A combined limit carries the smallest numberPhases its parts give (None when none gives one).
Where no profile constrains, a composite period has limit None, or ``max_current_a`` when
given (the charger's own rating, what a charger reports in GetCompositeSchedule).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from links.ocpp.smart_charging.model import (DEFAULT_NUMBER_PHASES, NOMINAL_VOLTAGE_V, ChargingProfile,
                                             CompositeSchedule, InstalledProfile, Limit, ProfileKind,
                                             ProfilePurpose, RateUnit, SchedulePeriod, require_aware)
from links.ocpp.transactions import Transaction

__all__ = ["CompositeRules", "OCPP_RULES", "convert_limit", "schedule_period_at", "limit_at",
           "breakpoints", "sample_schedule", "composite", "differences"]


@dataclass(frozen=True)
class CompositeRules:
    """How profiles combine. :data:`OCPP_RULES` is the standard; the simulated charger flips
    these to model a defective charger (knob ``wrong_stacking``); suites never change them."""

    highest_stack_wins: bool = True   # False: the lowest stackLevel prevails within a purpose
    station_max_caps: bool = True     # False: the maximum (not the minimum) over purposes


OCPP_RULES = CompositeRules()


def convert_limit(limit: float, from_unit: RateUnit | str, to_unit: RateUnit | str,
                  number_phases: int | None = None, *, voltage_v: float = NOMINAL_VOLTAGE_V,
                  default_phases: int = DEFAULT_NUMBER_PHASES) -> float:
    """Convert a limit between A (per phase) and W (total): P = U x I x numberPhases
    (1.6 ChargingRateUnitType; numberPhases defaults to 3, ChargingSchedulePeriod)."""
    source, target = RateUnit(from_unit), RateUnit(to_unit)
    if source is target:
        return float(limit)
    phases = number_phases if number_phases is not None else default_phases
    if source is RateUnit.A:
        return float(limit) * voltage_v * phases
    return float(limit) / (voltage_v * phases)


def schedule_period_at(profile: ChargingProfile, at: dt.datetime,
                       relative_start: dt.datetime | None) -> SchedulePeriod | None:
    """The period of ``profile`` in force at ``at``, or None when the profile does not count
    then (outside validFrom/validTo, before its start, after its duration)."""
    if not profile.valid_at(at):
        return None
    if profile.kind is ProfileKind.RECURRING and profile.start_schedule is not None \
            and profile.recurrency is not None:
        period = profile.recurrency.period
        anchor = profile.start_schedule + ((at - profile.start_schedule) // period) * period
    elif profile.kind is not ProfileKind.RELATIVE and profile.start_schedule is not None:
        anchor = profile.start_schedule
    elif relative_start is not None:
        anchor = relative_start
    else:
        return None
    offset_s = (at - anchor).total_seconds()
    if offset_s < 0 or (profile.duration_s is not None and offset_s >= profile.duration_s):
        return None
    current = None
    for candidate in profile.periods:
        if candidate.start_s <= offset_s:
            current = candidate
        else:
            break
    return current


class _Evaluator:
    """Shared state of one :func:`limit_at` / :func:`composite` evaluation."""

    def __init__(self, installed: Iterable[InstalledProfile], transactions: Iterable[Transaction],
                 unit: RateUnit, number_phases: int, voltage_v: float,
                 relative_start: dt.datetime | None, station_connector_ids: Sequence[int],
                 rules: CompositeRules) -> None:
        self.installed = tuple(installed)
        self.transactions = {tx.connector_id: tx for tx in transactions}
        self.unit = unit
        self.number_phases = number_phases
        self.voltage_v = voltage_v
        self.relative_start = relative_start
        self.station_connector_ids = tuple(station_connector_ids)
        self.rules = rules

    def limit(self, at: dt.datetime, connector_id: int) -> Limit | None:
        station = self._purpose(ProfilePurpose.STATION_MAX, at, 0, self.relative_start or at, None)
        if connector_id == 0:
            parts = [self._transaction_level(at, c) for c in self.station_connector_ids]
            if not parts or any(part is None for part in parts):
                level = None
            else:
                phases = [p.number_phases for p in parts if p is not None and p.number_phases]
                level = Limit(sum(p.limit for p in parts if p is not None), self.unit,
                              max(phases) if phases else None)
        else:
            level = self._transaction_level(at, connector_id)
        return self._combine(station, level)

    def _combine(self, station: Limit | None, level: Limit | None) -> Limit | None:
        if station is None or level is None:
            return level if station is None else station
        if not self.rules.station_max_caps:
            return station if station.limit > level.limit else level
        phases = [p for p in (station.number_phases, level.number_phases) if p is not None]
        return Limit(min(station.limit, level.limit), self.unit, min(phases) if phases else None,
                     level.phase_to_use if level.phase_to_use is not None else station.phase_to_use)

    def _transaction_level(self, at: dt.datetime, connector_id: int) -> Limit | None:
        tx = self.transactions.get(connector_id)
        anchor = tx.start if tx is not None else (self.relative_start or at)
        if tx is not None:
            tx_limit = self._purpose(ProfilePurpose.TX, at, connector_id, anchor, tx)
            if tx_limit is not None:
                return tx_limit
        return self._purpose(ProfilePurpose.TX_DEFAULT, at, connector_id, anchor, tx)

    def _purpose(self, purpose: ProfilePurpose, at: dt.datetime, connector_id: int, anchor: dt.datetime,
                 tx: Transaction | None) -> Limit | None:
        best: tuple[tuple[int, int, int], SchedulePeriod, ChargingProfile] | None = None
        for item in self.installed:
            profile = item.profile
            if profile.purpose is not purpose or not _in_scope(item, purpose, connector_id, tx):
                continue
            period = schedule_period_at(profile, at, anchor)
            if period is None or period.limit is None:
                continue
            level = profile.stack_level if self.rules.highest_stack_wins else -profile.stack_level
            key = (level, int(item.connector_id != 0), profile.profile_id)
            if best is None or key > best[0]:
                best = (key, period, profile)
        if best is None:
            return None
        _, period, profile = best
        assert period.limit is not None                  # periods without a limit were skipped
        value = convert_limit(period.limit, profile.unit, self.unit, period.number_phases,
                              voltage_v=self.voltage_v, default_phases=self.number_phases)
        return Limit(value, self.unit, period.number_phases, period.phase_to_use)


def _in_scope(item: InstalledProfile, purpose: ProfilePurpose, connector_id: int,
              tx: Transaction | None) -> bool:
    if purpose is ProfilePurpose.STATION_MAX:
        return item.connector_id == 0
    if purpose is ProfilePurpose.TX_DEFAULT:
        return item.connector_id in (0, connector_id)
    if tx is None or item.connector_id != connector_id:
        return False
    wanted = item.profile.transaction_id
    return wanted is None or tx.transaction_id is None or wanted == tx.transaction_id


def limit_at(installed: Iterable[InstalledProfile], at: dt.datetime, connector_id: int, *,
             transactions: Iterable[Transaction] = (), unit: RateUnit | str = RateUnit.A,
             number_phases: int = DEFAULT_NUMBER_PHASES, voltage_v: float = NOMINAL_VOLTAGE_V,
             relative_start: dt.datetime | None = None, station_connector_ids: Sequence[int] = (1,),
             rules: CompositeRules = OCPP_RULES) -> Limit | None:
    """The composite limit in force on ``connector_id`` at ``at`` (None: no profile constrains).

    ``transactions``: the running transactions (TxProfiles apply and Relative schedules start
    at their start). ``relative_start``: where a Relative schedule starts on a connector without
    a transaction (default ``at``). ``number_phases``: assumed where a period gives none.
    """
    require_aware("at", at)
    evaluator = _Evaluator(installed, transactions, RateUnit(unit), number_phases, voltage_v,
                           relative_start, station_connector_ids, rules)
    return evaluator.limit(at, connector_id)


def breakpoints(installed: Iterable[InstalledProfile], start: dt.datetime, end: dt.datetime, *,
                transactions: Iterable[Transaction] = (),
                relative_start: dt.datetime | None = None) -> list[dt.datetime]:
    """Every instant in [start, end) at which the composite limit may change: period starts,
    schedule ends, validity bounds, recurrences. Between two of them the limit is constant."""
    anchors_relative = {relative_start or start} | {tx.start for tx in transactions}
    points = {start}
    for item in installed:
        profile = item.profile
        points.update(t for t in (profile.valid_from, profile.valid_to) if t is not None)
        if profile.kind is ProfileKind.RECURRING and profile.start_schedule is not None \
                and profile.recurrency is not None:
            period = profile.recurrency.period
            first = profile.start_schedule + ((start - profile.start_schedule) // period) * period
            anchors = []
            while first < end:
                anchors.append(first)
                first += period
        elif profile.kind is not ProfileKind.RELATIVE and profile.start_schedule is not None:
            anchors = [profile.start_schedule]
        else:
            anchors = sorted(anchors_relative)
        for anchor in anchors:
            points.update(anchor + dt.timedelta(seconds=p.start_s) for p in profile.periods)
            if profile.duration_s is not None:
                points.add(anchor + dt.timedelta(seconds=profile.duration_s))
    return sorted(t for t in points if start <= t < end)


def sample_schedule(limit_fn: Callable[[dt.datetime], Limit | None], points: Iterable[dt.datetime],
                    start: dt.datetime, duration_s: int, unit: RateUnit | str, *,
                    max_limit: float | None = None) -> CompositeSchedule:
    """Build a :class:`CompositeSchedule` by evaluating ``limit_fn`` at each breakpoint (rounded
    up to whole seconds after ``start``, as startPeriod is an integer); equal neighbours merge.
    ``max_limit`` (in ``unit``) fills periods where ``limit_fn`` gives None."""
    offsets = sorted({0} | {math.ceil((t - start).total_seconds() - 1e-9) for t in points})
    periods: list[SchedulePeriod] = []
    for offset in offsets:
        if not 0 <= offset < duration_s:
            continue
        found = limit_fn(start + dt.timedelta(seconds=offset))
        limit = found.limit if found is not None else max_limit
        phases = found.number_phases if found is not None else None
        if periods and periods[-1].limit == limit and periods[-1].number_phases == phases:
            continue
        periods.append(SchedulePeriod(offset, limit, phases))
    return CompositeSchedule(start, duration_s, RateUnit(unit), tuple(periods))


def composite(installed: Iterable[InstalledProfile], start: dt.datetime, duration_s: int,
              unit: RateUnit | str | None = None, *, connector_id: int = 1,
              transactions: Iterable[Transaction] = (), number_phases: int = DEFAULT_NUMBER_PHASES,
              voltage_v: float = NOMINAL_VOLTAGE_V, max_current_a: float | None = None,
              station_connector_ids: Sequence[int] = (1,),
              rules: CompositeRules = OCPP_RULES) -> CompositeSchedule:
    """The composite schedule of ``connector_id`` from ``start`` for ``duration_s`` seconds in
    ``unit`` (None: A), per the module rules (1.6 §5.7 GetCompositeSchedule; 2.0.1 K08).

    A Relative schedule on a connector without a transaction starts at ``start``.
    ``max_current_a`` (A per phase, converted to ``unit`` with ``number_phases``) fills the
    periods where no profile constrains; without it their limit is None.
    """
    require_aware("start", start)
    if isinstance(duration_s, bool) or not isinstance(duration_s, int) or duration_s <= 0:
        raise ValueError(f"duration_s: expected a positive integer, got {duration_s!r}")
    rate_unit = RateUnit(unit) if unit is not None else RateUnit.A
    items = tuple(installed)
    txs = tuple(transactions)
    evaluator = _Evaluator(items, txs, rate_unit, number_phases, voltage_v, start,
                           station_connector_ids, rules)
    points = breakpoints(items, start, start + dt.timedelta(seconds=duration_s), transactions=txs,
                         relative_start=start)
    fill = None
    if max_current_a is not None:
        fill = convert_limit(max_current_a, RateUnit.A, rate_unit, None, voltage_v=voltage_v,
                             default_phases=number_phases)
    return sample_schedule(lambda t: evaluator.limit(t, connector_id), points, start, duration_s,
                           rate_unit, max_limit=fill)


def _values_near(schedule: CompositeSchedule, start: dt.datetime, t: dt.datetime,
                 window_s: float) -> list[SchedulePeriod]:
    """The periods of ``schedule`` (from ``start``) in force at some instant within ``t`` +/- ``window_s``."""
    offset_s = (t - start).total_seconds()
    found = [schedule.period_at(offset_s + d) for d in (0.0, -window_s, window_s)]
    found += [p for p in schedule.periods if abs(p.start_s - offset_s) <= window_s]
    return [p for p in found if p is not None]


def _span(schedule: CompositeSchedule) -> tuple[dt.datetime, int, RateUnit] | None:
    if schedule.start is None or schedule.duration_s is None or schedule.unit is None:
        return None
    return schedule.start, schedule.duration_s, schedule.unit


def differences(expected: CompositeSchedule, reported: CompositeSchedule, *,
                tolerance: float = 0.1, time_tolerance_s: float = 0.0) -> list[str]:
    """Where ``reported`` departs from ``expected`` by more than ``tolerance`` (in the schedules'
    unit), compared on absolute time over the span both cover. A period of ``expected`` with
    limit None (nothing constrains) accepts any reported limit. numberPhases absent = 3.
    ``time_tolerance_s`` forgives steps that come that much earlier or later (clock deviation,
    a transaction start known to the second; the 2.0.1 conformance tests allow 4 s).
    Returns human-readable findings; an empty list means the schedules agree."""
    want_span, got_span = _span(expected), _span(reported)
    if want_span is None or got_span is None:
        return [f"{'expected' if want_span is None else 'reported'}: no schedule "
                f"(status {(reported if want_span else expected).status})"]
    want_start, want_duration_s, unit = want_span
    got_start, got_duration_s, got_unit = got_span
    if unit is not got_unit:
        return [f"unit: expected {unit.value}, reported {got_unit.value}"]
    begin = max(want_start, got_start)
    end = min(want_start + dt.timedelta(seconds=want_duration_s),
              got_start + dt.timedelta(seconds=got_duration_s))
    if begin >= end:
        return ["the schedules do not overlap in time"]
    instants = {begin}
    for start, schedule in ((want_start, expected), (got_start, reported)):
        instants.update(start + dt.timedelta(seconds=p.start_s) for p in schedule.periods)

    def same(a: SchedulePeriod, b: SchedulePeriod) -> bool:
        if a.limit is None:
            return True
        return b.limit is not None and abs(a.limit - b.limit) <= tolerance and \
            (a.number_phases or DEFAULT_NUMBER_PHASES) == (b.number_phases or DEFAULT_NUMBER_PHASES)

    findings = []
    for t in sorted(i for i in instants if begin <= i < end):
        want = expected.period_at((t - want_start).total_seconds())
        got = reported.period_at((t - got_start).total_seconds())
        if want is None or want.limit is None:
            continue
        offset_s = (t - want_start).total_seconds()
        if got is None or got.limit is None:
            findings.append(f"at +{offset_s:g} s: expected {want.limit:g} {unit.value}, "
                            f"reported no limit")
            continue
        if same(want, got):
            continue
        if time_tolerance_s > 0 and \
                any(same(want, p) for p in _values_near(reported, got_start, t, time_tolerance_s)) and \
                any(same(p, got) for p in _values_near(expected, want_start, t, time_tolerance_s)):
            continue
        if abs(got.limit - want.limit) > tolerance:
            findings.append(f"at +{offset_s:g} s: expected {want.limit:g} {unit.value}, "
                            f"reported {got.limit:g}")
        else:
            findings.append(f"at +{offset_s:g} s: expected "
                            f"{want.number_phases or DEFAULT_NUMBER_PHASES} phase(s), reported "
                            f"{got.number_phases or DEFAULT_NUMBER_PHASES}")
    return findings
