"""Single-phase devices in the lab: a PV inverter and a charger wired to one grid phase.

Physics hands a single-phase device the voltage of its own phase (``grid_phases``) and puts its
output on that phase only, so the analyzer sees its current there; a three-phase device keeps the
one-to-one wiring."""

from __future__ import annotations

import pytest

from simlab.devices.ev_charger.electrical import ElectricalKnobs, ElectricalParameters, EvseElectrical
from simlab.devices.pv_inverter.api import OperatingState
from simlab.devices.pv_inverter.device import build_pv_inverter
from simlab.devices.registry import DeviceContext, SimSettingError, build_device
from simlab.physics import GridSourceState, Physics, PvArrayState, grid_phases_for

UN_V = 230.0


@pytest.mark.parametrize("count, connection, phases", [
    (3, None, None), (1, None, (0,)), (1, "L1", (0,)), (1, "L2", (1,)), (1, "L3", (2,))])
def test_grid_phases_of_a_connection(count: int, connection: str | None, phases: tuple[int, ...] | None) -> None:
    assert grid_phases_for(count, connection) == phases


@pytest.mark.parametrize("count, connection, problem", [
    (3, "L1", "phase_count 1"), (1, "L4", "L1, L2, L3"), (2, None, "1 or 3"), (1, "l2", "L1, L2, L3")])
def test_grid_phases_rejects_a_bad_connection(count: int, connection: str | None, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        grid_phases_for(count, connection)


def single_phase_pv(connection: str, knobs: dict | None = None) -> tuple[Physics, object]:
    inv = build_pv_inverter({"phase_count": 1, "phase_connection": connection, "rated_power_w": 4600.0,
                             "rated_apparent_power_va": 4600.0, "first_start_ramp_time_s": 0.0}, knobs or {})
    inv.settings.enter_service.delay_s = 1.0
    source = GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True)
    physics = Physics(source, inv, pv_array=PvArrayState(vmp_v=400.0, imp_a=13.0, output_on=True))
    return physics, inv


def test_single_phase_inverter_feeds_its_own_phase_only() -> None:
    physics, inv = single_phase_pv("L2")
    physics.advance_to(30.0)
    assert inv.state is OperatingState.CONNECTED and inv.nameplate.phase_count == 1
    truth = physics.truth()
    assert truth[1].active_power_w == pytest.approx(4600.0, rel=1e-3)
    assert truth[1].current_a == pytest.approx(4600.0 / UN_V, rel=1e-3)
    assert truth[0].active_power_w == truth[2].active_power_w == 0.0
    reading = inv.readings()
    assert len(reading.voltage_v) == 1 and reading.active_power_w == pytest.approx(4600.0, rel=1e-3)


def test_single_phase_inverter_trips_on_its_own_phase_only() -> None:
    physics, inv = single_phase_pv("L3")
    physics.advance_to(30.0)
    physics.source.voltage_setpoint_v[0] = 0.6 * UN_V      # U< (70 %, 1.5 s) on L1: not the inverter's phase
    physics.advance_to(33.0)
    assert inv.state is OperatingState.CONNECTED
    physics.source.voltage_setpoint_v[0] = UN_V
    physics.source.voltage_setpoint_v[2] = 0.6 * UN_V      # U< on L3: its phase
    physics.advance_to(34.6)
    assert inv.state is OperatingState.TRIPPED and inv.last_trip.startswith("under_voltage")


def test_sensed_phase_knob_judges_the_wrong_phase() -> None:
    physics, inv = single_phase_pv("L2", {"sensed_phase": "L1"})
    physics.advance_to(30.0)
    physics.source.voltage_setpoint_v[1] = 0.6 * UN_V      # its own phase dips: not seen
    physics.advance_to(33.0)
    assert inv.state is OperatingState.CONNECTED
    physics.source.voltage_setpoint_v[1] = UN_V
    physics.source.voltage_setpoint_v[0] = 0.6 * UN_V      # the phase it wrongly senses
    physics.advance_to(34.6)
    assert inv.state is OperatingState.TRIPPED


