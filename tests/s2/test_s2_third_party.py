"""Acceptance: the bench's CEM against a resource manager built only from s2-python's own classes
(tests/s2/third_party_rm.py), running as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from links.s2 import CemConfig, S2CemServer

RM_SCRIPT = Path(__file__).with_name("third_party_rm.py")


def wait_until(predicate: Any, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_third_party_rm_handshake_pebc_instruction_and_status(tmp_path: Path) -> None:
    frames: list[tuple[str, str]] = []
    cem = S2CemServer(CemConfig(rm_id="third-party"), trace=lambda d, t: frames.append((d, t)))
    cem.start()
    stderr = (tmp_path / "rm.stderr").open("w")
    process = subprocess.Popen([sys.executable, str(RM_SCRIPT), cem.url, "15"],
                               stdout=subprocess.PIPE, stderr=stderr, text=True)
    events: list[dict[str, Any]] = []

    def read_events() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("{"):
                events.append(json.loads(line))

    reader = threading.Thread(target=read_events, daemon=True)
    reader.start()
    try:
        assert cem.wait_for_rm(15.0) == 1
        details = cem.details()
        assert details is not None
        assert (details.name, details.manufacturer, details.instruction_processing_delay_ms) == \
            ("third-party heat pump", "s2-python", 2000)
        assert details.available_control_types == ("POWER_ENVELOPE_BASED_CONTROL",)
        cem.select_control_type("PEBC")
        instruction_id = cem.pebc_limit_consumption_w(2000.0, timeout_s=5.0)
        record = cem.instruction(instruction_id)
        assert record is not None and record.reception is not None
        assert record.reception.status == "OK"
        assert wait_until(lambda: [u.status for u in cem.instruction_status(instruction_id)] == ["ACCEPTED"], 5.0)
        assert wait_until(lambda: len(cem.measurements()) == 1, 5.0)
        assert cem.measurements()[0].consumption_w == 1800.0
        assert wait_until(lambda: any(e["event"] == "status_update_acknowledged" for e in events), 5.0)
    finally:
        cem.stop()
        process.wait(timeout=20)
        reader.join(5.0)
        if process.stdout is not None:
            process.stdout.close()
        stderr.close()
    err = (tmp_path / "rm.stderr").read_text()
    by_name = {e["event"]: e for e in events}
    assert by_name["connected"]["resource_id"] == details.resource_id, err
    assert by_name["instruction"] == {"event": "instruction", "id": instruction_id,
                                      "commodity_quantity": "ELECTRIC.POWER.3_PHASE_SYMMETRIC",
                                      "upper_limit": 2000.0, "lower_limit": 0.0}
    assert by_name["power_constraints_acknowledged"]["status"] == "OK"
    assert by_name["status_update_acknowledged"]["status"] == "OK"
    sent = [json.loads(t)["message_type"] for d, t in frames if d.startswith("out:")]
    received = [json.loads(t)["message_type"] for d, t in frames if d.startswith("in:")]
    assert sent[:3] == ["ReceptionStatus", "Handshake", "HandshakeResponse"]
    assert {"SelectControlType", "PEBC.Instruction"} <= set(sent)
    assert received[0] == "Handshake" and "ResourceManagerDetails" in received
    assert cem.violations() == []
