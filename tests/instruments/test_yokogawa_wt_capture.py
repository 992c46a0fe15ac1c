"""Yokogawa WT5000 / WT3000 triggered capture (``arm_capture`` / ``read_capture``) against
transcripts of the exact command sequence."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS, YOKOGAWA_OK, yokogawa_set

from bench.errors import InstrumentError
from instruments.capabilities import AnalyzerAcquisition
from instruments.drivers.yokogawa_wt import YokogawaWT5000
from instruments.drivers.yokogawa_wt_family import YokogawaWT3000
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["yokogawa_wt5000"]
ONE_PHASE = "230.0E+00,4.348E+00,1.0E+03,0.0E+00,1.0E+03,1.0E+00"
READING = ",".join([ONE_PHASE] * 3 + ["50.0E+00"])
OFF = ",".join(["230.0E+00,0.0E+00,0.0E+00,0.0E+00,0.0E+00,1.0E+00"] * 3 + ["50.0E+00"])

ARM = (yokogawa_set(":CAPTure:INTerval 0.005000") + yokogawa_set(":CAPTure:PRETrigger 0.010000")
       + yokogawa_set(":CAPTure:POSTtrigger 0.010000") + yokogawa_set(":CAPTure:ARM"))


def _analyzer(pairs: list[tuple[str, str | None]],
              cls: type = YokogawaWT5000) -> tuple[YokogawaWT5000, TranscriptTransport]:
    transport = TranscriptTransport(T["open"] + pairs)
    analyzer = cls(transport, name="pa")
    analyzer.open()
    return analyzer, transport


def test_arm_then_read_back_the_capture_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("instruments.drivers.yokogawa_wt.CAPTURE_BLOCK_RECORDS", 3)
    analyzer, transport = _analyzer(ARM + [
        (":CAPTure:STATe?", "ARMED"),
        (":CAPTure:STATe?", "TRIGGERED"),
        (":CAPTure:STATe?", "COMPLETE"),
        (":CAPTure:TRIGger:TIME?", "12.502000"),
        (":CAPTure:COUNt?", "5"),
        (":CAPTure:DATA? 0,3", f"3,12.495000,{READING},12.500000,{READING},12.505000,{READING}"),
        (":CAPTure:DATA? 3,2", f"2,12.510000,{OFF},12.515000,{OFF}"),
    ])
    assert isinstance(analyzer, AnalyzerAcquisition)
    analyzer.arm_capture(0.005, 0.01, 0.01)
    assert analyzer.read_capture() is None
    assert analyzer.read_capture() is None
    capture = analyzer.read_capture()
    transport.verify()
    assert capture is not None
    assert capture.trigger_t_s == pytest.approx(12.502)
    assert capture.interval_s == 0.005
    assert [s.t_s for s in capture.samples] == pytest.approx([12.495, 12.5, 12.505, 12.51, 12.515])
    assert capture.samples[0].reading.active_power_w == pytest.approx(3000.0)
    assert capture.samples[-1].reading.active_power_w == 0.0
    assert len(capture.samples[0].reading.phases) == 3


def test_instrument_time_offset_moves_the_capture_to_bench_time() -> None:
    analyzer, transport = _analyzer(ARM + [
        (":CAPTure:STATe?", "COMPLETE"), (":CAPTure:TRIGger:TIME?", "100.000000"),
        (":CAPTure:COUNt?", "1"), (":CAPTure:DATA? 0,1", f"1,100.005000,{READING}")])
    analyzer.instrument_time_offset_s = 90.0
    analyzer.arm_capture(0.005, 0.01, 0.01)
    capture = analyzer.read_capture()
    transport.verify()
    assert capture is not None and capture.trigger_t_s == pytest.approx(10.0)
    assert capture.samples[0].t_s == pytest.approx(10.005)


def test_interval_below_the_model_minimum_is_refused_before_sending() -> None:
    analyzer, transport = _analyzer([], cls=YokogawaWT3000)
    assert YokogawaWT3000.min_acquisition_interval_s == 0.05     # IM 760301-01E: 50 ms update
    with pytest.raises(SettingOutOfRange):
        analyzer.arm_capture(0.005, 0.2, 1.0)
    with pytest.raises(SettingOutOfRange):
        analyzer.arm_capture(0.05, 0.2, 0.0)
    transport.verify()


def test_read_before_arm_and_an_idle_capture_are_bench_errors() -> None:
    analyzer, _ = _analyzer([(":CAPTure:STATe?", "IDLE")])
    with pytest.raises(InstrumentError):
        analyzer.read_capture()
    analyzer._capture_interval_s = 0.005
    with pytest.raises(InstrumentError):
        analyzer.read_capture()


def test_malformed_block_is_an_instrument_error() -> None:
    analyzer, _ = _analyzer(ARM + [
        (":CAPTure:STATe?", "COMPLETE"), (":CAPTure:TRIGger:TIME?", "1.000000"),
        (":CAPTure:COUNt?", "2"), (":CAPTure:DATA? 0,2", f"2,1.005000,{READING}")])
    analyzer.arm_capture(0.005, 0.01, 0.01)
    with pytest.raises(InstrumentError):
        analyzer.read_capture()


def test_the_instrument_refusing_arm_raises() -> None:
    transport = TranscriptTransport(T["open"] + [(":CAPTure:INTerval 0.005000", None),
                                                 (":STATus:ERRor?", '222,"Data out of range"'),
                                                 (":STATus:ERRor?", YOKOGAWA_OK)])
    analyzer = YokogawaWT5000(transport, name="pa")
    analyzer.open()
    with pytest.raises(InstrumentError):
        analyzer.arm_capture(0.005, 0.01, 0.01)


def test_abort_disarms() -> None:
    analyzer, transport = _analyzer(ARM + yokogawa_set(":CAPTure:ABORt"))
    analyzer.arm_capture(0.005, 0.01, 0.01)
    analyzer.abort_capture()
    transport.verify()


def test_wt5000_states_the_real_update_interval_and_a_finer_capture() -> None:
    """The store follows the WT5000's data update (10 ms at its fastest, IM WT5000-01EN); the capture
    is computed over windows of the sampled waveform, so the trip suites' 5 ms is within reach."""
    assert YokogawaWT5000.min_acquisition_interval_s == 0.01
    assert YokogawaWT5000.min_capture_interval_s == 0.0025
    analyzer, transport = _analyzer([])
    with pytest.raises(SettingOutOfRange):
        analyzer.start_acquisition(0.005)       # below the data update: refused before sending
    with pytest.raises(SettingOutOfRange):
        analyzer.arm_capture(0.001, 0.01, 0.01)
    transport.verify()
