"""One smoke test per capability on the instruments of a real bench (opt-in: ``--hardware``).

Nothing here energises the DUT: each test first proves the output is OFF and stops otherwise.
The only setting sent is the AC source's present frequency written back (a checked setting
round-trip that changes nothing). Run after ``flexbench instruments check`` passed
(docs/hardware-first-connection.md, step 6).
"""

from __future__ import annotations

import math

import pytest

from bench.errors import InstrumentError
from instruments.capabilities import AC_LOAD_MODES
from instruments.check import check_instrument
from instruments.identify import model_key_for_idn

pytestmark = pytest.mark.hardware


def _identified(driver, model: str) -> None:
    assert model_key_for_idn(driver.identify()) == model, "the instrument is not the configured model"
    driver.check_errors()


def test_every_instrument_passes_the_read_only_check(hardware_bench) -> None:
    problems = {}
    for role, inst in hardware_bench.config.instruments.items():
        result = check_instrument(role, inst.model, hardware_bench.resources[role], timeout_ms=inst.timeout_ms)
        if result.problems:
            problems[role] = result.problems
    assert problems == {}


def test_ac_source_setting_round_trip_with_output_off(hardware_bench) -> None:
    source = hardware_bench.open("ac_source")
    try:
        _identified(source, hardware_bench.config.instruments["ac_source"].model)
        assert source.output_is_on() is False, "switch the AC source output off before this test"
        frequency_hz = source.frequency_setpoint_hz()
        limits = hardware_bench.config.safety
        assert limits.frequency_min_hz <= frequency_hz <= limits.frequency_max_hz
        source.set_frequency_hz(frequency_hz)  # same value back: checked write, nothing changes
        assert source.frequency_setpoint_hz() == pytest.approx(frequency_hz)
        assert source.output_is_on() is False
    finally:
        source.close()


def test_power_analyzer_reads_all_phases(hardware_bench) -> None:
    analyzer = hardware_bench.open("power_analyzer")
    try:
        _identified(analyzer, hardware_bench.config.instruments["power_analyzer"].model)
        try:
            reading = analyzer.read()
        except InstrumentError as exc:
            if "invalid numeric" in str(exc):
                pytest.skip(f"no signal at the analyzer inputs ({exc}): repeat with the source on")
            raise
        assert len(reading.phases) == analyzer.phase_count
        assert all(math.isfinite(p.voltage_v) and math.isfinite(p.current_a) for p in reading.phases)
    finally:
        analyzer.close()


def test_pv_simulator_opens_with_output_off(hardware_bench) -> None:
    pv = hardware_bench.open("pv_simulator")
    try:
        _identified(pv, hardware_bench.config.instruments["pv_simulator"].model)
        assert pv.output_is_on() is False, "switch the PV simulator output off before this test"
        assert pv.max_power_w() >= 0.0
    finally:
        pv.close()


def test_ac_load_opens_with_load_off(hardware_bench) -> None:
    load = hardware_bench.open("ac_load")
    try:
        _identified(load, hardware_bench.config.instruments["ac_load"].model)
        assert load.load_is_on() is False, "switch the AC load off before this test"
        assert load.mode() in AC_LOAD_MODES
    finally:
        load.close()


def test_switch_unit_reports_its_contacts(hardware_bench) -> None:
    switch = hardware_bench.open("switch")
    try:
        _identified(switch, hardware_bench.config.instruments["switch"].model)
        assert switch.channels, "the switch unit reported no usable channel"
        assert isinstance(switch.output_state(switch.channels[0]), bool)
    finally:
        switch.close()
