"""OCPP 1.6J / 2.0.1 wire forms of charging profiles and composite schedules (the version objects of
links/ocpp/versions), checked against the ``ocpp`` library's own JSON schemas and its camelCase ->
snake_case hand-over."""

from __future__ import annotations

import copy
import decimal
import json

import pytest
from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import Call, CallResult, _validate_payload
from links.ocpp import OCPP16J, OCPP201
from links.ocpp.smart_charging import (CompositeSchedule, ProfileError, ProfileKind, ProfilePurpose, RateUnit,
                                       Recurrency, SchedulePeriod, composite, differences)

from .builders import at, on, profile

PROFILE_16 = {
    "charging_profile_id": 7, "stack_level": 2, "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Recurring", "recurrency_kind": "Daily",
    "valid_from": "2026-11-01T00:00:00Z", "valid_to": "2026-12-01T00:00:00Z",
    "charging_schedule": {
        "start_schedule": "2026-11-01T15:00:00Z", "duration": 18000, "charging_rate_unit": "W",
        "charging_schedule_period": [{"start_period": 0, "limit": 4140.0, "number_phases": 3},
                                     {"start_period": 3600, "limit": 2300.5}],
        "min_charging_rate": 1380.0}}

PROFILE_201 = {
    "id": 9, "stack_level": 1, "charging_profile_purpose": "ChargingStationMaxProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": [{"id": 1, "start_schedule": "2026-11-02T16:00:00+01:00",
                           "charging_rate_unit": "A",
                           "charging_schedule_period": [
                               {"start_period": 0, "limit": 10.0, "number_phases": 1,
                                "phase_to_use": 2},
                               {"start_period": 1800, "limit": 16.0}],
                           "custom_data": {"vendor_id": "x"}}]}


def _wire(payload: object) -> dict:
    """What ``ocpp`` puts on the wire for a payload dataclass (ChargePoint.call / _handle_call)."""
    return remove_nones(snake_to_camel_case(serialize_as_dict(payload)))


def _handed_over(action: str, payload: dict, version: str) -> dict:
    """Validate a camelCase CALL payload as the library does and return what a handler gets."""
    message = Call("1", action, json.loads(json.dumps(payload)))
    _validate_payload(message, version)
    return camel_to_snake_case(message.payload)


# -- 1.6 ------------------------------------------------------------------------------------------
def test_1_6_profile_from_wire_reads_every_field():
    p = OCPP16J.profile_from_wire(PROFILE_16)
    assert (p.profile_id, p.stack_level, p.purpose, p.kind, p.recurrency) == \
        (7, 2, ProfilePurpose.TX_DEFAULT, ProfileKind.RECURRING, Recurrency.DAILY)
    assert p.valid_from == at(1, 0) and p.valid_to == at(1, 0, month=12)
    s = p
    assert (s.unit, s.duration_s, s.start_schedule, s.min_charging_rate) == \
        (RateUnit.W, 18000, at(1, 15), 1380.0)
    assert [(x.start_s, x.limit, x.number_phases) for x in s.periods] == \
        [(0, 4140.0, 3), (3600, 2300.5, None)]


def test_1_6_profile_from_wire_accepts_the_librarys_datatype_dataclasses():
    from ocpp.v16 import datatypes, enums
    built = datatypes.ChargingProfile(
        charging_profile_id=3, stack_level=1,
        charging_profile_purpose=enums.ChargingProfilePurposeType.tx_default_profile,
        charging_profile_kind=enums.ChargingProfileKindType.absolute,
        charging_schedule=datatypes.ChargingSchedule(
            charging_rate_unit=enums.ChargingRateUnitType.amps,
            charging_schedule_period=[datatypes.ChargingSchedulePeriod(start_period=0, limit=10.0)],
            start_schedule="2026-11-02T09:00:00Z"))
    p = OCPP16J.profile_from_wire(built)
    assert (p.profile_id, p.purpose, p.unit, p.start_schedule) == \
        (3, ProfilePurpose.TX_DEFAULT, RateUnit.A, at(2, 9))
    assert p.periods[0].limit == 10.0


def test_profile_survives_the_librarys_validation_and_hand_over_1_6():
    # bench side: OCPP16J.profile_to_wire -> SetChargingProfile on the wire (schema-valid);
    # charger side: the handler's snake_case kwargs (limits as Decimal) -> the same profile.
    original = OCPP16J.profile_from_wire(PROFILE_16)
    wire = _wire(OCPP16J.set_charging_profile_request(original, 0))
    handed = _handed_over("SetChargingProfile", wire, OCPP16J.name)
    assert isinstance(handed["cs_charging_profiles"]["charging_schedule"]["charging_schedule_period"][0]["limit"],
                      decimal.Decimal)
    assert OCPP16J.profile_from_wire(handed["cs_charging_profiles"]) == original


