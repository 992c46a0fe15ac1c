"""The simulated PV inverter, stepped directly (no sockets): compliant behaviour and each knob."""

from __future__ import annotations

import math

import pytest

from simlab.devices.pv_inverter.device import (
    PvInverterSim,
    SimSettingError,
    TenMinuteMeanVoltage,
    build_pv_inverter,
)
from links.sunspec_modbus.types import TripKind, TripStageSetting
from simlab.devices.pv_inverter.api import OperatingState
from simlab.physics import Feeder, GridSourceState, Physics, PvArrayState, TerminalConditions

UN_V = 230.0
RATED_W = 10000.0
DT_S = 0.02


class Rig:
    """Steps one inverter on the 20 ms grid with explicitly given terminal conditions."""

    def __init__(self, inverter: PvInverterSim) -> None:
        self.inv = inverter
        self.steps = 0
        self.volts_pct: tuple[float, ...] = (100.0, 100.0, 100.0)
        self.f_hz = 50.0
        self.dc_w = 20000.0

    @property
    def t_s(self) -> float:
        return self.steps * DT_S

    def set(self, *, volts_pct: float | tuple[float, ...] | None = None, f_hz: float | None = None,
            dc_w: float | None = None) -> Rig:
        if volts_pct is not None:
            self.volts_pct = (volts_pct,) * 3 if isinstance(volts_pct, (int, float)) else volts_pct
        if f_hz is not None:
            self.f_hz = f_hz
        if dc_w is not None:
            self.dc_w = dc_w
        return self

    def run(self, seconds: float) -> Rig:
        terminal = TerminalConditions(tuple(p * UN_V / 100.0 for p in self.volts_pct),
                                      self.f_hz, self.dc_w)
        for _ in range(round(seconds / DT_S)):
            self.steps += 1
            self.inv.step(self.steps * DT_S, DT_S, terminal)
        return self

    def run_until(self, predicate, limit_s: float) -> float:
        """Step until predicate(inv) holds; return the elapsed time."""
        start = self.steps
        while not predicate(self.inv):
            assert (self.steps - start) * DT_S < limit_s, "condition not reached in time"
            self.run(DT_S)
        return (self.steps - start) * DT_S

    @property
    def p_w(self) -> float:
        return sum(self.inv.output().active_power_w)


def make(parameters: dict | None = None, knobs: dict | None = None) -> PvInverterSim:
    return build_pv_inverter(parameters or {}, knobs or {})


def connected(knobs: dict | None = None, parameters: dict | None = None,
              expected_w: float = RATED_W) -> Rig:
    """An inverter producing rated power at nominal conditions (short start-up for speed)."""
    params = {"first_start_ramp_time_s": 0.0, **(parameters or {})}
    inv = make(params, knobs)
    inv.settings.enter_service.delay_s = 1.0
    rig = Rig(inv).run(5.0)
    assert inv.state is OperatingState.CONNECTED
    assert rig.p_w == pytest.approx(expected_w, rel=1e-3)
    return rig


def tripped(rig: Rig) -> bool:
    return rig.inv.state is OperatingState.TRIPPED


def is_tripped(inv: PvInverterSim) -> bool:
    return inv.state is OperatingState.TRIPPED


# ------------------------------------------------------------------ start-up and available power

def test_off_without_ac_then_waits_observation_time_and_ramps_at_first_start_rate() -> None:
    rig = Rig(make())
    rig.set(volts_pct=0.0).run(2.0)
    assert rig.inv.state is OperatingState.OFF and rig.p_w == 0.0
    rig.set(volts_pct=100.0).run(59.9)
    assert rig.inv.state is OperatingState.WAITING and rig.p_w == 0.0
    rig.run(0.2)
    assert rig.inv.state is OperatingState.RAMPING
    rig.run(120.0)  # first start: 25 % Pn/min -> 50 % after 2 min
    assert rig.p_w == pytest.approx(0.5 * RATED_W, abs=0.01 * RATED_W)
    rig.run(125.0)
    assert rig.inv.state is OperatingState.CONNECTED
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)


