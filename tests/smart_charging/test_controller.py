"""The simulated charger's ChargingController: compliant rules (profile store, offline, minimum
current, phases) and the effect of each smart-charging knob. Expected values are hand-computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import CallResult, _validate_payload

from simlab.devices.ev_charger.controller import ChargingController, ProfileStore
from simlab.devices.ev_charger.knobs import EvChargerKnobs, EvChargerParameters
from links.ocpp import OCPP16J, Transaction
from links.ocpp.smart_charging import ProfileKind, ProfilePurpose, composite, differences

from .builders import at, profile, steps

MAX, DEFAULT, TX = ProfilePurpose.STATION_MAX, ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX
NOW = at(2, 9)
DAY = at(2, 0)


def controller(store: ProfileStore | None = None, **knobs: object) -> ChargingController:
    """A 16 A, 3-phase, OCPP 1.6J charger (the default parameters)."""
    return ChargingController(EvChargerParameters(), EvChargerKnobs(**knobs), store)  # type: ignore[arg-type]


def limit(ctl: ChargingController, *, now: dt.datetime = NOW, tx: bool = False, online: bool = True,
          offline_since: dt.datetime | None = None) -> tuple[float | None, int]:
    return ctl.limit_a_per_phase(now, 1, tx, online, offline_since)


# -- compliant behaviour --------------------------------------------------------------------------
def test_default_parameters_are_an_11_kw_three_phase_charger():
    params = EvChargerParameters()
    assert (params.rated_current_a, params.phase_count, params.min_current_a) == (16.0, 3, 6.0)


def test_accepted_profile_sets_the_limit_and_no_profile_is_unconstrained():
    ctl = controller()
    assert limit(ctl) == (None, 3)
    assert ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW) == "Accepted"
    assert limit(ctl) == (10.0, 3)


def test_w_profile_is_converted_at_230_v_times_phases():
    ctl = controller()
    ctl.set_profile(profile(1, DEFAULT, [(0, 6900)], unit="W", start=DAY), 0, NOW)   # 6900 / 690
    assert limit(ctl) == (pytest.approx(10.0), 3)
    ctl.set_profile(profile(1, DEFAULT, [(0, 2300, 1)], unit="W", start=DAY), 0, NOW)  # 2300 / 230
    assert limit(ctl) == (pytest.approx(10.0), 3)


def test_limit_is_capped_at_the_rated_current():
    ctl = controller()
    ctl.set_profile(profile(1, DEFAULT, [(0, 32)], start=DAY), 0, NOW)
    assert limit(ctl) == (16.0, 3)


@pytest.mark.parametrize("amps, expected", [(6.0, 6.0), (5.9, 0.0), (0.0, 0.0)])
def test_below_six_amps_the_charger_pauses(amps, expected):
    ctl = controller()
    ctl.set_profile(profile(1, DEFAULT, [(0, amps)], start=DAY), 0, NOW)
    assert limit(ctl)[0] == expected


def test_phase_count_follows_number_phases_only_when_switching_is_supported():
    fixed = controller()
    fixed.set_profile(profile(1, DEFAULT, [(0, 16, 1)], start=DAY), 0, NOW)
    assert limit(fixed) == (16.0, 3)
    params = replace(EvChargerParameters(), phase_switching_supported=True)
    switching = ChargingController(params, EvChargerKnobs())
    switching.set_profile(profile(1, DEFAULT, [(0, 16, 1)], start=DAY), 0, NOW)
    assert switching.limit_a_per_phase(NOW, 1, False, True, None) == (16.0, 1)


def test_tx_profile_needs_a_transaction_and_ends_with_it():
    ctl = controller()
    ctl.set_profile(profile(1, DEFAULT, [(0, 16)], start=DAY), 0, NOW)
    assert ctl.set_profile(profile(2, TX, [(0, 8)], start=DAY), 1, NOW) == "Rejected"
    assert "no transaction" in ctl.last_rejection
    ctl.begin_transaction(1, NOW, 42)
    assert ctl.set_profile(profile(2, TX, [(0, 8)], start=DAY, transaction_id="42"), 1, NOW) == "Accepted"
    assert ctl.last_rejection is None
    assert limit(ctl, tx=True) == (8.0, 3)
    ctl.end_transaction(1)
    assert [i.profile.profile_id for i in ctl.store.installed] == [1]
    assert limit(ctl) == (16.0, 3)


def test_limit_call_keeps_the_transaction_in_step():
    # TxDefault Relative: 16 A for 600 s of the transaction, then 8 A. The first call with
    # transaction_active=True starts the transaction at that call's time (10:00).
    ctl = controller()
    ctl.set_profile(profile(1, DEFAULT, [(0, 16), (600, 8)], kind=ProfileKind.RELATIVE), 0, NOW)
    assert limit(ctl, now=at(2, 10), tx=True) == (16.0, 3)
    assert limit(ctl, now=at(2, 10, 9, 59), tx=True) == (16.0, 3)
    assert limit(ctl, now=at(2, 10, 10), tx=True) == (8.0, 3)
    assert limit(ctl, now=at(2, 10, 11), tx=False) == (16.0, 3)    # ended: relative to now again
    assert ctl.transactions == ()


def test_remote_start_profile_is_accepted_without_a_transaction_id_in_2_0_1():
    params = replace(EvChargerParameters(), ocpp_version="2.0.1")
    ctl = ChargingController(params, EvChargerKnobs())
    ctl.begin_transaction(1, NOW, "tx-1")
    assert ctl.set_profile(profile(1, TX, [(0, 8)], start=DAY), 1, NOW) == "Rejected"
    assert ctl.last_rejection.startswith("charging_profile.transaction_id:")
    fresh = ChargingController(params, EvChargerKnobs())
    assert fresh.set_profile(profile(1, TX, [(0, 8)], start=DAY), 1, NOW, remote_start=True) == "Accepted"
    assert fresh.transactions == (Transaction(1, NOW, None),)


def test_declared_capacities_are_enforced():
    ctl = controller()
    assert ctl.set_profile(profile(1, DEFAULT, [(0, 16)], stack=9), 0, NOW) == "Rejected"
    assert ctl.last_rejection.startswith("cs_charging_profiles.stack_level:")
    many = [(i * 60, 16.0) for i in range(25)]
    assert ctl.set_profile(profile(1, DEFAULT, many), 0, NOW) == "Rejected"
    assert "ChargingScheduleMaxPeriods" in ctl.last_rejection
    for i in range(16):
        assert ctl.set_profile(profile(i + 1, DEFAULT, [(0, 16)], stack=i % 9), i % 2, NOW) == "Accepted"
    assert len(ctl.store) == 16
    assert ctl.set_profile(profile(99, MAX, [(0, 16)], stack=8), 0, NOW) == "Rejected"
    assert "MaxChargingProfilesInstalled" in ctl.last_rejection


def test_expired_profiles_do_not_count_against_the_capacity():
    ctl = controller()
    for i in range(16):
        ctl.set_profile(profile(i + 1, DEFAULT, [(0, 16)], stack=i % 9, valid_to=at(2, 8)), i % 2, at(2, 7))
    assert ctl.set_profile(profile(99, MAX, [(0, 16)]), 0, NOW) == "Accepted"
    assert len(ctl.store) == 1


def test_clear_profiles_answers_accepted_or_unknown():
    ctl = controller()
    ctl.set_profile(profile(1, MAX, [(0, 10)], start=DAY), 0, NOW)
    assert ctl.clear_profiles(purpose="TxProfile") == "Unknown"
    assert ctl.clear_profiles(purpose="NoSuchPurpose") == "Unknown"
    assert ctl.clear_profiles(purpose="ChargePointMaxProfile") == "Accepted"
    assert limit(ctl) == (None, 3)


def test_profiles_survive_reconnect_and_reboot_but_tx_profiles_end_with_the_reboot():
    store = ProfileStore()
    ctl = controller(store)
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW)
    ctl.begin_transaction(1, NOW)
    ctl.set_profile(profile(2, TX, [(0, 8)], start=DAY), 1, NOW)
    ctl.on_reconnect()
    assert len(store) == 2
    ctl.on_reboot()
    assert [i.profile.profile_id for i in store.installed] == [1]
    rebooted = controller(store)        # the new firmware instance finds the same store
    assert limit(rebooted) == (10.0, 3)


def test_offline_a_running_transaction_keeps_its_profile_and_no_profile_is_unconstrained():
    ctl = controller()
    assert limit(ctl, online=False, offline_since=at(2, 8)) == (None, 3)
    ctl.begin_transaction(1, at(2, 8))
    ctl.set_profile(profile(1, TX, [(0, 10)], start=DAY), 1, at(2, 8))
    assert limit(ctl, tx=True, online=False, offline_since=at(2, 8, 30)) == (10.0, 3)
    # hours later, still offline, still the profile (max_offline_duration_s not claimed)
    assert limit(ctl, now=at(2, 20), tx=True, online=False, offline_since=at(2, 8, 30)) == (10.0, 3)


@pytest.mark.parametrize("fallback_a, expected", [(8.0, 8.0), (4.0, 0.0), (32.0, 16.0)])
def test_claimed_max_offline_duration_falls_back_to_the_fallback_limit(fallback_a, expected):
    params = replace(EvChargerParameters(), max_offline_duration_s=600.0,
                     offline_fallback_limit_a=fallback_a)
    ctl = ChargingController(params, EvChargerKnobs())
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW)
    since = at(2, 9)
    assert ctl.limit_a_per_phase(at(2, 9, 9, 59), 1, False, False, since) == (10.0, 3)
    assert ctl.limit_a_per_phase(at(2, 9, 10), 1, False, False, since) == (expected, 3)
    assert ctl.limit_a_per_phase(at(2, 9, 10), 1, False, True, None) == (10.0, 3)   # back online


def test_compliant_composite_equals_the_bench_computation_and_is_schema_valid():
    ctl = controller()
    ctl.set_profile(profile(1, MAX, [(0, 13)], start=DAY), 0, NOW)
    ctl.set_profile(profile(2, DEFAULT, [(0, 16)], start=DAY), 0, NOW)
    ctl.set_profile(profile(3, DEFAULT, [(0, 4140)], stack=1, unit="W", start=at(2, 16),
                            duration_s=18000), 0, NOW)
    reported = ctl.composite_schedule(1, at(2, 15), 7 * 3600, None)
    # 13 A until 16:00, 4140 W / 690 = 6 A until 21:00, 13 A again
    assert steps(reported) == [(0, 13.0), (3600, 6.0), (21600, 13.0)]
    expected = composite(ctl.store.installed, at(2, 15), 7 * 3600, "A", max_current_a=16.0)
    assert differences(expected, reported) == []
    payload = remove_nones(snake_to_camel_case(serialize_as_dict(
        OCPP16J.call_result.GetCompositeSchedule(**OCPP16J.composite_reply(reported, 1)))))
    _validate_payload(CallResult("1", payload, action="GetCompositeSchedule"), OCPP16J.name)


def test_composite_fills_unconstrained_periods_with_the_rating_in_the_requested_unit():
    ctl = controller()
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=at(2, 9, 30), duration_s=600), 0, NOW)
    # 16 A x 230 V x 3 = 11040 W; 10 A = 6900 W
    assert steps(ctl.composite_schedule(1, NOW, 3600, "W")) == [(0, 11040.0), (1800, 6900.0), (2400, 11040.0)]


# -- knobs ----------------------------------------------------------------------------------------
def test_knob_ignores_profiles_charges_at_rating_but_reports_correctly():
    ctl = controller(ignores_profiles=True)
    assert ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW) == "Accepted"
    assert limit(ctl) == (None, 3)
    assert steps(ctl.composite_schedule(1, NOW, 600)) == [(0, 10.0)]


def test_knob_rejects_valid_profiles():
    ctl = controller(rejects_valid_profiles=True)
    assert ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW) == "Rejected"
    assert len(ctl.store) == 0 and limit(ctl) == (None, 3)


@pytest.mark.parametrize("fault, watts, phases, compliant_a, faulty_a", [
    ("w_as_a", 6900.0, None, 10.0, 16.0),        # 6900 "A" capped at 16 A
    ("single_phase", 2760.0, None, 0.0, 12.0),   # right: 2760/690 = 4 A -> pause; wrong: 2760/230 = 12 A
    ("line_voltage", 11040.0, None, 16.0, 9.238),  # wrong: 11040/(398.4 x 3) = 9.238 A
    ("line_voltage", 3680.0, 1, 16.0, 9.238),      # 1 phase: 3680/398.4 = 9.238 A
])
def test_knob_wrong_unit_conversion(fault, watts, phases, compliant_a, faulty_a):
    period = (0, watts, phases) if phases else (0, watts)
    good, bad = controller(), controller(wrong_unit_conversion=fault)
    for ctl in (good, bad):
        ctl.set_profile(profile(1, DEFAULT, [period], unit="W", start=DAY), 0, NOW)
    assert limit(good)[0] == pytest.approx(compliant_a)
    assert limit(bad)[0] == pytest.approx(faulty_a, abs=1e-3)


def test_knob_wrong_unit_conversion_is_reported_as_applied():
    ctl = controller(wrong_unit_conversion="w_as_a")
    ctl.set_profile(profile(1, DEFAULT, [(0, 6900)], unit="W", start=DAY), 0, NOW)
    reported = ctl.composite_schedule(1, NOW, 600, "A")
    assert steps(reported) == [(0, 6900.0)]
    expected = composite(ctl.store.installed, NOW, 600, "A", max_current_a=16.0)
    assert differences(expected, reported) == ["at +0 s: expected 10 A, reported 6900"]


def test_knob_wrong_stacking_lowest_stack_wins():
    # stack 0: 16 A, stack 1: 8 A -> compliant 8 A, defective 16 A (applied and reported)
    good, bad = controller(), controller(wrong_stacking="lowest_stack_wins")
    for ctl in (good, bad):
        ctl.set_profile(profile(1, DEFAULT, [(0, 16)], start=DAY), 0, NOW)
        ctl.set_profile(profile(2, DEFAULT, [(0, 8)], stack=1, start=DAY), 0, NOW)
    assert limit(good) == (8.0, 3) and limit(bad) == (16.0, 3)
    assert steps(bad.composite_schedule(1, NOW, 600)) == [(0, 16.0)]


def test_knob_wrong_stacking_max_over_purposes():
    # station max 10 A, TxDefault 16 A -> compliant 10 A; max over purposes 16 A
    good, bad = controller(), controller(wrong_stacking="max_over_purposes")
    for ctl in (good, bad):
        ctl.set_profile(profile(1, MAX, [(0, 10)], start=DAY), 0, NOW)
        ctl.set_profile(profile(2, DEFAULT, [(0, 16)], start=DAY), 0, NOW)
    assert limit(good) == (10.0, 3) and limit(bad) == (16.0, 3)


def test_knob_composite_schedule_wrong_reports_other_limits_than_applied():
    ctl = controller(composite_schedule_wrong=True)
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW)
    assert limit(ctl) == (10.0, 3)
    assert steps(ctl.composite_schedule(1, NOW, 600)) == [(0, 15.0)]


def test_knob_profile_lost_on_reconnect():
    ctl = controller(profile_lost_on_reconnect=True)
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW)
    ctl.on_reconnect()
    assert limit(ctl) == (None, 3)


def test_knob_profile_lost_on_reboot():
    ctl = controller(profile_lost_on_reboot=True)
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW)
    ctl.on_reconnect()
    assert limit(ctl) == (10.0, 3)
    ctl.on_reboot()
    assert limit(ctl) == (None, 3)


def test_knob_unconstrained_offline():
    ctl = controller(unconstrained_offline=True)
    ctl.set_profile(profile(1, DEFAULT, [(0, 10)], start=DAY), 0, NOW)
    assert limit(ctl) == (10.0, 3)
    assert limit(ctl, online=False, offline_since=at(2, 8, 59)) == (None, 3)


@pytest.mark.parametrize("amps, expected", [(5.0, 6.0), (0.0, 0.0), (7.0, 7.0)])
def test_knob_ignores_min_current(amps, expected):
    ctl = controller(ignores_min_current=True)
    ctl.set_profile(profile(1, DEFAULT, [(0, amps)], start=DAY), 0, NOW)
    assert limit(ctl)[0] == expected
    assert ctl.knobs.keeps_minimum_instead_of_pause is True