@pytest.mark.parametrize("change, field, words", [
    (lambda d: d["charging_schedule"].pop("charging_rate_unit"),
     "cs_charging_profiles.charging_schedule.charging_rate_unit", "required"),
    (lambda d: d["charging_schedule"]["charging_schedule_period"][0].update(start_period=5),
     "cs_charging_profiles.charging_schedule.charging_schedule_period[0].start_period", "start at 0"),
    (lambda d: d["charging_schedule"]["charging_schedule_period"][1].update(start_period=0),
     "cs_charging_profiles.charging_schedule.charging_schedule_period[1].start_period", "greater"),
    (lambda d: d["charging_schedule"]["charging_schedule_period"][1].update(limit=-1),
     "cs_charging_profiles.charging_schedule.charging_schedule_period[1].limit", ">= 0"),
    (lambda d: d["charging_schedule"]["charging_schedule_period"][0].update(number_phases=4),
     "cs_charging_profiles.charging_schedule.charging_schedule_period[0].number_phases", "<= 3"),
    (lambda d: d["charging_schedule"]["charging_schedule_period"][1].update(start_period=86400),
     "cs_charging_profiles.charging_schedule.charging_schedule_period[1].start_period", "Daily"),
    (lambda d: d["charging_schedule"].update(charging_schedule_period=[]),
     "cs_charging_profiles.charging_schedule.charging_schedule_period", "at least one"),
    (lambda d: d.update(charging_profile_purpose="ChargingStationMaxProfile"),
     "cs_charging_profiles.charging_profile_purpose", "2.0.1 name"),
    (lambda d: d.update(charging_profile_kind="Sometimes"),
     "cs_charging_profiles.charging_profile_kind", "Absolute, Recurring, Relative"),
    (lambda d: d.pop("recurrency_kind"), "cs_charging_profiles.recurrency_kind", "Recurring"),
    (lambda d: d["charging_schedule"].pop("start_schedule"),
     "cs_charging_profiles.charging_schedule.start_schedule", "Recurring"),
    (lambda d: d.update(transaction_id=5), "cs_charging_profiles.transaction_id", "TxProfile"),
    (lambda d: d.update(valid_to="2026-10-01T00:00:00Z"), "cs_charging_profiles.valid_to", "after"),
    (lambda d: d.update(valid_from="2026-11-01T00:00:00"), "cs_charging_profiles.valid_from", "UTC offset"),
    (lambda d: d.update(valid_from="yesterday"), "cs_charging_profiles.valid_from", "RFC 3339"),
    (lambda d: d.update(stack_level=-1), "cs_charging_profiles.stack_level", ">= 0"),
    (lambda d: d.update(stack_level=True), "cs_charging_profiles.stack_level", "integer"),
    (lambda d: d.update(color="red"), "cs_charging_profiles.color", "unknown field"),
])
def test_1_6_profile_from_wire_names_the_bad_field(change, field, words):
    data = copy.deepcopy(PROFILE_16)
    change(data)
    with pytest.raises(ProfileError) as caught:
        OCPP16J.profile_from_wire(data)
    assert caught.value.field == field
    assert words in caught.value.problem


def test_relative_16_profile_ignores_a_start_schedule():
    data = copy.deepcopy(PROFILE_16)
    data.update(charging_profile_kind="Relative")
    assert OCPP16J.profile_from_wire(data).start_schedule is None


def test_composite_reply_1_6_is_schema_valid_and_reads_back():
    # 11000 W 3-phase = 15.942 A -> on the wire 15.9 (schema multipleOf 0.1)
    installed = on(0, profile(1, ProfilePurpose.TX_DEFAULT, [(0, 11000)], unit="W", start=at(2, 0)))
    schedule = composite(installed, at(2, 9), 900, "A")
    reply = OCPP16J.call_result.GetCompositeSchedule(**OCPP16J.composite_reply(schedule, 1))
    message = CallResult("1", _wire(reply), action="GetCompositeSchedule")
    _validate_payload(message, OCPP16J.name)
    assert message.payload["chargingSchedule"]["chargingSchedulePeriod"] == \
        [{"startPeriod": 0, "limit": decimal.Decimal("15.9")}]
    assert message.payload["scheduleStart"] == "2026-11-02T09:00:00.000Z"          # a timestamp
    assert message.payload["chargingSchedule"]["startSchedule"] == "2026-11-02T09:00:00Z"
    back = OCPP16J.composite_from_reply(reply)
    assert (back.start, back.duration_s, back.unit, back.status, back.connector_id) == \
        (at(2, 9), 900, RateUnit.A, "Accepted", 1)
    assert back.periods == (SchedulePeriod(0, 15.9),)


def test_composite_reader_1_6_reads_a_rejection_and_a_missing_duration_as_given():
    rejected = OCPP16J.composite_from_reply({"status": "Rejected"})
    assert (rejected.status, rejected.start, rejected.duration_s, rejected.periods) == ("Rejected", None, None, ())
    reply = {"status": "Accepted", "schedule_start": "2026-11-02T09:00:00Z",
             "charging_schedule": {"charging_rate_unit": "A",
                                   "charging_schedule_period": [{"start_period": 0, "limit": 6}]}}
    read = OCPP16J.composite_from_reply(reply)
    assert (read.start, read.duration_s, read.unit, read.periods) == (at(2, 9), None, RateUnit.A,
                                                                      (SchedulePeriod(0, 6.0),))
    expected = composite([], at(2, 9), 60, "A", max_current_a=6.0)
    assert differences(expected, OCPP16J.composite_from_reply({"status": "Rejected"})) == [
        "reported: no schedule (status Rejected)"]


