"""The S2 link never leaks a library exception: a resource manager that answers the CEM's messages
with garbage meets only the bench's errors. A broken ReceptionStatus, or unreadable frames instead of
one, is a ProtocolFrameError naming the CEM's message and the RM's frame (the device answered,
garbled); silence is an S2Timeout, a lost connection an S2ConnectionClosed (both LinkError)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.errors import DeviceLacksFunction, FlexbenchError, LinkError, ProtocolFrameError
from links.s2 import CemConfig, S2CemServer, S2ConnectionClosed, S2Timeout
from links.s2.opener import S2DutLink

from .helpers import START, RawRm, details, msg

TIMEOUT_S = 0.3
OFFERED = ["POWER_ENVELOPE_BASED_CONTROL", "FILL_RATE_BASED_CONTROL", "DEMAND_DRIVEN_BASED_CONTROL"]

#: what the RM sends back for a CEM message (None: nothing; "hang-up": it closes the connection)
GARBAGE: dict[str, Callable[[dict[str, Any]], str | bytes | None]] = {
    "not json": lambda m: "{this is not json",
    "a json array": lambda m: json.dumps([m["message_id"], "OK"]),
    "binary frame": lambda m: b"\x00\x01\x02",
    "status outside the schema": lambda m: json.dumps(
        {"message_type": "ReceptionStatus", "subject_message_id": m["message_id"], "status": "MAYBE"}),
    "status missing": lambda m: json.dumps(
        {"message_type": "ReceptionStatus", "subject_message_id": m["message_id"]}),
    "subject not a string": lambda m: json.dumps(
        {"message_type": "ReceptionStatus", "subject_message_id": 123, "status": "OK"}),
    "status for another message": lambda m: json.dumps(
        {"message_type": "ReceptionStatus", "subject_message_id": "b1b4f2a2-4f4d-4c4e-9a0e-3f1d7d0c0c0c",
         "status": "OK"}),
    "unknown message type": lambda m: json.dumps(msg("FlyToTheMoon")),
    "a broken measurement": lambda m: json.dumps(msg(
        "PowerMeasurement", measurement_timestamp=START.isoformat(),
        values=[{"commodity_quantity": "ELECTRIC.POWER.L1", "value": "n/a"}])),
    "silence": lambda m: None,
}


@pytest.fixture
def cem() -> Iterator[S2CemServer]:
    server = S2CemServer(CemConfig(rm_id="raw", now=lambda: START, response_timeout_s=TIMEOUT_S))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _answering(rm: RawRm, answer: Callable[[dict[str, Any]], str | bytes | None] | str) -> threading.Thread:
    """Acknowledge SelectControlType OK; answer every other CEM message with ``answer``."""
    def run() -> None:
        while True:
            try:
                frame = json.loads(rm.ws.recv(timeout=5.0))
            except (ConnectionClosed, TimeoutError):
                return
            if frame.get("message_type") == "ReceptionStatus":
                continue
            if frame.get("message_type") == "SelectControlType":
                rm.ack(frame)
                continue
            if answer == "hang-up":
                rm.ws.close()
                return
            assert callable(answer)
            reply = answer(frame)
            if reply is not None:
                rm.ws.send(reply)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    return worker


ACTIONS: dict[str, Callable[[S2CemServer], object]] = {
    "PEBC instruction": lambda cem: (cem.select_control_type("PEBC"), cem.pebc_limit_consumption_w(2000.0)),
    "FRBC instruction": lambda cem: (cem.select_control_type("FRBC"),
                                     cem.send_frbc_instruction("actuator-1", "mode-1", operation_mode_factor=0.5)),
    "DDBC modes and instruction": lambda cem: (cem.select_control_type("DDBC"), cem.ddbc_modes(),
                                               cem.send_ddbc_instruction("actuator-1", "mode-1")),
    "what was received": lambda cem: (cem.details(), cem.measurements(), cem.instructions(), cem.violations()),
}


@pytest.mark.parametrize("garbage", [*GARBAGE, "hang-up"])
def test_no_library_exception_escapes_the_link(cem: S2CemServer, garbage: str) -> None:
    with connect(cem.url, open_timeout=2.0) as ws:
        rm = RawRm(ws)
        rm.handshake()
        assert rm.exchange(details(available_control_types=OFFERED))["status"] == "OK"
        cem.wait_for_rm(2.0)
        worker = _answering(rm, GARBAGE.get(garbage) or garbage)
        for name, action in ACTIONS.items():
            try:
                action(cem)
            except FlexbenchError:
                continue
            except Exception as exc:                 # noqa: BLE001 - the point of the test
                pytest.fail(f"{garbage} / {name}: {type(exc).__module__}.{type(exc).__name__} escaped: {exc}")
    worker.join(5.0)


def _ready(cem: S2CemServer, rm: RawRm, answer: Callable[[dict[str, Any]], str | bytes | None] | str) -> None:
    rm.handshake()
    assert rm.exchange(details(available_control_types=OFFERED))["status"] == "OK"
    cem.wait_for_rm(2.0)
    _answering(rm, answer)
    cem.select_control_type("FRBC")


def test_a_broken_reception_status_is_a_frame_error_naming_message_and_frame_at_once(cem: S2CemServer) -> None:
    with connect(cem.url, open_timeout=2.0) as ws:
        _ready(cem, RawRm(ws), GARBAGE["status outside the schema"])
        with pytest.raises(ProtocolFrameError) as broken:
            cem.send_frbc_instruction("actuator-1", "mode-1", timeout_s=5.0)   # fails on the frame, not at 5 s
        text = str(broken.value)
        assert "answered the CEM's FRBC.Instruction with a broken ReceptionStatus" in text
        assert "ReceptionStatus breaks the S2 schema" in text and '"status": "MAYBE"' in text
    assert any("ReceptionStatus breaks the S2 schema" in v.reason for v in cem.violations())


def test_unreadable_frames_instead_of_a_reception_status_are_a_frame_error(cem: S2CemServer) -> None:
    with connect(cem.url, open_timeout=2.0) as ws:
        _ready(cem, RawRm(ws), GARBAGE["not json"])
        with pytest.raises(ProtocolFrameError, match=r"sent no valid ReceptionStatus for FRBC\.Instruction within "
                                                     r"0\.3 s; it sent 1 unreadable frame\(s\), the last: not valid "
                                                     r"JSON.*: frame \{this is not json"):
            cem.send_frbc_instruction("actuator-1", "mode-1")


def test_silence_is_a_timeout_and_a_hang_up_a_closed_connection(cem: S2CemServer) -> None:
    with connect(cem.url, open_timeout=2.0) as ws:
        _ready(cem, RawRm(ws), GARBAGE["silence"])
        with pytest.raises(S2Timeout) as silent:
            cem.send_frbc_instruction("actuator-1", "mode-1")
        assert not isinstance(silent.value, ProtocolFrameError)
    with connect(cem.url, open_timeout=2.0) as ws:
        _ready(cem, RawRm(ws), "hang-up")
        with pytest.raises(S2ConnectionClosed) as lost:
            cem.send_frbc_instruction("actuator-1", "mode-1", timeout_s=5.0)
        assert isinstance(lost.value, LinkError)


@pytest.mark.parametrize("garbage", ["status outside the schema", "not json"])
def test_a_broken_answer_to_the_declared_control_type_is_the_device_lacking_it(cem: S2CemServer,
                                                                               garbage: str) -> None:
    with connect(cem.url, open_timeout=2.0) as ws:
        _ready(cem, RawRm(ws), GARBAGE[garbage])
        declared_frbc, declared_pebc = S2DutLink(cem, control_type="FRBC"), S2DutLink(cem, control_type="PEBC")
        with pytest.raises(DeviceLacksFunction) as lacks:
            declared_frbc.send_frbc_instruction("actuator-1", "mode-1")
        assert lacks.value.function == "S2 control type FRBC (FILL_RATE_BASED_CONTROL)"
        assert "frame " in lacks.value.evidence and "declared in links.control.control_type" in lacks.value.evidence
        assert isinstance(lacks.value.__cause__, ProtocolFrameError)
        with pytest.raises(ProtocolFrameError) as undeclared:          # not what the profile declares: ERROR
            declared_pebc.send_frbc_instruction("actuator-1", "mode-1")
        assert not isinstance(undeclared.value, DeviceLacksFunction)
