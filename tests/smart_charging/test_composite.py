"""Composite schedules per OCPP 1.6J §3.13 / 2.0.1 K08. Every expected value is worked out by
hand from the OCPP rules in the test's comment, never taken from the code under test."""

from __future__ import annotations

import datetime as dt

import pytest

from links.ocpp.transactions import Transaction
from links.ocpp.smart_charging import (CompositeRules, CompositeSchedule, ProfileKind, ProfilePurpose, RateUnit,
                                       Recurrency, SchedulePeriod, composite, convert_limit, differences,
                                       limit_at)
from .builders import at, on, profile, steps

MAX, DEFAULT, TX = ProfilePurpose.STATION_MAX, ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX
ALL_DAY = at(2, 0)  # an Absolute start long before every window used below


# -- stacking within one purpose ------------------------------------------------------------------
def test_highest_stack_level_wins_while_it_runs_then_the_lower_one_resumes():
    # TxDefault stack 0: 16 A from 00:00; stack 1: 10 A from 12:00 for 3600 s.
    # From 11:30 for 2 h: 16 A, at +1800 s (12:00) 10 A, at +5400 s (13:00) 16 A again.
    installed = on(0, profile(1, DEFAULT, [(0, 16)], start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 10)], stack=1, start=at(2, 12), duration_s=3600))
    result = composite(installed, at(2, 11, 30), 7200, "A")
    assert steps(result) == [(0, 16.0), (1800, 10.0), (5400, 16.0)]


def test_a_higher_stack_level_prevails_even_when_it_allows_more():
    # stack 3 (20 A) beats stack 1 (8 A) within TxDefault: precedence, not minimum.
    installed = on(1, profile(1, DEFAULT, [(0, 8)], stack=1, start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 20)], stack=3, start=ALL_DAY))
    assert limit_at(installed, at(2, 9), 1).limit == 20.0


def test_connector_profile_wins_a_stack_tie_with_connector_zero():
    installed = (on(0, profile(1, DEFAULT, [(0, 16)], stack=2, start=ALL_DAY))
                 + on(1, profile(2, DEFAULT, [(0, 11)], stack=2, start=ALL_DAY)))
    assert limit_at(installed, at(2, 9), 1).limit == 11.0


# -- combining purposes ---------------------------------------------------------------------------
def test_station_maximum_caps_the_transaction_level():
    # ChargePointMax 12 A on connector 0; TxDefault 16 A -> min = 12 A; TxDefault 8 A -> 8 A.
    cap = profile(1, MAX, [(0, 12)], start=ALL_DAY)
    assert limit_at(on(0, cap, profile(2, DEFAULT, [(0, 16)], start=ALL_DAY)), at(2, 9), 1).limit == 12.0
    assert limit_at(on(0, cap, profile(2, DEFAULT, [(0, 8)], start=ALL_DAY)), at(2, 9), 1).limit == 8.0


def test_tx_profile_overrules_tx_default_only_inside_a_transaction():
    # TxDefault 8 A; TxProfile 14 A on connector 1. With a transaction the TxProfile replaces the
    # default (14 A, even though higher); capped by a 12 A station maximum -> 12 A.
    # Without a transaction the TxProfile does not count -> 8 A.
    installed = (on(0, profile(1, DEFAULT, [(0, 8)], start=ALL_DAY))
                 + on(1, profile(2, TX, [(0, 14)], start=ALL_DAY)))
    tx = [Transaction(1, at(2, 8))]
    assert limit_at(installed, at(2, 9), 1, transactions=tx).limit == 14.0
    assert limit_at(installed, at(2, 9), 1).limit == 8.0
    capped = installed + on(0, profile(3, MAX, [(0, 12)], start=ALL_DAY))
    assert limit_at(capped, at(2, 9), 1, transactions=tx).limit == 12.0


def test_tx_profile_for_another_transaction_does_not_apply():
    installed = (on(0, profile(1, DEFAULT, [(0, 8)], start=ALL_DAY))
                 + on(1, profile(2, TX, [(0, 14)], start=ALL_DAY, transaction_id="41")))
    assert limit_at(installed, at(2, 9), 1, transactions=[Transaction(1, at(2, 8), "42")]).limit == 8.0
    assert limit_at(installed, at(2, 9), 1, transactions=[Transaction(1, at(2, 8), "41")]).limit == 14.0