def test_a_period_without_limit_cannot_go_on_the_wire():
    schedule = CompositeSchedule(at(2, 9), 60, RateUnit.A, (SchedulePeriod(0, None),))
    for version in (OCPP16J, OCPP201):
        with pytest.raises(ValueError, match="max_current_a"):
            version.composite_reply(schedule, 1)


# -- 2.0.1 ----------------------------------------------------------------------------------------
def test_2_0_1_profile_from_wire_maps_2_0_1_names():
    p = OCPP201.profile_from_wire(PROFILE_201)
    assert p.purpose is ProfilePurpose.STATION_MAX and p.profile_id == 9 and p.stack_level == 1
    assert p.start_schedule == at(2, 15)          # 16:00+01:00
    assert [(x.start_s, x.limit, x.number_phases, x.phase_to_use) for x in p.periods] == \
        [(0, 10.0, 1, 2), (1800, 16.0, None, None)]
    assert p.schedule_id == 1


def test_profile_survives_the_librarys_validation_and_hand_over_2_0_1():
    original = OCPP201.profile_from_wire(PROFILE_201)
    wire = _wire(OCPP201.call.SetChargingProfile(evse_id=0, charging_profile=OCPP201.profile_to_wire(original)))
    handed = _handed_over("SetChargingProfile", wire, OCPP201.name)
    assert OCPP201.profile_from_wire(handed["charging_profile"]) == original


@pytest.mark.parametrize("change, field, words", [
    (lambda d: d.update(charging_profile_purpose="ChargePointMaxProfile"),
     "charging_profile.charging_profile_purpose", "1.6 name"),
    (lambda d: d.update(charging_profile_purpose="ChargingStationExternalConstraints"),
     "charging_profile.charging_profile_purpose", "external system"),
    (lambda d: d["charging_schedule"][0].pop("start_schedule"),
     "charging_profile.charging_schedule[0].start_schedule", "Absolute"),
    (lambda d: d.update(charging_profile_kind="Relative", charging_profile_purpose="TxDefaultProfile"),
     "charging_profile.charging_schedule[0].start_schedule", "absent"),
    (lambda d: d.update(charging_profile_kind="Relative"),
     "charging_profile.charging_profile_kind", "cannot be Relative"),
    (lambda d: d["charging_schedule"][0]["charging_schedule_period"][0].update(number_phases=3),
     "charging_profile.charging_schedule[0].charging_schedule_period[0].phase_to_use", "number_phases 1"),
    (lambda d: d["charging_schedule"][0].pop("id"), "charging_profile.charging_schedule[0].id", "required"),
    (lambda d: d.update(charging_schedule=[]), "charging_profile.charging_schedule", "1..3"),
    (lambda d: d.update(charging_schedule={}), "charging_profile.charging_schedule", "list"),
    (lambda d: d.update(transaction_id="tx-1"), "charging_profile.transaction_id", "TxProfile"),
    (lambda d: d.update(charging_profile_purpose="TxProfile", transaction_id="x" * 37),
     "charging_profile.transaction_id", "36"),
])
def test_2_0_1_profile_from_wire_names_the_bad_field(change, field, words):
    data = copy.deepcopy(PROFILE_201)
    change(data)
    with pytest.raises(ProfileError) as caught:
        OCPP201.profile_from_wire(data)
    assert caught.value.field == field
    assert words in caught.value.problem


def test_composite_reply_2_0_1_is_schema_valid_and_reads_back():
    installed = on(0, profile(1, ProfilePurpose.STATION_MAX, [(0, 16), (600, 10, 1)], start=at(2, 9)))
    schedule = composite(installed, at(2, 9), 1200, "W")
    reply = OCPP201.call_result.GetCompositeSchedule(**OCPP201.composite_reply(schedule, 0))
    message = CallResult("1", _wire(reply), action="GetCompositeSchedule")
    _validate_payload(message, OCPP201.name)
    # 16 A x 230 V x 3 = 11040 W; 10 A x 230 V x 1 = 2300 W
    assert message.payload["schedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 11040.0}, {"startPeriod": 600, "limit": 2300.0, "numberPhases": 1}]
    assert message.payload["schedule"]["evseId"] == 0
    assert message.payload["schedule"]["scheduleStart"] == "2026-11-02T09:00:00Z"
    back = OCPP201.composite_from_reply(reply)
    assert back == CompositeSchedule(at(2, 9), 1200, RateUnit.W,
                                     (SchedulePeriod(0, 11040.0), SchedulePeriod(600, 2300.0, 1)), connector_id=0)


def test_composite_reader_2_0_1_reads_a_rejection_as_given():
    rejected = OCPP201.composite_from_reply(OCPP201.call_result.GetCompositeSchedule(status="Rejected"))
    assert (rejected.status, rejected.start, rejected.unit, rejected.periods) == ("Rejected", None, None, ())
