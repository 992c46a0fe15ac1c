"""AMETEK Asterion (three-phase mode) driver against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentError
from instruments.capabilities import AcSource, AcSourceTransients, VoltageStep
from instruments.drivers.ametek_asterion import AmetekAsterion3Phase
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["ametek_asterion_ast3"]


def test_settings_and_queries() -> None:
    transport = TranscriptTransport(
        T["identify"] + T["set_all_phases_230_v"] + T["set_phase_1_253_v"]
        + T["read_phase_2_setpoint"] + T["phase_3_angle"] + T["frequency_slews_output"])
    source = AmetekAsterion3Phase(transport, name="grid")
    assert isinstance(source, AcSource) and isinstance(source, AcSourceTransients)
    assert "AST" in source.identify()
    source.set_voltage_v(230)
    source.set_voltage_v(253, phase=1)
    assert source.voltage_setpoint_v(2) == 230.0
    source.set_phase_angle_deg(1, 0)
    source.set_phase_angle_deg(3, 120)
    source.set_frequency_hz(50)
    source.set_voltage_slew_v_per_s(100)
    source.set_frequency_slew_hz_per_s(1)
    source.set_output(True)
    assert source.output_is_on() is True
    transport.close()


def test_list_dip_runs_and_reports_done() -> None:
    transport = TranscriptTransport(T["list_dip"] + T["abort"])
    source = AmetekAsterion3Phase(transport, name="grid")
    source.program_voltage_steps([VoltageStep(0.15, 0), VoltageStep(1.0, 230)])
    source.run_transient()
    assert source.transient_done() is False
    assert source.transient_done() is True
    source.abort_transient()
    transport.close()


@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(400.5),
    lambda s: s.set_voltage_v(230, phase=4),
    lambda s: s.set_frequency_hz(15),
    lambda s: s.set_phase_angle_deg(2, 400),
    lambda s: s.set_phase_angle_deg(1, 90),
    lambda s: s.set_voltage_range_v(300),
    lambda s: s.program_voltage_steps([VoltageStep(0.0005, 230)]),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 230)] * 33),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 115)], phase=2),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 230, frequency_hz=50, frequency_end_hz=49)]),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 230, phase_shift_deg=20)]),
])
def test_refused_before_sending(call) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        call(AmetekAsterion3Phase(transport, name="grid"))
    assert transport.sent == []


def test_unknown_trigger_state_raises() -> None:
    with pytest.raises(InstrumentError):
        AmetekAsterion3Phase(TranscriptTransport([("TRIGger:STATe?", "WAIT")]),
                             name="grid").transient_done()
