"""Chroma 66205 digital power meter against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS, chroma_set

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import PowerAnalyzer
from instruments.drivers.chroma_66205 import SEPARATOR, Chroma66205
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["chroma_66205"]
FETCH = T["read"][0][0]


def test_open_then_read_one_phase() -> None:
    transport = TranscriptTransport(T["identify"] + T["open"] + T["read"])
    meter = Chroma66205(transport, name="pa")
    assert isinstance(meter, PowerAnalyzer) and meter.phase_count == 1
    assert meter.identify().split(",")[1] == "66205"
    meter.open()
    reading = meter.read()
    transport.close()
    (phase,) = reading.phases
    assert phase.voltage_v == pytest.approx(230.05)
    assert phase.current_a == pytest.approx(4.3481)
    assert phase.active_power_w == pytest.approx(1000.1)
    assert phase.reactive_power_var == pytest.approx(-100.2)
    assert phase.apparent_power_va == pytest.approx(1005.1)
    assert phase.power_factor == pytest.approx(0.995)
    assert reading.frequency_hz == pytest.approx(50.002)


@pytest.mark.parametrize("reply", [
    "-3,4.3481,1000.1,-100.2,1005.1,0.9950,50.002",     # over range: status code, not 0 V
    "230.05,-1,1000.1,-100.2,1005.1,0.9950,50.002",     # integration not complete
    "230.05,4.3481,1000.1,-100.2,-2,0.9950,50.002",     # range change error
    "230.05,4.3481,1000.1",                             # too few values
    ":FETCH 230.05,4.3481,1000.1,-100.2,1005.1,0.9950,50.002",  # header on
])
def test_status_codes_and_bad_replies_raise(reply: str) -> None:
    meter = Chroma66205(TranscriptTransport([(FETCH, reply)]), name="pa")
    with pytest.raises(InstrumentError):
        meter.read()


def test_negative_power_is_a_measurement_not_a_status_code() -> None:
    reply = "230.0,4.35,-1,-3,1000.0,-0.001,50.0"
    reading = Chroma66205(TranscriptTransport([(FETCH, reply)]), name="pa").read()
    assert reading.phases[0].active_power_w == -1.0
    assert reading.phases[0].reactive_power_var == -3.0


def test_separator_is_strict_and_errors_raise() -> None:
    with pytest.raises(SettingOutOfRange):
        SEPARATOR.command("|")
    transport = TranscriptTransport(
        chroma_set("SYSTem:HEADer OFF")
        + [("SYSTem:TRANsmit:SEParator 0", None), ("SYSTem:ERRor?", '-113,"Undefined header"'),
           ("SYSTem:ERRor?", '0,"No error"')])
    with pytest.raises(InstrumentReportedError):
        Chroma66205(transport, name="pa").open()
    transport = TranscriptTransport(chroma_set("SYSTem:HEADer OFF") + chroma_set("SYSTem:TRANsmit:SEParator 0"))
    Chroma66205(transport, name="pa").open()
    transport.close()
