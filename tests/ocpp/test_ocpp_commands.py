"""The CSMS's version-neutral operations against 1.6J and 2.0.1 charge points (loopback, real frames)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator

import pytest
from ocpp_test_chargers import CALL_TIMEOUT_S, FullCharger16, FullCharger201, boot16, boot201, running

from links.ocpp import (OCPP16J, OCPP201, ChargingProfile, CsmsConfig, CsmsServer, OcppBadArgument,
                        OcppWrongVersion, SchedulePeriod)

CALENDAR = dt.datetime(2026, 6, 21, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
PROFILE = ChargingProfile(profile_id=5, purpose="station_max", stack_level=1, unit="A",
                          periods=[(0, 10.0)], start_schedule=CALENDAR)


@pytest.fixture
def csms() -> Iterator[tuple[CsmsServer, list[tuple[str, str]]]]:
    frames: list[tuple[str, str]] = []
    lock = threading.Lock()

    def trace(direction: str, text: str) -> None:
        with lock:
            frames.append((direction, text))

    server = CsmsServer(CsmsConfig(response_timeout_s=CALL_TIMEOUT_S, now=lambda: CALENDAR), trace)
    server.start()
    yield server, frames
    server.stop()


def sent_payloads(frames: list[tuple[str, str]], charger_id: str, action: str) -> list[dict]:
    return [json.loads(text)[3] for direction, text in frames
            if direction == f"out:{charger_id}" and text.startswith("[2,") and json.loads(text)[2] == action]


def test_v16_operations_put_the_right_frames_on_the_wire_and_return_plain_values(csms) -> None:
    server, frames = csms
    url = f"ws://127.0.0.1:{server.port}"

    async def scenario() -> None:
        async with running(FullCharger16, url, "C16", "ocpp1.6") as cp:
            boot = await boot16(cp)
            assert server.version("C16") is OCPP16J
            assert boot.current_time == "2026-06-21T14:30:00.000Z"     # the CSMS's now(), in UTC
            op = asyncio.to_thread
            assert await op(server.set_charging_profile, "C16", PROFILE, 0) == "Accepted"
            assert cp.received_profile["charging_profile_purpose"] == "ChargePointMaxProfile"
            schedule = await op(server.get_composite_schedule, "C16", 1, 3600, "A")
            assert schedule.status == "Accepted" and schedule.unit == "A"
            assert schedule.periods == (SchedulePeriod(0, 10.0), SchedulePeriod(600, 6.0, 1))
            assert await op(lambda: server.clear_charging_profile("C16", purpose="tx_default", connector_id=1)) \
                == "Accepted"
            assert cp.cleared == {"connector_id": 1, "charging_profile_purpose": "TxDefaultProfile"}
            assert await op(server.reset, "C16", "Immediate") == "Accepted" and cp.reset_type == "Hard"
            assert await op(server.change_configuration, "C16", "MeterValueSampleInterval", 15) == "Accepted"
            assert await op(server.change_configuration, "C16", "LocalAuthorizeOffline", True) == "NotSupported"
            known, unknown = await op(server.get_configuration, "C16", ["MeterValueSampleInterval", "Nope"])
            assert [(k.key, k.value, k.readonly) for k in known] == [("MeterValueSampleInterval", "15", False)]
            assert unknown == ["Nope"]
            assert await op(server.configure, "C16", "meter_interval", 20) == "Accepted"
            assert await op(server.configure, "C16", "measurands", "Voltage") == "NotSupported"
            assert await op(server.trigger_message, "C16", "MeterValues", 1) == "Accepted"
            assert cp.triggered == ("MeterValues", 1)
            with pytest.raises(OcppWrongVersion):
                await op(server.set_variables, "C16", [("SampledDataCtrlr", "TxUpdatedInterval", 10)])
            with pytest.raises(OcppBadArgument):
                await op(server.reset, "C16", "Sideways")

    asyncio.run(scenario())
    assert sent_payloads(frames, "C16", "ChangeConfiguration")[1:] == [
        {"key": "LocalAuthorizeOffline", "value": "true"}, {"key": "MeterValueSampleInterval", "value": "20"},
        {"key": "MeterValuesSampledData", "value": "Voltage"}]
    assert sent_payloads(frames, "C16", "GetCompositeSchedule") == [
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"}]
    assert server.violations() == []


def test_v201_operations_map_names_and_shapes(csms) -> None:
    server, frames = csms
    url = f"ws://127.0.0.1:{server.port}"
    tx = ChargingProfile(profile_id=6, purpose="tx", stack_level=0, unit="W", periods=[(0, 4200.0)],
                         kind="Relative", transaction_id="T-9")

    async def scenario() -> None:
        async with running(FullCharger201, url, "C201", "ocpp2.0.1") as cp:
            await boot201(cp)
            assert server.version("C201") is OCPP201
            op = asyncio.to_thread
            assert await op(server.set_charging_profile, "C201", tx, 1) == "Accepted"
            assert cp.received_profile["transaction_id"] == "T-9"
            schedule = await op(server.get_composite_schedule, "C201", 1, 900)
            assert (schedule.connector_id, schedule.unit, schedule.limit_at_offset(10)) == (1, "W", 4200.0)
            assert await op(lambda: server.clear_charging_profile("C201", profile_id=6)) == "Unknown"
            assert cp.cleared == {"charging_profile_id": 6}
            assert await op(server.reset, "C201", "Soft") == "Scheduled" and cp.reset_type == "OnIdle"
            results = await op(lambda: server.set_variables(
                "C201", [("SampledDataCtrlr", "TxUpdatedInterval", 10), ("SampledDataCtrlr", "Bogus", True)],
                evse_id=1))
            assert [(r.component, r.variable, r.status, r.evse_id) for r in results] == [
                ("SampledDataCtrlr", "TxUpdatedInterval", "Accepted", 1),
                ("SampledDataCtrlr", "Bogus", "UnknownVariable", 1)]
            assert cp.variables[1]["attribute_value"] == "true"
            assert await op(server.configure, "C201", "meter_interval", 30) == "Accepted"
            assert cp.variables == [{"attribute_value": "30", "component": {"name": "SampledDataCtrlr"},
                                     "variable": {"name": "TxUpdatedInterval"}}]
            assert await op(server.configure, "C201", "heartbeat_interval", 60) == "UnknownVariable"
            [read] = await op(server.get_variables, "C201", [("SampledDataCtrlr", "TxUpdatedInterval")])
            assert (read.value, read.status) == ("15", "Accepted")
            assert await op(server.trigger_message, "C201", "StatusNotification", 2) == "Accepted"
            assert cp.triggered == ("StatusNotification", {"id": 2})
            with pytest.raises(OcppWrongVersion):
                await op(server.change_configuration, "C201", "MeterValueSampleInterval", 10)

    asyncio.run(scenario())
    assert sent_payloads(frames, "C201", "ClearChargingProfile") == [{"chargingProfileId": 6}]
    assert sent_payloads(frames, "C201", "SetChargingProfile")[0]["chargingProfile"]["chargingProfilePurpose"] \
        == "TxProfile"
    assert server.violations() == []
