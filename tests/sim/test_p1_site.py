"""The lab's connection point (simlab/site.py): the household RLC load (Chroma A800067 dialect), the
DSMR 5 meter on it, and the EV charger's P1 load-balancing law (simlab/devices/ev_charger/p1_balancing.py)."""

from __future__ import annotations

import math

import pytest

from links.p1 import encode_telegram, parse_telegram
from simlab.devices.ev_charger.knobs import parse_knobs, parse_parameters
from simlab.devices.ev_charger.p1_balancing import P1Balancer
from simlab.instruments.chroma_a800067 import SimChromaA800067
from simlab.instruments.p1_meter import METER_EPOCH, SimP1Meter
from simlab.physics import GridSourceState, Physics
from simlab.site import SiteState, connection_point, site_of


def energized_physics() -> Physics:
    source = GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True)
    physics = Physics(source, None)
    physics.advance_to(0.02)
    return physics


def test_rlc_load_sets_the_household_per_phase() -> None:
    site = SiteState()
    rlc = SimChromaA800067(site)
    assert rlc.handle("PHASE2:RLOAD 1024") is None          # code 1024 = one step
    assert site.resistance_ohm[1] == pytest.approx(16133.3)
    rlc.handle("PHASE3:LLOAD 1")                            # code 1 = 1024 steps
    assert site.inductive_a[2] == pytest.approx(1024 * 0.013633 * 230 / 220)
    rlc.handle("PHASE4:RLOAD 1")
    assert rlc.handle("SYSTem:ERRor?").startswith("-114")
    rlc.handle("PHASE1:RLOAD 0")
    assert math.isinf(site.resistance_ohm[0])


def test_meter_sends_the_connection_point_only_while_listened() -> None:
    physics = energized_physics()
    site = site_of(physics)
    site.resistance_ohm[1] = 230.0 / 10.0                   # 10 A on L2
    meter = SimP1Meter(physics, site)
    assert meter.next_due_s() is None                       # nobody listens: no telegram, no stops
    site.p1_readers += 1
    assert meter.next_due_s() == 1.0
    physics.advance_to(1.0)
    meter.observe(1.0)
    reading = parse_telegram(site.telegram or "")
    assert reading.timestamp == METER_EPOCH.replace(second=1)
    assert reading.power_import_w == (0.0, 2300.0, 0.0) and reading.current_a == (0.0, 10.0, 0.0)
    assert [round(p.current_a, 6) for p in connection_point(physics)] == [0.0, 10.0, 0.0]
    assert meter.next_due_s() == 2.0 and site.telegram_seq == 1


def test_meter_crc_fault_garbles_telegrams() -> None:
    physics = energized_physics()
    site = site_of(physics)
    meter = SimP1Meter(physics, site, faults={"corrupt_crc_after_telegrams": 2})
    meter.observe(1.0)
    parse_telegram(site.telegram or "")
    meter.observe(2.0)
    with pytest.raises(ValueError, match="CRC mismatch"):
        parse_telegram(site.telegram or "")
    with pytest.raises(ValueError, match="unknown fault"):
        SimP1Meter(physics, site, faults={"bogus": 1})


def _telegram(import_a: tuple[float, float, float]) -> str:
    return encode_telegram(timestamp=METER_EPOCH, equipment_id="X", voltage_v=(230.0,) * 3,
                           current_a=import_a, power_w=tuple(230.0 * a for a in import_a),
                           energy_import_kwh=0.0, energy_export_kwh=0.0)


ALL = (0, 1, 2)


def balancer(site: SiteState, **knobs) -> P1Balancer:
    params = parse_parameters({"p1_load_balancing": True, "p1_main_fuse_a": 25.0, "p1_margin_a": 1.0,
                               "p1_response_delay_s": 1.0})
    return P1Balancer(params, parse_knobs(knobs), site)


def test_limit_is_fuse_minus_margin_minus_household_after_the_delay() -> None:
    site = SiteState()
    law = balancer(site)
    assert site.p1_readers == 1
    own = (16.0, 16.0, 16.0)
    assert law.cap_a(0.0, 16.0, ALL, own) == 16.0             # no telegram yet: no P1 limit
    site.publish(_telegram((19.0, 30.0, 19.0)))             # household 3 / 14 / 3 A
    assert law.cap_a(1.0, 16.0, ALL, own) == 16.0             # read, applies 1 s later
    assert law.in_transition()
    assert law.cap_a(2.0, 16.0, ALL, own) == pytest.approx(10.0, abs=0.01)   # 25 - 1 - 14
    site.publish(_telegram((13.0, 13.0, 13.0)))             # household back to 3 A, charger at 10 A
    law.cap_a(3.0, 16.0, ALL, (10.0,) * 3)
    assert law.cap_a(4.0, 16.0, ALL, (10.0,) * 3) == 16.0     # resumes: 25 - 1 - 3 > rating


