"""Pacific Power 3xx-AMX / UPC-32 driver against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS, upc_set

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import AcSource, AcSourceTransients
from instruments.drivers.pacific_upc import PacificUpc32Amx
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["pacific_upc32_amx"]


def test_settings_and_queries() -> None:
    transport = TranscriptTransport(T["identify"] + T["open_xfmr"] + T["set_all_phases_230_v"]
                                    + T["set_phase_2_207_v"] + T["setpoints"]
                                    + T["frequency_angle"] + T["output_on"])
    source = PacificUpc32Amx(transport, name="grid")
    assert isinstance(source, AcSource) and not isinstance(source, AcSourceTransients)
    assert source.identify().startswith("PPSC,UPC-32")
    source.open()
    source.set_voltage_v(230)
    source.set_voltage_v(207, phase=2)
    assert source.voltage_setpoint_v(3) == 230.0
    assert source.frequency_setpoint_hz() == pytest.approx(50.0)
    source.set_frequency_hz(50)
    source.set_phase_angle_deg(3, 240)
    source.set_output(True)
    assert source.output_is_on() is True
    transport.close()


def test_direct_coupling_divides_the_voltage_by_the_transformer_ratio() -> None:
    """SVP gridsim_pacific.py voltage(): with COUPL,DIRECT the programmed volts are volts / XFMRRATIO."""
    transport = TranscriptTransport(T["open_direct"] + T["direct_230_v"])
    source = PacificUpc32Amx(transport, name="grid")
    source.open()
    assert source.voltage_scale == 2.0
    source.set_voltage_v(230)
    assert source.voltage_setpoint_v(1) == 230.0
    transport.close()


def test_voltage_refused_until_the_coupling_is_known() -> None:
    transport = TranscriptTransport([])
    with pytest.raises(InstrumentError, match="coupling"):
        PacificUpc32Amx(transport, name="grid").set_voltage_v(230)
    assert transport.sent == []
    transport = TranscriptTransport(upc_set(":PROG:NAME 0") + [(":PROG:DEFine?", "FORM,3,FREQ,50")])
    with pytest.raises(InstrumentError, match="COUPL"):
        PacificUpc32Amx(transport, name="grid").open()


@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(300.5),
    lambda s: s.set_voltage_v(230, phase=0),
    lambda s: s.voltage_setpoint_v(4),
    lambda s: s.set_frequency_hz(1200),
    lambda s: s.set_phase_angle_deg(1, 120),
    lambda s: s.set_voltage_slew_v_per_s(10),
    lambda s: s.set_frequency_slew_hz_per_s(1),
])
def test_refused_before_sending(call) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        call(PacificUpc32Amx(transport, name="grid"))
    assert transport.sent == []


def test_minus_zero_is_an_empty_queue_and_errors_raise() -> None:
    transport = TranscriptTransport([(":SOURce:FREQuency,60", None),
                                     (":SYSTem:ERRor?", '-200, "Execution error"'),
                                     (":SYSTem:ERRor?", '-0, "No error"')])
    with pytest.raises(InstrumentReportedError) as info:
        PacificUpc32Amx(transport, name="grid").set_frequency_hz(60)
    assert info.value.errors == ["-200,Execution error"]
    transport.close()
