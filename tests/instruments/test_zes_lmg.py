"""ZES ZIMMER LMG670 driver (short commands) against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS, lmg_set

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import PowerAnalyzer
from instruments.drivers.zes_lmg import ZesLmg670
from instruments.scpi import SettingOutOfRange
from instruments.transport import UNSOLICITED_LINE, TranscriptTransport

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


# --- block acquisition from the continuous output (ACTN / CONT ON, lmgtools usage, unconfirmed) ----
ACTN_3 = ("ACTN;TSNORM1?;DURNORM1?;" + ";".join(f"{q}{c}?" for c in (1, 2, 3)
                                             for q in ("UTRMS", "ITRMS", "P", "Q", "S", "PF")) + ";FCYC1?")
VALUES_3 = T["read"][0][1]


def _line(t_s: float) -> tuple[str, str]:
    return (UNSOLICITED_LINE, f"{t_s:.3f};0.020;{VALUES_3}")


class _Now:
    def __init__(self) -> None:
        self.t_s = 0.0

    def __call__(self) -> float:
        return self.t_s


def test_continuous_output_is_read_in_blocks_with_the_instrument_time_stamps() -> None:
    start = lmg_set("CYCL 0.02") + lmg_set(ACTN_3) + [("CONT ON", None)]
    lines = [_line(100.0)] + [_line(100.0 + 0.02 * k) for k in range(1, 6)]
    transport = TranscriptTransport(T["open"] + start + lines + [("CONT OFF", None)])
    analyzer = ZesLmg670(transport, name="pa")
    analyzer.open()
    assert analyzer.action_command() == ACTN_3
    analyzer.start_acquisition(0.02)
    now = _Now()
    now.t_s = 5.0205                  # the first line (cycle 100.000 .. 100.020) arrives at bench 5.0205
    offset_s, uncertainty_s = analyzer.measure_time_offset(now)
    assert offset_s == pytest.approx(100.02 - 5.0205) and uncertainty_s == 0.0
    now.t_s = 5.12                    # cycles up to the one ending at 5.12 (bench) are due
    block = analyzer.read_acquired()
    assert [s.t_s for s in block] == pytest.approx([5.0005 + 0.02 * k for k in range(6)])
    assert block[2].reading.phases[1].current_a == pytest.approx(4.34790)
    analyzer.stop_acquisition()
    transport.close()                 # nothing left: no line read twice, none left unread


def test_continuous_output_refuses_a_short_cycle_and_a_read_before_its_time_base() -> None:
    transport = TranscriptTransport(T["open"] + lmg_set("CYCL 0.02") + lmg_set(ACTN_3) + [("CONT ON", None)])
    analyzer = ZesLmg670(transport, name="pa")
    analyzer.open()
    with pytest.raises(SettingOutOfRange):
        analyzer.start_acquisition(0.005)           # below CYCL's 10 ms: nothing sent
    analyzer.start_acquisition(0.02)
    with pytest.raises(InstrumentError, match="time base"):
        analyzer.read_acquired()
    transport.verify()


def test_a_malformed_continuous_line_is_an_instrument_error() -> None:
    transport = TranscriptTransport(T["open"] + lmg_set("CYCL 0.02") + lmg_set(ACTN_3) + [("CONT ON", None)]
                                    + [(UNSOLICITED_LINE, "100.0;0.02;1.0")])
    analyzer = ZesLmg670(transport, name="pa")
    analyzer.open()
    analyzer.start_acquisition(0.02)
    with pytest.raises(InstrumentError):
        analyzer.measure_time_offset(_Now())