def test_available_power_uses_efficiency_mppt_lag_and_rated_cap() -> None:
    rig = connected()
    rig.set(dc_w=5000.0).run(0.5)  # one MPPT time constant
    expected_w = 0.97 * 5000.0 + (RATED_W - 0.97 * 5000.0) * math.exp(-1.0)
    assert rig.p_w == pytest.approx(expected_w, rel=0.01)
    rig.run(5.0)
    assert rig.p_w == pytest.approx(4850.0, rel=1e-3)
    assert rig.inv.available_power_w == pytest.approx(4850.0, rel=1e-3)
    rig.set(dc_w=50000.0).run(5.0)
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)


def test_available_power_schedule_applies_when_pv_simulator_gives_nothing() -> None:
    rig = connected(parameters={"available_power_schedule_w": [[0, 8000], [20, 3000]],
                                "mppt_time_constant_s": 0.0})
    rig.set(dc_w=0.0).run(1.0)
    assert rig.p_w == pytest.approx(8000.0)
    rig.run(20.0)
    assert rig.p_w == pytest.approx(3000.0)
    rig.set(dc_w=4000.0).run(0.1)
    assert rig.p_w == pytest.approx(3880.0)


def test_power_is_split_equally_with_unity_power_factor_and_readings_are_true() -> None:
    rig = connected()
    rig.set(dc_w=6000.0, volts_pct=(100.0, 102.0, 98.0)).run(10.0)
    out = rig.inv.output()
    assert len(set(out.active_power_w)) == 1 and out.reactive_power_var == (0.0, 0.0, 0.0)
    r = rig.inv.readings()
    assert r.active_power_w == pytest.approx(5820.0, rel=1e-3)
    assert r.apparent_power_va == pytest.approx(r.active_power_w)
    assert r.reactive_power_var == 0.0
    assert r.voltage_v == pytest.approx((230.0, 234.6, 225.4))
    assert r.current_a[1] == pytest.approx(5820.0 / 3 / 234.6, rel=1e-3)
    assert r.frequency_hz == 50.0 and r.state is OperatingState.CONNECTED and r.last_trip is None


# ------------------------------------------------------------------------------ P(U) volt-watt

@pytest.mark.parametrize("volts_pct, expected_pct", [(104.0, 100.0), (106.0, 100.0), (107.0, 80.0),
                                                     (108.0, 60.0), (110.0, 20.0), (113.0, 20.0)])
def test_volt_watt_steady_state(volts_pct: float, expected_pct: float) -> None:
    rig = connected()
    rig.inv.settings.ten_minute_mean_trip_pct = 115.0  # the short history would trip at 110 %
    rig.set(volts_pct=volts_pct).run(60.0)
    assert rig.p_w == pytest.approx(expected_pct / 100 * RATED_W, rel=1e-3)


def test_volt_watt_uses_highest_phase_voltage() -> None:
    rig = connected()
    rig.set(volts_pct=(100.0, 108.0, 100.0)).run(60.0)
    assert rig.p_w == pytest.approx(0.6 * RATED_W, rel=1e-3)


def test_volt_watt_response_is_first_order_with_90_percent_at_tr() -> None:
    rig = connected()
    rig.set(volts_pct=110.0).run(10.0)  # Tr = 10 s, step 100 % -> 20 %
    assert rig.p_w == pytest.approx(RATED_W * (1.0 - 0.9 * 0.8), rel=1e-3)
    rig.run(10.0)
    assert rig.p_w == pytest.approx(RATED_W * (1.0 - 0.99 * 0.8), rel=1e-3)


def test_volt_watt_disabled_means_no_limit() -> None:
    rig = connected()
    rig.inv.settings.volt_watt.enabled = False
    rig.inv.settings_changed()
    rig.set(volts_pct=109.0).run(30.0)
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)


def test_volt_watt_new_curve_points_apply() -> None:
    rig = connected()
    rig.inv.settings.volt_watt.points = [(104.0, 100.0), (108.0, 0.0)]
    rig.inv.settings_changed()
    rig.set(volts_pct=106.0).run(60.0)
    assert rig.p_w == pytest.approx(0.5 * RATED_W, rel=1e-3)


def test_volt_watt_limits_actively_through_a_feeder_instead_of_tripping() -> None:
    source = GridSourceState(voltage_setpoint_v=[245.0] * 3, output_on=True)
    inv = make({"first_start_ramp_time_s": 0.0})
    inv.settings.enter_service.delay_s = 1.0
    lab = Physics(source, inv, feeder=Feeder(resistance_ohm=1.0),
                  pv_array=PvArrayState(vmp_v=600, imp_a=20, output_on=True))
    lab.advance_to(300.0)
    u_v = lab.terminal_voltage_v()[0]
    assert inv.state is OperatingState.CONNECTED
    assert 106.0 < u_v / UN_V * 100 < 110.0  # voltage held inside the curve, power reduced
    assert sum(inv.output().active_power_w) < 0.95 * RATED_W


