"""Big physics steps while nothing happens (simlab/physics.py ``Physics.advance_to`` with the PV
inverter's ``quiet_until_s``) end the same as fixed 20 ms steps: the same states, trips and
reconnections at the same instants, the same power to well under a milliwatt, through a first start,
a ramp, a remote limit with revert, a trip, the reconnection window and an over-frequency response."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simlab.devices.pv_inverter.api import OperatingState
from simlab.devices.pv_inverter.device import PvInverterSim
from simlab.physics import GridSourceState, Physics, PvArrayState, TerminalConditions

UN_V = 230.0
OBSERVE_EVERY_S = 0.5           # like an analyzer store: the lab stops its physics here


class CountingInverter(PvInverterSim):
    """The reference inverter counting its steps; ``quiet`` False hides the big-step hook."""

    def __init__(self, quiet: bool) -> None:
        super().__init__()
        self.steps = 0
        self.quiet = quiet

    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        self.steps += 1
        super().step(t_s, dt_s, terminal)

    def quiet_until_s(self, t_s: float, terminal: TerminalConditions) -> float:
        return super().quiet_until_s(t_s, terminal) if self.quiet else t_s


Action = Callable[[Physics, PvInverterSim], None]


def _volts(pct: float) -> Action:
    def act(lab: Physics, _inv: PvInverterSim) -> None:
        lab.source.voltage_setpoint_v = [pct * UN_V / 100.0] * 3
    return act


def _frequency(f_hz: float) -> Action:
    def act(lab: Physics, _inv: PvInverterSim) -> None:
        lab.source.frequency_setpoint_hz = f_hz
    return act


def _remote_limit(pct: float, revert_s: float) -> Action:
    def act(_lab: Physics, inv: PvInverterSim) -> None:
        pl = inv.settings.power_limit
        pl.enabled, pl.limit_pct, pl.revert_time_s = True, pct, revert_s
        inv.settings_changed()
    return act


# (bench time, action): first start and ramp, a remote limit reverting after 60 s, U>> trip,
# reconnection window and ramp, LFSM-O, and a stretch at 108 % where P(U) limits.
SCRIPT: list[tuple[float, Action]] = [
    (400.0, _remote_limit(40.0, 60.0)),
    (600.0, _volts(116.0)),
    (600.7, _volts(100.0)),
    (1200.0, _frequency(50.6)),
    (1300.0, _frequency(50.0)),
    (1400.0, _volts(108.0)),
]
END_S = 1700.0


def _run(quiet: bool) -> tuple[CountingInverter, list[tuple[float, OperatingState, str | None, float]]]:
    inv = CountingInverter(quiet)
    lab = Physics(GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True), inv,
                  pv_array=PvArrayState(vmp_v=760.0, imp_a=14.0, output_on=True))
    trace = []
    actions = iter(SCRIPT)
    next_action = next(actions, None)
    t_s = 0.0
    while t_s < END_S:
        t_s = round(t_s + OBSERVE_EVERY_S, 9)
        lab.advance_to(t_s)
        trace.append((t_s, inv.state, inv.last_trip, sum(inv.output().active_power_w)))
        while next_action is not None and next_action[0] <= t_s + 1e-9:
            next_action[1](lab, inv)
            next_action = next(actions, None)
    return inv, trace


def test_big_steps_end_as_fixed_steps_do() -> None:
    fixed, fixed_trace = _run(quiet=False)
    big, big_trace = _run(quiet=True)
    assert len(big_trace) == len(fixed_trace)
    for (t_s, state_f, trip_f, p_f), (_, state_b, trip_b, p_b) in zip(fixed_trace, big_trace, strict=True):
        assert (state_b, trip_b) == (state_f, trip_f), f"at {t_s} s"
        assert p_b == pytest.approx(p_f, abs=1e-4), f"at {t_s} s"
    seen = {state for _, state, _, _ in fixed_trace}
    assert {OperatingState.WAITING, OperatingState.RAMPING, OperatingState.CONNECTED,
            OperatingState.TRIPPED} <= seen
    assert fixed_trace[-1][2] is not None and fixed_trace[-1][2].startswith("over_voltage")
    # the point of it: far fewer device steps (fixed: one per 20 ms)
    assert fixed.steps >= END_S / 0.02
    assert big.steps < fixed.steps / 5


def _reference_lab() -> tuple[PvInverterSim, Physics]:
    inv = PvInverterSim()
    return inv, Physics(GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True), inv,
                        pv_array=PvArrayState(vmp_v=760.0, imp_a=14.0, output_on=True))


def test_no_big_step_while_a_trip_timer_runs() -> None:
    inv, lab = _reference_lab()
    lab.advance_to(400.0)
    assert inv.state is OperatingState.CONNECTED
    terminal = lab.terminal()
    assert inv.quiet_until_s(400.0, terminal) > 400.0
    # U< 70 % / 1.5 s: the stage's timer runs at 69 %
    lab.source.voltage_setpoint_v = [0.69 * UN_V] * 3
    lab.advance_to(400.04)
    assert inv.quiet_until_s(400.04, lab.terminal()) == 400.04
    lab.advance_to(402.0)
    assert inv.state is OperatingState.TRIPPED


def test_waiting_big_steps_stop_before_the_reconnection_delay() -> None:
    inv, lab = _reference_lab()
    lab.advance_to(1.0)
    assert inv.state is OperatingState.WAITING
    horizon_s = inv.quiet_until_s(1.0, lab.terminal())
    delay_s = inv.settings.enter_service.delay_s
    assert 1.0 < horizon_s < delay_s