def test_tx_profile_ending_falls_back_to_tx_default():
    # TxProfile 10 A for the first 1800 s of the transaction (Relative), TxDefault 16 A:
    # transaction started 10:00; from 10:00 for 1 h: 10 A, then 16 A at +1800 s.
    installed = (on(0, profile(1, DEFAULT, [(0, 16)], start=ALL_DAY))
                 + on(1, profile(2, TX, [(0, 10)], kind=ProfileKind.RELATIVE, duration_s=1800)))
    result = composite(installed, at(2, 10), 3600, transactions=[Transaction(1, at(2, 10))])
    assert steps(result) == [(0, 10.0), (1800, 16.0)]


def test_connector_zero_composite_is_the_station_total_capped_by_the_maximum():
    # TxDefault 16 A on connector 0 applies to each connector; station maximum 20 A.
    # One connector: min(20, 16) = 16 A. Two connectors: min(20, 16 + 16) = 20 A.
    installed = on(0, profile(1, MAX, [(0, 20)], start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 16)], start=ALL_DAY))
    assert limit_at(installed, at(2, 9), 0).limit == 16.0
    assert limit_at(installed, at(2, 9), 0, station_connector_ids=(1, 2)).limit == 20.0


def test_wrong_rules_give_the_defective_answers():
    installed = on(0, profile(1, MAX, [(0, 10)], start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 16)], stack=0, start=ALL_DAY),
                   profile(3, DEFAULT, [(0, 8)], stack=1, start=ALL_DAY))
    # compliant: TxDefault stack 1 (8 A) prevails, min(10, 8) = 8 A
    assert limit_at(installed, at(2, 9), 1).limit == 8.0
    # lowest stack wins: 16 A, capped by 10 A -> 10 A
    assert limit_at(installed, at(2, 9), 1, rules=CompositeRules(highest_stack_wins=False)).limit == 10.0
    # maximum over purposes: max(10, 8) = 10 A
    assert limit_at(installed, at(2, 9), 1, rules=CompositeRules(station_max_caps=False)).limit == 10.0


# -- units ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("watts, phases, amps", [
    (11040.0, None, 16.0),   # 11040 / (230 x 3)
    (11040.0, 3, 16.0),
    (3680.0, 1, 16.0),       # 3680 / 230
    (4140.0, 3, 6.0),        # 4140 / 690
    (7360.0, 1, 32.0),
])
def test_w_limit_is_total_power_over_230_v_times_phases(watts, phases, amps):
    installed = on(0, profile(1, DEFAULT, [(0, watts, phases) if phases else (0, watts)],
                              unit="W", start=ALL_DAY))
    found = limit_at(installed, at(2, 9), 1, unit="A")
    assert found.limit == pytest.approx(amps)
    assert found.number_phases == phases


@pytest.mark.parametrize("amps, phases, watts", [(16.0, None, 11040.0), (16.0, 3, 11040.0),
                                                 (10.0, 1, 2300.0), (32.0, 1, 7360.0)])
def test_a_limit_in_w_is_per_phase_current_times_230_v_times_phases(amps, phases, watts):
    installed = on(0, profile(1, DEFAULT, [(0, amps, phases) if phases else (0, amps)],
                              start=ALL_DAY))
    assert limit_at(installed, at(2, 9), 1, unit="W").limit == pytest.approx(watts)


def test_purposes_in_different_units_are_compared_in_the_requested_unit():
    # station max 11040 W (= 16 A at 3 x 230 V); TxDefault 10 A 3-phase (= 6900 W).
    installed = on(0, profile(1, MAX, [(0, 11040)], unit="W", start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 10)], start=ALL_DAY))
    assert composite(installed, at(2, 9), 600, "W").periods == (SchedulePeriod(0, 6900.0),)
    assert composite(installed, at(2, 9), 600, "A").periods == (SchedulePeriod(0, 10.0),)
    # the other way round: TxDefault 20 A (13800 W) is capped at 11040 W = 16 A
    installed = on(0, profile(1, MAX, [(0, 11040)], unit="W", start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 20)], start=ALL_DAY))
    assert composite(installed, at(2, 9), 600, "A").periods[0].limit == pytest.approx(16.0)


def test_a_custom_voltage_is_used_for_the_conversion():
    assert convert_limit(6900, "W", "A", 3, voltage_v=230.0) == pytest.approx(10.0)
    assert convert_limit(6900, "W", "A", 3, voltage_v=240.0) == pytest.approx(9.583333, rel=1e-6)
    assert convert_limit(10, "A", "A") == 10.0