# ------------------------------------------------------------------------------ remote limit

def test_remote_limit_first_order_with_default_response_time_and_revert() -> None:
    rig = connected()
    pl = rig.inv.settings.power_limit
    pl.enabled, pl.limit_pct, pl.revert_time_s = True, 40.0, 60.0
    rig.inv.settings_changed()
    rig.run(5.0)  # parameter power_limit_response_time_s = 5 s
    assert rig.p_w == pytest.approx(RATED_W * (1 - 0.9 * 0.6), rel=1e-3)
    rig.run(50.0)
    assert rig.p_w == pytest.approx(0.4 * RATED_W, rel=1e-3)
    rig.run(10.0)  # reverted at 60 s, back to 100 % with the same response
    assert rig.p_w == pytest.approx(RATED_W * (0.4 + 0.9 * 0.6), rel=1e-3)
    rig.run(20.0)
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)


def test_remote_limit_uses_declared_response_time_and_never_reverts_at_zero() -> None:
    rig = connected()
    pl = rig.inv.settings.power_limit
    pl.enabled, pl.limit_pct, pl.response_time_s = True, 50.0, 1.0
    rig.inv.settings_changed()
    rig.run(1.0)
    assert rig.p_w == pytest.approx(RATED_W * (1 - 0.9 * 0.5), rel=1e-3)
    rig.run(1000.0)
    assert rig.p_w == pytest.approx(0.5 * RATED_W, rel=1e-3)


# ------------------------------------------------------------------------------------ LFSM-O

def test_lfsm_o_droop_from_frozen_reference_and_release() -> None:
    rig = connected()
    rig.set(f_hz=50.7).run(20.0)  # 5 % droop: -40 %/Hz * 0.5 Hz = -20 % of Pref
    assert rig.p_w == pytest.approx(0.8 * RATED_W, rel=1e-3)
    rig.set(dc_w=4000.0).run(5.0)  # available below the limit: output follows availability
    assert rig.p_w == pytest.approx(3880.0, rel=1e-3)
    rig.set(dc_w=20000.0, f_hz=50.45).run(20.0)  # Pref stays frozen at 10 kW
    assert rig.p_w == pytest.approx(0.9 * RATED_W, rel=1e-3)
    rig.set(f_hz=50.1).run(1.0)
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)


def test_lfsm_o_response_time_and_floor_at_zero() -> None:
    rig = connected()
    rig.set(f_hz=50.7).run(2.0)  # response time 2 s: 90 % of the 20 % step
    assert rig.p_w == pytest.approx(RATED_W * (1 - 0.9 * 0.2), rel=1e-3)
    rig.inv.settings.frequency_droop.droop_pct = 2.0
    rig.inv.settings_changed()
    rig.set(f_hz=51.45).run(20.0)  # -100 %/Hz * 1.25 Hz -> clamped at 0
    assert rig.p_w == pytest.approx(0.0, abs=1.0)
    assert rig.inv.state is OperatingState.CONNECTED


# -------------------------------------------------------------------------------- protection

@pytest.mark.parametrize("kind, threshold, clearing_s, excursion", [
    (TripKind.OVER_VOLTAGE, 115.0, 0.1, {"volts_pct": (100.0, 100.0, 116.0)}),
    (TripKind.UNDER_VOLTAGE, 70.0, 1.5, {"volts_pct": (100.0, 65.0, 100.0)}),
    (TripKind.OVER_FREQUENCY, 51.5, 2.0, {"f_hz": 51.6}),
    (TripKind.UNDER_FREQUENCY, 47.5, 2.0, {"f_hz": 47.4}),
    (TripKind.OVER_FREQUENCY, 52.0, 0.1, {"f_hz": 52.1}),
])
def test_default_trip_stages_trip_after_clearing_time(kind: TripKind, threshold: float,
                                                      clearing_s: float, excursion: dict) -> None:
    rig = connected()
    rig.set(**excursion).run(clearing_s - 2 * DT_S)
    assert rig.inv.state is OperatingState.CONNECTED
    rig.run(2 * DT_S)
    assert tripped(rig) and rig.p_w == 0.0
    assert rig.inv.readings().last_trip.startswith(kind.value)


