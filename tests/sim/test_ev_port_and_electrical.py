"""The charging cable (EvPort / EvModel), the charger's power stage (EvseElectrical), and the
simulated EV emulator, alone and end to end through its SCPI server with the real driver."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from simlab.devices.ev_charger.electrical import (ElectricalKnobs, ElectricalParameters,
                                                     EvseElectrical, check_electrical_settings)
from simlab.devices.pv_inverter.knobs import SimSettingError
from simlab.ev_port import EvModel, EvPort, duty_for_current_a, pilot_current_a
from simlab.instrument_registry import SIM_INSTRUMENTS
from simlab.instruments.flexbench_ev_emulator import SimFlexbenchEvEmulator
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.instruments.yokogawa_wt5000 import SimYokogawaWT5000
from simlab.physics import GridSourceState, Physics, TerminalConditions
from instruments.capabilities import EvEmulator, PowerAnalyzer
from instruments.registry import open_instrument

DT_S = 0.1
NOMINAL = TerminalConditions(voltage_v=(230.0, 230.0, 230.0), frequency_hz=50.0,
                             dc_available_power_w=0.0)


def grid(*volts: float) -> TerminalConditions:
    return replace(NOMINAL, voltage_v=tuple(volts))


# -- IEC 61851-1 duty mapping -----------------------------------------------------------------
@pytest.mark.parametrize("duty_pct, amps", [
    (None, 0.0), (0.0, 0.0), (2.9, 0.0),
    (5.0, 0.0),          # 3-7 %: digital communication only; this EV does not charge on it
    (7.9, 0.0), (8.0, 6.0), (9.9, 6.0),
    (10.0, 6.0), (16.0, 9.6), (25.0, 15.0), (50.0, 30.0), (85.0, 51.0),
    (85.1, 52.75), (90.0, 65.0), (96.0, 80.0),
    (96.5, 80.0), (97.0, 80.0), (97.1, 0.0), (100.0, 0.0),
])
def test_ev_side_mapping_table_a8(duty_pct: float | None, amps: float) -> None:
    assert pilot_current_a(duty_pct) == pytest.approx(amps)


@pytest.mark.parametrize("amps, duty_pct", [
    (0.0, None), (5.99, None), (6.0, 10.0), (10.0, 16.6667), (16.0, 26.6667), (32.0, 53.3333),
    (51.0, 85.0), (52.5, 85.0), (63.0, 89.2), (80.0, 96.0),
])
def test_evse_side_mapping_table_a7(amps: float, duty_pct: float | None) -> None:
    duty = duty_for_current_a(amps)
    if duty_pct is None:
        assert duty is None
    else:
        assert duty == pytest.approx(duty_pct, abs=1e-4)


def test_evse_side_refuses_what_no_pilot_can_offer() -> None:
    with pytest.raises(ValueError):
        duty_for_current_a(80.1)
    with pytest.raises(ValueError):
        duty_for_current_a(math.nan)


def test_round_trip_offers_what_the_ev_reads() -> None:
    for tenth in range(60, 801):
        amps = tenth / 10
        read = pilot_current_a(duty_for_current_a(amps))
        if amps <= 51.0 or amps > 52.5:
            assert read == pytest.approx(amps), amps
        else:   # Table A.7's second range starts at 84.4 % < 85 %: the EV reads a little less
            assert amps - 1.5 - 1e-9 <= read < amps, amps


# -- the EV model -------------------------------------------------------------------------------
def live_port(**kw: object) -> EvPort:
    port = EvPort(ev_connected=True, ev_requests_charge=True, contactor_closed=True,
                  supply_voltage_v=(230.0, 230.0, 230.0), **kw)
    return port


def run_ev(model: EvModel, port: EvPort, seconds: float) -> None:
    for _ in range(round(seconds / DT_S)):
        model.step(port, DT_S)


def test_cp_states() -> None:
    port = EvPort()
    assert port.cp_state() == "A"
    port.ev_requests_charge = True
    assert port.cp_state() == "A"          # S2 request without a cable: still A
    port.ev_connected = True
    assert port.cp_state() == "C"
    port.ev_requests_charge = False
    assert port.cp_state() == "B"


@pytest.mark.parametrize("delay_s", [2.0, 4.0, 7.0])
def test_ev_follows_a_duty_change_within_its_delay(delay_s: float) -> None:
    port = live_port(pilot_duty_pct=duty_for_current_a(32.0), ev_response_delay_s=delay_s)
    model = EvModel()
    run_ev(model, port, delay_s + 1.0)
    assert port.ev_current_a == pytest.approx((32.0, 32.0, 32.0))
    port.pilot_duty_pct = duty_for_current_a(10.0)
    run_ev(model, port, delay_s / 5)                 # one time constant: about 63 % of the way
    assert 10.0 + 0.3 * 22.0 < port.ev_current_a[0] < 10.0 + 0.45 * 22.0
    run_ev(model, port, delay_s * 0.8 - 2 * DT_S)    # just before the delay: not there yet
    assert port.ev_current_a[0] > 10.0 + 1e-3
    run_ev(model, port, 2 * DT_S)                    # at the delay: exactly the new limit
    assert port.ev_current_a == pytest.approx((10.0, 10.0, 10.0))


def test_ev_limit_phases_and_dead_phases() -> None:
    port = live_port(pilot_duty_pct=duty_for_current_a(32.0), ev_max_current_a=16.0, ev_phases=1,
                     ev_response_delay_s=0.0)
    model = EvModel()
    run_ev(model, port, 0.2)
    assert port.ev_current_a == (16.0, 0.0, 0.0)     # 1-phase EV on a 3-phase supply: L1
    port.ev_phases = 3
    port.supply_phases = 1                             # the charger switched to one phase
    run_ev(model, port, 0.2)
    assert port.ev_current_a == (16.0, 0.0, 0.0)
    port.supply_phases = 3
    port.supply_voltage_v = (230.0, 0.0, 230.0)        # L2 dead
    run_ev(model, port, 0.2)
    assert port.ev_current_a == (16.0, 0.0, 16.0)


@pytest.mark.parametrize("cut", ["unplug", "s2_open", "contactor_open"])
def test_physical_cuts_stop_the_current_at_once(cut: str) -> None:
    port = live_port(pilot_duty_pct=duty_for_current_a(16.0), ev_response_delay_s=2.0)
    model = EvModel()
    run_ev(model, port, 3.0)
    assert port.ev_current_a[0] == pytest.approx(16.0)
    if cut == "unplug":
        port.ev_connected = False
    elif cut == "s2_open":
        port.ev_requests_charge = False
    else:
        port.contactor_closed = False
    model.step(port, DT_S)
    assert port.ev_current_a == (0.0, 0.0, 0.0)


def test_soc_integrates_and_a_full_ev_stops() -> None:
    port = live_port(pilot_duty_pct=duty_for_current_a(16.0), ev_response_delay_s=0.0,
                     battery_capacity_wh=10000.0, soc_pct=99.0)
    model = EvModel()
    run_ev(model, port, 1.0)                           # 3 x 230 V x 16 A = 11.04 kW
    assert port.soc_pct == pytest.approx(99.0 + 100 * 11040 / 3600 / 10000, rel=1e-3)
    run_ev(model, port, 40.0)                          # 100 Wh to go: full after ~33 s
    assert port.soc_pct == 100.0 and port.full
    assert port.cp_state() == "B" and port.ev_current_a == (0.0, 0.0, 0.0)
    assert port.ev_requests_charge is True             # the operator's request is unchanged


def test_an_ev_that_does_not_stop_when_full_keeps_drawing() -> None:
    port = live_port(pilot_duty_pct=duty_for_current_a(16.0), ev_response_delay_s=0.0,
                     battery_capacity_wh=1000.0, soc_pct=99.9, stop_when_full=False)
    model = EvModel()
    run_ev(model, port, 5.0)
    assert port.soc_pct == 100.0 and port.cp_state() == "C"
    assert port.ev_current_a[0] == pytest.approx(16.0)


# -- the charger's power stage ----------------------------------------------------------------
class Charger:
    """EvseElectrical on a port with a plugged-in EV asking to charge, stepped at DT_S."""

    def __init__(self, params: ElectricalParameters | None = None,
                 knobs: ElectricalKnobs | None = None, ev_delay_s: float = 2.0) -> None:
        self.port = EvPort(ev_connected=True, ev_requests_charge=True,
                           ev_response_delay_s=ev_delay_s)
        self.evse = EvseElectrical(params or ElectricalParameters(), knobs or ElectricalKnobs(),
                                   self.port)
        self.t_s = 0.0

    def run(self, seconds: float, terminal: TerminalConditions = NOMINAL) -> None:
        for _ in range(round(seconds / DT_S)):
            self.t_s = round(self.t_s + DT_S, 9)
            self.evse.step(self.t_s, DT_S, terminal)

    def first_time(self, condition, limit_s: float = 120.0,
                   terminal: TerminalConditions = NOMINAL) -> float:
        start = self.t_s
        while self.t_s - start < limit_s:
            self.run(DT_S, terminal)
            if condition():
                return self.t_s - start
        raise AssertionError("condition never met")


def test_charging_start_pwm_contactor_power_and_meter() -> None:
    charger = Charger()
    evse, port = charger.evse, charger.port
    evse.set_offered_current_a(16.0, 3)
    delay = charger.first_time(lambda: port.pilot_duty_pct is not None)
    assert delay == pytest.approx(1.0, abs=DT_S + 1e-9)          # evse_response_delay_s
    assert port.pilot_duty_pct == pytest.approx(26.6667, abs=1e-4)
    assert port.contactor_closed and evse.cp_state == "C"
    assert evse.offered_current_a == pytest.approx(16.0)
    charger.run(3.0)
    assert evse.charging
    out = evse.output()
    assert out.active_power_w == pytest.approx((-230 * 16 - 5.0, -230 * 16, -230 * 16))
    assert out.reactive_power_var == (0.0, 0.0, 0.0)
    meter = evse.meter()
    assert meter.current_import_a == pytest.approx((16.0, 16.0, 16.0))
    assert meter.power_active_import_w == pytest.approx(3 * 230 * 16)
    assert meter.voltage_v == (230.0, 230.0, 230.0)
    assert meter.current_offered_a == pytest.approx(16.0)
    assert meter.energy_import_wh == pytest.approx(port.energy_charged_wh)
    assert 0 < meter.energy_import_wh < 3 * 230 * 16 * 4.0 / 3600


def test_no_pwm_without_an_ev() -> None:
    charger = Charger()
    charger.port.ev_connected = False
    charger.evse.set_offered_current_a(16.0, 3)
    charger.run(3.0)
    assert charger.port.pilot_duty_pct is None and charger.evse.cp_state == "A"
    charger.port.ev_connected = True                 # plugged in: PWM at once (offer is due)
    charger.run(DT_S)
    assert charger.port.pilot_duty_pct == pytest.approx(26.6667, abs=1e-4)


def test_offer_is_capped_at_the_rating() -> None:
    charger = Charger(ElectricalParameters(rated_current_a=16.0))
    charger.evse.set_offered_current_a(40.0, 3)
    charger.run(2.0)
    assert charger.evse.offered_current_a == pytest.approx(16.0)


def test_pause_below_6_a_and_resume() -> None:
    charger = Charger()
    evse, port = charger.evse, charger.port
    evse.set_offered_current_a(10.0, 3)
    charger.run(5.0)
    assert port.ev_current_a[0] == pytest.approx(10.0)
    evse.set_offered_current_a(5.0, 3)
    pause_s = charger.first_time(lambda: port.pilot_duty_pct is None)
    assert pause_s == pytest.approx(1.0, abs=DT_S + 1e-9)
    assert evse.offered_current_a == 0.0 and evse.meter().current_offered_a == 0.0
    stop_s = charger.first_time(lambda: not evse.charging)
    assert stop_s <= 2.0 + DT_S                                    # the EV's own delay
    assert port.contactor_closed and evse.cp_state == "C"           # EV stays in C: closed
    evse.set_offered_current_a(None, 3)                             # no offer at all: same pause
    charger.run(2.0)
    assert port.pilot_duty_pct is None and not evse.charging
    evse.set_offered_current_a(8.0, 3)
    resume_s = charger.first_time(lambda: port.ev_current_a[0] > 7.99)
    assert resume_s <= 1.0 + 2.0 + DT_S
    assert port.pilot_duty_pct == pytest.approx(8.0 / 0.6)


def test_contactor_opens_when_the_ev_leaves_state_c_during_a_pause() -> None:
    charger = Charger()
    charger.evse.set_offered_current_a(16.0, 3)
    charger.run(4.0)
    charger.evse.set_offered_current_a(0.0, 3)
    charger.run(4.0)
    assert charger.port.contactor_closed
    charger.port.ev_requests_charge = False
    charger.run(DT_S)
    assert not charger.port.contactor_closed and charger.evse.cp_state == "B"


@pytest.mark.parametrize("bad", [(190.0, 230.0, 230.0), (230.0, 230.0, 190.0),
                                 (230.0, 270.0, 230.0)], ids=["L1-low", "L3-low", "L2-high"])
def test_grid_stop_and_restart_after_the_delay(bad: tuple[float, float, float]) -> None:
    charger = Charger(ElectricalParameters(restart_delay_s=30.0))
    evse, port = charger.evse, charger.port
    evse.set_offered_current_a(16.0, 3)
    charger.run(5.0)
    assert evse.charging
    charger.run(DT_S, grid(*bad))
    assert evse.suspended_by_grid and port.pilot_duty_pct is None
    assert not port.contactor_closed and not evse.charging          # a protective stop: at once
    charger.run(10.0, grid(*bad))
    assert evse.suspended_by_grid
    restart_s = charger.first_time(lambda: port.pilot_duty_pct is not None)
    assert restart_s == pytest.approx(30.0, abs=DT_S + 1e-9)
    assert not evse.suspended_by_grid
    charger.run(3.0)
    assert port.ev_current_a[0] == pytest.approx(16.0)


def test_grid_restart_timer_starts_again_on_a_new_excursion() -> None:
    charger = Charger(ElectricalParameters(restart_delay_s=30.0))
    charger.evse.set_offered_current_a(16.0, 3)
    charger.run(5.0)
    charger.run(1.0, grid(190.0, 230.0, 230.0))
    charger.run(20.0)
    charger.run(1.0, grid(190.0, 230.0, 230.0))
    restart_s = charger.first_time(lambda: charger.port.pilot_duty_pct is not None)
    assert restart_s == pytest.approx(30.0, abs=DT_S + 1e-9)


def test_unpowered_charger_is_off_and_starts_afresh() -> None:
    charger = Charger()
    charger.evse.set_offered_current_a(16.0, 3)
    charger.run(3.0, grid(0.0, 0.0, 0.0))
    assert not charger.evse.powered and charger.port.pilot_duty_pct is None
    assert charger.evse.output().active_power_w == (0.0, 0.0, 0.0)   # no standby either
    start_s = charger.first_time(lambda: charger.port.pilot_duty_pct is not None)
    assert start_s <= DT_S + 1e-9 and not charger.evse.suspended_by_grid


def test_phase_switching_pauses_then_charges_on_one_phase() -> None:
    charger = Charger()
    evse, port = charger.evse, charger.port
    evse.set_offered_current_a(16.0, 3)
    charger.run(5.0)
    evse.set_offered_current_a(16.0, 1)
    charger.first_time(lambda: evse.phase_switching)
    assert not port.contactor_closed and port.pilot_duty_pct is None and not evse.charging
    switch_s = charger.first_time(lambda: not evse.phase_switching)
    assert switch_s == pytest.approx(5.0, abs=DT_S + 1e-9)           # phase_switch_pause_s
    assert port.supply_phases == 1
    charger.run(3.0)
    assert port.ev_current_a == pytest.approx((16.0, 0.0, 0.0))
    assert evse.output().active_power_w[1:] == (0.0, 0.0)


def test_a_single_phase_charger_never_switches_to_three() -> None:
    charger = Charger(ElectricalParameters(phase_count=1))
    charger.evse.set_offered_current_a(16.0, 3)
    charger.run(5.0, grid(230.0))
    assert charger.port.supply_phases == 1 and not charger.evse.phase_switching
    assert charger.port.ev_current_a == pytest.approx((16.0, 0.0, 0.0))
    assert len(charger.evse.output().active_power_w) == 1
    assert len(charger.evse.meter().current_import_a) == 1


# -- knobs ----------------------------------------------------------------------------------------
def test_knob_response_delay_factor() -> None:
    charger = Charger(knobs=ElectricalKnobs(evse_response_delay_factor=8.0))
    charger.evse.set_offered_current_a(16.0, 3)
    delay = charger.first_time(lambda: charger.port.pilot_duty_pct is not None)
    assert delay == pytest.approx(8.0, abs=DT_S + 1e-9)


def test_knob_overshoot() -> None:
    charger = Charger(knobs=ElectricalKnobs(overshoot_factor=1.5, overshoot_duration_s=3.0))
    evse = charger.evse
    evse.set_offered_current_a(16.0, 3)
    charger.first_time(lambda: charger.port.pilot_duty_pct is not None)
    assert evse.offered_current_a == pytest.approx(24.0)
    back_s = charger.first_time(lambda: evse.offered_current_a < 20.0)
    assert back_s == pytest.approx(3.0, abs=DT_S + 1e-9)
    assert evse.offered_current_a == pytest.approx(16.0)
    evse.set_offered_current_a(10.0, 3)                              # a reduction overshoots too
    charger.first_time(lambda: evse.offered_current_a < 16.0 - 1e-6)
    assert evse.offered_current_a == pytest.approx(15.0)


def test_knob_meter_error_changes_the_report_only() -> None:
    honest, lying = Charger(), Charger(knobs=ElectricalKnobs(meter_error_factor=1.1))
    for charger in (honest, lying):
        charger.evse.set_offered_current_a(16.0, 3)
        charger.run(5.0)
    assert lying.evse.output() == honest.evse.output()
    assert lying.port.ev_current_a == honest.port.ev_current_a
    true, told = honest.evse.meter(), lying.evse.meter()
    assert told.power_active_import_w == pytest.approx(1.1 * true.power_active_import_w)
    assert told.energy_import_wh == pytest.approx(1.1 * true.energy_import_wh)
    assert told.current_import_a == pytest.approx(tuple(1.1 * i for i in true.current_import_a))
    assert told.voltage_v == true.voltage_v and told.current_offered_a == true.current_offered_a


def test_knob_keeps_minimum_instead_of_pause() -> None:
    charger = Charger(knobs=ElectricalKnobs(keeps_minimum_instead_of_pause=True))
    charger.evse.set_offered_current_a(4.0, 3)
    charger.run(5.0)
    assert charger.evse.offered_current_a == pytest.approx(6.0) and charger.evse.charging
    charger.evse.set_offered_current_a(0.0, 3)                       # zero still pauses
    charger.run(5.0)
    assert charger.port.pilot_duty_pct is None and not charger.evse.charging


@pytest.mark.parametrize("params, knobs, key", [
    (ElectricalParameters(phase_count=2), ElectricalKnobs(), "phase_count"),
    (ElectricalParameters(rated_current_a=81.0), ElectricalKnobs(), "rated_current_a"),
    (ElectricalParameters(min_current_a=5.0), ElectricalKnobs(), "min_current_a"),
    (ElectricalParameters(undervoltage_stop_v=240.0), ElectricalKnobs(), "undervoltage_stop_v"),
    (ElectricalParameters(overvoltage_stop_v=220.0), ElectricalKnobs(), "overvoltage_stop_v"),
    (ElectricalParameters(restart_delay_s=-1.0), ElectricalKnobs(), "restart_delay_s"),
    (ElectricalParameters(), ElectricalKnobs(overshoot_factor=0.5), "overshoot_factor"),
    (ElectricalParameters(), ElectricalKnobs(meter_error_factor=math.inf), "meter_error_factor"),
    (ElectricalParameters(), ElectricalKnobs(evse_response_delay_factor="x"),
     "evse_response_delay_factor"),
    (ElectricalParameters(), ElectricalKnobs(keeps_minimum_instead_of_pause=1),
     "keeps_minimum_instead_of_pause"),
])
def test_bad_settings_name_the_key(params, knobs, key: str) -> None:
    with pytest.raises(SimSettingError) as info:
        check_electrical_settings(params, knobs)
    assert info.value.key == key
    with pytest.raises(SimSettingError):
        EvseElectrical(params, knobs, EvPort())


def test_bad_controller_requests_raise() -> None:
    evse = EvseElectrical(ElectricalParameters(), ElectricalKnobs(), EvPort())
    with pytest.raises(ValueError):
        evse.set_offered_current_a(16.0, 2)
    with pytest.raises(ValueError):
        evse.set_offered_current_a(-1.0, 3)


# -- the simulated EV emulator ------------------------------------------------------------------
OK = '0,"No error"'


def test_sim_emulator_writes_the_ev_side_and_reads_the_pilot() -> None:
    port = EvPort(pilot_duty_pct=25.0, ev_current_a=(15.0, 15.0, 0.0), soc_pct=42.5)
    sim = SimFlexbenchEvEmulator(port)
    assert "SIMULATED" in sim.handle("*IDN?").split(",")[2]
    for line in ("EV:CONN ON", "EV:CHAR ON", "EV:CURR:MAX 20", "EV:PHAS 1", "EV:DEL 3.5",
                 "BATT:CAP 50000", "BATT:FULL:STOP OFF"):
        assert sim.handle(line) is None
    assert (port.ev_connected, port.ev_requests_charge, port.ev_max_current_a, port.ev_phases,
            port.ev_response_delay_s, port.battery_capacity_wh, port.stop_when_full) \
        == (True, True, 20.0, 1, 3.5, 50000.0, False)
    assert sim.handle("MEAS:CP:STAT?") == "C"
    assert sim.handle("MEAS:CP:DUTY?") == "25"
    assert sim.handle("MEAS:CP:CURR?") == "15"
    assert sim.handle("MEAS:CURR?") == "15,15,0"
    assert sim.handle("MEAS:SOC?") == "42.5"
    port.pilot_duty_pct = None
    assert sim.handle("MEASure:CP:DUTY?") == "100" and sim.handle("MEAS:CP:CURR?") == "0"
    assert sim.handle("SYST:ERR?") == OK
    sim.handle("*RST")
    assert not port.ev_connected and port.ev_max_current_a == 32.0 and port.stop_when_full


@pytest.mark.parametrize("line, code", [
    ("EV:CURR:MAX 81", "-222"), ("EV:DEL -1", "-222"), ("BATT:SOC 101", "-222"),
    ("EV:PHAS 2", "-224"), ("EV:CONN MAYBE", "-224"), ("EV:CONN", "-109"),
    ("EV:TELEPORT ON", "-113"), ("MEAS:CP:STAT ON", "-113"),
])
def test_sim_emulator_refuses_bad_commands_and_changes_nothing(line: str, code: str) -> None:
    port = EvPort()
    before = replace(port)
    sim = SimFlexbenchEvEmulator(port)
    sim.handle(line)
    assert port == before
    assert sim.handle("SYST:ERR?").startswith(code + ",")
    assert sim.handle("SYST:ERR?") == OK


def test_registered_in_the_lab_on_the_physics_port() -> None:
    physics = Physics(GridSourceState(), None)
    sim = SIM_INSTRUMENTS.get("flexbench_ev_emulator")(physics, seed=1, faults={})
    assert isinstance(sim, SimFlexbenchEvEmulator) and sim.port is physics.ev_port
    alone = SIM_INSTRUMENTS.get("flexbench_ev_emulator")(None, seed=1, faults={})
    assert isinstance(alone.port, EvPort)


def resource(port: int) -> str:
    return f"TCPIP::127.0.0.1::{port}::SOCKET"


def test_end_to_end_ev_emulator_and_analyzer_on_the_charger_input() -> None:
    """Real drivers over TCP: the EV emulator plugs in and asks to charge; the charger (the
    lab's device) offers 16 A; the analyzer on the charger's input reads negative power."""
    source = GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True)
    physics = Physics(source, None, step_s=0.02)
    evse = EvseElectrical(ElectricalParameters(), ElectricalKnobs(), physics.ev_port)
    physics.device = evse
    emulator_sim = SIM_INSTRUMENTS.get("flexbench_ev_emulator")(physics, seed=1, faults={})
    analyzer_sim = SimYokogawaWT5000(physics.truth, lambda: source.frequency_hz, 11)
    with BackgroundScpiServer(emulator_sim) as ev_port_no, \
            BackgroundScpiServer(analyzer_sim) as wt_port_no:
        ev = open_instrument("flexbench_ev_emulator", resource(ev_port_no), name="ev")
        wt = open_instrument("yokogawa_wt5000", resource(wt_port_no), name="analyzer")
        try:
            assert isinstance(ev, EvEmulator) and isinstance(wt, PowerAnalyzer)
            ev.set_max_current_a(32.0)
            ev.set_phases(3)
            ev.set_response_delay_s(2.0)
            ev.set_battery(60000.0, 40.0, True)
            assert ev.read_pilot().state == "A"
            ev.plug_in()
            assert ev.read_pilot().state == "B"
            ev.set_charge_request(True)
            evse.set_offered_current_a(16.0, 3)
            physics.advance_to(0.5)
            pilot = ev.read_pilot()
            assert pilot.state == "C" and pilot.duty_pct is None and pilot.offered_current_a == 0.0
            physics.advance_to(5.0)
            pilot = ev.read_pilot()
            assert pilot.duty_pct == pytest.approx(26.6667, abs=1e-3)
            assert pilot.offered_current_a == pytest.approx(16.0, abs=1e-3)
            draw = ev.read_draw()
            assert draw.current_a == pytest.approx((16.0, 16.0, 16.0), abs=1e-3)
            assert draw.soc_pct > 40.0
            reading = wt.read()
            assert reading.active_power_w == pytest.approx(-(3 * 230 * 16 + 5.0), rel=1e-3)
            assert all(phase.current_a == pytest.approx(16.0, rel=1e-3)
                       for phase in reading.phases[1:])
            ev.unplug()
            physics.advance_to(5.1)
            assert ev.read_pilot().state == "A" and ev.read_draw().max_current_a == 0.0
            ev.check_errors()
        finally:
            ev.close()
            wt.close()
