"""The simulated home battery (simlab/devices/home_battery/device.py): setpoints (export positive),
response time and ramp, state-of-charge limits, efficiency, watchdog failsafe, every fault knob,
settings validation, and the battery over its vendor map on the real Modbus RTU server."""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any

import pytest

from simlab.devices.home_battery.device import (
    BatteryState,
    HomeBatteryMapBackend,
    build_home_battery,
    lab_device,
)
from simlab.devices.home_battery.knobs import SimSettingError
from simlab.devices.registry import DeviceContext
from simlab.physics import TerminalConditions
from links.modbus_map import ModbusMapLink, parse_register_map
from links.modbus_map.wire import RtuTransport
from sim_stepping import DT_S, DeviceStepper

STANDBY_W = 10.0


class Stepper(DeviceStepper):
    def __init__(self, parameters: dict | None = None, **knobs: object) -> None:
        self.b = build_home_battery(parameters or {}, dict(knobs))
        super().__init__(self.b)

    def reading(self) -> float:
        return self.b.active_power_w()

    def run(self, duration_s: float, volts: float = 230.0) -> list[float]:
        """Step ``duration_s``; AC power (W, export positive) at the end of every second."""
        return self.step_for(duration_s, TerminalConditions((volts,) * 3, 50.0, 0.0))


def test_follows_setpoints_after_the_response_time_and_ramp():
    s = Stepper()
    assert s.run(5)[-1] == pytest.approx(0.0)                 # idle: standby covered by the battery
    assert s.b.state() == BatteryState.IDLE
    s.b.write_setpoint(3000.0)
    trace = s.run(10)
    assert trace[1] == pytest.approx(0.0)                       # response time 2 s
    assert trace[2] == pytest.approx(1000.0, abs=1.0)           # then 1000 W/s
    assert trace[-1] == pytest.approx(3000.0)
    assert s.b.state() == BatteryState.DISCHARGING
    assert sum(s.b.output().active_power_w) == pytest.approx(3000.0)   # export positive at the terminals
    s.b.write_setpoint(-4000.0)
    assert s.run(12)[-1] == pytest.approx(-4000.0)
    assert s.b.state() == BatteryState.CHARGING


def test_setpoints_are_clamped_to_the_ratings():
    s = Stepper()
    s.b.write_setpoint(9000.0)
    assert s.run(10)[-1] == pytest.approx(5000.0)
    s.b.write_setpoint(-9000.0)
    assert s.run(15)[-1] == pytest.approx(-5000.0)


def test_state_of_charge_follows_the_energy_with_the_round_trip_efficiency():
    s = Stepper({"ramp_w_per_s": 1e6, "response_time_s": 0.0})
    s.b.write_setpoint(3600.0)
    s.run(600)                                                  # 600 Wh out at the terminals
    one_way = math.sqrt(0.9)
    expected = 50.0 - (600.0 + STANDBY_W / 6.0) / one_way / 10000.0 * 100.0
    assert s.b.soc_pct == pytest.approx(expected, abs=0.01)
    s.b.write_setpoint(-3600.0)
    s.run(600)
    assert s.b.soc_pct == pytest.approx(expected + (600.0 - STANDBY_W / 6.0) * one_way / 100.0, abs=0.01)


def test_charging_stops_at_max_soc_and_discharging_at_min_soc():
    s = Stepper({"initial_soc_pct": 94.9})
    s.b.write_setpoint(-5000.0)
    trace = s.run(60)
    assert s.b.soc_pct == pytest.approx(95.0, abs=0.01)
    assert trace[-1] == pytest.approx(-STANDBY_W)               # converter cut off: standby from the grid
    assert s.b.state() == BatteryState.FULL
    s = Stepper({"initial_soc_pct": 10.1})
    s.b.write_setpoint(5000.0)
    trace = s.run(60)
    assert s.b.soc_pct == pytest.approx(10.0, abs=0.01)
    assert trace[-1] == pytest.approx(-STANDBY_W)               # standby now drawn from the grid
    assert s.b.state() == BatteryState.EMPTY


