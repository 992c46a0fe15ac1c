"""One charging-profile model -> OCPP 1.6J and 2.0.1 SetChargingProfile payloads (by each version object)
that pass the ``ocpp`` library's official JSON schemas; composite schedules of both versions -> one shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, _validate_payload

from links.ocpp import (OCPP16J, OCPP201, VERSIONS, ChargingProfile, InvalidChargingProfile, OcppVersion,
                        ProfileKind, ProfilePurpose, RateUnit, SchedulePeriod)

CET = dt.timezone(dt.timedelta(hours=2))
START = dt.datetime(2026, 6, 21, 16, 0, tzinfo=CET)


def wire(request: Any, version: OcppVersion) -> dict[str, Any]:
    """The request's payload as the library puts it on the wire, after its own schema validation."""
    call = Call("1", type(request).__name__, remove_nones(snake_to_camel_case(serialize_as_dict(request))))
    _validate_payload(call, version.name)
    return call.payload


def profile(**changes: Any) -> ChargingProfile:
    base: dict[str, Any] = dict(profile_id=11, purpose="tx_default", stack_level=2, unit="A",
                                periods=[(0, 16.0, 3), (3600, 6.5)], kind=ProfileKind.ABSOLUTE,
                                start_schedule=START, duration_s=18000,
                                valid_from=START, valid_to=START + dt.timedelta(days=1))
    base.update(changes)
    return ChargingProfile(**base)


def test_building_normalises_names_and_periods() -> None:
    built = profile(purpose="TxDefaultProfile", kind="Recurring", recurrency="Daily", transaction_id=None)
    assert built.purpose is ProfilePurpose.TX_DEFAULT and built.kind is ProfileKind.RECURRING
    assert built.unit is RateUnit.A and f"{built.unit}" == "A"
    assert built.periods == (SchedulePeriod(0, 16.0, 3), SchedulePeriod(3600, 6.5))
    assert profile(purpose="ChargingStationMaxProfile").purpose is ProfilePurpose.STATION_MAX
    assert profile(purpose="tx", transaction_id=42).transaction_id == "42"


def test_absolute_profile_for_both_versions_validates_and_carries_the_same_content() -> None:
    p16 = wire(OCPP16J.set_charging_profile_request(profile(), 1), OCPP16J)
    body = p16["csChargingProfiles"]
    assert p16["connectorId"] == 1
    assert body["chargingProfilePurpose"] == "TxDefaultProfile" and body["stackLevel"] == 2
    assert body["validFrom"] == "2026-06-21T14:00:00Z" and body["validTo"] == "2026-06-22T14:00:00Z"
    schedule = body["chargingSchedule"]
    assert schedule["startSchedule"] == "2026-06-21T14:00:00Z" and schedule["duration"] == 18000
    assert [(float(p["limit"]), p["startPeriod"], p.get("numberPhases")) for p in schedule["chargingSchedulePeriod"]] \
        == [(16.0, 0, 3), (6.5, 3600, None)]

    p201 = wire(OCPP201.set_charging_profile_request(profile(unit="W", periods=[(0, 11000.0), (3600, 4200.0, 1)]),
                                                     1), OCPP201)
    body = p201["chargingProfile"]
    assert p201["evseId"] == 1 and body["id"] == 11 and body["chargingProfileKind"] == "Absolute"
    [schedule] = body["chargingSchedule"]
    assert schedule["chargingRateUnit"] == "W" and schedule["id"] == 1
    periods = [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]
    assert periods == [(0, 11000.0), (3600, 4200.0)]
    assert schedule["chargingSchedulePeriod"][1]["numberPhases"] == 1


def test_station_max_recurring_daily_profile_uses_each_versions_purpose_name() -> None:
    daily = profile(purpose=ProfilePurpose.STATION_MAX, kind="Recurring", recurrency="Daily", stack_level=0,
                    periods=[(0, 32.0), (16 * 3600, 10.0), (21 * 3600, 32.0)], duration_s=86400,
                    start_schedule=dt.datetime(2026, 6, 21, 0, 0, tzinfo=CET), valid_from=None, valid_to=None)
    p16 = wire(OCPP16J.set_charging_profile_request(daily, 0), OCPP16J)["csChargingProfiles"]
    p201 = wire(OCPP201.set_charging_profile_request(daily, 0), OCPP201)["chargingProfile"]
    assert p16["chargingProfilePurpose"] == "ChargePointMaxProfile"
    assert p201["chargingProfilePurpose"] == "ChargingStationMaxProfile"
    for body in (p16, p201):
        assert body["chargingProfileKind"] == "Recurring" and body["recurrencyKind"] == "Daily"
        assert "validFrom" not in body and "transactionId" not in body


def test_tx_profile_relative_carries_the_transaction_id_in_each_versions_type() -> None:
    tx = profile(purpose="TxProfile", kind="Relative", start_schedule=None, transaction_id=42, valid_from=None,
                 valid_to=None, min_charging_rate=6.0)
    p16 = wire(OCPP16J.set_charging_profile_request(tx, 1), OCPP16J)["csChargingProfiles"]
    p201 = wire(OCPP201.set_charging_profile_request(tx, 1), OCPP201)["chargingProfile"]
    assert p16["transactionId"] == 42 and p201["transactionId"] == "42"
    assert "startSchedule" not in p16["chargingSchedule"] and "startSchedule" not in p201["chargingSchedule"][0]
    assert float(p16["chargingSchedule"]["minChargingRate"]) == 6.0


