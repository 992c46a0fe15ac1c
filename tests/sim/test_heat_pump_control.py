"""The simulated heat pump's control inputs, stepped in-process: electrical power limits (Modbus
point, S2 PEBC envelope, §14a dimming contact) and their response time, the soft restart after a
limit, the communication-loss failsafe (Modbus heartbeat, S2 connection) and the hybrid variant's
gas mode (Modbus operating mode, S2 DDBC), each with the fault knobs that break them."""

from __future__ import annotations

import itertools

import pytest

from simlab.devices.heat_pump.lab_wiring import (
    HeatPumpMode,
    HeatPumpS2Backend,
    HeatPumpStatus,
)
from sim_stepping import HeatPumpStepper

STANDBY_W = 20.0
FORCED = (301, 302)          # SG-Ready state 4
DIMMING = 303                # §14a control-box contact (default channel)


@pytest.fixture
def warm() -> HeatPumpStepper:
    """A default 3 kW unit in steady normal operation (≈ 1276 W)."""
    s = HeatPumpStepper()
    s.run(300)
    return s


# --- Modbus power limit -------------------------------------------------------------------------

def test_power_limit_is_acted_on_after_the_response_time_and_held(warm):
    before = warm.hp.consumption_w()
    assert 1200.0 < before < 1350.0
    warm.hp.write_power_limit(800.0)
    trace = warm.run(600)
    assert trace[3] == pytest.approx(before, abs=2.0)          # 5 s response time: not yet
    assert trace[6] <= 800.0 + 1e-6                             # then down at 500 W/s
    assert max(trace[6:]) <= 800.0 + 1e-6
    assert min(trace[6:]) > 750.0                               # runs at the limit, not stopped
    assert warm.hp.status() == HeatPumpStatus.HEATING


def test_limit_below_minimum_modulation_stops_the_compressor(warm):
    warm.hp.write_power_limit(500.0)
    trace = warm.run(60)
    assert trace[-1] == pytest.approx(STANDBY_W)
    assert warm.hp.status() == HeatPumpStatus.BLOCKED


def test_lifted_limit_restores_softly_without_rebound(warm):
    before = warm.hp.consumption_w()
    warm.hp.write_power_limit(500.0)
    warm.run(600)                                               # the buffer cools meanwhile
    warm.hp.write_power_limit(None)
    trace = warm.run(1200)
    assert max(trace) <= before + 5.0
    assert trace[-1] == pytest.approx(before, abs=30.0)
    rises = [b - a for a, b in itertools.pairwise(trace) if b > a + 1e-6]
    assert max(rises[1:]) <= 5.0 + 1e-6                         # release ramp 5 W/s (after the start)


def test_knob_surge_after_limit_rebounds_above_the_pre_limit_power():
    s = HeatPumpStepper(surge_after_limit=2.0)
    s.run(300)
    before = s.hp.consumption_w()
    s.hp.write_power_limit(500.0)
    s.run(600)
    s.hp.write_power_limit(None)
    assert max(s.run(1200)) > 1.5 * before


def test_knob_ignores_power_limit_keeps_running_but_reads_back_the_limit():
    s = HeatPumpStepper(ignores_power_limit=True)
    s.run(300)
    before = s.hp.consumption_w()
    s.hp.write_power_limit(800.0)
    assert s.run(60)[-1] == pytest.approx(before, abs=5.0)
    assert s.hp.modbus_limit_w == 800.0


def test_knob_limit_response_time_factor_slows_the_limit():
    s = HeatPumpStepper(limit_response_time_factor=4.0)            # 20 s
    s.run(300)
    s.hp.write_power_limit(800.0)
    trace = s.run(30)
    assert trace[15] > 1200.0
    assert trace[-1] <= 800.0 + 1e-6


def test_negative_limit_is_refused():
    with pytest.raises(ValueError, match="negative"):
        HeatPumpStepper().hp.write_power_limit(-1.0)


# --- §14a dimming contact -----------------------------------------------------------------------

def test_dimming_contact_limits_a_large_unit_to_4200_w_and_releases():
    s = HeatPumpStepper({"rated_power_w": 9000.0})
    s.run(300)
    assert s.run(120, FORCED)[-1] == pytest.approx(9020.0)
    dimmed = s.run(60, FORCED + (DIMMING,))
    assert dimmed[3] == pytest.approx(9020.0)                   # response time 5 s
    assert max(dimmed[20:]) <= 4200.0 + 1e-6
    assert dimmed[-1] == pytest.approx(4200.0)
    assert s.hp.limit.acting[2] is True
    assert s.run(120, FORCED)[-1] == pytest.approx(9020.0)


