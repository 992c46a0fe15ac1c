"""The OCPP version objects (links/ocpp/versions): one per version, the same shape, and the only place
where 1.6J and 2.0.1 differ. Every message they build passes the ``ocpp`` library's own schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import Call, _validate_payload

from links.ocpp import BY_PROTOCOL, OCPP16J, OCPP201, VERSIONS, ConnectorState, OcppVersion, ProfilePurpose
from links.ocpp.versions import by_label, by_subprotocol

REPO = Path(__file__).resolve().parents[2]


def wire(request: Any, version: OcppVersion) -> dict[str, Any]:
    call = Call("1", type(request).__name__, remove_nones(snake_to_camel_case(serialize_as_dict(request))))
    _validate_payload(call, version.name)
    return call.payload


def test_one_object_per_version_found_by_each_of_its_names() -> None:
    assert VERSIONS == (OCPP16J, OCPP201)
    assert BY_PROTOCOL == {"ocpp16j": OCPP16J, "ocpp201": OCPP201}
    assert [str(v) for v in VERSIONS] == ["1.6", "2.0.1"]
    assert [v.subprotocol for v in VERSIONS] == ["ocpp1.6", "ocpp2.0.1"]
    for version in VERSIONS:
        assert by_subprotocol(version.subprotocol) is version and by_label(version.label) is version
    with pytest.raises(KeyError):
        by_subprotocol("ocpp2.1")          # a version the bench does not speak
    with pytest.raises(KeyError):
        by_label("1.5")


def test_both_versions_answer_the_same_questions_differently() -> None:
    assert [v.purpose_name(ProfilePurpose.STATION_MAX) for v in VERSIONS] == \
        ["ChargePointMaxProfile", "ChargingStationMaxProfile"]
    for version in VERSIONS:
        for purpose in ProfilePurpose:
            assert version.purpose_of(version.purpose_name(purpose)) is purpose
        assert version.reset_kinds["Hard"] == version.reset_kinds["Immediate"] == version.immediate_reset
    assert OCPP16J.purpose_of("ChargingStationMaxProfile") is None
    assert [v.connector_status(ConnectorState.PREPARING) for v in VERSIONS] == ["Preparing", "Occupied"]
    assert [v.field_path("profile_id") for v in VERSIONS] == ["cs_charging_profiles.charging_profile_id",
                                                               "charging_profile.id"]
    assert [v.charger_assigns_transaction_id for v in VERSIONS] == [False, True]


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_every_request_a_version_builds_passes_the_librarys_schema(version: OcppVersion) -> None:
    requests = [version.composite_schedule_request(1, 600, "A"),
                version.clear_charging_profile_request(profile_id=None, connector_id=1,
                                                       purpose=ProfilePurpose.TX_DEFAULT, stack_level=2),
                version.reset_request(version.immediate_reset),
                version.trigger_message_request("StatusNotification", 1),
                version.configure_request("meter_interval", 10),
                version.configure_request("measurands", "Power.Active.Import,Voltage")]
    payloads = [wire(request, version) for request in requests]
    assert payloads[4] in ({"key": "MeterValueSampleInterval", "value": "10"},
                           {"setVariableData": [{"attributeValue": "10", "component": {"name": "SampledDataCtrlr"},
                                                 "variable": {"name": "TxUpdatedInterval"}}]})


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_sampled_values_read_back_as_written(version: OcppVersion) -> None:
    written = [version.sampled_value("Power.Active.Import", 7360.0, "W", "L1", "Sample.Periodic"),
               version.sampled_value("Energy.Active.Import.Register", 1234.5678, "Wh", None, "Sample.Periodic")]
    action = Call("1", "MeterValues", remove_nones(snake_to_camel_case(
        {version.connector_field: 1,
         "meter_value": [{"timestamp": "2026-06-21T10:00:00.000Z", "sampled_value": written}]})))
    _validate_payload(action, version.name)
    handed = camel_to_snake_case(action.payload)
    samples = version.meter_samples("CP", 1, handed["meter_value"])
    assert [(s.measurand, s.value, s.unit, s.phase) for s in samples] == [
        ("Power.Active.Import", 7360.0, "W", "L1"), ("Energy.Active.Import.Register", 1234.568, "Wh", None)]


def test_no_code_compares_ocpp_version_strings() -> None:
    """Version differences live in the version objects: no code tests equality with a version string."""
    pattern = re.compile(r"""[!=]=\s*["'](1\.6J?|2\.0\.1)["']""")
    offenders = [f"{path.relative_to(REPO)}:{number}"
                 for path in REPO.rglob("*.py") if ".venv" not in path.parts
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
