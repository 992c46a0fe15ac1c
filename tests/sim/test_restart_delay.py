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
    s.run(600)                                                # first power-up, running
    assert s.hp.rebound is not None and s.hp.rebound.delays_s == []   # installation: no hold
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


# --- the charger (simlab/devices/ev_charger/rebound.py) ---------------------------------------
def _installed(kind: str) -> tuple:
    from types import SimpleNamespace

    from links.ocpp import ProfileKind
    return (SimpleNamespace(profile=SimpleNamespace(kind=ProfileKind(kind))),)


def _charger_offers(rebound, installed, limits_a: list[float | None], volts: float = 230.0, t0_s: float = 0.0):
    """Offer of each second for the controller limits ``limits_a`` (one per second)."""
    return [rebound.offer_a(t0_s + i, amps, (volts,) * 3, installed) for i, amps in enumerate(limits_a)]


def _charger(faults: RestartFaults | None = None):
    from simlab.devices.ev_charger.rebound import ChargerRebound
    law = RestartLaw(20.0, 120.0, 0.5, seed=3)
    return ChargerRebound(RandomisedRestart(law, faults or RestartFaults()), min_current_a=6.0, rated_current_a=16.0)


def test_charger_holds_the_window_level_then_ramps_at_the_end_of_a_recurring_window():
    rebound, installed = _charger(), _installed("Recurring")
    assert _charger_offers(rebound, installed, [8.0] * 5) == [8.0] * 5    # installation: no hold
    offers = _charger_offers(rebound, installed, [16.0] * 200, t0_s=5.0)
    delay_s = rebound.restart.delays_s[-1]
    assert 20.0 <= delay_s <= 120.0
    held = [o for o in offers if o == 8.0]
    assert len(held) == pytest.approx(delay_s + 1.0, abs=1.0)       # + the ramp's first second
    first_up = len(held)
    assert offers[first_up + 4] - offers[first_up] == pytest.approx(0.5 * 4)    # 0.5 A/s
    assert offers[-1] == 16.0


def test_charger_follows_a_new_or_absolute_profile_at_once():
    rebound = _charger()
    _charger_offers(rebound, _installed("Absolute"), [8.0] * 3)
    assert _charger_offers(rebound, _installed("Absolute"), [16.0] * 3, t0_s=3.0) == [16.0] * 3
    assert rebound.restart.delays_s == []


def test_charger_pauses_after_an_outage_then_ramps_from_the_minimum_current():
    rebound, installed = _charger(), ()
    _charger_offers(rebound, installed, [None] * 3)
    _charger_offers(rebound, installed, [None] * 3, volts=0.0, t0_s=3.0)
    offers = _charger_offers(rebound, installed, [None] * 200, t0_s=6.0)
    paused = offers.index(next(o for o in offers if o != 0.0))
    assert paused == pytest.approx(rebound.restart.delays_s[-1], abs=1.0)
    assert offers[paused] == pytest.approx(6.0, abs=0.5)
    assert offers[-1] is None                                             # unconstrained again


def test_charger_without_delay_knob_restarts_at_once():
    rebound, installed = _charger(RestartFaults(without_delay=True)), ()
    _charger_offers(rebound, installed, [None] * 3)
    _charger_offers(rebound, installed, [None] * 3, volts=0.0, t0_s=3.0)
    assert _charger_offers(rebound, installed, [None] * 2, t0_s=6.0)[0] == 6.0


def test_heat_pump_holds_its_dimmed_power_after_dimming_is_lifted():
    params = {"randomised_restart": LAW_RAW, "rated_power_w": 8000.0, "outdoor_temperature_c": -10.0,
              "house_loss_w_per_k": 533.0, "emitter_w_per_k": 800.0}
    s = HeatPumpStepper(params)
    running = s.run(400)[-1]
    assert running > 4500.0
    assert s.run(30, (303,))[-1] == pytest.approx(4200.0, abs=5.0)      # dimmed (contact 303)
    after = s.run(1200)
    delay_s = s.hp.rebound.delays_s[-1]
    rise_s = _first_above(after, 4210.0)
    assert rise_s == pytest.approx(5.0 + delay_s, abs=3.0)              # limit response + delay
    assert min(after[:rise_s]) > 4150.0                                # kept running at the dimmed power
    assert after[rise_s + 20] - after[rise_s + 10] == pytest.approx(50.0, abs=2.0)