def test_the_library_schema_really_rejects_what_the_builder_refuses() -> None:
    """The guard is not decorative: a two-decimal limit breaks the 1.6 schema (multipleOf 0.1)."""
    request = OCPP16J.set_charging_profile_request(profile(), 1)
    request.cs_charging_profiles["charging_schedule"]["charging_schedule_period"][0]["limit"] = 6.09
    with pytest.raises(OCPPError):
        wire(request, OCPP16J)
    for version in VERSIONS:
        with pytest.raises(InvalidChargingProfile, match="one decimal"):
            version.set_charging_profile_request(profile(periods=[(0, 6.09)]), 1)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
@pytest.mark.parametrize("changes, message", [
    (dict(periods=[]), "at least one period"),
    (dict(periods=[(10, 6.0)]), "start at 0"),
    (dict(periods=[(0, 6.0), (0, 8.0)]), "increasing"),
    (dict(periods=[(0, -1.0)]), "negative"),
    (dict(periods=[(0, None)]), "no limit"),
    (dict(periods=[(0, 6.0, 4)]), "number_phases"),
    (dict(unit="kW"), "unit"),
    (dict(kind="Recurring"), "recurrency"),
    (dict(recurrency="Daily"), "only for Recurring"),
    (dict(kind="Relative"), "no start_schedule"),
    (dict(start_schedule=None), "needs start_schedule"),
    (dict(transaction_id=3), "only for TxProfile"),
    (dict(start_schedule=dt.datetime(2026, 6, 21, 16, 0)), "timezone-aware"),  # noqa: DTZ001 - naive on purpose
    (dict(duration_s=0), "positive"),
    (dict(purpose="Boost"), "purpose"),
    (dict(kind="Sometimes"), "kind"),
    (dict(kind="Recurring", recurrency="Hourly"), "recurrency"),
])
def test_self_contradicting_descriptions_are_refused(version: OcppVersion, changes: dict[str, Any],
                                                     message: str) -> None:
    with pytest.raises(InvalidChargingProfile, match=message):
        version.set_charging_profile_request(profile(**changes), 1)


def test_version_specific_refusals() -> None:
    with pytest.raises(InvalidChargingProfile, match="K01.FR.03"):
        OCPP201.set_charging_profile_request(profile(purpose="tx"), 1)
    assert OCPP16J.set_charging_profile_request(profile(purpose="tx"), 1).cs_charging_profiles["charging_profile_id"]
    with pytest.raises(InvalidChargingProfile, match="integers"):
        OCPP16J.set_charging_profile_request(profile(purpose="tx", transaction_id="T-1"), 1)


def test_composite_schedules_of_both_versions_become_one_shape() -> None:
    c16 = OCPP16J.composite_from_reply(OCPP16J.call_result.GetCompositeSchedule(
        status="Accepted", connector_id=1, schedule_start="2026-06-21T14:00:00Z",
        charging_schedule={"duration": 3600, "charging_rate_unit": "A",
                           "charging_schedule_period": [{"start_period": 0, "limit": 16.0},
                                                        {"start_period": 900, "limit": 8.0, "number_phases": 1}]}))
    assert c16.periods == (SchedulePeriod(0, 16.0), SchedulePeriod(900, 8.0, 1))
    assert (c16.unit, c16.duration_s, c16.connector_id, c16.status) == ("A", 3600, 1, "Accepted")
    assert c16.start == dt.datetime(2026, 6, 21, 14, 0, tzinfo=dt.timezone.utc)
    assert [c16.limit_at_offset(t) for t in (0, 899, 900, 3599, 3600, -1)] == [16.0, 16.0, 8.0, 8.0, None, None]
    c201 = OCPP201.composite_from_reply(OCPP201.call_result.GetCompositeSchedule(status="Accepted", schedule={
        "evse_id": 2, "duration": 600, "schedule_start": "2026-06-21T14:00:00Z", "charging_rate_unit": "W",
        "charging_schedule_period": [{"start_period": 0, "limit": 4200.0}]}))
    assert (c201.connector_id, c201.unit, c201.limit_at_offset(599)) == (2, "W", 4200.0)
    for version in VERSIONS:
        rejected = version.composite_from_reply(version.call_result.GetCompositeSchedule(status="Rejected"))
        assert rejected.status == "Rejected" and rejected.periods == () and rejected.limit_at_offset(0) is None
        assert rejected.start is None and rejected.unit is None


def test_a_1_6_composite_start_falls_back_to_the_schedules_own_start() -> None:
    reply = {"status": "Accepted", "charging_schedule": {"start_schedule": "2026-11-02T09:00:00Z",
                                                         "charging_rate_unit": "A",
                                                         "charging_schedule_period": [{"start_period": 0, "limit": 6}]}}
    read = OCPP16J.composite_from_reply(reply)
    assert read.start == dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
    assert read.duration_s is None and read.limit_at_offset(10_000) == 6.0      # no duration: open-ended
