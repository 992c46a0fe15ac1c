"""The simulated PV inverter's ride-through (simlab/devices/pv_inverter/ride_through.py) and the
simulated 61845's LIST frequency ramps and phase shifts, stepped directly (no sockets)."""

from __future__ import annotations

import math

import pytest

from simlab.devices.pv_inverter.api import OperatingState
from simlab.devices.pv_inverter.device import build_pv_inverter
from simlab.instruments.chroma_61845 import SimChroma61845
from simlab.physics import GridSourceState, TerminalConditions

UN_V = 230.0
RATED_W = 10000.0
DT_S = 0.02


class _Rig:
    def __init__(self, knobs: dict | None, parameters: dict | None) -> None:
        self.inv = build_pv_inverter({"first_start_ramp_time_s": 0.0, **(parameters or {})}, knobs or {})
        self.inv.settings.enter_service.delay_s = 1.0
        self.steps = 0

    @property
    def t_s(self) -> float:
        return self.steps * DT_S

    @property
    def p_w(self) -> float:
        return sum(self.inv.output().active_power_w)


def connected(knobs: dict | None = None, parameters: dict | None = None) -> _Rig:
    """An inverter producing rated power at nominal conditions."""
    rig = _Rig(knobs, parameters)
    _run(rig, 5.0, _terminal())
    assert rig.inv.state is OperatingState.CONNECTED
    return rig


def _terminal(volts_pct: float = 100.0, f_hz: float = 50.0, shift_deg: float = 0.0) -> TerminalConditions:
    return TerminalConditions((volts_pct * UN_V / 100.0,) * 3, f_hz, 20000.0, phase_shift_deg=shift_deg)


def _run(rig, seconds: float, terminal: TerminalConditions) -> None:
    for _ in range(round(seconds / DT_S)):
        rig.steps += 1
        rig.inv.step(rig.steps * DT_S, DT_S, terminal)


def test_dip_below_the_ac_absent_level_is_ridden_through_with_constant_current() -> None:
    rig = connected()
    _run(rig, 0.14, _terminal(30.0))       # below ac_absent_pct (50 %), above U<< (25 %)
    assert rig.inv.state is OperatingState.CONNECTED
    assert rig.p_w == pytest.approx(0.3 * RATED_W, rel=1e-4)


def test_recovery_reaches_90_percent_of_the_gap_at_the_recovery_time() -> None:
    rig = connected(parameters={"ride_through_recovery_time_s": 0.3})
    _run(rig, 0.14, _terminal(30.0))
    _run(rig, 0.3, _terminal())
    assert rig.p_w == pytest.approx(RATED_W - 0.1 * 0.7 * RATED_W, rel=1e-4)
    _run(rig, 5.0, _terminal())
    assert rig.p_w == pytest.approx(RATED_W)
    assert rig.inv.quiet_until_s(rig.t_s, _terminal()) > rig.t_s      # recovery over: quiet again


def test_quiet_horizon_is_now_during_events() -> None:
    rig = connected()
    assert rig.inv.quiet_until_s(rig.t_s, _terminal(30.0)) > rig.t_s - 1e-12   # (the dip not yet stepped)
    _run(rig, 0.04, _terminal(30.0))
    assert rig.inv.quiet_until_s(rig.t_s, _terminal(30.0)) == rig.t_s          # in a dip
    _run(rig, 0.04, _terminal())
    assert rig.inv.quiet_until_s(rig.t_s, _terminal()) == rig.t_s              # recovering
    rig2 = connected()
    assert rig2.inv.quiet_until_s(rig2.t_s, _terminal(shift_deg=20.0)) == rig2.t_s   # a jump not yet seen
    _run(rig2, 0.02, _terminal(f_hz=49.96))
    assert rig2.inv.quiet_until_s(rig2.t_s, _terminal(f_hz=49.96)) == rig2.t_s  # within the RoCoF window
    _run(rig2, 0.3, _terminal(f_hz=49.96))
    assert rig2.inv.quiet_until_s(rig2.t_s, _terminal(f_hz=49.96)) > rig2.t_s


def test_loss_of_ac_below_the_floor_still_switches_off() -> None:
    rig = connected()
    _run(rig, DT_S, _terminal(3.0))
    assert rig.inv.state is OperatingState.OFF