def test_trip_text_and_zero_clearing_time_trips_on_next_step() -> None:
    rig = connected()
    rig.inv.settings.trip_stages = [TripStageSetting(TripKind.OVER_VOLTAGE, 112.0, 0.0)]
    rig.inv.settings_changed()
    rig.set(volts_pct=112.5).run(DT_S)
    assert tripped(rig)
    assert rig.inv.readings().last_trip == "over_voltage 112.0% 0.00 s"


def test_must_trip_timer_resets_when_quantity_returns_inside() -> None:
    rig = connected()
    for _ in range(5):
        rig.set(volts_pct=116.0).run(0.08).set(volts_pct=100.0).run(0.02)
    assert rig.inv.state is OperatingState.CONNECTED


def test_clean_trip_description_for_frequency() -> None:
    rig = connected()
    rig.set(f_hz=52.2).run(0.1)
    assert rig.inv.readings().last_trip == "over_frequency 52.00Hz 0.10 s"


# ------------------------------------------------------------------------- 10-minute mean U>

def test_ten_minute_mean_aggregates_every_3_s_and_covers_since_energisation() -> None:
    mean = TenMinuteMeanVoltage(3)
    for k in range(1, 150):
        assert not mean.add(k * DT_S, DT_S, (230.0, 240.0, 250.0))
    assert mean.add(3.0, DT_S, (230.0, 240.0, 250.0))
    assert mean.mean_v == pytest.approx((230.0, 240.0, 250.0))
    for k in range(151, 301):
        mean.add(k * DT_S, DT_S, (260.0, 240.0, 250.0))
    assert mean.mean_v[0] == pytest.approx(math.sqrt((230.0**2 + 260.0**2) / 2))


def test_short_excursions_below_u_high_high_do_not_trip_on_the_mean() -> None:
    rig = connected()
    rig.run(600.0)
    for _ in range(3):  # 30 s at 114 % three times, well below a mean of 110 %
        rig.set(volts_pct=114.0).run(30.0).set(volts_pct=100.0).run(60.0)
    assert rig.inv.state is OperatingState.CONNECTED


def test_sustained_high_voltage_trips_on_the_mean_3_s_after_it_exceeds() -> None:
    rig = connected()
    rig.run(600.0)
    rig.inv.settings.volt_watt.enabled = False
    rig.set(volts_pct=112.0)
    rig.run_until(lambda inv: max(inv.ten_minute_mean_v) > 1.10 * UN_V, 900.0)
    assert rig.inv.state is OperatingState.CONNECTED
    assert rig.run_until(is_tripped, 10.0) == pytest.approx(3.0, abs=1e-6)
    assert rig.inv.readings().last_trip == "ten_minute_mean 110.0% 3.00 s"


# ---------------------------------------------------------------------------- reconnection

def test_reconnection_needs_window_for_the_full_observation_time_then_ramps_10_pct_per_min() -> None:
    rig = connected()
    rig.inv.settings.enter_service.delay_s = 60.0
    rig.set(volts_pct=116.0).run(0.2)
    assert tripped(rig)
    rig.set(volts_pct=100.0).run(40.0)
    rig.set(f_hz=50.15).run(1.0)  # leaving the window restarts the observation
    rig.set(f_hz=50.0).run(59.9)
    assert tripped(rig) and rig.p_w == 0.0
    rig.run(0.2)
    assert rig.inv.state is OperatingState.RAMPING
    rig.run(60.0)
    assert rig.p_w == pytest.approx(0.1 * RATED_W, abs=0.005 * RATED_W)
    rig.run(540.0)
    assert rig.inv.state is OperatingState.CONNECTED


@pytest.mark.parametrize("excursion", [{"volts_pct": 111.0}, {"volts_pct": (100.0, 84.0, 100.0)},
                                       {"f_hz": 49.85}, {"f_hz": 50.12}])
def test_no_reconnection_outside_the_window(excursion: dict) -> None:
    rig = connected()
    rig.set(volts_pct=116.0).run(0.2)
    rig.set(volts_pct=100.0).set(**excursion).run(200.0)
    assert tripped(rig)


