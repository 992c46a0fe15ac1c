"""Robustness (EV-ROBUSTNESS): unknown or malformed CALLs get a CALLERROR; the charger stays connected.

Method (OCPP-J 1.6 §4.2.3, 2.0.1 Part 4 §4.2.3): the CSMS sends, as raw frames (``send_raw``):

1. a CALL with an action the charger cannot know (``unknown_action``);
2. a known action whose payload breaks the schema (TriggerMessage with a requestedMessage that no
   version defines);
3. a known action with a required field of the wrong type (GetCompositeSchedule with a text
   duration).

Each must be answered with a CALLERROR carrying the same message id (not a CALLRESULT, not
silence, not a closed socket), the WebSocket must stay open, and a valid call (TriggerMessage
Heartbeat) must still be answered afterwards.
"""

from __future__ import annotations

import json

import pytest

from bench.errors import LinkError

REQ = "EV-ROBUSTNESS"


def _frames(unknown_action: str) -> list[tuple[str, str]]:
    return [
        ("unknown action", json.dumps([2, "flexbench-robustness-1", unknown_action, {}])),
        ("schema-breaking TriggerMessage",
         json.dumps([2, "flexbench-robustness-2", "TriggerMessage", {"requestedMessage": "FlexbenchNoSuchMessage"}])),
        ("GetCompositeSchedule with a text duration",
         json.dumps([2, "flexbench-robustness-3", "GetCompositeSchedule",
                     {"connectorId": 1, "evseId": 1, "duration": "soon"}])),
    ]


@pytest.mark.requirement(REQ)
def test_unknown_and_malformed_calls(dut):
    """CALLERROR for each bad CALL, connection kept, valid calls still answered."""
    check = dut.check
    dut.transition("online")
    for label, frame in _frames(str(dut.param(REQ, "unknown_action"))):
        dut.step(f"raw CALL ({label}): {frame}")
        unique_id = json.loads(frame)[1]
        reply = dut.link.send_raw(frame)
        check.require_true(REQ, f"{label}: answered with a CALLERROR of the same message id",
                           reply.kind == "error" and reply.unique_id == unique_id,
                           f"reply {reply.kind}" + (f" {reply.error_code}" if reply.error_code else "")
                           + f": {reply.frame}")
        connected = dut.link.is_connected()
        check.require_true(REQ, f"{label}: still connected afterwards", connected,
                           "" if connected else "the charger closed the WebSocket")
        if not connected:
            return
    try:
        status = dut.link.trigger_message("Heartbeat")
    except LinkError as error:
        status = f"{type(error).__name__}: {error}"
    check.require_true(REQ, "a valid call (TriggerMessage Heartbeat) is still answered", status == "Accepted",
                       f"status {status}")
