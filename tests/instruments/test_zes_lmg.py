"""ZES ZIMMER LMG670 driver (short commands) against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import PowerAnalyzer
from instruments.drivers.zes_lmg import ZesLmg670
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["zes_lmg670"]


def test_open_then_read_is_one_round_trip_of_one_cycle() -> None:
    transport = TranscriptTransport(T["identify"] + T["open"] + T["read"])
    analyzer = ZesLmg670(transport, name="pa")
    assert isinstance(analyzer, PowerAnalyzer)
    assert "LMG670" in analyzer.identify()
    analyzer.open()
    reading = analyzer.read()
    transport.close()
    assert len(reading.phases) == 3
    assert reading.phases[0].voltage_v == pytest.approx(230.012)
    assert reading.phases[1].current_a == pytest.approx(4.34790)
    assert reading.phases[2].reactive_power_var == pytest.approx(-100.108)
    assert reading.phases[0].power_factor == pytest.approx(0.99505)
    assert reading.frequency_hz == pytest.approx(49.9981)
    assert reading.active_power_w == pytest.approx(2999.962)
    assert analyzer.read_command().startswith("INIM;UTRMS1?;ITRMS1?;P1?;Q1?;S1?;PF1?;UTRMS2?")


def test_single_phase_reads_channel_1_only() -> None:
    reply = "230.0;4.35;1000.0;-100.0;1005.0;0.995;50.0"
    transport = TranscriptTransport(
        T["open"] + [("INIM;UTRMS1?;ITRMS1?;P1?;Q1?;S1?;PF1?;FCYC1?", reply)])
    analyzer = ZesLmg670(transport, name="pa", phase_count=1)
    analyzer.open()
    reading = analyzer.read()
    transport.close()
    assert len(reading.phases) == 1 and reading.apparent_power_va == pytest.approx(1005.0)


def test_read_before_open_is_refused() -> None:
    with pytest.raises(InstrumentError):
        ZesLmg670(TranscriptTransport([]), name="pa").read()


@pytest.mark.parametrize("reply", ["1.0;2.0", "NaN;" * 18 + "50.0", "230.0," * 18 + "50.0"])
def test_invalid_reply_raises(reply: str) -> None:
    transport = TranscriptTransport(T["open"] + [(T["read"][0][0], reply)])
    analyzer = ZesLmg670(transport, name="pa")
    analyzer.open()
    with pytest.raises(InstrumentError):
        analyzer.read()


def test_cycle_time_is_checked_and_strict() -> None:
    transport = TranscriptTransport(T["cycle_time"])
    analyzer = ZesLmg670(transport, name="pa")
    analyzer.set_cycle_time_s(0.5)
    assert analyzer.cycle_time_s() == 0.5
    transport.close()
    with pytest.raises(SettingOutOfRange):
        analyzer.set_cycle_time_s(61)
    with pytest.raises(ValueError):
        ZesLmg670(TranscriptTransport([]), name="pa", phase_count=4)


def test_error_queue_raises_with_the_command() -> None:
    transport = TranscriptTransport([("*ZLANG SHORT", None),
                                     ("ERRALL?", '-113,"Undefined header"'),
                                     ("ERRALL?", '0,"No error"')])
    with pytest.raises(InstrumentReportedError) as info:
        ZesLmg670(transport, name="pa").open()
    assert info.value.errors == ["-113,Undefined header"]
