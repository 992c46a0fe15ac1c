"""No library exception leaves the OCPP link: a charger that answers every CSMS call with garbage
(wrong types, bad framing, schema breaches, unknown error codes, binary frames, silence, a hang-up)
meets only the bench's own errors (``bench.errors``) or the charger's observed answer; a silent
``send_raw`` is the answer "silent", for the suite to judge."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call as v16_call
from ocpp_test_chargers import ChargerThread, Charger16, boot16, dut_session

from bench.errors import FlexbenchError
from links.ocpp.opener import OcppDutLink, OcppOpener

TIMEOUT_S = 0.25

#: what the charger sends back for a CSMS CALL with message id ``uid`` (None: nothing)
GARBAGE: dict[str, Callable[[str], str | bytes | None]] = {
    "not json": lambda uid: "HELLO, I AM NOT OCPP",
    "a json object": lambda uid: json.dumps({"status": "Accepted"}),
    "an empty list": lambda uid: "[]",
    "unknown message type": lambda uid: json.dumps([9, uid, {}]),
    "payload not an object": lambda uid: json.dumps([3, uid, "Accepted"]),
    "payload of the wrong types": lambda uid: json.dumps([3, uid, {"status": 5, "configurationKey": "x"}]),
    "empty payload": lambda uid: json.dumps([3, uid, {}]),
    "unknown fields": lambda uid: json.dumps([3, uid, {"status": "Accepted", "flexbench": True}]),
    "callerror with an unknown code": lambda uid: json.dumps([4, uid, "Bogus", 7, None]),
    "short callerror": lambda uid: json.dumps([4, uid]),
    "callerror not implemented": lambda uid: json.dumps([4, uid, "NotImplemented", "", {}]),
    "another message id": lambda uid: json.dumps([3, uid + "-other", {"status": "Accepted"}]),
    "binary frame": lambda uid: json.dumps([3, uid, {"status": "Accepted"}]).encode(),
    "silence": lambda uid: None,
}


class GarbageCharger16(Charger16):
    """Boots normally, then answers each CSMS CALL with ``GARBAGE[self.mode]`` (or hangs up)."""

    mode = "silence"

    async def route_message(self, raw_msg: str) -> None:
        message = json.loads(raw_msg)
        if message[0] != 2:
            await super().route_message(raw_msg)
            return
        if self.mode == "hang-up":
            await self._connection.close()
            return
        reply = GARBAGE[self.mode](str(message[1]))
        if reply is not None:
            await self._connection.send(reply)


ACTIONS: dict[str, Callable[[OcppDutLink], object]] = {
    "SetChargingProfile": lambda link: link.call(v16_call.SetChargingProfile(
        connector_id=1, cs_charging_profiles={
            "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative", "chargingSchedule": {
                "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}]}})),
    "GetCompositeSchedule": lambda link: link.get_composite_schedule(1, 600, "A"),
    "ClearChargingProfile": lambda link: link.clear_charging_profile(),
    "Reset": lambda link: link.reset("Hard"),
    "TriggerMessage": lambda link: link.trigger_message("Heartbeat"),
    "configure": lambda link: link.configure("measurands", "Power.Active.Import"),
    "GetConfiguration": lambda link: link.get_configuration(["HeartbeatInterval"]),
    "RemoteStartTransaction": lambda link: link.call(v16_call.RemoteStartTransaction(id_tag="FLEXBENCH")),
    "send_raw": lambda link: link.send_raw(json.dumps([2, "raw-1", "FlyToTheMoon", {}])),
}


@pytest.mark.parametrize("mode", [*GARBAGE, "hang-up"])
def test_no_library_exception_escapes_the_link(tmp_path: Path, mode: str) -> None:
    opener = OcppOpener(dut_session(tmp_path, {"smart_charging": True, "meter_values": True}), "control",
                        {"protocol": "ocpp16j", "charger_id": "CP-GARBAGE", "connect_timeout_s": 5.0,
                         "timeout_s": TIMEOUT_S})
    charger = ChargerThread(GarbageCharger16, opener.before_lab()["csms_url"], "CP-GARBAGE", "ocpp1.6", boot16)
    charger.__enter__()
    try:
        link = opener.open()
        charger.cp.mode = mode
        for name, action in ACTIONS.items():
            try:
                answer: Any = action(link)
            except FlexbenchError:
                continue
            except Exception as exc:                 # noqa: BLE001 - the point of the test
                pytest.fail(f"{mode} / {name}: {type(exc).__module__}.{type(exc).__name__} escaped: {exc}")
            if name == "send_raw" and mode in ("silence", "another message id"):
                assert answer.kind == "silent" and answer.frame is None
    finally:
        charger.__exit__(None, None, None)
        opener.close()
