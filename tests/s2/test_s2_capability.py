"""The S2 control-type mismatch rule (links/s2/capability.py), one test per row of its table, and
where it acts: the opener keeps the session open when the RM lacks the declared control type, the
heat-pump suites' PEBC gate FAILs / skips by it, a silent or garbling RM stays a LinkError."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from websockets.asyncio.client import connect

from bench.errors import DeviceLacksFunction, DutNonConformance, LinkError, LinkTimeout
from bench.recorder import Recorder, read_record
from links.s2 import RmDetails, S2NotConnected
from links.s2.capability import ControlTypeSupport, control_type_support
from links.s2.opener import S2Opener
from simlab.devices.s2_resource_manager import RmConfig, SimResourceManager
from test_suites.heat_pump.controls import HybridSwitch, s2_offering_pebc

from .helpers import START, FakeBackend, LabLoop, VirtualTime

FRBC = "FILL_RATE_BASED_CONTROL"
PEBC = "POWER_ENVELOPE_BASED_CONTROL"
DDBC = "DEMAND_DRIVEN_BASED_CONTROL"


def details(*offered: str) -> RmDetails:
    return RmDetails.from_wire({
        "message_type": "ResourceManagerDetails", "message_id": "m-1", "resource_id": "rm-1",
        "name": "heat pump", "roles": [{"role": "ENERGY_CONSUMER", "commodity": "ELECTRICITY"}],
        "instruction_processing_delay": 1000, "available_control_types": list(offered),
        "provides_forecast": False, "provides_power_measurement_types": ["ELECTRIC.POWER.L1"]})


# ---- the rule, row by row ------------------------------------------------------------------------
@pytest.mark.parametrize("declared", [("PEBC",), ("FRBC",), ()])
def test_an_offered_control_type_runs_whether_declared_or_not(declared: tuple[str, ...]) -> None:
    assert control_type_support("PEBC", declared, details(PEBC, FRBC)) is ControlTypeSupport.OFFERED


def test_a_declared_control_type_the_rm_does_not_offer_is_a_device_fail_with_its_details() -> None:
    with pytest.raises(DeviceLacksFunction) as raised:
        control_type_support("pebc", (PEBC,), details(FRBC), where="links.control.control_type")
    lacks = raised.value
    assert isinstance(lacks, DutNonConformance) and not isinstance(lacks, LinkError)   # FAIL, never ERROR
    assert lacks.function == "S2 control type PEBC (POWER_ENVELOPE_BASED_CONTROL)"
    assert "available_control_types [FILL_RATE_BASED_CONTROL]" in lacks.evidence
    assert "not POWER_ENVELOPE_BASED_CONTROL declared in links.control.control_type" in lacks.evidence
    frame = json.loads(lacks.evidence.split("ResourceManagerDetails: ", 1)[1])
    assert frame["message_type"] == "ResourceManagerDetails" and frame["available_control_types"] == [FRBC]


def test_a_control_type_neither_offered_nor_declared_is_not_applicable() -> None:
    assert control_type_support("DDBC", ("PEBC",), details(FRBC)) is ControlTypeSupport.NOT_DECLARED
    assert control_type_support("PEBC", (), details()) is ControlTypeSupport.NOT_DECLARED


def test_no_details_to_judge_by_is_a_link_error() -> None:
    with pytest.raises(S2NotConnected):
        control_type_support("PEBC", ("PEBC",), None)


# ---- the heat-pump suites' PEBC gate -------------------------------------------------------------
class FakeS2:
    def __init__(self, declared: str, *offered: str) -> None:
        self.declared, self._details = declared, details(*offered)

    def details(self) -> RmDetails:
        return self._details

    def control_type_support(self, needed: str) -> ControlTypeSupport:
        return control_type_support(needed, (self.declared,), self._details)


def test_pebc_gate_without_an_s2_link_is_not_applicable() -> None:
    with pytest.raises(pytest.skip.Exception, match="NOT_APPLICABLE: the profile declares no S2 link"):
        s2_offering_pebc(SimpleNamespace(s2=None), "no PEBC")


def test_pebc_gate_fails_when_pebc_is_declared_and_not_offered() -> None:
    with pytest.raises(DeviceLacksFunction, match="S2 control type PEBC"):
        s2_offering_pebc(SimpleNamespace(s2=FakeS2("PEBC", FRBC)), "no PEBC")


def test_pebc_gate_is_not_applicable_when_pebc_is_neither_offered_nor_declared() -> None:
    with pytest.raises(pytest.skip.Exception, match="NOT_APPLICABLE: no PEBC and the profile declares no PEBC"):
        s2_offering_pebc(SimpleNamespace(s2=FakeS2("FRBC", FRBC)), "no PEBC")


def test_pebc_gate_runs_when_the_rm_offers_pebc() -> None:
    s2 = FakeS2("PEBC", PEBC)
    assert s2_offering_pebc(SimpleNamespace(s2=s2), "no PEBC") == (s2, s2.details())


def test_hybrid_switch_path_fails_when_ddbc_is_declared_and_not_offered() -> None:
    no_modbus = {"modbus_point": lambda name, writable=False: None}
    with pytest.raises(DeviceLacksFunction, match="S2 control type DDBC"):
        HybridSwitch(SimpleNamespace(s2=FakeS2("DDBC", PEBC), **no_modbus))
    assert HybridSwitch(SimpleNamespace(s2=FakeS2("PEBC", PEBC), **no_modbus)).via is None       # not declared
    assert HybridSwitch(SimpleNamespace(s2=FakeS2("PEBC", PEBC, DDBC), **no_modbus)).via == "S2 DDBC"


# ---- the opener --------------------------------------------------------------------------------
@pytest.fixture
def session(tmp_path: Path) -> Iterator[SimpleNamespace]:
    recorder = Recorder(tmp_path / "record.jsonl", lambda: 0.0)
    yield SimpleNamespace(recorder=recorder, out_dir=tmp_path, clock=None, simulated=True,
                          config=SimpleNamespace(start_calendar=START.isoformat()),
                          profile=SimpleNamespace(identity={"manufacturer": "flexbench"}, doc=None))
    recorder.close()


def test_the_session_opens_when_the_rm_lacks_the_declared_control_type(session: SimpleNamespace) -> None:
    opener = S2Opener(session, "control", {"protocol": "s2", "rm_id": "hp-1", "control_type": "PEBC",
                                           "port": "sim", "timeout_s": 2, "connect_timeout_s": 5})
    runtime = opener.before_lab()
    time, lab, backend = VirtualTime(), LabLoop(), FakeBackend(("DDBC",))
    rm = SimResourceManager(RmConfig.from_link(runtime, {"manufacturer": "flexbench", "model": "HP",
                                                         "serial_number": "7", "phase_count": 1},
                                               instruction_processing_delay_s=1.0),
                            backend, now_s=lambda: time.t_s, calendar=time.calendar)
    try:
        lab.run(rm.start())
        link = opener.open()                                   # no LinkError: the session is open
        assert link.selected_control_type() is None            # the undeclared DDBC is not selected
        assert link.is_ready() and link.measurements() is not None
        with pytest.raises(DeviceLacksFunction) as raised:
            link.control_type_support("PEBC")
        assert "declared in links.control.control_type" in raised.value.evidence
        assert '"DEMAND_DRIVEN_BASED_CONTROL"' in raised.value.evidence
        assert link.control_type_support("DDBC") is ControlTypeSupport.OFFERED
        assert link.control_type_support("FRBC") is ControlTypeSupport.NOT_DECLARED
    finally:
        lab.run(rm.aclose())
        lab.close()
        opener.close()
    events = [e["message"] for e in read_record(session.recorder.path) if e["kind"] == "event"]
    assert any("offers DEMAND_DRIVEN_BASED_CONTROL, not the declared control type PEBC: nothing selected"
               in m for m in events)
    assert not any("selected" in m and "nothing selected" not in m for m in events)


def test_a_garbling_rm_is_a_link_timeout_naming_its_frame(session: SimpleNamespace) -> None:
    opener = S2Opener(session, "control", {"protocol": "s2", "rm_id": "hp-1", "control_type": "PEBC",
                                           "connect_timeout_s": 1.0})
    url = opener.before_lab()["cem_url"]

    async def garble() -> None:
        async with connect(url) as ws:
            await ws.send("{not json at all")
            await ws.recv()                 # the CEM's ReceptionStatus INVALID_DATA
            await asyncio.sleep(1.5)

    lab = LabLoop()
    try:
        future = asyncio.run_coroutine_threadsafe(garble(), lab.loop)
        with pytest.raises(LinkTimeout, match=r"violations: .*in frame '\{not json at all'"):
            opener.open()
        future.result(5.0)
    finally:
        lab.close()
        opener.close()