def test_knob_ignores_soc_limits_charges_past_max_soc():
    s = Stepper({"initial_soc_pct": 94.9}, ignores_soc_limits=True)
    s.b.write_setpoint(-5000.0)
    assert s.run(60)[-1] == pytest.approx(-5000.0)
    assert s.b.soc_pct > 95.5


def test_knob_overshoot_factor():
    s = Stepper(overshoot_factor=1.2)
    s.b.write_setpoint(3000.0)
    assert s.run(10)[-1] == pytest.approx(3600.0)
    s.b.write_setpoint(5000.0)
    assert s.run(10)[-1] == pytest.approx(6000.0)               # beyond the rating too


def test_knob_ignores_setpoints():
    s = Stepper(ignores_setpoints=True)
    s.b.write_setpoint(3000.0)
    assert s.run(10)[-1] == pytest.approx(0.0)
    assert s.b.setpoint_w == 3000.0                             # accepted and read back


def test_knob_response_time_factor():
    s = Stepper(response_time_factor=5.0)                      # 10 s
    s.b.write_setpoint(3000.0)
    trace = s.run(20)
    assert trace[8] == pytest.approx(0.0)
    assert trace[-1] == pytest.approx(3000.0)


def test_knob_readback_power_factor_scales_the_reported_power_only():
    s = Stepper(readback_power_factor=1.1)
    s.b.write_setpoint(3000.0)
    s.run(10)
    backend = HomeBatteryMapBackend(s.b)
    assert backend.read_point("active_power_w") == pytest.approx(3300.0)
    assert s.b.active_power_w() == pytest.approx(3000.0)


def _under_control(**knobs: object) -> Stepper:
    s = Stepper(**knobs)
    s.b.heartbeat()
    s.b.write_setpoint(3000.0)
    s.run(10)
    return s


def test_missing_heartbeat_sets_the_failsafe_setpoint_until_a_new_setpoint_after_heartbeats():
    s = _under_control()
    s.run(100)
    assert not s.b.failsafe_active
    trace = s.run(20)                                           # 120 s after the heartbeat
    assert s.b.failsafe_active
    assert trace[-1] == pytest.approx(0.0)
    s.b.write_setpoint(3000.0)                                  # no heartbeat yet: stays
    s.run(10)
    assert s.b.failsafe_active and s.b.active_power_w() == pytest.approx(0.0)
    s.b.heartbeat()
    s.b.write_setpoint(2000.0)
    assert s.run(10)[-1] == pytest.approx(2000.0)
    assert not s.b.failsafe_active


def test_watchdog_not_armed_before_the_first_heartbeat():
    s = Stepper()
    s.b.write_setpoint(1000.0)
    assert s.run(200)[-1] == pytest.approx(1000.0)
    assert not s.b.failsafe_active


@pytest.mark.parametrize(("knobs", "power_w", "failsafe"), [({"no_failsafe": True}, 3000.0, False),
                                                           ({"failsafe_never_left": True}, 0.0, True)])
def test_failsafe_knobs(knobs, power_w, failsafe):
    s = _under_control(**knobs)
    s.run(130)
    s.b.heartbeat()
    s.b.write_setpoint(3000.0)
    assert s.run(10)[-1] == pytest.approx(power_w)
    assert s.b.failsafe_active is failsafe


def test_ac_absent_turns_the_converter_off():
    s = Stepper()
    s.b.write_setpoint(3000.0)
    s.run(10)
    assert s.run(1, volts=0.0)[-1] == 0.0
    assert s.b.state() == BatteryState.OFF


def test_single_phase_battery_feeds_l1():
    s = Stepper({"phase_count": 1})
    s.b.write_setpoint(2000.0)
    s.run(10)
    assert s.b.output().active_power_w == pytest.approx((2000.0, 0.0, 0.0))


