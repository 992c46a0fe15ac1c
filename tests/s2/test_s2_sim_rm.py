"""The bench's CEM against the simulated lab's resource manager (simlab/s2), in virtual time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from simlab.devices.s2_resource_manager import RmConfig, RmFaults, SimResourceManager
from links.s2 import CemConfig, S2CemServer

from .helpers import FakeBackend, LabLoop, VirtualTime, advance

DELAY_S = 4.0
INTERVAL_S = 2.0


@dataclass
class Rig:
    cem: S2CemServer
    rm: SimResourceManager
    backend: FakeBackend
    time: VirtualTime
    lab: LabLoop

    def advance(self, to_s: float) -> None:
        self.lab.run(advance(self.rm, self.time, to_s))


def make_rig(faults: RmFaults | None = None, control_types: tuple[str, ...] = ("PEBC", "DDBC")) -> Iterator[Rig]:
    time, lab, backend = VirtualTime(), LabLoop(), FakeBackend(control_types)
    cem = S2CemServer(CemConfig(rm_id="hp-1", now=time.calendar, response_timeout_s=2.0))
    cem.start()
    rm = SimResourceManager(RmConfig(cem_url=cem.url, rm_id="hp-1", name="sim heat pump",
                                     manufacturer="flexbench", model="HP-S2", serial_number="S2-001",
                                     firmware_version="1.0", instruction_processing_delay_s=DELAY_S,
                                     measurement_interval_s=INTERVAL_S, reconnect_interval_s=10.0,
                                     reply_timeout_s=2.0),
                            backend, now_s=lambda: time.t_s, calendar=time.calendar, faults=faults)
    lab.run(rm.start())
    try:
        yield Rig(cem, rm, backend, time, lab)
        assert rm.internal_errors == []
    finally:
        lab.run(rm.aclose())
        lab.close()
        cem.stop()


@pytest.fixture
def rig() -> Iterator[Rig]:
    yield from make_rig()


def statuses(rig: Rig, instruction_id: str) -> list[tuple[str, dt.datetime]]:
    return [(u.status, u.timestamp) for u in rig.cem.instruction_status(instruction_id)]


def test_handshake_and_details(rig: Rig) -> None:
    assert rig.cem.wait_for_rm(5.0) == 1
    details = rig.cem.details()
    assert details is not None
    assert (details.name, details.model, details.instruction_processing_delay_ms) == ("sim heat pump", "HP-S2", 4000)
    assert details.available_control_types == ("POWER_ENVELOPE_BASED_CONTROL", "DEMAND_DRIVEN_BASED_CONTROL")
    assert details.provides_power_measurement_types == ("ELECTRIC.POWER.3_PHASE_SYMMETRIC",)
    assert rig.cem.violations() == []


def test_pebc_round_trip_in_virtual_time(rig: Rig) -> None:
    rig.cem.wait_for_rm(5.0)
    rig.cem.select_control_type("PEBC")
    rig.advance(1.0)
    instruction_id = rig.cem.pebc_limit_consumption_w(1500.0, execution_time=rig.time.calendar(3.0),
                                                      duration_s=20.0)
    record = rig.cem.instruction(instruction_id)
    assert record is not None and record.accepted_on_wire
    rig.advance(10.0)
    assert rig.backend.envelopes == [(1500.0, 0.0)]
    assert statuses(rig, instruction_id) == [("ACCEPTED", rig.time.calendar(1.0)),
                                            ("STARTED", rig.time.calendar(3.0)),
                                            ("SUCCEEDED", rig.time.calendar(3.0 + DELAY_S))]
    rig.advance(24.0)                        # the single 20 s element ends at 23 s: limit lifted
    assert rig.backend.envelopes == [(1500.0, 0.0), (None, None)]
    samples = rig.cem.measurements()
    assert [s.timestamp for s in samples] == [rig.time.calendar(t) for t in range(0, 25, 2)]
    by_time = {s.timestamp: s.consumption_w for s in samples}
    assert by_time[rig.time.calendar(2.0)] == 2500.0
    assert by_time[rig.time.calendar(4.0)] == 1500.0
    assert by_time[rig.time.calendar(24.0)] == 2500.0
    assert rig.cem.violations() == []


def test_instruction_outside_constraints_is_rejected(rig: Rig) -> None:
    rig.cem.wait_for_rm(5.0)
    rig.cem.select_control_type("PEBC")
    instruction_id = rig.cem.pebc_limit_consumption_w(5000.0)   # above the declared 3000 W
    rig.advance(1.0)
    assert [s for s, _ in statuses(rig, instruction_id)] == ["REJECTED"]
    assert rig.backend.envelopes == []


def test_ddbc_mode_switch(rig: Rig) -> None:
    rig.cem.wait_for_rm(5.0)
    rig.cem.select_control_type("DDBC")
    modes = {m.label: m for m in rig.cem.ddbc_modes()}
    assert set(modes) == {"heat pump", "gas boiler"}
    gas = modes["gas boiler"]
    assert ("NATURAL_GAS.FLOW_RATE", 0.0, 0.6) in gas.power_ranges_w
    instruction_id = rig.cem.send_ddbc_instruction(gas.actuator_id, gas.operation_mode_id)
    rig.advance(DELAY_S + 1.0)
    assert rig.backend.modes == [("gas", 1.0)]
    assert [s for s, _ in statuses(rig, instruction_id)] == ["ACCEPTED", "STARTED", "SUCCEEDED"]
    statuses_rx = rig.cem.received("DDBC.ActuatorStatus")
    assert statuses_rx[-1].raw["active_operation_mode_id"] == gas.operation_mode_id
    assert rig.cem.violations() == []       # s2-python's DDBC model quirks are bridged, not flagged


def test_drop_refuse_and_reconnect(rig: Rig) -> None:
    rig.cem.wait_for_rm(5.0)
    rig.cem.select_control_type("PEBC")
    rig.cem.drop_connection(refuse_reconnect=True)
    rig.advance(1.0)
    assert rig.backend.events == ["lost"] and not rig.rm.connected
    rig.advance(25.0)                        # two redials (11 s, 21 s), both refused
    assert not rig.rm.connected and not rig.cem.ready()
    rig.cem.allow_reconnect()
    rig.advance(32.0)                        # redial at 31 s succeeds
    assert rig.cem.wait_for_rm(5.0, session_after=1) == 2
    assert rig.backend.events == ["lost", "restored"]
    assert rig.cem.selected_control_type() is None
    rig.cem.select_control_type("PEBC")
    instruction_id = rig.cem.pebc_limit_consumption_w(1000.0)
    rig.advance(33.0)
    assert rig.backend.envelopes[-1] == (1000.0, 0.0)
    assert [s for s, _ in statuses(rig, instruction_id)][:2] == ["ACCEPTED", "STARTED"]
    assert rig.cem.violations() == []


def test_fault_ignores_instruction() -> None:
    for rig in make_rig(RmFaults(ignores_instruction=True)):
        rig.cem.wait_for_rm(5.0)
        rig.cem.select_control_type("PEBC")
        instruction_id = rig.cem.pebc_limit_consumption_w(1000.0)
        rig.advance(DELAY_S + 2.0)
        assert [s for s, _ in statuses(rig, instruction_id)] == ["ACCEPTED", "STARTED", "SUCCEEDED"]
        assert rig.backend.envelopes == []
        assert rig.cem.measurements()[-1].consumption_w == 2500.0


def test_fault_rejects_valid() -> None:
    for rig in make_rig(RmFaults(rejects_valid=True)):
        rig.cem.wait_for_rm(5.0)
        rig.cem.select_control_type("PEBC")
        instruction_id = rig.cem.pebc_limit_consumption_w(1000.0)
        record = rig.cem.instruction(instruction_id)
        assert record is not None and record.reception is not None
        assert record.reception.status == "INVALID_CONTENT" and not record.accepted_on_wire
        rig.advance(DELAY_S + 1.0)
        assert rig.cem.instruction_status(instruction_id) == [] and rig.backend.envelopes == []


def test_fault_malformed_frame_is_a_violation_and_the_session_goes_on() -> None:
    for rig in make_rig(RmFaults(malformed_frame=True)):
        rig.cem.wait_for_rm(5.0)
        rig.advance(2.0)
        violations = rig.cem.violations()
        assert len(violations) == 1 and "PowerMeasurement breaks the S2 schema" in violations[0].reason
        assert '"n/a"' in violations[0].frame
        assert rig.rm.rejections and rig.rm.rejections[0].startswith("INVALID_MESSAGE")
        assert [s.timestamp for s in rig.cem.measurements()] == [rig.time.calendar(2.0)]
        rig.cem.select_control_type("PEBC")
        record = rig.cem.instruction(rig.cem.pebc_limit_consumption_w(1200.0))
        assert record is not None and record.accepted_on_wire


def test_abrupt_drop_without_refusal_reconnects_after_the_rm_interval(rig: Rig) -> None:
    rig.cem.wait_for_rm(5.0)
    rig.advance(5.0)
    rig.cem.drop_connection(refuse_reconnect=False, abrupt=True)
    rig.advance(6.0)
    assert rig.backend.events == ["lost"] and rig.cem.session_number() == 1
    rig.advance(16.0)                        # the RM redials 10 s after the loss
    assert rig.cem.wait_for_rm(5.0, session_after=1) == 2
    assert rig.backend.events == ["lost", "restored"]
    assert rig.cem.violations() == []