def test_enter_service_disabled_ceases_and_blocks_reconnection() -> None:
    rig = connected()
    rig.inv.settings.enter_service.enabled = False
    rig.inv.settings_changed()
    rig.run(100.0)
    assert rig.inv.state is OperatingState.WAITING and rig.p_w == 0.0
    rig.inv.settings.enter_service.enabled = True
    rig.run(1.1)
    assert rig.inv.state is OperatingState.RAMPING


def test_loss_of_ac_switches_off_at_once() -> None:
    """Loss of AC: every phase below the ride-through floor (a dip above it is ridden through while
    producing: tests/sim/test_pv_ride_through.py)."""
    rig = connected()
    rig.set(volts_pct=2.0).run(DT_S)
    assert rig.inv.state is OperatingState.OFF and rig.p_w == 0.0


# ------------------------------------------------------------------------------ fault knobs

def test_knob_volt_watt_ignored() -> None:
    rig = connected({"volt_watt_ignored": True})
    rig.set(volts_pct=109.0).run(60.0)
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)


def test_knob_volt_watt_voltage_and_power_offsets() -> None:
    rig = connected({"volt_watt_voltage_offset_pct": 1.0})
    rig.set(volts_pct=108.0).run(60.0)  # curve applied 1 % higher: 107 % on the set curve
    assert rig.p_w == pytest.approx(0.8 * RATED_W, rel=1e-3)
    rig = connected({"volt_watt_power_offset_pct": -5.0})
    rig.set(volts_pct=108.0).run(60.0)
    assert rig.p_w == pytest.approx(0.55 * RATED_W, rel=1e-3)


def test_knob_volt_watt_response_time_factor() -> None:
    rig = connected({"volt_watt_response_time_factor": 2.0})
    rig.set(volts_pct=110.0).run(20.0)
    assert rig.p_w == pytest.approx(RATED_W * (1.0 - 0.9 * 0.8), rel=1e-3)


def test_knob_trip_instead_of_limiting() -> None:
    rig = connected({"trip_instead_of_limiting_pct": 106.0})
    rig.set(volts_pct=105.9).run(10.0)
    assert rig.inv.state is OperatingState.CONNECTED and rig.p_w == pytest.approx(RATED_W)
    rig.set(volts_pct=106.5).run(DT_S)
    assert tripped(rig)


def test_knob_fixed_export_cap() -> None:
    rig = connected({"fixed_export_cap_pct": 70.0}, expected_w=0.7 * RATED_W).run(1.0)
    assert rig.p_w == pytest.approx(0.7 * RATED_W)


def _limit(rig: Rig, pct: float, revert_s: float = 0.0) -> None:
    pl = rig.inv.settings.power_limit
    pl.enabled, pl.limit_pct, pl.revert_time_s = True, pct, revert_s
    rig.inv.settings_changed()


def test_knob_power_limit_ignored_offset_and_slow_response() -> None:
    rig = connected({"power_limit_ignored": True})
    _limit(rig, 30.0)
    assert rig.run(30.0).p_w == pytest.approx(RATED_W)
    rig = connected({"power_limit_offset_pct": 3.0})
    _limit(rig, 30.0)
    assert rig.run(60.0).p_w == pytest.approx(0.33 * RATED_W, rel=1e-3)
    rig = connected({"power_limit_response_time_factor": 3.0})
    _limit(rig, 40.0)
    assert rig.run(15.0).p_w == pytest.approx(RATED_W * (1 - 0.9 * 0.6), rel=1e-3)


def test_knob_power_limit_revert_ignored() -> None:
    rig = connected({"power_limit_revert_ignored": True})
    _limit(rig, 40.0, revert_s=10.0)
    assert rig.run(100.0).p_w == pytest.approx(0.4 * RATED_W, rel=1e-3)


def test_knob_lfsm_o_ignored_droop_start_and_response() -> None:
    rig = connected({"lfsm_o_ignored": True})
    assert rig.set(f_hz=50.7).run(20.0).p_w == pytest.approx(RATED_W)
    rig = connected({"lfsm_o_droop_pct": 10.0})
    assert rig.set(f_hz=50.7).run(20.0).p_w == pytest.approx(0.9 * RATED_W, rel=1e-3)
    rig = connected({"lfsm_o_start_offset_hz": 0.1})
    assert rig.set(f_hz=50.7).run(20.0).p_w == pytest.approx(0.84 * RATED_W, rel=1e-3)
    rig = connected({"lfsm_o_response_time_factor": 2.0})
    assert rig.set(f_hz=50.7).run(4.0).p_w == pytest.approx(RATED_W * (1 - 0.9 * 0.2), rel=1e-3)


