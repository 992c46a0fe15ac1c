"""The ``s2`` opener (links/s2/opener.py): CEM before the lab, runtime info for the simulated RM,
open() waits for the RM and selects the control type, frames and events in the record, bench
calendar in the CEM's timestamps, a silent RM is a LinkTimeout, bad link keys are configuration
errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from links.openers import validate_link
from links.s2.opener import S2Opener
from bench.errors import ConfigError, LinkTimeout
from bench.recorder import Recorder, read_record
from simlab.devices.s2_resource_manager import RmConfig, SimResourceManager
from bench.yamlconf import LoadedYaml

from .helpers import START, FakeBackend, LabLoop, VirtualTime, advance


@pytest.fixture
def session(tmp_path: Path) -> Iterator[SimpleNamespace]:
    recorder = Recorder(tmp_path / "record.jsonl", lambda: 0.0)
    yield SimpleNamespace(recorder=recorder, out_dir=tmp_path, clock=None, simulated=True,
                          config=SimpleNamespace(start_calendar=START.isoformat()),
                          profile=SimpleNamespace(identity={"manufacturer": "flexbench", "model": "HP-S2"},
                                                  doc=None))
    recorder.close()


def records(session: SimpleNamespace, kind: str) -> list[dict[str, Any]]:
    return [e for e in read_record(session.recorder.path) if e["kind"] == kind]


class FakeClock:
    def __init__(self, time: VirtualTime) -> None:
        self.time = time

    def calendar(self) -> dt.datetime:
        return self.time.calendar()


def test_opener_connects_the_simulated_rm_selects_pebc_and_records_frames(session: SimpleNamespace) -> None:
    opener = S2Opener(session, "control", {"protocol": "s2", "rm_id": "hp-1", "control_type": "pebc",
                                           "port": "sim", "timeout_s": 2, "connect_timeout_s": 5})
    runtime = opener.before_lab()
    assert runtime["cem_url"].startswith("ws://127.0.0.1:") and runtime["cem_url"].endswith("/hp-1")
    assert json.loads(json.dumps(runtime)) == runtime           # crosses the process boundary to the lab
    time, lab, backend = VirtualTime(), LabLoop(), FakeBackend(("PEBC",))
    rm = SimResourceManager(RmConfig.from_link(runtime, {"manufacturer": "flexbench", "model": "HP-S2",
                                                         "serial_number": "7", "phase_count": 1},
                                               instruction_processing_delay_s=2.0),
                            backend, now_s=lambda: time.t_s, calendar=time.calendar)
    try:
        lab.run(rm.start())
        session.clock = FakeClock(time)
        link = opener.open()
        assert link.selected_control_type() == "PEBC"
        lab.run(advance(rm, time, 60.0))
        instruction_id = link.pebc_limit_consumption_w(800.0)
        lab.run(advance(rm, time, 63.0))
        assert backend.envelopes == [(800.0, 0.0)]
        record = link.instruction(instruction_id)
        assert record is not None and record.execution_time == START + dt.timedelta(seconds=60)
        assert [u.status for u in link.instruction_status(instruction_id)] == ["ACCEPTED", "STARTED", "SUCCEEDED"]
        assert link.violations() == []
    finally:
        lab.run(rm.aclose())
        lab.close()
        opener.close()
    [identity] = records(session, "dut_identity")
    assert identity["read"] == {"manufacturer": "flexbench", "model": "HP-S2", "serial_number": "7",
                                "firmware_version": None}
    commands = records(session, "command")
    assert {c["target"] for c in commands} == {"dut"}
    sent = [json.loads(c["text"][3:]) for c in commands if c["text"].startswith("-> ")]
    instruction = next(m for m in sent if m["message_type"] == "PEBC.Instruction")
    assert instruction["execution_time"] == "2026-06-21T12:01:00+02:00"      # bench calendar at t = 60 s
    envelope = instruction["power_envelopes"][0]
    assert envelope["commodity_quantity"] == "ELECTRIC.POWER.L1"            # single-phase RM
    assert any(c["text"].startswith("<- ") and "ResourceManagerDetails" in c["text"] for c in commands)
    events = [e["message"] for e in records(session, "event")]
    assert any("S2 CEM listening at" in m for m in events) and any("control type PEBC selected" in m for m in events)


def test_a_silent_rm_is_a_link_timeout(session: SimpleNamespace) -> None:
    opener = S2Opener(session, "s2", {"protocol": "s2", "rm_id": "hp-1", "control_type": "PEBC",
                                      "connect_timeout_s": 0.2})
    try:
        with pytest.raises(LinkTimeout, match="never connected"):
            opener.open()
    finally:
        opener.close()


@pytest.mark.parametrize(("link", "field", "message"), [
    ({"control_type": "PEBC"}, "rm_id", "required"),
    ({"rm_id": "a/b", "control_type": "PEBC"}, "rm_id", "required"),
    ({"rm_id": "hp", "control_type": "LPC"}, "control_type", "one of PEBC"),
    ({"rm_id": "hp", "control_type": "PEBC", "port": 70000}, "port", "0..65535"),
    ({"rm_id": "hp", "control_type": "PEBC", "timeout_s": 0}, "timeout_s", "positive"),
    ({"rm_id": "hp", "control_type": "PEBC", "heartbeat_s": 5}, "heartbeat_s", "unknown key"),
])
def test_bad_link_keys_are_configuration_errors_naming_the_field(link: dict[str, Any], field: str,
                                                                 message: str) -> None:
    doc = LoadedYaml(Path("dut.yaml"), {}, {"links.control": 4})
    with pytest.raises(ConfigError, match=message) as raised:
        validate_link(doc, "control", {"protocol": "s2", **link})
    assert raised.value.field == f"links.control.{field}"


def test_good_link_keys_pass_validation() -> None:
    doc = LoadedYaml(Path("dut.yaml"), {}, {})
    for link in ({"rm_id": "hp-1", "control_type": "DDBC"},
                 {"rm_id": "hp-1", "control_type": "FRBC", "host": "0.0.0.0", "port": 8765, "timeout_s": 5,
                  "connect_timeout_s": 120.0, "description": "hybrid heat pump RM"}):
        validate_link(doc, "control", {"protocol": "s2", **link})