def test_dimming_does_nothing_to_a_unit_below_the_floor(warm):
    before = warm.hp.consumption_w()
    assert warm.run(60, (DIMMING,))[-1] == pytest.approx(before, abs=5.0)


@pytest.mark.parametrize("settings", [({}, {"ignores_dimming": True}), ({"dimming_contact_channel": None}, {})],
                         ids=["knob ignores_dimming", "no dimming input"])
def test_dimming_contact_ignored(settings):
    parameters, knobs = settings
    s = HeatPumpStepper({"rated_power_w": 9000.0, **parameters}, **knobs)
    s.run(300)
    s.run(120, FORCED)
    assert s.run(60, FORCED + (DIMMING,))[-1] == pytest.approx(9020.0)


# --- S2 PEBC envelope ----------------------------------------------------------------------------

def test_s2_envelope_upper_bound_limits_and_lower_bound_forces_consumption(warm):
    s2 = HeatPumpS2Backend(warm.hp)
    assert s2.control_types() == ["PEBC"]
    assert s2.pebc_upper_limit_range_w() == (STANDBY_W, 3020.0)
    s2.apply_pebc_envelope(800.0, None)
    assert max(warm.run(120)[10:]) <= 800.0 + 1e-6
    assert s2.power_w() == pytest.approx(warm.hp.consumption_w())
    s2.apply_pebc_envelope(None, 2500.0)
    assert min(warm.run(120)[-30:]) >= 2500.0 - 1e-6


def test_s2_envelope_knob_ignores_power_limit():
    s = HeatPumpStepper(ignores_power_limit=True)
    s.run(300)
    HeatPumpS2Backend(s.hp).apply_pebc_envelope(800.0, None)
    assert s.run(60)[-1] > 1200.0


# --- failsafe: Modbus heartbeat ------------------------------------------------------------------

def _under_modbus_control(**knobs: object) -> HeatPumpStepper:
    s = HeatPumpStepper({"failsafe_limit_w": 500.0}, **knobs)
    s.run(300)
    s.hp.heartbeat()
    s.hp.write_power_limit(3000.0)
    return s


def test_watchdog_is_not_armed_before_the_first_heartbeat():
    s = HeatPumpStepper({"failsafe_limit_w": 500.0})
    s.run(400)
    assert not s.hp.failsafe_active
    assert s.hp.consumption_w() > 1200.0


def test_missing_heartbeat_enters_failsafe_and_only_a_new_limit_after_heartbeats_leaves_it():
    s = _under_modbus_control()
    for _ in range(3):                                          # heartbeats every 60 s: fine
        s.run(60)
        s.hp.heartbeat()
    assert not s.hp.failsafe_active
    s.run(119)
    assert not s.hp.failsafe_active
    trace = s.run(30)                                           # timeout 120 s after the last heartbeat
    assert s.hp.failsafe_active
    assert trace[-1] == pytest.approx(STANDBY_W)                # failsafe limit 500 W < minimum modulation
    s.hp.write_power_limit(3000.0)                              # a limit without heartbeats: stays
    s.run(10)
    assert s.hp.failsafe_active
    s.hp.heartbeat()                                            # heartbeats alone: stays
    s.run(10)
    assert s.hp.failsafe_active
    s.hp.write_power_limit(3000.0)                              # heartbeat + new limit: leaves
    s.run(1)
    assert not s.hp.failsafe_active
    for _ in range(10):
        s.hp.heartbeat()
        trace = s.run(60)
    assert not s.hp.failsafe_active
    assert trace[-1] > 1000.0                                   # running again (after the min off time)


def test_knob_no_failsafe_keeps_running_without_heartbeats():
    s = _under_modbus_control(no_failsafe=True)
    trace = s.run(300)
    assert not s.hp.failsafe_active
    assert trace[-1] > 1200.0


def test_knob_failsafe_never_left_stays_after_heartbeat_and_new_limit():
    s = _under_modbus_control(failsafe_never_left=True)
    s.run(150)
    assert s.hp.failsafe_active
    s.hp.heartbeat()
    s.hp.write_power_limit(3000.0)
    trace = s.run(400)
    assert s.hp.failsafe_active
    assert trace[-1] == pytest.approx(STANDBY_W)


def test_failsafe_limit_is_writable():
    s = _under_modbus_control()
    s.hp.write_failsafe_limit(1000.0)
    trace = s.run(200)
    assert s.hp.failsafe_active
    assert trace[-1] <= 1000.0 + 1e-6 and trace[-1] > 900.0
    with pytest.raises(ValueError):
        s.hp.write_failsafe_limit(-5.0)


