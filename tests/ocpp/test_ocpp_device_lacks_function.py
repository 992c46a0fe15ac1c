"""The charger's own answer that it lacks a function its profile declares (links/ocpp/opener.py
``OcppDutLink``): a CALLERROR NotImplemented / NotSupported, or a reply that breaks the schema, to a
smart-charging action while the profile declares ``smart_charging`` is DeviceLacksFunction with the
frame as evidence (a FAIL); undeclared, or another CALLERROR, it stays an OcppCallError (the suite
judges); a core action's NotImplemented is not a declared function's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call as v16_call
from ocpp.v16 import call_result as v16_result
from ocpp.v16.enums import Action as V16Action
from ocpp.v201 import call as v201_call
from ocpp_test_chargers import CALL_TIMEOUT_S, ChargerThread, Charger16, Charger201, boot16, boot201, dut_session

from bench.errors import DeviceLacksFunction
from links.ocpp import OcppCallError, OcppInvalidResponse
from links.ocpp.opener import OcppDutLink, OcppOpener

class BrokenReplies16(Charger16):
    """Answers ClearChargingProfile with a status the schema does not allow, Reset with InternalError."""

    @on(V16Action.clear_charging_profile, skip_schema_validation=True)
    def on_clear_charging_profile(self, **kwargs: Any) -> v16_result.ClearChargingProfile:
        return v16_result.ClearChargingProfile(status="Maybe")

    @on(V16Action.reset)
    def on_reset(self, type: str) -> Any:
        raise RuntimeError("boom")          # the library answers CALLERROR InternalError


def _open(tmp_path: Path, protocol: str, functions: dict[str, bool], cp_cls: type, subprotocol: str,
          boot: Any) -> tuple[OcppOpener, ChargerThread, OcppDutLink]:
    opener = OcppOpener(dut_session(tmp_path, functions), "control",
                        {"protocol": protocol, "charger_id": "CP-LACKS", "connect_timeout_s": CALL_TIMEOUT_S,
                         "timeout_s": CALL_TIMEOUT_S})
    url = opener.before_lab()["csms_url"]
    charger = ChargerThread(cp_cls, url, "CP-LACKS", subprotocol, boot)
    charger.__enter__()
    return opener, charger, opener.open()


@pytest.mark.parametrize("protocol, cp_cls, subprotocol, boot", [
    ("ocpp16j", Charger16, "ocpp1.6", boot16), ("ocpp201", Charger201, "ocpp2.0.1", boot201)])
def test_not_implemented_smart_charging_is_the_device_lacking_a_declared_function(
        tmp_path: Path, protocol: str, cp_cls: type, subprotocol: str, boot: Any) -> None:
    opener, charger, link = _open(tmp_path, protocol, {"smart_charging": True}, cp_cls, subprotocol, boot)
    try:
        with pytest.raises(DeviceLacksFunction) as lacking:
            link.clear_charging_profile()
        assert "smart charging" in lacking.value.function and "ClearChargingProfile" in lacking.value.function
        assert lacking.value.evidence.startswith("CALLERROR NotImplemented to ClearChargingProfile: [4,")
        with pytest.raises(DeviceLacksFunction, match="GetCompositeSchedule"):
            link.get_composite_schedule(1, 600)
        request = (v16_call.ClearChargingProfile() if protocol == "ocpp16j"
                   else v201_call.ClearChargingProfile(charging_profile_id=3))
        with pytest.raises(DeviceLacksFunction, match="ClearChargingProfile"):
            link.call(request)
        # a core action the charger does not implement is not a declared function: the suite judges
        with pytest.raises(OcppCallError) as core:
            link.trigger_message("Heartbeat")
        assert not isinstance(core.value, DeviceLacksFunction) and core.value.code == "NotImplemented"
        assert core.value.frame.startswith("[4,")
    finally:
        charger.__exit__(None, None, None)
        opener.close()


def test_undeclared_smart_charging_stays_a_call_error(tmp_path: Path) -> None:
    opener, charger, link = _open(tmp_path, "ocpp16j", {"smart_charging": False, "meter_values": True}, Charger16,
                                  "ocpp1.6", boot16)
    try:
        with pytest.raises(OcppCallError) as error:
            link.clear_charging_profile()
        assert not isinstance(error.value, DeviceLacksFunction) and error.value.code == "NotImplemented"
    finally:
        charger.__exit__(None, None, None)
        opener.close()


def test_a_schema_breaking_reply_is_lacking_and_another_callerror_is_not(tmp_path: Path) -> None:
    opener, charger, link = _open(tmp_path, "ocpp16j", {"smart_charging": True}, BrokenReplies16, "ocpp1.6", boot16)
    try:
        with pytest.raises(DeviceLacksFunction) as lacking:
            link.clear_charging_profile()
        assert isinstance(lacking.value.__cause__, OcppInvalidResponse)
        assert "breaks the schema" in lacking.value.evidence and '"Maybe"' in lacking.value.evidence
        assert [v.reason for v in link.violations()][-1].startswith("ClearChargingProfile CALLRESULT breaks")
        with pytest.raises(OcppCallError) as error:
            link.reset("Hard")
        assert error.value.code == "InternalError" and not isinstance(error.value, DeviceLacksFunction)
    finally:
        charger.__exit__(None, None, None)
        opener.close()


# ---- Core actions and the meter-values setting ---------------------------------------------------
@pytest.mark.parametrize("protocol, cp_cls, subprotocol, boot", [
    ("ocpp16j", Charger16, "ocpp1.6", boot16), ("ocpp201", Charger201, "ocpp2.0.1", boot201)])
def test_a_core_action_not_implemented_is_the_device_lacking_its_declared_protocol(
        tmp_path: Path, protocol: str, cp_cls: type, subprotocol: str, boot: Any) -> None:
    opener, charger, link = _open(tmp_path, protocol, {"smart_charging": True}, cp_cls, subprotocol, boot)
    version = "1.6" if protocol == "ocpp16j" else "2.0.1"
    core = (lambda: link.reset("Hard"),
            *((lambda: link.change_configuration("HeartbeatInterval", 60), lambda: link.get_configuration(),
               lambda: link.call(v16_call.RemoteStartTransaction(id_tag="FLEXBENCH")))
              if protocol == "ocpp16j" else
              (lambda: link.set_variables([("OCPPCommCtrlr", "HeartbeatInterval", 60)]),
               lambda: link.get_variables([("OCPPCommCtrlr", "HeartbeatInterval")]),
               lambda: link.call(v201_call.RequestStopTransaction(transaction_id="T1")))))
    try:
        for action in core:
            with pytest.raises(DeviceLacksFunction) as lacking:
                action()
            assert lacking.value.function.startswith(f"the OCPP {version} Core profile (")
            assert f"declared by links.control.protocol {protocol})" in lacking.value.function
            assert lacking.value.evidence.startswith("CALLERROR NotImplemented to ") and "[4," in lacking.value.evidence
            assert isinstance(lacking.value.__cause__, OcppCallError)
        # TriggerMessage is not Core (1.6 Remote Trigger profile): the suite judges the refusal
        with pytest.raises(OcppCallError) as trigger:
            link.trigger_message("Heartbeat")
        assert not isinstance(trigger.value, DeviceLacksFunction)
    finally:
        charger.__exit__(None, None, None)
        opener.close()


def test_a_refused_meter_values_setting_is_lacking_only_when_meter_values_is_declared(tmp_path: Path) -> None:
    opener, charger, link = _open(tmp_path, "ocpp16j", {"meter_values": True}, Charger16, "ocpp1.6", boot16)
    try:
        with pytest.raises(DeviceLacksFunction) as lacking:
            link.configure("measurands", "Power.Active.Import")
        assert lacking.value.function == "meter values (ChangeConfiguration; declared as functions.meter_values)"
        assert '"NotImplemented"' in lacking.value.evidence
    finally:
        charger.__exit__(None, None, None)
        opener.close()


def test_the_opener_records_a_lacking_meter_interval_setting_and_still_opens(tmp_path: Path) -> None:
    session = dut_session(tmp_path, {"meter_values": True})
    opener = OcppOpener(session, "control", {"protocol": "ocpp16j", "charger_id": "CP-LACKS",
                                             "connect_timeout_s": CALL_TIMEOUT_S, "timeout_s": CALL_TIMEOUT_S,
                                             "meter_value_interval_s": 10})
    charger = ChargerThread(Charger16, opener.before_lab()["csms_url"], "CP-LACKS", "ocpp1.6", boot16)
    charger.__enter__()
    try:
        link = opener.open()                       # a charger lacking the setting is the suites' to judge
        assert link.is_connected()
    finally:
        charger.__exit__(None, None, None)
        opener.close()
    session.recorder.close()
    lines = (tmp_path / "record.jsonl").read_text()
    assert "meter value interval 10 s -> the charger lacks meter values (ChangeConfiguration" in lines


class BrokenCore16(Charger16):
    """Answers Reset with a status the schema does not allow."""

    @on(V16Action.reset, skip_schema_validation=True)
    def on_reset(self, type: str) -> v16_result.Reset:
        return v16_result.Reset(status="Sideways")


def test_a_schema_breaking_reply_to_a_core_action_is_lacking_with_the_frame(tmp_path: Path) -> None:
    opener, charger, link = _open(tmp_path, "ocpp16j", {}, BrokenCore16, "ocpp1.6", boot16)
    try:
        with pytest.raises(DeviceLacksFunction, match=r"the OCPP 1\.6 Core profile \(Reset") as lacking:
            link.reset("Hard")
        assert isinstance(lacking.value.__cause__, OcppInvalidResponse)
        assert '"Sideways"' in lacking.value.evidence and "breaks the schema" in lacking.value.evidence
    finally:
        charger.__exit__(None, None, None)
        opener.close()