def test_knob_trip_threshold_offset_time_factor_and_disabled() -> None:
    rig = connected({"trip_threshold_offset": {"over_voltage": 1.0}})
    rig.set(volts_pct=(100.0, 100.0, 115.9)).run(1.0)
    assert rig.inv.state is OperatingState.CONNECTED
    rig.set(volts_pct=(100.0, 100.0, 116.1)).run(0.1)
    assert tripped(rig)
    rig = connected({"trip_time_factor": {"under_frequency": 1.5}})
    rig.set(f_hz=47.4).run(2.9)
    assert not tripped(rig)
    rig.run(0.1)
    assert tripped(rig)
    rig = connected({"trip_disabled": ["over_frequency"]})
    rig.set(f_hz=52.5).run(5.0)
    assert not tripped(rig)


def test_knob_ten_minute_mean_variants() -> None:
    def sustained(knobs: dict, seconds: float = 400.0) -> Rig:
        rig = connected(knobs)
        rig.inv.settings.volt_watt.enabled = False
        return rig.set(volts_pct=112.0).run(seconds)

    assert not tripped(sustained({"ten_minute_mean_disabled": True}))
    assert not tripped(sustained({"ten_minute_mean_threshold_offset_pct": 2.5}))
    rig = connected({"ten_minute_mean_delay_s": 30.0})
    rig.inv.settings.volt_watt.enabled = False
    rig.set(volts_pct=112.0)
    rig.run_until(lambda inv: max(inv.ten_minute_mean_v) > 1.10 * UN_V, 900.0)
    assert rig.run_until(is_tripped, 40.0) == pytest.approx(30.0, abs=1e-6)
    rig = connected({"ten_minute_mean_instantaneous": True})
    rig.set(volts_pct=112.0).run(3.0)
    assert tripped(rig)


def test_knob_reconnect_ignores_window_delay_factor_and_ramp_rate() -> None:
    rig = connected({"reconnect_ignores_window": True})
    rig.set(volts_pct=116.0).run(0.2)
    rig.set(volts_pct=100.0, f_hz=50.3).run(1.1)  # outside the frequency window
    assert rig.inv.state is OperatingState.RAMPING
    rig = connected({"reconnect_delay_factor": 0.5})
    rig.inv.settings.enter_service.delay_s = 60.0
    rig.set(volts_pct=116.0).run(0.2)
    rig.set(volts_pct=100.0).run(30.1)
    assert rig.inv.state is OperatingState.RAMPING
    rig = connected({"ramp_rate_factor": 2.0})
    rig.set(volts_pct=116.0).run(0.2)
    rig.set(volts_pct=100.0).run(1.0).run(60.0)
    assert rig.p_w == pytest.approx(0.2 * RATED_W, abs=0.005 * RATED_W)


def test_knob_readings_distortions() -> None:
    rig = connected({"readings_power_gain": 1.04, "readings_voltage_offset_v": 2.3,
                     "readings_frequency_offset_hz": 0.02})
    r = rig.inv.readings()
    assert r.active_power_w == pytest.approx(1.04 * RATED_W, rel=1e-3)
    assert r.voltage_v[0] == pytest.approx(232.3)
    assert r.frequency_hz == pytest.approx(50.02)
    assert rig.p_w == pytest.approx(RATED_W, rel=1e-3)  # the true output is unaffected


# ------------------------------------------------------------------- validation, determinism

