"""Chroma 63803 AC/DC electronic load against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import AC_LOAD_MODES, AcLoad
from instruments.drivers.chroma_63800 import Chroma63802, Chroma63803, Chroma63804
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["chroma_63803"]


def load(*steps: str) -> tuple[Chroma63803, TranscriptTransport]:
    transport = TranscriptTransport([pair for step in steps for pair in T[step]])
    return Chroma63803(transport, name="load"), transport


def test_cc_mode_and_setpoint() -> None:
    ac_load, transport = load("identify", "cc_8_a")
    assert isinstance(ac_load, AcLoad)
    assert ac_load.identify().split(",")[1] == "63803"
    ac_load.set_mode("CC")
    ac_load.set_current_a(8)
    assert ac_load.mode() == "CC"
    assert ac_load.current_setpoint_a() == 8.0
    transport.close()


def test_cp_cr_and_rectified_modes() -> None:
    ac_load, transport = load("cp_2000_w", "cr_52_9_ohm", "rectified")
    ac_load.set_mode("CP")
    ac_load.set_power_w(2000)
    assert ac_load.power_setpoint_w() == 2000.0
    ac_load.set_mode("CR")
    ac_load.set_resistance_ohm(52.9)
    ac_load.set_mode("RECTIFIED")
    mode = ac_load.mode()
    assert mode == "RECTIFIED" and mode in AC_LOAD_MODES
    transport.close()


def test_load_on_off() -> None:
    ac_load, transport = load("load_on", "load_off")
    ac_load.set_load(True)
    assert ac_load.load_is_on() is True
    ac_load.set_load(False)
    assert ac_load.load_is_on() is False
    transport.close()


def test_peak_current_and_crest_factor() -> None:
    ac_load, transport = load("peak_and_crest")
    ac_load.set_peak_current_limit_a(50)
    ac_load.set_crest_factor(2.5)
    transport.close()


def test_measurements_and_protection() -> None:
    ac_load, transport = load("measure", "protection")
    assert ac_load.measure_voltage_v() == pytest.approx(229.87)
    assert ac_load.measure_current_a() == pytest.approx(8.002)
    assert ac_load.measure_power_w() == pytest.approx(1839.4)
    assert ac_load.protection_status() == ["OVP", "OCP"]
    ac_load.clear_protection()
    assert ac_load.protection_status() == []
    transport.close()


@pytest.mark.parametrize("call, value", [
    ("set_current_a", 36.5), ("set_current_a", -0.1), ("set_power_w", 3601),
    ("set_resistance_ohm", 0.5), ("set_resistance_ohm", 2600), ("set_peak_current_limit_a", 109),
    ("set_crest_factor", 1.4), ("set_crest_factor", 5.1), ("set_mode", "CV"),
    ("set_mode", "cc"), ("set_load", 1), ("set_current_a", True),
])
def test_out_of_range_raises_before_sending(call: str, value: object) -> None:
    ac_load, transport = load()
    with pytest.raises(SettingOutOfRange):
        getattr(ac_load, call)(value)
    assert transport.sent == []


def test_ratings_differ_per_model() -> None:
    Chroma63804(TranscriptTransport([("LOAD:CURR 45", None), ("SYSTem:ERRor?", '0,"No error"')]),
                name="load").set_current_a(45)
    with pytest.raises(SettingOutOfRange):
        Chroma63802(TranscriptTransport([]), name="load").set_power_w(1801)


def test_uncovered_mode_and_errors_raise() -> None:
    ac_load = Chroma63803(TranscriptTransport([("LOAD:MODE?", "RLC")]), name="load")
    with pytest.raises(InstrumentError):
        ac_load.mode()
    transport = TranscriptTransport([("LOAD ON", None),
                                     ("SYSTem:ERRor?", '-221,"Settings conflict"'),
                                     ("SYSTem:ERRor?", '0,"No error"')])
    with pytest.raises(InstrumentReportedError) as info:
        Chroma63803(transport, name="load").set_load(True)
    assert info.value.errors == ["-221,Settings conflict"]
