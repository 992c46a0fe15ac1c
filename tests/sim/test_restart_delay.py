"""The randomised-restart law (simlab/devices/restart_delay.py) and the simulated heat pump's hold-off
and ramp after an SG-Ready block and after an outage (simlab/devices/heat_pump/restart.py)."""

from __future__ import annotations

import pytest

from simlab.devices.pv_inverter.knobs import SimSettingError
from simlab.devices.restart_delay import (RandomisedRestart, RestartFaults, RestartLaw, parse_restart_faults,
                                          parse_restart_law)
from sim_stepping import HeatPumpStepper

LAW = RestartLaw(min_delay_s=300.0, max_delay_s=840.0, ramp_per_s=5.0, seed=7)
LAW_RAW = {"min_delay_s": 300.0, "max_delay_s": 840.0, "ramp_per_s": 5.0, "seed": 7}


def _draws(restart: RandomisedRestart, boots: int, per_boot: int) -> list[float]:
    out = []
    for _ in range(boots):
        restart.power_up()
        out += [restart.draw_delay_s() for _ in range(per_boot)]
    return out


def test_draws_are_in_range_reproducible_and_spread():
    delays = _draws(RandomisedRestart(LAW), 4, 5)
    assert delays == _draws(RandomisedRestart(LAW), 4, 5)            # same seed, same stream
    assert all(300.0 <= d <= 840.0 for d in delays)
    assert len({round(d, 3) for d in delays}) == len(delays)
    assert max(delays) - min(delays) > 0.5 * (840.0 - 300.0)
    other = _draws(RandomisedRestart(RestartLaw(300.0, 840.0, 5.0, seed=8)), 4, 5)
    assert other != delays                                           # a twin with another seed differs


@pytest.mark.parametrize(("faults", "check"), [
    (RestartFaults(without_delay=True), lambda d: set(d) == {0.0}),
    (RestartFaults(same_delay=True), lambda d: set(d) == {570.0}),
    (RestartFaults(delay_offset_s=600.0), lambda d: min(d) >= 900.0),
])
def test_fault_knobs_break_the_law(faults, check):
    assert check(_draws(RandomisedRestart(LAW, faults), 2, 3))


def test_ramp_factor_scales_the_ramp():
    assert RandomisedRestart(LAW, RestartFaults(ramp_factor=4.0)).ramp_per_s == 20.0


@pytest.mark.parametrize(("raw", "key"), [
    ({"min_delay_s": 10, "max_delay_s": 5, "ramp_per_s": 1}, "randomised_restart.max_delay_s"),
    ({"min_delay_s": 10, "ramp_per_s": 1}, "randomised_restart.max_delay_s"),
    ({**LAW_RAW, "ramp_per_s": 0}, "randomised_restart.ramp_per_s"),
    ({**LAW_RAW, "seed": 1.5}, "randomised_restart.seed"),
    ({**LAW_RAW, "jitter": 1}, "randomised_restart.jitter"),
    ("fast", "randomised_restart"),
])
def test_bad_law_names_its_key(raw, key):
    with pytest.raises(SimSettingError) as error:
        parse_restart_law("randomised_restart", raw)
    assert error.value.key == key


def test_bad_fault_names_its_key():
    with pytest.raises(SimSettingError) as error:
        parse_restart_faults("randomised_restart_faults", {"same_delay": "yes"})
    assert error.value.key == "randomised_restart_faults.same_delay"
    assert parse_restart_faults("f", None) == RestartFaults()


def _first_above(series: list[float], level_w: float) -> int:
    return next(i for i, c in enumerate(series) if c > level_w)


def test_heat_pump_holds_off_then_ramps_after_a_block_and_an_outage():
    s = HeatPumpStepper({"randomised_restart": LAW_RAW})
    s.run(1200)                                               # first power-up: held off, then running
    assert s.hp.rebound is not None and len(s.hp.rebound.delays_s) == 1
    s.run(200, (301,))                                        # blocked
    after_block = s.run(1100)
    start_s = _first_above(after_block, 25.0) + 1
    expected_s = 20.0 + s.hp.rebound.delays_s[-1]              # response time + drawn delay
    assert start_s == pytest.approx(expected_s, abs=2.0)
    rise = after_block[start_s + 20] - after_block[start_s + 10]
    assert rise == pytest.approx(50.0, abs=2.0)                # 5 W/s
    s.run(10, volts=0.0)                                       # outage
    after_outage = s.run(1000)
    assert _first_above(after_outage, 25.0) + 1 == pytest.approx(s.hp.rebound.delays_s[-1], abs=2.0)


def test_heat_pump_without_the_declaration_restarts_as_before():
    s = HeatPumpStepper()
    assert s.hp.rebound is None
    s.run(600)
    s.run(400, (301,))
    assert _first_above(s.run(120), 25.0) < 25                 # response time, then the soft restart


def test_steep_ramp_knob():
    s = HeatPumpStepper({"randomised_restart": LAW_RAW}, randomised_restart_faults={"ramp_factor": 4.0})
    s.run(1200)
    s.run(400, (301,))
    after = s.run(1100)
    start_s = _first_above(after, 25.0) + 1
    assert after[start_s + 10] - after[start_s + 5] == pytest.approx(100.0, abs=5.0)
