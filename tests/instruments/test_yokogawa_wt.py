"""Yokogawa WT5000 driver against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import PowerAnalyzer
from instruments.drivers.yokogawa_wt import YokogawaWT5000
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["yokogawa_wt5000"]


def test_open_then_read_is_one_round_trip() -> None:
    transport = TranscriptTransport(T["identify"] + T["open"] + T["read"])
    analyzer = YokogawaWT5000(transport, name="pa")
    assert isinstance(analyzer, PowerAnalyzer)
    assert analyzer.identify().startswith("YOKOGAWA,WT5000")
    analyzer.open()
    reading = analyzer.read()
    transport.close()
    assert len(reading.phases) == 3
    assert reading.phases[0].voltage_v == pytest.approx(230.01)
    assert reading.phases[1].active_power_w == pytest.approx(999.8)
    assert reading.phases[2].reactive_power_var == pytest.approx(-100.1)
    assert reading.phases[0].power_factor == pytest.approx(0.99504)
    assert reading.frequency_hz == pytest.approx(49.998)
    assert reading.active_power_w == pytest.approx(2999.9)


def test_read_before_open_is_refused() -> None:
    analyzer = YokogawaWT5000(TranscriptTransport([]), name="pa")
    with pytest.raises(InstrumentError):
        analyzer.read()


@pytest.mark.parametrize("reply", ["NAN," * 18 + "50.0", "1.0,2.0", "INF," * 18 + "50.0"])
def test_invalid_numeric_data_raises(reply: str) -> None:
    transport = TranscriptTransport(T["open"] + [(":NUMeric:NORMal:VALue?", reply)])
    analyzer = YokogawaWT5000(transport, name="pa")
    analyzer.open()
    with pytest.raises(InstrumentError):
        analyzer.read()


def test_error_queue_raises() -> None:
    transport = TranscriptTransport([
        (":COMMunicate:HEADer OFF", None),
        (":STATus:ERRor?", '113,"Undefined header"'),
        (":STATus:ERRor?", '0,"No error"'),
    ])
    with pytest.raises(InstrumentReportedError) as info:
        YokogawaWT5000(transport, name="pa").open()
    assert info.value.errors == ["113,Undefined header"]


def test_out_of_range_raises_before_sending() -> None:
    from instruments.drivers.yokogawa_wt import NUMERIC_NUMBER
    transport = TranscriptTransport([])
    analyzer = YokogawaWT5000(transport, name="pa")
    with pytest.raises(SettingOutOfRange):
        analyzer.apply(NUMERIC_NUMBER, 256)
    assert transport.sent == []
