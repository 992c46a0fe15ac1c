"""The simulated charger's phase switching (simlab/devices/ev_charger/phase_switching.py with the power
stage of electrical.py): one phase on phaseToUse, the minimum interval between switches, and the knobs;
and the suite's reading of phases from per-phase currents (test_suites/ev_charger/phases.py)."""

from __future__ import annotations

import numpy as np
import pytest

from simlab.devices.ev_charger.electrical import EvseElectrical
from simlab.devices.ev_charger.knobs import parse_knobs, parse_parameters
from simlab.devices.ev_charger.phase_switching import PhaseSwitchPolicy
from simlab.ev_port import EvPort
from simlab.physics import TerminalConditions
from test_suites.ev_charger.phases import (first_flow_after, first_pause_after, settle_instant, settled_on,
                                           switch_starts)

DT_S = 0.1
NOMINAL = TerminalConditions(voltage_v=(230.0, 231.0, 232.0), frequency_hz=50.0, dc_available_power_w=0.0)
PARAMS = {"phase_switching_supported": True, "phase_switch_min_interval_s": 30.0}


class Stage:
    """The power stage with a plugged-in EV asking to charge, stepped at DT_S."""

    def __init__(self, **knobs: object) -> None:
        self.port = EvPort(ev_connected=True, ev_requests_charge=True, ev_response_delay_s=2.0)
        self.evse = EvseElectrical(parse_parameters(PARAMS), parse_knobs(dict(knobs)), self.port)
        self.t_s = 0.0
        self.switch_starts: list[float] = []

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / DT_S)):
            was = self.evse.phase_switching
            self.t_s = round(self.t_s + DT_S, 9)
            self.evse.step(self.t_s, DT_S, NOMINAL)
            if self.evse.phase_switching and not was:
                self.switch_starts.append(self.t_s)


def test_policy_targets_and_knobs() -> None:
    params = parse_parameters(PARAMS)
    assert PhaseSwitchPolicy(params, parse_knobs({})).target(1, 2) == (1, 1)
    assert PhaseSwitchPolicy(params, parse_knobs({})).target(1, None) == (1, 0)      # default L1
    assert PhaseSwitchPolicy(parse_parameters({**PARAMS, "phase_switch_single_phase": "L3"}),
                             parse_knobs({})).target(1, None) == (1, 2)
    assert PhaseSwitchPolicy(params, parse_knobs({"lands_on_wrong_phase": True})).target(1, 2) == (1, 0)
    assert PhaseSwitchPolicy(params, parse_knobs({"ignores_number_phases": True})).target(1, 2) == (3, 0)
    assert PhaseSwitchPolicy(params, parse_knobs({})).target(3, None) == (3, 0)


def test_one_phase_lands_on_phase_to_use_after_the_pause() -> None:
    stage = Stage()
    stage.evse.set_offered_current_a(16.0, 3)
    stage.run(10.0)
    assert stage.evse.output().active_power_w[1] == pytest.approx(-16.0 * 231.0)
    stage.evse.set_offered_current_a(16.0, 1, phase_to_use=2)
    stage.run(15.0)
    assert stage.switch_starts == [pytest.approx(11.1)]          # the pilot's 1 s delay, then the pause
    power = stage.evse.output().active_power_w
    assert power[1] == pytest.approx(-16.0 * 231.0) and power[2] == 0.0
    assert power[0] == pytest.approx(-stage.evse.params.standby_power_w)    # electronics only on L1
    assert stage.evse.meter().current_import_a == pytest.approx((0.0, 16.0, 0.0))
    grid, amps = stage.evse.grid_draw(None)                      # what P1 balancing subtracts, per grid phase
    assert grid == (1,) and amps == pytest.approx((0.0, 16.0, 0.0))


@pytest.mark.parametrize(("knobs", "second_start_s"), [({}, 11.1 + 30.0), ({"phase_switch_too_fast": True}, 21.1)])
def test_next_switch_waits_for_the_minimum_interval(knobs, second_start_s) -> None:
    stage = Stage(**knobs)
    stage.evse.set_offered_current_a(16.0, 3)
    stage.run(10.0)
    stage.evse.set_offered_current_a(16.0, 1, phase_to_use=2)
    stage.run(10.0)
    stage.evse.set_offered_current_a(16.0, 3)                    # asked 10 s after the first switch
    stage.run(40.0)
    assert stage.switch_starts == [pytest.approx(11.1), pytest.approx(second_start_s)]
    assert stage.evse.output().active_power_w[2] == pytest.approx(-16.0 * 232.0)


def test_suite_reads_pauses_and_settled_phases() -> None:
    t = np.arange(8.0)
    amps = np.array([[16, 16, 16], [16, 16, 16], [0, 0, 0], [0, 0, 0], [0, 16, 0], [0, 16, 0], [0, 16, 0.2],
                     [0, 16, 0]], dtype=float)
    assert first_pause_after(t, amps, 0.0, 0.5) == 2.0
    assert first_flow_after(t, amps, 2.0, 0.5) == 4.0
    ok = settled_on(amps, (1,), 15.0, 0.5)
    assert ok.tolist() == [False, False, False, False, True, True, True, True]
    assert settle_instant(t, ok) == 4.0
    assert settle_instant(t, settled_on(amps, (0, 1, 2), 15.0, 0.5)) is None
    assert first_pause_after(t, amps, 5.0, 0.5) is None


def test_switches_are_pauses_between_different_phase_sets() -> None:
    t = np.arange(12.0)
    three, one, off = [16, 16, 16], [16, 0, 0], [0, 0, 0]
    amps = np.array([three, three, off, off, one, one, off, one, one, off, off, three], dtype=float)
    # 3 -> 1 at 2 s; a pause on one phase and back (5-7 s) is no switch; 1 -> 3 at 9 s
    assert switch_starts(t, amps, 0.5) == [2.0, 9.0]
    assert switch_starts(t[:2], amps[:2], 0.5) == []