def test_compliant_inverter_is_immune_to_phase_jumps_and_rocof() -> None:
    rig = connected()
    _run(rig, 1.0, _terminal(shift_deg=60.0))
    for k in range(50):                                                # 2 Hz/s for 1 s
        _run(rig, DT_S, _terminal(f_hz=50.0 - 0.04 * (k + 1)))
    assert rig.inv.state is OperatingState.CONNECTED and rig.p_w == pytest.approx(RATED_W)


@pytest.mark.parametrize("knobs, terminal, trip", [
    ({"ride_through_trip_below_pct": 60.0}, _terminal(55.0), "ride_through dip"),
    ({"ride_through_trip_above_pct": 110.0}, _terminal(112.0), "ride_through swell"),
    ({"phase_jump_trip_deg": 10.0}, _terminal(shift_deg=-15.0), "vector_shift"),
])
def test_trip_knobs(knobs, terminal, trip) -> None:
    rig = connected(knobs)
    _run(rig, DT_S, terminal)
    assert rig.inv.state is OperatingState.TRIPPED and rig.inv.last_trip.startswith(trip)


@pytest.mark.parametrize("detector_hz_per_s, trips", [(1.5, True), (2.5, False)])
def test_rocof_detector_knob(detector_hz_per_s, trips) -> None:
    rig = connected({"rocof_trip_hz_per_s": detector_hz_per_s})
    for k in range(25):                                                # 2 Hz/s over 0.5 s
        _run(rig, DT_S, _terminal(f_hz=50.0 - 0.04 * (k + 1)))
    assert (rig.inv.state is OperatingState.TRIPPED) is trips


def test_no_recovery_knob_trips_when_the_voltage_returns() -> None:
    rig = connected({"ride_through_no_recovery": True})
    _run(rig, 0.5, _terminal(75.0))
    assert rig.inv.state is OperatingState.CONNECTED
    _run(rig, DT_S, _terminal())
    assert rig.inv.state is OperatingState.TRIPPED


def test_recovery_factor_slows_the_recovery() -> None:
    rig = connected({"ride_through_recovery_factor": 2.0}, parameters={"ride_through_recovery_time_s": 0.3})
    _run(rig, 0.14, _terminal(30.0))
    _run(rig, 0.6, _terminal())
    assert rig.p_w == pytest.approx(RATED_W - 0.07 * RATED_W, rel=1e-4)


# --- the simulated 61845: frequency ramps and phase shifts per LIST point ----------------------------
def _loaded_source(frequency_start: str, frequency_end: str,
                   degrees: str | None) -> tuple[SimChroma61845, GridSourceState]:
    state = GridSourceState()
    source = SimChroma61845(state, time_fn=lambda: 1.0)
    commands = ["OUTPut:RELay ON", "OUTPut:STATe ON", "SOURce:VOLTage:AC 230", "TRIG OFF", "OUTPut:MODE FIXED",
                "LIST:COUPling ALL", "LIST:COUNt 1", "LIST:BASE TIME", "LIST:TRIGger AUTO", "LIST:DWELl 500,1000",
                "LIST:SHAPe A,A", "LIST:VOLTage:AC:STARt 230,230", "LIST:VOLTage:AC:END 230,230",
                f"LIST:FREQuency:STARt {frequency_start}", f"LIST:FREQuency:END {frequency_end}"]
    commands += [f"LIST:DEGRee {degrees}"] if degrees is not None else []
    for command in [*commands, "OUTPut:MODE LIST", "TRIG ON"]:
        source.handle(command)
    assert source.errors == []
    return source, state


def test_list_point_ramps_the_frequency_over_its_dwell() -> None:
    source, state = _loaded_source("50,49", "49,49", None)
    assert state.frequency_setpoint_hz == 49.0 and state.frequency_slew_hz_per_s == pytest.approx(2.0)
    state.step(0.25)
    assert state.frequency_hz == pytest.approx(49.5)
    source.observe(1.5)
    assert state.frequency_slew_hz_per_s is None                         # the fixed-mode slew back
    source.observe(2.5)
    assert source.next_due_s() is None and state.frequency_slew_hz_per_s is None


def test_list_point_shifts_the_phase_angle() -> None:
    source, state = _loaded_source("50,50", "50,50", "20,0")
    assert state.phase_shift_deg == 20.0
    source.observe(1.5)
    assert state.phase_shift_deg == 0.0
    assert math.isclose(state.frequency_hz, 50.0)
