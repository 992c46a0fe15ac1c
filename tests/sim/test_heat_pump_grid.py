"""The simulated heat pump and its grid and weather: undervoltage stop and restart (and the knobs
that break them), running at 195.5 V / 207 V with a higher current, and the daily outdoor
temperature driving the heat demand."""

from __future__ import annotations

import pytest

from simlab.devices.heat_pump.lab_wiring import HeatPumpStatus, build_heat_pump
from simlab.devices.heat_pump.knobs import SimSettingError
from simlab.physics import GridSourceState, Physics, TerminalConditions
from sim_stepping import DT_S, HeatPumpStepper


@pytest.fixture
def warm() -> HeatPumpStepper:
    s = HeatPumpStepper()
    s.run(300)
    return s


@pytest.mark.parametrize("volts", [207.0, 195.5])
def test_keeps_running_at_low_voltage_with_a_higher_current(volts):
    hp = build_heat_pump({}, {})
    source = GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True)
    physics = Physics(source, hp)
    physics.advance_to(300.0)
    nominal = physics.truth()[0]
    source.voltage_setpoint_v = [volts] * 3
    physics.advance_to(420.0)
    low = physics.truth()[0]
    assert hp.status() == HeatPumpStatus.HEATING
    assert low.active_power_w == pytest.approx(nominal.active_power_w, rel=0.01)
    assert low.current_a == pytest.approx(nominal.current_a * 230.0 / volts, rel=0.01)


def test_short_dip_below_the_stop_level_is_ridden_through(warm):
    before = warm.hp.consumption_w()
    warm.run(1.5, volts=183.0)                                 # < undervoltage_stop_delay_s (2 s)
    assert warm.run(5)[-1] == pytest.approx(before, abs=5.0)
    assert not warm.hp.undervoltage_stopped


def test_undervoltage_stops_and_restarts_after_the_minimum_off_time(warm):
    trace = warm.run(10, volts=183.0)
    assert warm.hp.undervoltage_stopped
    assert warm.hp.status() == HeatPumpStatus.UNDERVOLTAGE
    assert trace[-1] == pytest.approx(20.0)                     # standby: the controller stays up
    assert warm.run(60, volts=190.0)[-1] == pytest.approx(20.0)  # below the 195.5 V restart level
    assert warm.hp.undervoltage_stopped
    back = warm.run(300)                                        # stopped at ≈ 2 s: min off time 300 s
    assert not warm.hp.undervoltage_stopped
    assert max(back[:225]) == pytest.approx(20.0)               # not before 300 s after the stop
    assert back[-1] > 500.0


def test_knob_stops_at_207v():
    s = HeatPumpStepper(stops_at_207v=True)
    s.run(300)
    assert s.run(10, volts=207.0)[-1] == pytest.approx(20.0)
    assert s.hp.status() == HeatPumpStatus.UNDERVOLTAGE
    s.run(5, volts=212.0)
    assert s.hp.undervoltage_stopped                            # restart threshold 0.9 Un + 1 V + 5 V
    s.run(5, volts=214.0)
    assert not s.hp.undervoltage_stopped


def test_knob_ignores_min_off_time_on_restart():
    s = HeatPumpStepper(ignores_min_off_time_on_restart=True)
    s.run(300)
    s.run(10, volts=183.0)
    assert s.hp.undervoltage_stopped
    assert s.run(20)[-1] > 500.0                                # at once, not after 300 s


def test_ac_absent_is_off_not_undervoltage(warm):
    warm.run(5, volts=0.0)
    assert warm.hp.status() == HeatPumpStatus.OFF
    assert not warm.hp.undervoltage_stopped


def test_daily_outdoor_temperature_drives_the_heat_demand():
    s = HeatPumpStepper({"outdoor_temperature_c": 0.0, "outdoor_daily_amplitude_k": 6.0, "outdoor_coldest_hour": 0.0})
    assert s.hp.outdoor_c == pytest.approx(-6.0)               # bench time 0 at local midnight
    assert s.hp.outdoor_temperature_c(6 * 3600.0) == pytest.approx(0.0, abs=1e-9)
    assert s.hp.outdoor_temperature_c(12 * 3600.0) == pytest.approx(6.0)
    cold = s.run(300)[-1]
    warm_hp = build_heat_pump({"outdoor_temperature_c": 0.0, "outdoor_daily_amplitude_k": 6.0,
                               "outdoor_coldest_hour": 0.0}, {}, seconds_of_day_at_start=12 * 3600.0)
    t_s = 0.0
    term = TerminalConditions((230.0,) * 3, 50.0, 0.0)
    for _ in range(round(300 / DT_S)):
        t_s += DT_S
        warm_hp.step(t_s, DT_S, term)
    assert warm_hp.outdoor_c == pytest.approx(6.0, abs=0.1)
    assert cold > warm_hp.consumption_w() * 1.3                 # loss ∝ 26 K vs 14 K


@pytest.mark.parametrize(("raw", "key"), [({"outdoor_coldest_hour": 24.0}, "outdoor_coldest_hour"),
                                          ({"undervoltage_restart_v": 180.0}, "undervoltage_restart_v"),
                                          ({"dimming_contact_channel": 3.5}, "dimming_contact_channel"),
                                          ({"hybrid": 1}, "hybrid")])
def test_bad_parameters_name_their_key(raw, key):
    with pytest.raises(SimSettingError) as exc:
        build_heat_pump(raw, {})
    assert exc.value.key == key and exc.value.section == "parameters"
