"""Chroma 61845 driver against transcripts of its SCPI dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentReportedError
from instruments.capabilities import AcSource
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["chroma_61845"]


def replay(name: str) -> tuple[Chroma61845, TranscriptTransport]:
    transport = TranscriptTransport(T[name])
    return Chroma61845(transport, name="grid"), transport


def test_is_an_ac_source() -> None:
    source, _ = replay("identify")
    assert isinstance(source, AcSource)
    assert source.identify().startswith("Chroma ATE,61845")


def test_all_phase_and_single_phase_voltage() -> None:
    source, transport = replay("set_all_phases_230_v")
    source.set_voltage_v(230)
    transport.verify()
    source, transport = replay("set_phase_2_253_v")
    source.set_voltage_v(253.5, phase=2)
    transport.verify()
    source, transport = replay("read_phase_3_setpoint")
    assert source.voltage_setpoint_v(3) == 207.0
    transport.verify()


def test_frequency_angle_slew_output_limit() -> None:
    source, transport = replay("frequency_50_2_hz")
    source.set_frequency_hz(50.2)
    assert source.frequency_setpoint_hz() == pytest.approx(50.2)
    transport.verify()
    source, transport = replay("phase_3_angle")
    source.set_phase_angle_deg(1, 0)  # reference phase: nothing sent
    source.set_phase_angle_deg(3, 120)
    transport.verify()
    source, transport = replay("slews")
    source.set_voltage_slew_v_per_s(50)
    source.set_frequency_slew_hz_per_s(2)
    transport.verify()
    source, transport = replay("output_on")
    source.set_output(True)
    assert source.output_is_on() is True
    transport.verify()
    source, transport = replay("voltage_limit")
    source.set_voltage_limit_v(264.5)
    transport.close()


def test_relay_closes_before_and_opens_after_the_output() -> None:
    """SVP chroma_61845.py relay(): OUTPut:RELay ON, then OUTPut:STATe ON."""
    source, transport = replay("output_off")
    source.set_output(False)
    transport.verify()


def test_current_limit_and_protection_clear() -> None:
    source, transport = replay("current_limit")
    source.set_current_limit_a(40)
    assert source.current_limit_a() == 40.0
    transport.verify()
    source, transport = replay("protection_clear")
    source.clear_protection()
    transport.verify()


@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(300.1),
    lambda s: s.set_voltage_v(-1),
    lambda s: s.set_voltage_v(float("nan")),
    lambda s: s.set_voltage_v(230, phase=4),
    lambda s: s.set_voltage_v(230, phase=0),
    lambda s: s.set_frequency_hz(14.9),
    lambda s: s.set_frequency_hz(1000.5),
    lambda s: s.set_phase_angle_deg(1, 10),
    lambda s: s.set_phase_angle_deg(2, 361),
    lambda s: s.set_voltage_slew_v_per_s(0),
    lambda s: s.set_output("yes"),
    lambda s: s.set_current_limit_a(-1),
])
def test_out_of_range_raises_before_sending(call) -> None:
    source, transport = replay("identify")
    with pytest.raises(SettingOutOfRange):
        call(source)
    assert transport.sent == []


def test_error_queue_raises_instrument_reported_error() -> None:
    transport = TranscriptTransport([
        ("SOURce:FREQuency 50", None),
        ("SYSTem:ERRor?", '-222,"Data out of range"'),
        ("SYSTem:ERRor?", '-221,"Settings conflict"'),
        ("SYSTem:ERRor?", '0,"No error"'),
    ])
    source = Chroma61845(transport, name="grid")
    with pytest.raises(InstrumentReportedError) as info:
        source.set_frequency_hz(50)
    assert info.value.command == "SOURce:FREQuency 50"
    assert info.value.errors == ["-222,Data out of range", "-221,Settings conflict"]
    transport.verify()
