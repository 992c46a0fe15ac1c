"""The CEM against a hand-driven RM (raw frames): handshake, acknowledgements, violations, no crash."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from links.s2 import (CemConfig, S2CemServer, S2ControlTypeUnavailable, S2NotConnected, S2Rejected,
                      S2Timeout)
from links.s2.codec import NIL_ID, parse_frame

from .helpers import RESOURCE_ID, START, RawRm, details, msg

@pytest.fixture
def cem() -> Iterator[S2CemServer]:
    server = S2CemServer(CemConfig(rm_id="raw", now=lambda: START, response_timeout_s=0.5))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rm(cem: S2CemServer) -> Iterator[RawRm]:
    with connect(cem.url, open_timeout=2.0) as ws:
        yield RawRm(ws)


def reasons(cem: S2CemServer) -> list[str]:
    return [v.reason for v in cem.violations()]


def test_handshake_sequence(cem: S2CemServer, rm: RawRm) -> None:
    reception, handshake, response = rm.handshake()
    assert reception["status"] == "OK"
    assert handshake["message_type"] == "Handshake" and handshake["role"] == "CEM"
    assert response == {"message_type": "HandshakeResponse", "message_id": response["message_id"],
                        "selected_protocol_version": "0.0.2-beta"}
    assert rm.exchange(details())["status"] == "OK"
    assert cem.wait_for_rm(2.0) == 1
    got = cem.details()
    assert got is not None and got.resource_id == RESOURCE_ID and got.instruction_processing_delay_ms == 1500
    assert cem.violations() == []


def test_malformed_frames_are_violations_and_the_server_stays_up(cem: S2CemServer, rm: RawRm) -> None:
    rm.connect_fully()
    not_json = rm.exchange("{this is not json")
    assert (not_json["status"], not_json["subject_message_id"]) == ("INVALID_DATA", NIL_ID)
    broken = msg("PowerMeasurement", measurement_timestamp=START.isoformat(),
                 values=[{"commodity_quantity": "ELECTRIC.POWER.L1", "value": "n/a"}])
    answer = rm.exchange(broken)
    assert (answer["status"], answer["subject_message_id"]) == ("INVALID_MESSAGE", broken["message_id"])
    rule = msg("PowerMeasurement", measurement_timestamp=START.isoformat(),
               values=[{"commodity_quantity": "ELECTRIC.POWER.L1", "value": 1.0},
                       {"commodity_quantity": "ELECTRIC.POWER.L1", "value": 2.0}])
    assert rm.exchange(rule)["status"] == "INVALID_MESSAGE"
    rm.ws.send(b"\x00\x01")
    assert rm.recv()["status"] == "INVALID_DATA"
    good = msg("PowerMeasurement", measurement_timestamp=START.isoformat(),
               values=[{"commodity_quantity": "ELECTRIC.POWER.L1", "value": 900.0}])
    assert rm.exchange(good)["status"] == "OK"
    assert [s.consumption_w for s in cem.measurements()] == [900.0]
    found = reasons(cem)
    assert len(found) == 4
    assert found[0].startswith("not valid JSON")
    assert "breaks the S2 schema" in found[1] and "values.0.value" in found[1]
    assert "at most one item per CommodityQuantity" in found[2]
    assert "binary WebSocket frame" in found[3]
    first = cem.violations()[0]
    assert first.frame == "{this is not json"
    assert (first.peer_id, first.session, first.at) == ("raw", 1, START)   # RM id, first session, CEM's clock


def test_ocpp_and_s2_record_one_violation_type() -> None:
    import links.ocpp
    import links.s2
    from links.violations import Violation

    assert links.s2.Violation is Violation and links.ocpp.Violation is Violation
    ocpp_style = Violation("CP-1", "[2,", "not valid JSON")
    assert (ocpp_style.peer_id, ocpp_style.session, ocpp_style.at) == ("CP-1", None, None)


def test_out_of_order_messages(cem: S2CemServer, rm: RawRm) -> None:
    early = rm.exchange(msg("PowerMeasurement", measurement_timestamp=START.isoformat(),
                            values=[{"commodity_quantity": "ELECTRIC.POWER.L1", "value": 1.0}]))
    assert early["status"] == "INVALID_CONTENT"
    rm.connect_fully()
    unknown = msg("InstructionStatusUpdate", instruction_id=str(uuid.uuid4()), status_type="STARTED",
                  timestamp=START.isoformat())
    assert rm.exchange(unknown)["status"] == "INVALID_CONTENT"
    assert rm.exchange(details(resource_id=str(uuid.uuid4())))["status"] == "INVALID_CONTENT"
    assert rm.exchange(msg("SelectControlType", control_type="NO_SELECTION"))["status"] == "INVALID_CONTENT"
    constraints = msg("PEBC.PowerConstraints", id=str(uuid.uuid4()), valid_from=START.isoformat(),
                      consequence_type="VANISH", allowed_limit_ranges=[
                          {"commodity_quantity": "ELECTRIC.POWER.L1", "limit_type": t,
                           "range_boundary": {"start_of_range": 0, "end_of_range": 0},
                           "abnormal_condition_only": False} for t in ("UPPER_LIMIT", "LOWER_LIMIT")])
    assert rm.exchange(constraints)["status"] == "INVALID_CONTENT"     # PEBC not selected
    assert rm.exchange(msg("Handshake", role="RM", supported_protocol_versions=["0.0.2-beta"]))["status"] \
        == "INVALID_CONTENT"
    rm.send({"message_type": "ReceptionStatus", "subject_message_id": str(uuid.uuid4()), "status": "OK"})
    assert rm.exchange(details())["status"] == "OK"                    # still serving
    found = reasons(cem)
    assert found == [
        "PowerMeasurement before the RM's Handshake",
        f"InstructionStatusUpdate for {unknown['instruction_id']}, an instruction the CEM never sent",
        found[2], "SelectControlType is sent by a CEM, never by an RM",
        "PEBC.PowerConstraints while the selected control type is none (no SelectControlType yet)",
        "second Handshake in one session", found[6]]
    assert "after resource_id " + RESOURCE_ID in found[2]
    assert "a message the CEM never sent" in found[6]
    got = cem.details()
    assert got is not None and got.resource_id == RESOURCE_ID


def test_schema_valid_non_uuid_ids_are_accepted(cem: S2CemServer, rm: RawRm) -> None:
    rm.handshake()
    answer = rm.exchange(details(resource_id="heat-pump:1") | {"message_id": "rmd-1"})
    assert answer == {"message_type": "ReceptionStatus", "subject_message_id": "rmd-1", "status": "OK"}
    cem.wait_for_rm(2.0)
    assert cem.violations() == []


def test_no_common_version_closes_the_session(cem: S2CemServer, rm: RawRm) -> None:
    assert rm.exchange(msg("Handshake", role="RM", supported_protocol_versions=["9.9"]))["status"] \
        == "INVALID_CONTENT"
    with pytest.raises(ConnectionClosed):
        rm.recv()
    assert "no common S2 protocol version" in reasons(cem)[0]


def test_select_control_type_outcomes(cem: S2CemServer, rm: RawRm) -> None:
    with pytest.raises(S2NotConnected):
        cem.select_control_type("PEBC")
    rm.connect_fully()
    with pytest.raises(S2ControlTypeUnavailable):
        cem.select_control_type("DDBC")
    with pytest.raises(S2Timeout):                    # the raw RM does not answer
        cem.select_control_type("PEBC")
    assert "no ReceptionStatus for SelectControlType" in reasons(cem)[-1]
    assert rm.recv()["message_type"] == "SelectControlType"

    answered: list[dict[str, Any]] = []

    def reject() -> None:
        frame = rm.recv()
        answered.append(frame)
        rm.ack(frame, "INVALID_CONTENT")

    worker = threading.Thread(target=reject)
    worker.start()
    with pytest.raises(S2Rejected) as rejected:
        cem.select_control_type("PEBC", timeout_s=2.0)
    worker.join(5.0)
    assert rejected.value.status == "INVALID_CONTENT" and answered[0]["control_type"] == \
        "POWER_ENVELOPE_BASED_CONTROL"
    assert cem.selected_control_type() is None


def test_codec_bridges_s2python_quirks_but_not_rule_breaches() -> None:
    ddbc = msg("DDBC.SystemDescription", valid_from=START.isoformat(),
               actuators=[{"id": "act-1", "supported_commodites": ["ELECTRICITY"], "operation_modes": [
                   {"Id": "mode-1", "power_ranges": [{"start_of_range": 0, "end_of_range": 3000,
                                                      "commodity_quantity": "ELECTRIC.POWER.L1"}],
                    "supply_range": {"start_of_range": 0, "end_of_range": 1},
                    "abnormal_condition_only": False}], "transitions": [], "timers": []}],
               present_demand_rate={"start_of_range": 0, "end_of_range": 1},
               provides_average_demand_rate_forecast=False)
    assert parse_frame(json.dumps(ddbc)).problem is None
    ddbc["actuators"][0]["operation_modes"][0]["supply_range"] = [{"start_of_range": 0, "end_of_range": 1}]
    assert "breaks the S2 schema" in (parse_frame(json.dumps(ddbc)).problem or "")
    constraints = msg("PEBC.PowerConstraints", id="pc-1", valid_from=START.isoformat(),
                      consequence_type="VANISH", allowed_limit_ranges=[
                          {"commodity_quantity": "ELECTRIC.POWER.L1", "limit_type": "UPPER_LIMIT",
                           "range_boundary": {"start_of_range": 0, "end_of_range": 1},
                           "abnormal_condition_only": False}] * 2)
    assert "breaks an S2 rule" in (parse_frame(json.dumps(constraints)).problem or "")


def answer_in_background(rm: RawRm, count: int, status: str = "OK") -> tuple[threading.Thread, list[dict[str, Any]]]:
    """Receive ``count`` CEM messages on a thread and acknowledge each (the CEM's calls block)."""
    frames: list[dict[str, Any]] = []

    def answer() -> None:
        for _ in range(count):
            frame = rm.recv()
            frames.append(frame)
            rm.ack(frame, status)

    worker = threading.Thread(target=answer)
    worker.start()
    return worker, frames


def test_instructions_to_a_raw_rm(cem: S2CemServer, rm: RawRm) -> None:
    rm.handshake()
    offered = ["POWER_ENVELOPE_BASED_CONTROL", "FILL_RATE_BASED_CONTROL"]
    assert rm.exchange(details(available_control_types=offered,
                               provides_power_measurement_types=["ELECTRIC.POWER.3_PHASE_SYMMETRIC"]))["status"] == "OK"
    cem.wait_for_rm(2.0)
    worker, frames = answer_in_background(rm, 2)
    cem.select_control_type("PEBC")
    pebc_id = cem.pebc_limit_consumption_w(4200.0, execution_time=START, duration_s=900.0)   # no PowerConstraints came
    worker.join(5.0)
    instruction = frames[1]
    assert instruction["message_type"] == "PEBC.Instruction" and instruction["id"] == pebc_id
    assert instruction["power_envelopes"][0]["commodity_quantity"] == "ELECTRIC.POWER.3_PHASE_SYMMETRIC"
    assert instruction["power_envelopes"][0]["power_envelope_elements"] == [
        {"duration": 900_000, "upper_limit": 4200.0, "lower_limit": 0.0}]
    assert "no PEBC.PowerConstraints within 0.5 s" in reasons(cem)[0]
    update = msg("InstructionStatusUpdate", instruction_id=pebc_id, status_type="STARTED",
                 timestamp=START.isoformat()) | {"message_id": "isu-1"}
    assert rm.exchange(update)["status"] == "OK"
    assert [(u.status, u.timestamp) for u in cem.instruction_status(pebc_id)] == [("STARTED", START)]

    worker, frames = answer_in_background(rm, 2)
    cem.select_control_type("FRBC")
    frbc_id = cem.send_frbc_instruction("actuator-1", "mode-charge", operation_mode_factor=0.5)
    worker.join(5.0)
    assert frames[1]["message_type"] == "FRBC.Instruction"
    assert (frames[1]["actuator_id"], frames[1]["operation_mode"], frames[1]["operation_mode_factor"]) == \
        ("actuator-1", "mode-charge", 0.5)                           # non-UUID ids sent back unchanged
    record = cem.instruction(frbc_id)
    assert record is not None and record.accepted_on_wire and record.execution_time == START
    with pytest.raises(S2NotConnected, match="needs control type PEBC"):
        cem.pebc_limit_consumption_w(1000.0)
