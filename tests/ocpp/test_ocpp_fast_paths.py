"""links/ocpp/fast_paths.py changes the cost of validation and key conversion, never a verdict or a result:
every payload here is judged and converted with the fast paths and with the library's own path."""

from __future__ import annotations

import copy
from typing import Any

import ocpp.charge_point
import ocpp.messages
import pytest
from ocpp.messages import Call, CallResult, _validate_payload

from links.ocpp import fast_paths

SAMPLED = {"value": "7360.0", "measurand": "Power.Active.Import", "unit": "W", "phase": "L1"}
METER_16 = {"connectorId": 1, "meterValue": [{"timestamp": "2026-06-21T10:00:00Z", "sampledValue": [SAMPLED] * 8}]}
PROFILE_16 = {"connectorId": 1, "csChargingProfiles": {
    "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute", "chargingSchedule": {
        "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.1}]}}}


def variant(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


CASES: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("1.6", Call, "MeterValues", METER_16),
    ("1.6", Call, "MeterValues", variant(METER_16, ("meterValue", 0, "sampledValue", 0, "measurand"), "Sorcery")),
    ("1.6", Call, "MeterValues", variant(METER_16, ("connectorId",), KeyError)),
    ("1.6", Call, "MeterValues", variant(METER_16, ("connectorId",), "1")),
    ("1.6", Call, "MeterValues", variant(METER_16, ("extra",), True)),
    ("1.6", Call, "MeterValues", variant(METER_16, ("meterValue", 0, "timestamp"), "yesterday-ish")),  # format
    ("1.6", Call, "BootNotification", {"chargePointVendor": "A" * 21, "chargePointModel": "M"}),       # maxLength
    ("1.6", Call, "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M"}),
    ("1.6", Call, "Heartbeat", {}),
    ("1.6", Call, "SetChargingProfile", PROFILE_16),
    ("1.6", Call, "SetChargingProfile", variant(PROFILE_16, ("csChargingProfiles", "chargingSchedule",
                                                             "chargingSchedulePeriod", 0, "limit"), 6.15)),
    ("1.6", CallResult, "Heartbeat", {"currentTime": "2026-06-21T10:00:00Z"}),
    ("1.6", CallResult, "Heartbeat", {}),
    ("2.0.1", Call, "BootNotification", {"chargingStation": {"vendorName": "Acme", "model": "M"}, "reason": "PowerUp"}),
    ("2.0.1", Call, "BootNotification", {"chargingStation": {"vendorName": "Acme", "model": "M"}, "reason": "Bored"}),
    ("2.0.1", Call, "MeterValues", {"evseId": 1, "meterValue": [{"timestamp": "2026-06-21T10:00:00Z",
                                                                 "sampledValue": [{"value": 1.5}]}]}),
    ("2.0.1", Call, "MeterValues", {"evseId": 1, "meterValue": []}),                                   # minItems
]


def outcome(version: str, kind: Any, action: str, payload: dict[str, Any]) -> tuple[str, str]:
    body = copy.deepcopy(payload)
    message = kind("id-1", action, body) if kind is Call else kind("id-1", body, action)
    try:
        _validate_payload(message, version)
    except Exception as error:  # noqa: BLE001 - the verdict is what is compared
        return type(error).__name__, getattr(error, "code", "")
    return "valid", ""


@pytest.fixture(scope="module", autouse=True)
def installed() -> dict[str, bool]:
    return fast_paths.install()


def test_both_fast_paths_are_active_and_install_is_idempotent(installed: dict[str, bool]) -> None:
    assert installed["validation"], \
        "fastjsonschema is not installed: it is a pinned dependency (fastjsonschema==2.22.3)"
    assert installed == {"validation": True, "keys": True, "inline": True}
    assert ocpp.messages.ASYNC_VALIDATION is False
    assert fast_paths.install() == installed == fast_paths.active()
    assert hasattr(ocpp.messages.get_validator, "original")
    assert hasattr(ocpp.charge_point.camel_to_snake_case, "original")


@pytest.mark.parametrize("version, kind, action, payload", CASES)
def test_every_verdict_and_error_code_is_the_librarys_own(version: str, kind: Any, action: str, payload: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fast = outcome(version, kind, action, payload)
    monkeypatch.setattr(ocpp.messages, "get_validator", ocpp.messages.get_validator.original)
    assert fast == outcome(version, kind, action, payload)


def test_the_verdicts_cover_both_sides() -> None:
    """The cases above are not all valid (or all invalid): the comparison means something."""
    verdicts = {outcome(*case)[0] for case in CASES}
    assert "valid" in verdicts and len(verdicts) >= 3


def test_key_conversion_equals_the_librarys_for_nested_and_odd_keys() -> None:
    original = ocpp.charge_point.camel_to_snake_case.original
    payloads = [METER_16, PROFILE_16,
                {"ocppCSMSURL": "x", "evseId": 1, "chargingStation": {"vendorName": "A", "V2XChargingParameters": {
                    "maxChargePowerL2": 1, "soCLimitReached": [{"deepNestedKey": {"aB": [1, {"cD": None}]}}]}}},
                {"": 1, "already_snake": 2, "ABCWord": 3, "x1Y2": [[{"innerKey": "v"}]]}, [], "text", 5]
    for payload in payloads:
        assert ocpp.charge_point.camel_to_snake_case(copy.deepcopy(payload)) == original(copy.deepcopy(payload))
