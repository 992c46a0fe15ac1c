"""No library exception leaves the OCPP link (1.6J and 2.0.1): a charger that answers every CSMS
call with garbage (wrong types, bad framing, schema breaches, unknown error codes, binary frames,
silence, a hang-up) meets only the bench's own errors (``bench.errors``) or the charger's observed
answer; a silent ``send_raw`` is the answer "silent", for the suite to judge."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call as v16_call
from ocpp.v201 import call as v201_call
from ocpp_test_chargers import ChargerThread, Charger16, Charger201, boot16, boot201, dut_session

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


class _Garbage:
    """Boots normally, then answers each CSMS CALL with ``GARBAGE[self.mode]`` (or hangs up)."""

    mode = "silence"
    _connection: Any

    async def route_message(self, raw_msg: str) -> None:
        message = json.loads(raw_msg)
        if message[0] != 2:
            await super().route_message(raw_msg)  # type: ignore[misc]
            return
        if self.mode == "hang-up":
            await self._connection.close()
            return
        reply = GARBAGE[self.mode](str(message[1]))
        if reply is not None:
            await self._connection.send(reply)


class GarbageCharger16(_Garbage, Charger16):
    pass


class GarbageCharger201(_Garbage, Charger201):
    pass


#: every DUT-link call the suites make (and the Core calls they may make), per version
ACTIONS: dict[str, dict[str, Callable[[OcppDutLink], object]]] = {"ocpp16j": {
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
}, "ocpp201": {
    "GetCompositeSchedule": lambda link: link.get_composite_schedule(1, 600, "W"),
    "ClearChargingProfile": lambda link: link.clear_charging_profile(),
    "Reset": lambda link: link.reset("Hard"),
    "TriggerMessage": lambda link: link.trigger_message("Heartbeat"),
    "configure": lambda link: link.configure("measurands", "Power.Active.Import"),
    "SetVariables": lambda link: link.set_variables([("OCPPCommCtrlr", "HeartbeatInterval", 60)]),
    "GetVariables": lambda link: link.get_variables([("OCPPCommCtrlr", "HeartbeatInterval")]),
    "RequestStopTransaction": lambda link: link.call(v201_call.RequestStopTransaction(transaction_id="T1")),
    "send_raw": lambda link: link.send_raw(json.dumps([2, "raw-1", "FlyToTheMoon", {}])),
}}
CHARGERS = {"ocpp16j": (GarbageCharger16, "ocpp1.6", boot16), "ocpp201": (GarbageCharger201, "ocpp2.0.1", boot201)}


@pytest.mark.parametrize("mode", [*GARBAGE, "hang-up"])
@pytest.mark.parametrize("protocol", ["ocpp16j", "ocpp201"])
def test_no_library_exception_escapes_the_link(tmp_path: Path, protocol: str, mode: str) -> None:
    opener = OcppOpener(dut_session(tmp_path, {"smart_charging": True, "meter_values": True}), "control",
                        {"protocol": protocol, "charger_id": "CP-GARBAGE", "connect_timeout_s": 5.0,
                         "timeout_s": TIMEOUT_S})
    cp_cls, subprotocol, boot = CHARGERS[protocol]
    charger = ChargerThread(cp_cls, opener.before_lab()["csms_url"], "CP-GARBAGE", subprotocol, boot)
    charger.__enter__()
    try:
        link = opener.open()
        charger.cp.mode = mode
        for name, action in ACTIONS[protocol].items():
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
