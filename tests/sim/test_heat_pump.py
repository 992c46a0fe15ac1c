"""The simulated SG-Ready heat pump (simlab/devices/heat_pump/lab_wiring.py) stepped in-process, its
settings validation, the lab wiring (shared contact bank) and the SG-Ready contacts link."""

from __future__ import annotations

import pytest

from simlab.devices.heat_pump.lab_wiring import build_heat_pump
from simlab.devices.heat_pump.knobs import SimSettingError
from simlab import LabSpec, SpecError
from simlab.lab import build_lab_device
from simlab.physics import GridSourceState, Physics
from links.sg_ready_contacts import SgReadyContactsLink, SgReadyState, sg_ready_state
from sim_stepping import HeatPumpStepper


def test_contact_positions_map_to_sg_ready_states():
    assert sg_ready_state(True, False) == SgReadyState.BLOCKED
    assert sg_ready_state(False, False) == SgReadyState.NORMAL
    assert sg_ready_state(False, True) == SgReadyState.RECOMMENDED_ON
    assert sg_ready_state(True, True) == SgReadyState.FORCED_ON


def test_consumer_power_is_negative_in_the_export_positive_convention():
    s = HeatPumpStepper()
    s.run(120)
    out = s.hp.output()
    assert all(p < -100.0 for p in out.active_power_w)
    assert sum(out.active_power_w) == pytest.approx(-s.hp.consumption_w())


def test_states_drive_consumption():
    s = HeatPumpStepper()
    normal = s.run(300)[-1]
    assert 750.0 < normal < 3000.0
    block = s.run(60, (301,))
    assert block[15] == pytest.approx(normal, abs=5.0)      # input delay 20 s
    assert block[-1] == pytest.approx(20.0)                 # standby only
    release = s.run(600)
    assert max(release) <= normal + 5.0                     # soft restart, no rebound
    assert release[-1] == pytest.approx(normal, abs=20.0)
    assert s.run(120, (302,))[-1] > normal + 500.0          # boost
    assert s.run(120, (301, 302))[-1] == pytest.approx(3020.0)  # forced: rated + standby


def test_no_power_without_ac():
    s = HeatPumpStepper()
    s.run(60)
    assert s.run(1, volts=0.0)[-1] == 0.0


def test_block_ends_after_the_block_limit():
    s = HeatPumpStepper(block_limit_s=600.0)
    s.run(300)
    block = s.run(900, (301,))
    assert block[600] == pytest.approx(20.0)
    assert block[-1] > 500.0                                 # resumed after 20 s + 600 s


@pytest.mark.parametrize(("knobs", "closed", "after_s", "predicate"), [
    ({"ignores_block": True}, (301,), 120, lambda w: w > 500.0),
    ({"forced_on_ignored": True}, (301, 302), 120, lambda w: w < 2000.0),
    ({"boost_ignored": True}, (302,), 120, lambda w: w < 1500.0),
])
def test_knobs_break_their_state(knobs, closed, after_s, predicate):
    s = HeatPumpStepper(**knobs)
    s.run(300)
    assert predicate(s.run(after_s, closed)[-1])


def test_keeps_blocking_after_release():
    s = HeatPumpStepper(keeps_blocking_after_release=True)
    s.run(300)
    s.run(600, (301,))
    assert s.run(600)[-1] == pytest.approx(20.0)


@pytest.mark.parametrize(("section", "raw", "key"), [
    ("knobs", {"no_such_knob": 1}, "no_such_knob"),
    ("knobs", {"response_time_factor": 0}, "response_time_factor"),
    ("knobs", {"ignores_block": "yes"}, "ignores_block"),
    ("parameters", {"min_modulation": 1.5}, "min_modulation"),
])
def test_bad_settings_name_their_profile_field(section, raw, key):
    device = {"kind": "heat_pump", "parameters": {}, "knobs": {}}
    device[section] = raw
    with pytest.raises(SpecError) as exc:
        build_lab_device(LabSpec(device=device))
    assert exc.value.field_name == f"simulation.{section}.{key}"
    with pytest.raises(SimSettingError):
        build_heat_pump(raw if section == "parameters" else {}, raw if section == "knobs" else {})


def test_physics_shares_its_contact_bank_with_the_simulated_daq970a():
    from simlab.instrument_registry import SIM_INSTRUMENTS

    hp = build_heat_pump({}, {})
    physics = Physics(GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True), hp)
    daq = SIM_INSTRUMENTS.get("keysight_daq970a")(physics, seed=1, faults={})
    assert daq.contacts is physics.contacts
    daq.handle("ROUTe:CLOSe (@301)")
    assert physics.terminal().closed_contacts == frozenset({301})
    physics.advance_to(30.0)
    assert hp.input_state == SgReadyState.BLOCKED


class FakeDigitalIO:
    channels = (301, 302, 303)

    def __init__(self) -> None:
        self.closed: dict[int, bool] = {}
        self.calls: list[tuple[int, bool]] = []

    def set_output(self, channel: int, closed: bool) -> None:
        self.calls.append((channel, closed))
        self.closed[channel] = closed

    def output_state(self, channel: int) -> bool:
        return self.closed.get(channel, False)


@pytest.mark.parametrize(("state", "contacts"), [(SgReadyState.BLOCKED, (True, False)),
                                                 (SgReadyState.NORMAL, (False, False)),
                                                 (SgReadyState.RECOMMENDED_ON, (False, True)),
                                                 (SgReadyState.FORCED_ON, (True, True))])
def test_link_sets_and_reads_back_contacts(state, contacts):
    io = FakeDigitalIO()
    traced: list[str] = []
    link = SgReadyContactsLink(io, 301, 302, trace=lambda d, text: traced.append(text))
    link.set_state(state)
    assert io.calls == [(301, contacts[0]), (302, contacts[1])]
    assert link.read_state() == state
    assert f"state {int(state)}" in traced[0]
    link.close()
    assert link.read_state() == SgReadyState.NORMAL