# -- recurring profiles ---------------------------------------------------------------------------
def test_daily_profile_crossing_midnight():
    # Daily from 22:00: 8 A for 8 h (22:00-06:00), then 16 A (06:00-22:00).
    # From 2026-11-05 20:00 for 12 h: 16 A; +7200 s (22:00) 8 A; +36000 s (06:00) 16 A.
    night = profile(1, DEFAULT, [(0, 8), (8 * 3600, 16)], kind=ProfileKind.RECURRING,
                    recurrency=Recurrency.DAILY, start=at(1, 22))
    result = composite(on(0, night), at(5, 20), 12 * 3600)
    assert steps(result) == [(0, 16.0), (7200, 8.0), (36000, 16.0)]
    assert limit_at(on(0, night), at(6, 5, 59, 59), 1).limit == 8.0
    assert limit_at(on(0, night), at(6, 6), 1).limit == 16.0


def test_daily_recurrence_also_holds_before_its_first_start_schedule():
    # startSchedule 2026-11-01 22:00: 23:00 the day before lies in the previous recurrence's
    # night (22:00-06:00) -> 8 A.
    night = profile(1, DEFAULT, [(0, 8), (8 * 3600, 16)], kind=ProfileKind.RECURRING,
                    recurrency=Recurrency.DAILY, start=at(1, 22))
    assert limit_at(on(0, night), at(31, 23, month=10), 1).limit == 8.0


def test_net_aware_peak_window_16_to_21_local_time():
    # Daily 16:00-21:00 Amsterdam time (UTC+1 in November): 6 A for 18000 s, over a 16 A base.
    # Composite from 12:00 local for 24 h: 16 A; +14400 s (16:00) 6 A; +32400 s (21:00) 16 A.
    cet = dt.timezone(dt.timedelta(hours=1))
    installed = on(0, profile(1, DEFAULT, [(0, 16)], start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 6)], stack=1, kind=ProfileKind.RECURRING,
                           recurrency=Recurrency.DAILY, start=at(1, 16, tz=cet), duration_s=18000))
    result = composite(installed, at(3, 12, tz=cet), 24 * 3600)
    assert steps(result) == [(0, 16.0), (14400, 6.0), (32400, 16.0)]
    assert limit_at(installed, at(3, 19, 59, 59), 1).limit == 6.0      # 20:59:59 local
    assert limit_at(installed, at(3, 20), 1).limit == 16.0             # 21:00 local
    assert limit_at(installed, at(3, 14, 59, 59), 1).limit == 16.0     # 15:59:59 local


def test_weekly_profile():
    # Weekly from Monday 2026-11-02 00:00: 16 A for 5 days, then 10 A (weekend).
    week = profile(1, DEFAULT, [(0, 16), (5 * 86400, 10)], kind=ProfileKind.RECURRING,
                   recurrency=Recurrency.WEEKLY, start=at(2, 0))
    assert limit_at(on(0, week), at(6, 23, 59), 1).limit == 16.0     # Friday
    assert limit_at(on(0, week), at(7, 12), 1).limit == 10.0         # Saturday
    assert limit_at(on(0, week), at(16, 0), 1).limit == 16.0         # Monday two weeks on


# -- relative profiles ----------------------------------------------------------------------------
def test_relative_profile_counts_from_the_transaction_start():
    # 16 A for the first hour of the transaction, then 8 A. Transaction at 10:00; composite from
    # 10:30 for 2 h: 16 A, 8 A from +1800 s (11:00).
    rel = profile(1, DEFAULT, [(0, 16), (3600, 8)], kind=ProfileKind.RELATIVE)
    result = composite(on(0, rel), at(2, 10, 30), 7200,
                       transactions=[Transaction(1, at(2, 10))])
    assert steps(result) == [(0, 16.0), (1800, 8.0)]


def test_relative_profile_without_a_transaction_starts_at_the_composite_start():
    # no transaction: as if charging started at 10:30 -> 16 A, 8 A from +3600 s.
    rel = profile(1, DEFAULT, [(0, 16), (3600, 8)], kind=ProfileKind.RELATIVE)
    assert steps(composite(on(0, rel), at(2, 10, 30), 7200)) == [(0, 16.0), (3600, 8.0)]


def test_absolute_profile_without_start_schedule_is_relative_to_charging_start():
    p = profile(1, DEFAULT, [(0, 16), (600, 8)], kind=ProfileKind.ABSOLUTE)
    tx = [Transaction(1, at(2, 10))]
    assert limit_at(on(0, p), at(2, 10, 9, 59), 1, transactions=tx).limit == 16.0
    assert limit_at(on(0, p), at(2, 10, 10), 1, transactions=tx).limit == 8.0