@pytest.mark.parametrize("section, raw, key", [
    ("knobs", {"no_such_knob": 1}, "no_such_knob"),
    ("knobs", {"volt_watt_ignored": 1}, "volt_watt_ignored"),
    ("knobs", {"ramp_rate_factor": "fast"}, "ramp_rate_factor"),
    ("knobs", {"ramp_rate_factor": 0}, "ramp_rate_factor"),
    ("knobs", {"readings_power_gain": True}, "readings_power_gain"),
    ("knobs", {"trip_time_factor": {"over_volts": 2}}, "trip_time_factor.over_volts"),
    ("knobs", {"trip_disabled": ["over_voltage", "x"]}, "trip_disabled[1]"),
    ("parameters", {"efficiency": 1.2}, "efficiency"),
    ("parameters", {"rated_power": 1}, "rated_power"),
    ("parameters", {"serial_number": 5}, "serial_number"),
    ("parameters", {"available_power_schedule_w": [[0, 1], [1]]}, "available_power_schedule_w[1]"),
    ("parameters", {"trip_stages": [["over_voltage", 115, "fast"]]}, "trip_stages[0]"),
    ("parameters", {"nameplate": {"rated_power_w": "10k"}}, "nameplate.rated_power_w"),
    ("parameters", {"nameplate": {"colour": "blue"}}, "nameplate.colour"),
    ("parameters", {"nameplate": {"phase_count": 2}}, "nameplate.phase_count"),
    ("parameters", {"nameplate": {"phase_count": 1, "phase_connection": "L4"}}, "nameplate.phase_connection"),
    ("parameters", {"nameplate": {"phase_count": 3, "phase_connection": "L2"}}, "nameplate.phase_connection"),
    ("parameters", {"phase_count": 1, "phase_connection": 2}, "phase_connection"),
    ("parameters", {"phase_count": True}, "phase_count"),
    ("knobs", {"sensed_phase": "L9"}, "sensed_phase"),
])
def test_factory_rejects_unknown_or_mistyped_keys(section: str, raw: dict, key: str) -> None:
    args = ({}, raw) if section == "knobs" else (raw, {})
    with pytest.raises(ValueError, match=key.replace("[", r"\[").replace("]", r"\]")) as info:
        build_pv_inverter(*args)
    assert isinstance(info.value, SimSettingError)
    assert info.value.key == key and info.value.section == section
    text = str(info.value)  # the lab reads the first quoted word, and "knob" marks the section
    assert text.split("'")[1] == key and ("knob" in text.lower()) == (section == "knobs")


def test_factory_accepts_parameters_and_nullable_knobs() -> None:
    inv = build_pv_inverter({"rated_power_w": 5000, "serial_number": "X1",
                             "trip_stages": [{"kind": "over_voltage", "threshold": 115,
                                              "clearing_time_s": 0.2}]},
                            {"lfsm_o_droop_pct": None, "ten_minute_mean_delay_s": None,
                             "trip_time_factor": {"over_voltage": 0.5}}, seed=3)
    assert inv.nameplate.rated_power_w == 5000.0 and inv.nameplate.serial_number == "X1"
    assert inv.settings.trip_stages == [TripStageSetting(TripKind.OVER_VOLTAGE, 115.0, 0.2)]
    assert inv.knobs.trip_time_factor == {TripKind.OVER_VOLTAGE: 0.5}
    assert inv.phase_count == 3
    inv = build_pv_inverter({"nameplate": {"serial_number": "NP7", "rated_power_w": 8000,
                                           "phase_count": 3}, "rated_power_w": 6000}, {})
    assert inv.nameplate.serial_number == "NP7" and inv.nameplate.rated_power_w == 6000.0


def _scenario() -> list[tuple]:
    rig = Rig(make({"available_power_schedule_w": [[0, 9000], [200, 4000]]}))
    trace = []
    for volts, f_hz, dc_w, seconds in [(100, 50, 0, 100), (108, 50.3, 0, 30), (116, 50, 7000, 1),
                                       (100, 50, 0, 150), (111, 50, 0, 30)]:
        rig.set(volts_pct=volts, f_hz=f_hz, dc_w=dc_w)
        for _ in range(int(seconds)):
            rig.run(1.0)
            trace.append((rig.inv.output(), rig.inv.readings()))
    return trace


def test_deterministic_for_the_same_inputs() -> None:
    assert _scenario() == _scenario()


def test_thirty_thousand_steps_run() -> None:
    rig = connected()
    rig.set(volts_pct=107.0, f_hz=50.4).run(600.0)  # 30 000 steps; cost reported, not asserted
    assert rig.inv.state is OperatingState.CONNECTED


def test_unrelated_settings_write_does_not_restart_a_running_trip_timer() -> None:
    rig = connected()
    rig.set(f_hz=51.6).run(1.5)
    rig.inv.settings.volt_watt.response_time_s = 5.0
    rig.inv.settings_changed()
    rig.run(0.5)
    assert tripped(rig)
