"""The bench's CSMS against charge points built from the ``ocpp`` library (1.6J and 2.0.1), loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from ocpp.v16 import call as v16_call
from ocpp.v201 import call as v201_call
from ocpp_test_chargers import (CALL_TIMEOUT_S, Charger16, Charger201, boot16, boot201, running,
                                sampled_values_16)
from websockets.asyncio.client import connect

from links.ocpp import (CsmsConfig, CsmsServer, OcppCallError, OcppCallTimeout, OcppInvalidResponse,
                        OcppNotConnected)

PROFILE_16 = {"charging_profile_id": 7, "stack_level": 0, "charging_profile_purpose": "TxDefaultProfile",
              "charging_profile_kind": "Absolute",
              "charging_schedule": {"charging_rate_unit": "A",
                                    "charging_schedule_period": [{"start_period": 0, "limit": 10.0}]}}
PROFILE_201 = {"id": 8, "stack_level": 0, "charging_profile_purpose": "TxDefaultProfile",
               "charging_profile_kind": "Absolute",
               "charging_schedule": [{"id": 1, "charging_rate_unit": "W",
                                      "charging_schedule_period": [{"start_period": 0, "limit": 4200.0}]}]}


@pytest.fixture
def traced_csms() -> Iterator[tuple[CsmsServer, list[tuple[str, str]]]]:
    frames: list[tuple[str, str]] = []
    lock = threading.Lock()

    def trace(direction: str, text: str) -> None:
        with lock:
            frames.append((direction, text))

    csms = CsmsServer(CsmsConfig(heartbeat_interval_s=60, response_timeout_s=CALL_TIMEOUT_S), trace)
    csms.start()
    yield csms, frames
    csms.stop()


def test_v16_boot_heartbeat_meter_values_and_set_charging_profile(traced_csms) -> None:
    csms, frames = traced_csms
    url = f"ws://127.0.0.1:{csms.port}"

    async def scenario() -> None:
        async with running(Charger16, url, "CP16", "ocpp1.6") as cp:
            boot = await boot16(cp)
            assert boot.status == "Accepted" and boot.interval == 60
            beat = await cp.call(v16_call.Heartbeat(), suppress=False)
            assert beat.current_time.endswith("Z")
            await cp.call(v16_call.StatusNotification(connector_id=1, error_code="NoError",
                                                      status="Charging"), suppress=False)
            await cp.call(v16_call.MeterValues(connector_id=1, meter_value=[{
                "timestamp": "2026-01-01T12:00:00Z",
                "sampled_value": sampled_values_16(7360.0, (10.7, 10.6, 10.8))}]), suppress=False)
            response = await asyncio.to_thread(
                csms.call_checked, "CP16", v16_call.SetChargingProfile(connector_id=0, cs_charging_profiles=PROFILE_16),
                CALL_TIMEOUT_S)
            assert response.status == "Accepted"
            assert cp.received_profile["charging_schedule"]["charging_rate_unit"] == "A"
            # ClearChargingProfile has no handler in Charger16 -> CALLERROR NotImplemented must raise
            with pytest.raises(OcppCallError) as raised:
                await asyncio.to_thread(csms.call_checked, "CP16", v16_call.ClearChargingProfile(id=7), CALL_TIMEOUT_S)
            assert raised.value.code == "NotImplemented"

    asyncio.run(scenario())
    assert csms.boot_info("CP16") == {"vendor": "Acme", "model": "W11"}
    assert csms.connector_status("CP16") == {1: "Charging"}
    currents = csms.meter_values("CP16", measurand="Current.Import")
    assert [(s.phase, s.value, s.unit) for s in currents] == [("L1", 10.7, "A"), ("L2", 10.6, "A"),
                                                              ("L3", 10.8, "A")]
    power = csms.meter_values("CP16", connector_id=1, measurand="Power.Active.Import")
    assert power[0].value == 7360.0 and power[0].unit == "W"
    assert {s.measurand for s in csms.meter_values("CP16")} == {
        "Power.Active.Import", "Current.Import", "Current.Offered", "Voltage"}
    assert csms.violations() == []
    directions = [d for d, _ in frames]
    assert directions.count("in:CP16") == 4 + 2      # 4 CALLs + 2 answers to the CSMS's calls
    assert directions.count("out:CP16") == 4 + 2
    assert any('"SetChargingProfile"' in text for d, text in frames if d == "out:CP16")


def test_v201_boot_transaction_meter_values_and_set_charging_profile(traced_csms) -> None:
    csms, frames = traced_csms
    url = f"ws://127.0.0.1:{csms.port}"
    meter_value = [{"timestamp": "2026-01-01T12:00:00Z", "sampled_value": [
        {"value": 4.2, "measurand": "Power.Active.Import", "unit_of_measure": {"unit": "W", "multiplier": 3}},
        {"value": 6.1, "measurand": "Current.Import", "phase": "L1"},
        {"value": 16, "measurand": "Current.Offered"}]}]

    async def scenario() -> None:
        async with running(Charger201, url, "CS201", "ocpp2.0.1") as cp:
            assert (await boot201(cp)).status == "Accepted"
            await cp.call(v201_call.Heartbeat(), suppress=False)
            await cp.call(v201_call.TransactionEvent(
                event_type="Started", timestamp="2026-01-01T12:00:00Z", trigger_reason="CablePluggedIn",
                seq_no=0, transaction_info={"transaction_id": "T1"}, evse={"id": 1, "connector_id": 1},
                meter_value=meter_value), suppress=False)
            await cp.call(v201_call.MeterValues(evse_id=2, meter_value=meter_value), suppress=False)
            response = await asyncio.to_thread(
                csms.call_checked, "CS201", v201_call.SetChargingProfile(evse_id=1, charging_profile=PROFILE_201),
                CALL_TIMEOUT_S)
            assert response.status == "Accepted"
            assert cp.received_profile["charging_schedule"][0]["charging_rate_unit"] == "W"

    asyncio.run(scenario())
    power = csms.meter_values("CS201", measurand="Power.Active.Import")
    assert [(s.connector_id, s.value, s.unit) for s in power] == [(1, 4200.0, "W"), (2, 4200.0, "W")]
    current = csms.meter_values("CS201", connector_id=2, measurand="Current.Import")
    assert current[0].phase == "L1" and current[0].unit == "Wh"   # no unit given -> schema default
    assert csms.violations() == []


def test_garbled_frame_and_out_of_order_message_are_violations_and_server_keeps_serving(traced_csms) -> None:
    csms, _ = traced_csms
    url = f"ws://127.0.0.1:{csms.port}"

    async def scenario() -> None:
        async with connect(f"{url}/BAD1", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send('[2, "m1", "MeterValues", {"connectorId": 1, "meterValue": []}]')
            reply = await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            assert '"SecurityError"' in reply                # refused: not booted yet
            await ws.send('{"this is": not json')
            await ws.send('[2, "m2", "BootNotification", {"chargePointVendor": 5}]')   # schema breach
            reply = await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            assert reply.startswith("[4,")
        # the same server still serves a well-behaved charger
        async with running(Charger16, url, "GOOD", "ocpp1.6") as cp:
            assert (await boot16(cp)).status == "Accepted"

    asyncio.run(scenario())
    reasons = [v.reason for v in csms.violations("BAD1")]
    assert len(reasons) == 3, reasons
    assert "before a BootNotification was accepted" in reasons[0]
    assert "not an OCPP-J RPC frame" in reasons[1]
    assert csms.violations("BAD1")[1].frame == '{"this is": not json'
    assert "BootNotification rejected" in reasons[2]
    assert csms.meter_values("BAD1") == []
    assert csms.violations("GOOD") == []


def test_call_to_unknown_charger_raises(traced_csms) -> None:
    csms, _ = traced_csms
    with pytest.raises(OcppNotConnected):
        csms.call_checked("NOBODY", v16_call.Heartbeat(), timeout_s=1.0)


def test_invalid_callresult_is_a_violation_and_silence_is_a_timeout(traced_csms) -> None:
    csms, _ = traced_csms
    url = f"ws://127.0.0.1:{csms.port}"

    async def scenario() -> None:
        async with connect(f"{url}/RAW", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send('[2, "b1", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}]')
            assert '"Accepted"' in await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            request = v16_call.SetChargingProfile(connector_id=0, cs_charging_profiles=PROFILE_16)
            pending = asyncio.create_task(asyncio.to_thread(csms.call_checked, "RAW", request, CALL_TIMEOUT_S))
            call_frame = await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            unique_id = call_frame.split('"')[1]
            await ws.send(f'[3, "{unique_id}", {{"status": "Maybe"}}]')     # not a ChargingProfileStatus
            with pytest.raises(OcppInvalidResponse):
                await pending
            pending = asyncio.create_task(asyncio.to_thread(csms.call_checked, "RAW", request, 0.3))
            await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)                # read it, never answer
            with pytest.raises(OcppCallTimeout):
                await pending

    asyncio.run(scenario())
    [violation] = csms.violations("RAW")
    assert "SetChargingProfile CALLRESULT breaks the schema" in violation.reason
    assert '"Maybe"' in violation.frame


def test_unknown_action_is_a_violation_but_an_unhandled_valid_action_is_not(traced_csms) -> None:
    csms, _ = traced_csms
    url = f"ws://127.0.0.1:{csms.port}"

    async def scenario() -> None:
        async with connect(f"{url}/ODD", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send('[2, "b1", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}]')
            await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            await ws.send('[2, "x1", "FlyToTheMoon", {}]')
            assert '"NotSupported"' in await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            await ws.send('[2, "x2", "FirmwareStatusNotification", {"status": "Idle"}]')
            assert '"NotImplemented"' in await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)

    asyncio.run(scenario())
    [violation] = csms.violations("ODD")
    assert "FlyToTheMoon" in violation.reason