# -- validity and duration ------------------------------------------------------------------------
def test_valid_from_and_valid_to_bound_a_profile():
    # stack 1 (8 A) valid 12:00-13:00 over a 16 A base: from 11:00 for 3 h -> 16, 8 at +3600, 16 at +7200.
    installed = on(0, profile(1, DEFAULT, [(0, 16)], start=ALL_DAY),
                   profile(2, DEFAULT, [(0, 8)], stack=1, start=ALL_DAY,
                           valid_from=at(2, 12), valid_to=at(2, 13)))
    assert steps(composite(installed, at(2, 11), 3 * 3600)) == [(0, 16.0), (3600, 8.0), (7200, 16.0)]


def test_schedule_before_its_start_and_after_its_duration_does_not_count():
    p = profile(1, DEFAULT, [(0, 10)], start=at(2, 12), duration_s=900)
    assert limit_at(on(0, p), at(2, 11, 59, 59), 1) is None
    assert limit_at(on(0, p), at(2, 12, 14, 59), 1).limit == 10.0
    assert limit_at(on(0, p), at(2, 12, 15), 1) is None


def test_unconstrained_periods_are_none_or_the_given_maximum():
    p = profile(1, DEFAULT, [(0, 10)], start=at(2, 12), duration_s=900)
    assert steps(composite(on(0, p), at(2, 11, 45), 2700)) == [(0, None), (900, 10.0), (1800, None)]
    # the rated 16 A in W at 3 x 230 V is 11040 W; 10 A is 6900 W
    filled = composite(on(0, p), at(2, 11, 45), 2700, "W", max_current_a=16.0)
    assert steps(filled) == [(0, 11040.0), (900, 6900.0), (1800, 11040.0)]


def test_number_phases_of_the_limiting_period_is_reported():
    installed = on(0, profile(1, MAX, [(0, 32)], start=ALL_DAY)) + \
        on(1, profile(2, TX, [(0, 16, 1)], start=ALL_DAY))
    result = composite(installed, at(2, 9), 600, transactions=[Transaction(1, at(2, 8))])
    assert result.periods == (SchedulePeriod(0, 16.0, 1),)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        composite([], dt.datetime(2026, 11, 2, 9), 600)  # noqa: DTZ001 - the naive time under test


# -- comparing a reported schedule with the expected one ------------------------------------------
def _schedule(start: dt.datetime, periods: list[tuple[int, float | None]], duration_s: int = 3600,
              unit: RateUnit = RateUnit.A) -> CompositeSchedule:
    return CompositeSchedule(start, duration_s, unit, tuple(SchedulePeriod(s, v) for s, v in periods))


def test_differences_is_empty_for_equal_step_functions_split_differently():
    expected = _schedule(at(2, 9), [(0, 10.0), (1800, 16.0)])
    reported = _schedule(at(2, 9), [(0, 10.0), (900, 10.0), (1800, 16.04)])
    assert differences(expected, reported) == []


def test_differences_reports_wrong_limits_on_absolute_time():
    expected = _schedule(at(2, 9), [(0, 10.0), (1800, 16.0)])
    reported = _schedule(at(2, 9, 10), [(0, 10.0), (1800, 16.0)])   # started 600 s later
    # on absolute time the reported step comes at 09:40 instead of 09:30
    assert differences(expected, reported) == ["at +1800 s: expected 16 A, reported 10"]


def test_differences_forgives_steps_within_the_time_tolerance_only():
    expected = _schedule(at(2, 9), [(0, 10.0), (1800, 16.0)])
    late = _schedule(at(2, 9), [(0, 10.0), (1801, 16.0)])     # one second late
    assert differences(expected, late) == ["at +1800 s: expected 16 A, reported 10"]
    assert differences(expected, late, time_tolerance_s=4.0) == []
    very_late = _schedule(at(2, 9), [(0, 10.0), (1810, 16.0)])
    assert differences(expected, very_late, time_tolerance_s=4.0) == \
        ["at +1800 s: expected 16 A, reported 10"]


def test_differences_flags_a_wrong_number_of_phases():
    expected = CompositeSchedule(at(2, 9), 600, RateUnit.A, (SchedulePeriod(0, 16.0, 1),))
    reported = CompositeSchedule(at(2, 9), 600, RateUnit.A, (SchedulePeriod(0, 16.0),))
    assert differences(expected, reported) == ["at +0 s: expected 1 phase(s), reported 3"]


def test_differences_accepts_anything_where_nothing_constrains_and_flags_units():
    expected = _schedule(at(2, 9), [(0, None), (1800, 6.0)])
    assert differences(expected, _schedule(at(2, 9), [(0, 32.0), (1800, 6.0)])) == []
    assert differences(expected, _schedule(at(2, 9), [(0, 6.0)], unit=RateUnit.W)) == \
        ["unit: expected A, reported W"]
