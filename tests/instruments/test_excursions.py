"""bench.excursions: instrument-timed programs when the driver offers them, stepped set
commands with achieved timing otherwise (drivers replayed from transcripts, a fake clock)."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS, keysight_set

from bench.config import SafetyLimits
from bench.errors import InstrumentError, SafetyLimitError
from bench.excursions import Excursion, run_excursion
from instruments.capabilities import VoltageStep
from instruments.drivers.ametek_asterion import AmetekAsterion3Phase
from instruments.drivers.keysight_ac6800b import KeysightAC6804B
from instruments.transport import TranscriptTransport


class FakeClock:
    """Bench time that moves only by sleep() and by a fixed cost per instrument command."""

    virtual = True
    sample_period_s = 0.2

    def __init__(self) -> None:
        self.t_s = 10.0
        self.sleeps: list[float] = []

    def now_s(self) -> float:
        return self.t_s

    def sleep(self, duration_s: float, *, sample_period_s: float | None = None) -> None:
        self.sleeps.append(duration_s)
        self.t_s += duration_s


class SlowTransport(TranscriptTransport):
    """Each exchange costs 2 ms of bench time (what the stepped path must record)."""

    def __init__(self, pairs, clock: FakeClock) -> None:
        super().__init__(pairs)
        self.clock = clock

    def write(self, text: str) -> None:
        self.clock.t_s += 0.002
        super().write(text)

    def query(self, text: str) -> str:
        self.clock.t_s += 0.002
        return super().query(text)


LIMITS = SafetyLimits(voltage_max_v=264.5, voltage_min_v=0.0, current_max_a=32.0,
                      frequency_min_hz=47.0, frequency_max_hz=52.0,
                      voltage_slew_max_v_per_s=1e5, safe_output_on=False,
                      safe_voltage_v=230.0, safe_frequency_hz=50.0)


def test_dip_runs_on_the_instrument_and_records_the_trigger_window() -> None:
    clock = FakeClock()
    t = TRANSCRIPTS["ametek_asterion_ast3"]
    pairs = t["list_dip"] + t["abort"] + t["set_all_phases_230_v"]
    transport = SlowTransport(pairs, clock)
    source = AmetekAsterion3Phase(transport, name="grid")
    records: list[dict] = []
    result = run_excursion(source, Excursion.dip(0, 0.15, 230, 1.0), clock, limits=LIMITS,
                           record=lambda kind, **f: records.append({"kind": kind, **f}))
    transport.close()
    assert result.mode == "instrument"
    first, second = result.steps
    assert second.planned_start_s - first.planned_start_s == pytest.approx(0.15)
    assert first.acknowledged_s - first.sent_s == pytest.approx(0.004)  # INITiate + error read
    assert result.ended_s >= first.sent_s + 1.15
    assert records[0]["kind"] == "excursion" and records[0]["mode"] == "instrument"


def test_stepped_when_the_driver_has_no_transients() -> None:
    clock = FakeClock()
    pairs = keysight_set("VOLTage 253") + keysight_set("VOLTage 230")
    transport = SlowTransport(pairs, clock)
    source = KeysightAC6804B(transport, name="grid")
    result = run_excursion(source, Excursion.dip(253, 0.5, 230, 0.5), clock)
    transport.close()
    assert result.mode == "stepped"
    first, second = result.steps
    assert first.sent_s == pytest.approx(10.0)
    assert first.acknowledged_s == pytest.approx(10.004)
    assert second.planned_start_s == pytest.approx(10.5)
    assert second.sent_s == pytest.approx(10.5)            # waited the remaining dwell
    assert result.ended_s == pytest.approx(11.0)
    assert result.worst_lateness_s == pytest.approx(0.004)


def test_ramp_is_a_staircase() -> None:
    ramp = Excursion.ramp(230, 250, 1.0, points=4, hold_s=2.0)
    assert [s.volts for s in ramp.steps] == [235, 240, 245, 250, 250]
    assert ramp.duration_s == pytest.approx(3.0)


def test_bench_limits_checked_before_anything_is_sent() -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SafetyLimitError):
        run_excursion(KeysightAC6804B(transport, name="grid"), Excursion.step(270, 1.0),
                      FakeClock(), limits=LIMITS)
    assert transport.sent == []


def test_transient_that_never_finishes_is_an_instrument_error() -> None:
    clock = FakeClock()
    t = TRANSCRIPTS["ametek_asterion_ast3"]

    class StuckTransport(SlowTransport):
        polls = 0

        def query(self, text: str) -> str:
            if text == "TRIGger:STATe?":
                self.polls += 1
                return "BUSY"
            return super().query(text)

    transport = StuckTransport(t["list_dip"][:-2] + t["abort"], clock)
    with pytest.raises(InstrumentError):
        run_excursion(AmetekAsterion3Phase(transport, name="grid"),
                      Excursion.dip(0, 0.15, 230, 1.0), clock, poll_period_s=0.05,
                      done_margin_s=1.0)
    transport.close()  # the program was aborted: every expected command was sent
    assert transport.polls > 1


def test_frequency_ramp_or_phase_jump_cannot_be_stepped() -> None:
    """Stepped set commands cannot ramp a frequency or jump the angle: InstrumentError before sending."""
    transport = TranscriptTransport([])
    ramp = Excursion("rocof", (VoltageStep(0.5, 230, frequency_hz=50, frequency_end_hz=49),))
    with pytest.raises(InstrumentError, match="needs the AC source's own program"):
        run_excursion(KeysightAC6804B(transport, name="grid"), ramp, FakeClock())
    assert transport.sent == []
