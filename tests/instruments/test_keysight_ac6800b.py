"""Keysight AC6804B driver against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from instruments.capabilities import AcSource, AcSourceTransients
from instruments.drivers.keysight_ac6800b import KeysightAC6804B
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["keysight_ac6804b"]


def test_settings_and_queries() -> None:
    transport = TranscriptTransport(T["identify"] + T["range_and_230_v"] + T["frequency_50_hz"]
                                    + T["setpoint"] + T["output_on"])
    source = KeysightAC6804B(transport, name="grid")
    assert isinstance(source, AcSource)
    assert not isinstance(source, AcSourceTransients)  # no LIST subsystem on the AC6800B
    assert "AC6804B" in source.identify()
    source.set_voltage_range_v(310)
    source.set_voltage_v(230)
    source.set_frequency_hz(50)
    assert source.frequency_setpoint_hz() == pytest.approx(50.0)
    assert source.voltage_setpoint_v(1) == pytest.approx(230.0)
    source.set_phase_angle_deg(1, 0)
    source.set_output(True)
    assert source.output_is_on() is True
    transport.close()


@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(310.1),
    lambda s: s.set_voltage_v(230, phase=2),
    lambda s: s.voltage_setpoint_v(3),
    lambda s: s.set_frequency_hz(39.9),
    lambda s: s.set_frequency_hz(500.1),
    lambda s: s.set_voltage_range_v(300),
    lambda s: s.set_phase_angle_deg(1, 120),
    lambda s: s.set_phase_angle_deg(2, 0),
    lambda s: s.set_voltage_slew_v_per_s(10),
    lambda s: s.set_frequency_slew_hz_per_s(1),
    lambda s: s.set_output(1),
])
def test_refused_before_sending(call) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        call(KeysightAC6804B(transport, name="grid"))
    assert transport.sent == []