@pytest.mark.parametrize(("section", "raw", "key"), [
    ("parameters", {"min_soc_pct": 90.0, "max_soc_pct": 80.0}, "max_soc_pct"),
    ("parameters", {"initial_soc_pct": 120.0}, "initial_soc_pct"),
    ("parameters", {"phase_count": 2}, "phase_count"),
    ("parameters", {"round_trip_efficiency": 1.5}, "round_trip_efficiency"),
    ("parameters", {"capacity_wh": 0}, "capacity_wh"),
    ("knobs", {"overshoot_factor": 0}, "overshoot_factor"),
    ("knobs", {"ignores_setpoints": "no"}, "ignores_setpoints"),
    ("knobs", {"no_such_knob": True}, "no_such_knob"),
])
def test_bad_settings_name_their_key(section, raw, key):
    with pytest.raises(SimSettingError) as exc:
        build_home_battery(raw if section == "parameters" else {}, raw if section == "knobs" else {})
    assert exc.value.key == key and exc.value.section == section


def test_nameplate_rated_power_sets_both_converter_ratings():
    ctx = DeviceContext(kind="home_battery", nameplate={"rated_power_w": 3680.0, "nominal_voltage_v": 230.0,
                                                        "phase_count": 1})
    b = lab_device(ctx)
    assert (b.p.max_charge_w, b.p.max_discharge_w, b.phase_count) == (3680.0, 3680.0, 1)


# --- over the real Modbus RTU server ---------------------------------------------------------------

BATTERY_MAP: dict[str, Any] = {
    "unit_id": 2,
    "watchdog": {"point": "heartbeat", "timeout_s": 120, "period_s": 30},
    "points": [
        {"name": "setpoint_w", "address": 10, "type": "s32", "unit": "W", "access": "rw",
         "min": -5000, "max": 5000},
        {"name": "heartbeat", "address": 12, "access": "rw"},
        {"name": "active_power_w", "address": 0, "table": "input", "type": "s32", "unit": "W"},
        {"name": "soc_pct", "address": 2, "table": "input", "type": "u16", "scale": -1, "unit": "%"},
        {"name": "state", "address": 3, "table": "input",
         "enum": {"off": 0, "idle": 1, "charging": 2, "discharging": 3, "full": 4, "empty": 5}},
        {"name": "failsafe_active", "address": 4, "table": "input"},
    ],
}


def test_setpoint_and_readbacks_over_modbus_rtu():
    ctx = DeviceContext(kind="home_battery", links={"bms": {"protocol": "modbus_map_rtu", "register_map": BATTERY_MAP}})
    battery = lab_device(ctx)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(10.0)

    term = TerminalConditions((230.0,) * 3, 50.0, 0.0)
    t_s = 0.0

    def step(duration_s: float) -> None:
        nonlocal t_s
        for _ in range(round(duration_s / DT_S)):
            t_s += DT_S
            battery.step(t_s, DT_S, term)

    try:
        endpoints = run(battery.serve("127.0.0.1"))
        assert set(endpoints) == {"dut_rtu"}
        register_map = parse_register_map(BATTERY_MAP, path="links.bms.register_map")
        with ModbusMapLink(register_map, RtuTransport(str(endpoints["dut_rtu"]), baudrate=9600, parity="N")) as link:
            step(1)
            assert link.read_label("state") == "idle"
            assert link.read("soc_pct") == pytest.approx(50.0, abs=0.1)
            link.heartbeat()
            link.write("setpoint_w", -2500)
            step(10)
            assert link.read("active_power_w") == -2500
            assert link.read("setpoint_w") == -2500
            assert link.read_label("state") == "charging"
            step(130)
            assert link.read("failsafe_active") == 1
            assert link.read("active_power_w") == 0
    finally:
        run(battery.aclose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5.0)
        loop.close()
