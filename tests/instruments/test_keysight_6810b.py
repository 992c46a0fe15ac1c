"""Keysight 6812B driver against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentReportedError
from instruments.capabilities import AcSource
from instruments.drivers.keysight_6810b import Keysight6812B
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["keysight_6812b"]


def test_settings_and_queries() -> None:
    transport = TranscriptTransport(T["identify"] + T["range_and_230_v"] + T["frequency_50_hz"]
                                    + T["slews"] + T["setpoint"] + T["output_off"])
    source = Keysight6812B(transport, name="grid")
    assert isinstance(source, AcSource) and source.phase_count == 1
    assert ",6812B," in source.identify()
    source.set_voltage_range_v(300)
    source.set_voltage_v(230, phase=1)
    source.set_frequency_hz(50)
    assert source.frequency_setpoint_hz() == pytest.approx(50.0)
    source.set_voltage_slew_v_per_s(50)
    source.set_frequency_slew_hz_per_s(2)
    assert source.voltage_setpoint_v(1) == pytest.approx(230.0)
    source.set_output(False)
    assert source.output_is_on() is False
    transport.close()


@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(300.01),
    lambda s: s.set_voltage_v(230, phase=2),
    lambda s: s.set_frequency_hz(44.9),
    lambda s: s.set_frequency_hz(1000.1),
    lambda s: s.set_voltage_slew_v_per_s(0),
    lambda s: s.set_frequency_slew_hz_per_s("fast"),
    lambda s: s.set_phase_angle_deg(3, 240),
])
def test_refused_before_sending(call) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        call(Keysight6812B(transport, name="grid"))
    assert transport.sent == []


def test_error_queue_raises() -> None:
    transport = TranscriptTransport([("VOLTage 250", None),
                                     ("SYSTem:ERRor?", '-222,"Data out of range"'),
                                     ("SYSTem:ERRor?", '+0,"No error"')])
    with pytest.raises(InstrumentReportedError) as info:
        Keysight6812B(transport, name="grid").set_voltage_v(250)
    assert info.value.errors == ["-222,Data out of range"]
    transport.close()