# --- failsafe: S2 connection ----------------------------------------------------------------------

def test_s2_connection_loss_enters_failsafe_after_the_timeout_and_a_new_instruction_leaves_it():
    s = HeatPumpStepper({"failsafe_limit_w": 500.0})
    s.run(300)
    s2 = HeatPumpS2Backend(s.hp)
    s2.on_connection_restored()                                 # session up
    s2.apply_pebc_envelope(3000.0, None)
    s.run(300)
    assert not s.hp.failsafe_active                             # connected: no timeout
    s2.on_connection_lost()
    s.run(119)
    assert not s.hp.failsafe_active
    trace = s.run(30)
    assert s.hp.failsafe_active
    assert trace[-1] == pytest.approx(STANDBY_W)
    s2.on_connection_restored()
    s.run(10)
    assert s.hp.failsafe_active                                 # reconnecting alone does not leave
    s2.apply_pebc_envelope(3000.0, None)
    s.run(1)
    assert not s.hp.failsafe_active


@pytest.mark.parametrize(("knobs", "expect_failsafe"), [({"no_failsafe": True}, False),
                                                        ({"failsafe_never_left": True}, True)])
def test_s2_failsafe_knobs(knobs, expect_failsafe):
    s = HeatPumpStepper({"failsafe_limit_w": 500.0}, **knobs)
    s2 = HeatPumpS2Backend(s.hp)
    s2.on_connection_restored()
    s.run(60)
    s2.on_connection_lost()
    s.run(150)
    s2.on_connection_restored()
    s2.apply_pebc_envelope(3000.0, None)
    s.run(5)
    assert s.hp.failsafe_active is expect_failsafe


# --- hybrid variant -----------------------------------------------------------------------------------

def test_hybrid_gas_mode_drops_electric_power_and_keeps_the_heat():
    s = HeatPumpStepper({"hybrid": True})
    s.run(300)
    heat_before = s.hp.heat_output_w()
    setpoint = s.hp.buffer_setpoint_c()
    s.hp.write_operating_mode(HeatPumpMode.GAS)
    trace = s.run(1200)
    assert trace[3] > 1200.0                                    # response time 5 s
    assert max(trace[10:]) == pytest.approx(STANDBY_W)
    assert s.hp.status() == HeatPumpStatus.GAS
    assert s.hp.heat_output_w() == pytest.approx(heat_before, rel=0.05)
    assert s.hp.t_buffer_c == pytest.approx(setpoint, abs=0.3)
    assert s.hp.t_house_c == pytest.approx(20.0, abs=0.1)
    s.hp.write_operating_mode(HeatPumpMode.ELECTRIC)
    assert s.run(400)[-1] > 1000.0                              # back on the compressor


def test_knob_hybrid_does_not_switch():
    s = HeatPumpStepper({"hybrid": True}, hybrid_does_not_switch=True)
    s.run(300)
    s.hp.write_operating_mode(HeatPumpMode.GAS)
    assert s.run(60)[-1] > 1200.0
    assert s.hp.requested_mode == HeatPumpMode.GAS              # it says it switched
    assert s.hp.boiler_w == 0.0


def test_gas_mode_needs_the_hybrid_variant():
    with pytest.raises(ValueError, match="hybrid"):
        HeatPumpStepper().hp.write_operating_mode(HeatPumpMode.GAS)


def test_s2_ddbc_operation_modes_switch_a_hybrid():
    s = HeatPumpStepper({"hybrid": True})
    s.run(300)
    s2 = HeatPumpS2Backend(s.hp)
    assert s2.control_types() == ["PEBC", "DDBC"]
    description = s2.ddbc_description()
    assert [m.mode_id for m in description.modes] == ["electric", "gas"]
    assert description.modes[1].power_w == (STANDBY_W, STANDBY_W)
    assert description.present_demand_rate[0] == pytest.approx(4000.0, rel=0.02)
    assert s2.ddbc_active_mode()[0] == "electric"
    s2.apply_ddbc_mode("gas", 1.0)
    assert s.run(30)[-1] == pytest.approx(STANDBY_W)
    mode, factor = s2.ddbc_active_mode()
    assert mode == "gas" and 0.2 < factor < 0.3                 # ≈ 4 kW of 15 kW
    with pytest.raises(ValueError):
        s2.apply_ddbc_mode("diesel", 1.0)
