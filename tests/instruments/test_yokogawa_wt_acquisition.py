"""The WT5000 driver's block acquisition (AnalyzerAcquisition) against the simulated analyzer's
data store, and the block reply's parsing."""

from __future__ import annotations

import pytest

from bench.errors import InstrumentError
from instruments.capabilities import AnalyzerAcquisition
from instruments.drivers.yokogawa_wt import STORE_INTERVAL, parse_store_block
from instruments.registry import open_instrument
from instruments.scpi import SettingOutOfRange
from simlab.instruments import SimYokogawaWT5000
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.physics import PhaseTruth

TRUTH = [PhaseTruth(230.0, 4.35, 1000.0, 0.0, 1000.0, 1.0)] * 3


def _advance(sim: SimYokogawaWT5000, time_s: dict[str, float], to_s: float) -> None:
    """What the lab does while it advances: the store's instants up to ``to_s``."""
    while (due := sim.next_due_s()) is not None and due <= to_s + 1e-9:
        time_s["t"] = due
        sim.observe(due)
    time_s["t"] = to_s


def test_acquired_blocks_carry_the_instrument_instants() -> None:
    time_s = {"t": 0.3}
    sim = SimYokogawaWT5000(lambda: TRUTH, lambda: 50.0, 5, time_fn=lambda: time_s["t"])
    with BackgroundScpiServer(sim) as port:
        analyzer = open_instrument("yokogawa_wt5000", f"TCPIP::127.0.0.1::{port}::SOCKET", name="pa")
        try:
            assert isinstance(analyzer, AnalyzerAcquisition)
            analyzer.start_acquisition(0.2)
            assert analyzer.read_acquired() == []
            _advance(sim, time_s, 1.0)
            block = analyzer.read_acquired()
            assert [s.t_s for s in block] == [0.4, 0.6, 0.8, 1.0]
            assert block[0].reading.phases[2].active_power_w == pytest.approx(1000.0, rel=1e-3)
            assert block[0].reading.frequency_hz == pytest.approx(50.0, rel=1e-4)
            _advance(sim, time_s, 1.1)
            assert analyzer.read_acquired() == []          # nothing read twice
            analyzer.start_acquisition(0.05)               # restart: the new interval's grid
            _advance(sim, time_s, 1.2)
            assert [s.t_s for s in analyzer.read_acquired()] == pytest.approx([1.15, 1.2])
            analyzer.stop_acquisition()
            _advance(sim, time_s, 2.0)
            assert analyzer.read_acquired() == []
            with pytest.raises(SettingOutOfRange):
                analyzer.start_acquisition(0.0001)
        finally:
            analyzer.close()


def test_a_block_larger_than_one_query_is_read_in_several() -> None:
    time_s = {"t": 0.0}
    sim = SimYokogawaWT5000(lambda: TRUTH, lambda: 50.0, 5, time_fn=lambda: time_s["t"])
    with BackgroundScpiServer(sim) as port:
        analyzer = open_instrument("yokogawa_wt5000", f"TCPIP::127.0.0.1::{port}::SOCKET", name="pa")
        try:
            analyzer.start_acquisition(0.01)               # the WT5000's fastest data update
            _advance(sim, time_s, 45.0)                    # 4500 records: three queries
            times = [s.t_s for s in analyzer.read_acquired()]
        finally:
            analyzer.close()
    assert len(times) == 4500 and times[0] == 0.01 and times[-1] == 45.0
    assert all(b > a for a, b in zip(times, times[1:], strict=False))


def test_store_interval_is_sent_as_hours_minutes_seconds() -> None:
    assert STORE_INTERVAL.command(0.2) == ":STORe:INTerval 0,0,0.200000"
    assert STORE_INTERVAL.command(3725.5) == ":STORe:INTerval 1,2,5.500000"
    with pytest.raises(SettingOutOfRange):
        STORE_INTERVAL.command(0.0)


@pytest.mark.parametrize("reply", ["2,0.2,1.0,2.0", "1,0.2,1.0,NAN", "x", "-1"])
def test_a_malformed_block_is_refused(reply: str) -> None:
    with pytest.raises(ValueError):
        parse_store_block(reply, 2)


def test_acquisition_before_open_is_refused() -> None:
    from instruments.drivers.yokogawa_wt import YokogawaWT5000
    from instruments.transport import TranscriptTransport

    analyzer = YokogawaWT5000(TranscriptTransport([]), name="pa")
    with pytest.raises(InstrumentError):
        analyzer.read_acquired()
