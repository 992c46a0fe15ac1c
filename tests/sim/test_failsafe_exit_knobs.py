"""Fault knobs that leave the communication-loss failsafe too early (EEBus LPC semantics: failsafe is
left only on a *new* limit / setpoint / instruction received after the control signal is back):
``failsafe_left_on_heartbeat`` (heat pump Modbus watchdog, home battery) and
``failsafe_left_on_reconnect`` (heat pump S2 connection), stepped in-process, with the compliant
behaviour they break beside them."""

from __future__ import annotations

import pytest

from simlab.devices.control_inputs import FailsafeLatch
from simlab.devices.heat_pump.lab_wiring import HeatPumpS2Backend, build_heat_pump
from simlab.devices.home_battery.device import build_home_battery
from simlab.devices.registry import SimSettingError
from simlab.physics import TerminalConditions

DT_S = 0.02
HP_FAILSAFE_W = 500.0        # below the minimum modulation: the compressor stops in failsafe
HP_STANDBY_W = 20.0
TERMINAL = TerminalConditions((230.0,) * 3, 50.0, 0.0, frozenset())


def _run(device: object, t_s: float, duration_s: float) -> tuple[float, list[float]]:
    """Step ``device`` ``duration_s`` from ``t_s``; (end time, reading each second) where the
    reading is the heat pump's consumption or the battery's AC power (export positive)."""
    out = []
    per_s = round(1 / DT_S)
    for i in range(round(duration_s / DT_S)):
        t_s += DT_S
        device.step(t_s, DT_S, TERMINAL)
        if (i + 1) % per_s == 0:
            out.append(device.consumption_w() if hasattr(device, "consumption_w") else device.active_power_w())
    return t_s, out


# --- the latch ------------------------------------------------------------------------------------

@pytest.mark.parametrize("connection_based", [False, True])
def test_latch_left_on_alive_only_with_the_knob(connection_based):
    for knob, left in ((False, False), (True, True)):
        latch = FailsafeLatch(120.0, connection_based=connection_based, left_on_alive=knob)
        latch.alive(0.0)
        if connection_based:
            latch.lost(0.0)
        assert latch.check(120.0) and latch.active
        assert latch.alive(130.0) is left
        assert latch.active is not left
        assert latch.instruction()                  # a new instruction is followed either way
        assert not latch.active


def test_latch_never_left_wins_over_left_on_alive():
    latch = FailsafeLatch(120.0, never_left=True, left_on_alive=True)
    latch.alive(0.0)
    assert latch.check(120.0)
    assert latch.alive(130.0) is False
    assert latch.active and not latch.instruction()


# --- heat pump, Modbus watchdog ---------------------------------------------------------------------

def _hp_in_modbus_failsafe(**knobs: object) -> tuple[object, float]:
    hp = build_heat_pump({"failsafe_limit_w": HP_FAILSAFE_W}, dict(knobs))
    t_s, _ = _run(hp, 0.0, 300.0)
    hp.heartbeat()
    hp.write_power_limit(3000.0)
    t_s, trace = _run(hp, t_s, 150.0)               # no heartbeat for 150 s > 120 s
    assert hp.failsafe_active
    assert trace[-1] == pytest.approx(HP_STANDBY_W)
    return hp, t_s


@pytest.mark.parametrize(("knobs", "leaves"), [({}, False), ({"failsafe_left_on_heartbeat": True}, True)])
def test_heat_pump_resumed_heartbeats_without_a_new_limit(knobs, leaves):
    hp, t_s = _hp_in_modbus_failsafe(**knobs)
    trace: list[float] = []
    for _ in range(8):                              # heartbeats every 60 s, no limit written
        hp.heartbeat()
        t_s, part = _run(hp, t_s, 60.0)
        trace += part
    assert hp.failsafe_active is not leaves
    if leaves:
        assert max(trace) > HP_FAILSAFE_W + 100.0   # back above the failsafe limit (min off time 300 s)
    else:
        assert max(trace) == pytest.approx(HP_STANDBY_W)


def test_heat_pump_left_on_heartbeat_does_not_touch_the_s2_channel():
    hp = build_heat_pump({"failsafe_limit_w": HP_FAILSAFE_W}, {"failsafe_left_on_heartbeat": True})
    s2 = HeatPumpS2Backend(hp)
    s2.on_connection_restored()
    t_s, _ = _run(hp, 0.0, 60.0)
    s2.on_connection_lost()
    t_s, _ = _run(hp, t_s, 150.0)
    assert hp.failsafe_active
    s2.on_connection_restored()
    _run(hp, t_s, 10.0)
    assert hp.s2_latch.active                       # reconnection alone: still in failsafe


# --- heat pump, S2 connection -----------------------------------------------------------------------

@pytest.mark.parametrize(("knobs", "leaves"), [({}, False), ({"failsafe_left_on_reconnect": True}, True)])
def test_heat_pump_s2_reconnect_without_a_new_instruction(knobs, leaves):
    hp = build_heat_pump({"failsafe_limit_w": HP_FAILSAFE_W}, dict(knobs))
    s2 = HeatPumpS2Backend(hp)
    t_s, _ = _run(hp, 0.0, 300.0)
    s2.on_connection_restored()
    s2.apply_pebc_envelope(3000.0, None)
    t_s, _ = _run(hp, t_s, 60.0)
    s2.on_connection_lost()
    t_s, trace = _run(hp, t_s, 150.0)
    assert hp.failsafe_active and trace[-1] == pytest.approx(HP_STANDBY_W)
    s2.on_connection_restored()
    t_s, trace = _run(hp, t_s, 480.0)
    assert hp.failsafe_active is not leaves
    if leaves:
        assert max(trace) > HP_FAILSAFE_W + 100.0
    else:
        assert max(trace) == pytest.approx(HP_STANDBY_W)


def test_heat_pump_left_on_reconnect_does_not_touch_the_modbus_watchdog():
    hp, t_s = _hp_in_modbus_failsafe(failsafe_left_on_reconnect=True)
    hp.heartbeat()
    _run(hp, t_s, 10.0)
    assert hp.modbus_watchdog.active


# --- home battery --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("knobs", "power_w", "failsafe"), [({}, 0.0, True),
                                                           ({"failsafe_left_on_heartbeat": True}, 3000.0, False)])
def test_home_battery_resumed_heartbeats_without_a_new_setpoint(knobs, power_w, failsafe):
    battery = build_home_battery({}, dict(knobs))
    battery.heartbeat()
    battery.write_setpoint(3000.0)
    t_s, trace = _run(battery, 0.0, 130.0)          # the heartbeat stopped at 0 s
    assert battery.failsafe_active and trace[-1] == pytest.approx(0.0)
    battery.heartbeat()
    _, trace = _run(battery, t_s, 10.0)             # response 2 s + ramp 3 s
    assert trace[-1] == pytest.approx(power_w)
    assert battery.failsafe_active is failsafe


# --- validation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("build", "key"), [(build_heat_pump, "failsafe_left_on_heartbeat"),
                                            (build_heat_pump, "failsafe_left_on_reconnect"),
                                            (build_home_battery, "failsafe_left_on_heartbeat")])
def test_knobs_must_be_booleans(build, key):
    with pytest.raises(SimSettingError) as caught:
        build({}, {key: "yes"})
    assert caught.value.key == key and caught.value.section == "knobs"


def test_home_battery_has_no_s2_knob():
    with pytest.raises(SimSettingError) as caught:
        build_home_battery({}, {"failsafe_left_on_reconnect": True})
    assert caught.value.key == "failsafe_left_on_reconnect"
