"""Chroma 61605 (1 phase) and 61512 (3 phase) drivers against transcripts of their dialect,
including LIST transients; the 61845's LIST program is checked here too (shared mixin)."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentError
from instruments.capabilities import AcSource, AcSourceTransients, VoltageStep
from instruments.drivers.chroma_61500 import Chroma61512, Chroma61605
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T1 = TRANSCRIPTS["chroma_61605"]
T3 = TRANSCRIPTS["chroma_61512"]


def test_61605_single_phase_settings() -> None:
    transport = TranscriptTransport(T1["identify"] + T1["range_frequency"] + T1["set_230_v"]
                                    + T1["setpoints"] + T1["slews"] + T1["output_on"])
    source = Chroma61605(transport, name="grid")
    assert isinstance(source, AcSource) and isinstance(source, AcSourceTransients)
    assert source.phase_count == 1
    assert ",61605," in source.identify()
    source.set_voltage_range_v(300)
    source.set_frequency_hz(50)
    source.set_voltage_v(230, phase=1)          # phase 1 of a 1-phase source: no selection
    source.set_phase_angle_deg(1, 0)            # reference: nothing sent
    assert source.voltage_setpoint_v(1) == 230.0
    assert source.frequency_setpoint_hz() == pytest.approx(50.0)
    source.set_voltage_slew_v_per_s(100)
    source.set_frequency_slew_hz_per_s(1)
    source.set_output(True)
    assert source.output_is_on() is True
    transport.close()


@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(230, phase=2),
    lambda s: s.voltage_setpoint_v(2),
    lambda s: s.set_phase_angle_deg(2, 120),
    lambda s: s.set_phase_angle_deg(1, 5),
    lambda s: s.set_voltage_v(300.5),
    lambda s: s.set_frequency_hz(1001),
    lambda s: s.set_voltage_range_v(230),
    lambda s: s.set_voltage_slew_v_per_s(float("nan")),
    lambda s: s.program_voltage_steps([]),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 301)]),
    lambda s: s.program_voltage_steps([VoltageStep(0.00001, 230)]),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 230)] * 101),
    lambda s: s.program_voltage_steps([(0.1, 230)]),
    lambda s: s.program_voltage_steps([VoltageStep(0.1, 230)], phase=2),
])
def test_61605_refuses_before_sending(call) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        call(Chroma61605(transport, name="grid"))
    assert transport.sent == []


def test_61605_list_step_runs_on_the_instrument() -> None:
    transport = TranscriptTransport(T1["list_step"] + T1["abort"])
    source = Chroma61605(transport, name="grid")
    source.program_voltage_steps([VoltageStep(0.2, 264.5), VoltageStep(0.0001, 230)], phase=1)
    source.run_transient()
    assert source.transient_done() is True
    source.abort_transient()
    transport.close()


def test_61512_three_phase_settings() -> None:
    transport = TranscriptTransport(T3["identify"] + T3["set_all_phases_230_v"]
                                    + T3["set_phase_3_207_v"] + T3["read_phase_2_setpoint"]
                                    + T3["phase_2_angle"] + T3["current_limit_and_clear"])
    source = Chroma61512(transport, name="grid")
    assert source.phase_count == 3 and isinstance(source, AcSource)
    assert ",61512," in source.identify()
    source.set_voltage_v(230)
    source.set_voltage_v(207, phase=3)
    assert source.voltage_setpoint_v(2) == 230.0
    source.set_phase_angle_deg(2, 240)
    source.set_current_limit_a(50)
    source.clear_protection()
    transport.close()


def test_61512_refuses_phase_4_and_per_phase_lists() -> None:
    transport = TranscriptTransport([])
    source = Chroma61512(transport, name="grid")
    with pytest.raises(SettingOutOfRange):
        source.set_voltage_v(230, phase=4)
    with pytest.raises(SettingOutOfRange):
        source.program_voltage_steps([VoltageStep(0.1, 115)], phase=1)
    assert transport.sent == []


def test_61845_list_dip_and_done_polling() -> None:
    transport = TranscriptTransport(TRANSCRIPTS["chroma_61845"]["list_dip"])
    source = Chroma61845(transport, name="grid")
    assert isinstance(source, AcSourceTransients)
    source.program_voltage_steps([VoltageStep(0.15, 115), VoltageStep(1.0, 230)])
    source.run_transient()
    assert source.transient_done() is False
    assert source.transient_done() is True
    transport.close()


def test_61845_list_frequency_ramp_and_phase_jump() -> None:
    """A point's frequency ramp (STARt unlike END) and phase shift (LIST:DEGRee, resent with every
    later program once loaded)."""
    transport = TranscriptTransport(TRANSCRIPTS["chroma_61845"]["list_rocof_jump"])
    source = Chroma61845(transport, name="grid")
    source.program_voltage_steps([VoltageStep(0.5, 230, frequency_hz=50, frequency_end_hz=49),
                                  VoltageStep(1.0, 230, frequency_hz=49)])
    source.program_voltage_steps([VoltageStep(1.0, 230, phase_shift_deg=20), VoltageStep(2.0, 230, phase_shift_deg=0)])
    source.program_voltage_steps([VoltageStep(0.15, 69), VoltageStep(1.0, 230)])
    transport.close()


@pytest.mark.parametrize("step", [VoltageStep(0.5, 230, frequency_hz=10.0),
                                  VoltageStep(0.5, 230, phase_shift_deg=400.0)])
def test_61845_list_frequency_and_angle_out_of_range_refused(step) -> None:
    transport = TranscriptTransport([("SOURce:FREQuency?", "50.00")])
    with pytest.raises(SettingOutOfRange):
        Chroma61845(transport, name="grid").program_voltage_steps([step])


def test_garbled_trigger_state_is_an_instrument_error() -> None:
    transport = TranscriptTransport([("TRIG:STATE?", "MAYBE")])
    with pytest.raises(InstrumentError):
        Chroma61605(transport, name="grid").transient_done()