def test_single_phase_charger_draws_on_its_phase_without_stopping_the_lab() -> None:
    """Was ``IndexError: tuple index out of range`` in Physics.advance_to: the charger's output
    has one phase, the source three."""
    source = GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True)
    physics = Physics(source, None, step_s=0.1)
    evse = EvseElectrical(ElectricalParameters(phase_count=1, rated_current_a=32.0), ElectricalKnobs(),
                          physics.ev_port)
    evse.grid_phases = (2,)     # type: ignore[attr-defined]  (what the lab's builder sets)
    physics.device = evse
    port = physics.ev_port
    port.ev_connected = port.ev_requests_charge = True
    port.ev_phases = 1
    evse.set_offered_current_a(16.0, 1)
    physics.advance_to(10.0)
    truth = physics.truth()
    assert truth[2].current_a == pytest.approx(16.0, rel=1e-2)
    assert truth[2].active_power_w == pytest.approx(-(UN_V * 16.0 + 5.0), rel=1e-3)
    assert truth[0].current_a == truth[1].current_a == 0.0
    assert evse.meter().current_import_a == pytest.approx((16.0,), rel=1e-3)


def test_charger_builder_wires_the_declared_phase() -> None:
    charger = build_device(DeviceContext(kind="ev_charger", nameplate={
        "rated_power_w": 7360.0, "nominal_voltage_v": UN_V, "phase_count": 1, "phase_connection": "L2"}))
    assert charger.phase_count == 1 and charger.grid_phases == (1,)
    three = build_device(DeviceContext(kind="ev_charger", nameplate={"phase_count": 3}))
    assert three.grid_phases is None
    with pytest.raises(SimSettingError, match="phase_connection") as info:
        build_device(DeviceContext(kind="ev_charger", nameplate={"phase_count": 3, "phase_connection": "L1"}))
    assert info.value.key == "phase_connection"


def test_sensed_phase_knob_on_a_three_phase_inverter_judges_that_phase_everywhere() -> None:
    inv = build_pv_inverter({"first_start_ramp_time_s": 0.0}, {"sensed_phase": "L3"})
    inv.settings.enter_service.delay_s = 1.0
    source = GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True)
    physics = Physics(source, inv, pv_array=PvArrayState(vmp_v=600.0, imp_a=20.0, output_on=True))
    physics.advance_to(30.0)
    source.voltage_setpoint_v[2] = 1.04 * UN_V
    physics.advance_to(31.0)
    assert inv.readings().voltage_v == pytest.approx((1.04 * UN_V,) * 3)


# --------------------------------------------------------------------- the profile's declaration

def _profile_with(tmp_path, name: str, old: str, new: str):
    from bench.config import PROFILE_DIR, load_device_profile

    text = (PROFILE_DIR / f"{name}.yaml").read_text()
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new))
    return load_device_profile(path)


@pytest.mark.parametrize("old, new, field", [
    ("  phase_connection: L2\n", "  phase_connection: L4\n", "ratings.phase_connection"),
    ("  phase_count: 1\n", "  phase_count: 3\n", "ratings.phase_connection"),   # a three-phase device on L2
])
def test_profile_rejects_a_bad_phase_connection_naming_the_field(tmp_path, old: str, new: str, field: str) -> None:
    from bench.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        _profile_with(tmp_path, "sim-pv-inverter-1ph", old, new)
    assert info.value.field == field


def test_device_phases_come_from_the_profile() -> None:
    from bench.config import load_device_profile
    from test_suites.common import device_phases

    assert device_phases(load_device_profile("sim-pv-inverter")) == (1, 2, 3)
    assert device_phases(load_device_profile("sim-pv-inverter-1ph")) == (2,)
    assert device_phases(load_device_profile("sim-ev-charger-1ph")) == (3,)


def test_lab_builds_the_single_phase_references_on_their_phases(tmp_path) -> None:
    from bench.config import load_device_profile
    from simlab.lab import build_lab_device
    from simlab.spec import LabSpec, device_entry

    for name, phases in (("sim-pv-inverter-1ph", (1,)), ("sim-ev-charger-1ph", (2,))):
        profile = load_device_profile(name)
        device = build_lab_device(LabSpec(device=device_entry(profile, {})))
        assert device.phase_count == 1 and device.grid_phases == phases