def test_knobs_ignore_p1_and_read_the_wrong_phase() -> None:
    site = SiteState()
    ignores, wrong = balancer(site, ignores_p1=True), balancer(site, p1_reads_phase="L1")
    site.publish(_telegram((19.0, 30.0, 19.0)))
    for t in (1.0, 2.0):
        capped = ignores.cap_a(t, 16.0, ALL, (16.0,) * 3), wrong.cap_a(t, 16.0, ALL, (16.0,) * 3)
    assert capped == (16.0, 16.0)                           # L1 alone has 21 A of headroom


def test_single_phase_charger_balances_on_its_own_phase() -> None:
    site = SiteState()
    law = balancer(site)                                    # on L2: a single-phase charger, or one phase
    site.publish(_telegram((2.0, 30.0, 2.0)))
    law.cap_a(0.0, 16.0, (1,), (0.0, 16.0, 0.0))
    assert law.cap_a(1.0, 16.0, (1,), (0.0, 16.0, 0.0)) == pytest.approx(10.0, abs=0.01)


def test_garbled_telegram_keeps_the_last_limit() -> None:
    site = SiteState()
    law = balancer(site)
    site.publish(_telegram((19.0, 30.0, 19.0)).replace("230.0*V", "231.0*V", 1))
    law.cap_a(0.0, 16.0, ALL, (16.0,) * 3)
    assert law.cap_a(5.0, 16.0, ALL, (16.0,) * 3) == 16.0 and law.garbled == 1


def test_a_repeated_telegram_reuses_its_reading_but_a_garbled_repeat_still_counts() -> None:
    site = SiteState()
    law = balancer(site)
    frame = _telegram((19.0, 30.0, 19.0))
    site.publish(frame)
    law.cap_a(0.0, 16.0, ALL, (16.0,) * 3)
    first = law._parsed
    assert first is not None
    site.publish(frame.replace("0-0:1.0.0(2606", "0-0:1.0.0(2606", 1))      # the same values again
    law.cap_a(1.0, 16.0, ALL, (16.0,) * 3)
    assert law._parsed is first and law.garbled == 0                       # no second dsmr-parser run
    site.publish(frame[:-6] + "0000\r\n")                                  # same values, wrong CRC
    law.cap_a(2.0, 16.0, ALL, (16.0,) * 3)
    assert law.garbled == 1
    site.publish(_telegram((19.0, 20.0, 19.0)))                             # new values: parsed again
    law.cap_a(3.0, 16.0, ALL, (16.0,) * 3)
    assert law._parsed is not first and law._parsed[1].current_a[1] == 20.0


def test_a_switching_charger_goes_to_its_least_loaded_phase_and_back() -> None:
    site = SiteState()
    params = parse_parameters({"p1_load_balancing": True, "p1_switches_phases": True,
                               "phase_switching_supported": True, "p1_response_delay_s": 0.0})
    law = P1Balancer(params, parse_knobs({}), site)
    site.publish(_telegram((19.0, 39.0, 18.0)))            # household 3 / 23 / 2 A: three phases must pause
    assert law.decide(0.0, 16.0, 3, None, ALL, (16.0,) * 3) == (pytest.approx(1.0, abs=0.01), 1, 3)
    # the stage is still on three phases: the offer stays within their limit (a pause) until it switches
    site.publish(_telegram((3.0, 23.0, 18.0)))             # on L3 now
    amps, phases, phase_to_use = law.decide(1.0, 16.0, 3, None, (2,), (0.0, 0.0, 16.0))
    assert (amps, phases, phase_to_use) == (16.0, 1, 3)      # 25 - 1 - 2 > rating
    site.publish(_telegram((3.0, 3.0, 18.0)))              # the household load drops: three again
    assert law.decide(2.0, 16.0, 3, None, (2,), (0.0, 0.0, 16.0)) == (16.0, 3, None)
