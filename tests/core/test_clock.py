"""The virtual clock advances the lab tick by tick, samples every tick and never drifts."""

import pytest

from bench.clock import WALL_BLOCK_READ_S, VirtualClock, WallClock


def test_virtual_clock_ticks_and_samples():
    advanced, sampled = [], []
    clock = VirtualClock(advanced.append, sample_period_s=0.2, start_calendar="2026-06-21T12:00:00+02:00")
    clock.add_sampler(sampled.append)
    clock.sleep(1.0)
    assert advanced == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert sampled == advanced
    assert clock.now_s() == 1.0


def test_virtual_clock_no_drift_over_many_ticks():
    clock = VirtualClock(lambda t: None, sample_period_s=0.2)
    for _ in range(3000):
        clock.sleep(0.2)
    assert clock.now_s() == 600.0


def test_partial_sleep_realigns_to_the_period_grid():
    ticks = []
    clock = VirtualClock(ticks.append, sample_period_s=0.2)
    clock.sleep(0.3)
    clock.sleep(0.3)
    assert ticks == pytest.approx([0.2, 0.3, 0.4, 0.6])


def test_calendar_and_time_of_day():
    clock = VirtualClock(lambda t: None, sample_period_s=1.0, start_calendar="2026-06-21T15:30:00+02:00")
    assert clock.seconds_until(16, 0) == 1800
    clock.sleep(1800)
    assert clock.calendar().hour == 16


def test_negative_sleep_refused():
    with pytest.raises(ValueError):
        VirtualClock(lambda t: None).sleep(-1)


class _Blocks:
    """A fake acquisition: records what the clock asks; 'acquires' at every multiple of the period
    up to the lab time the clock advanced to."""

    def __init__(self, clock_ref: list, min_period_s: float = 0.01) -> None:
        self.clock_ref, self.min_period_s = clock_ref, min_period_s
        self.started: list[float] = []
        self.stopped = 0
        self.collected: list[float] = []
        self.collect_calls = 0
        self._period_us: int | None = None
        self._last_us = 0

    def acquisition_supports(self, period_s: float) -> bool:
        return period_s >= self.min_period_s

    def start_acquisition(self, period_s: float) -> None:
        self.started.append(period_s)
        self._period_us = round(period_s * 1e6)
        self._last_us = self.clock_ref[0]._now_us

    def stop_acquisition(self) -> None:
        self.stopped += 1
        self._period_us = None

    def collect_acquired(self) -> None:
        self.collect_calls += 1
        now_us, period_us = self.clock_ref[0]._now_us, self._period_us
        assert period_us is not None
        k = self._last_us // period_us + 1
        while k * period_us <= now_us:
            self.collected.append(k * period_us / 1e6)
            k += 1
        self._last_us = now_us


def _block_clock(**kw) -> tuple[VirtualClock, list[float], _Blocks]:
    advanced: list[float] = []
    ref: list = []
    clock = VirtualClock(advanced.append, sample_period_s=0.2, **kw)
    ref.append(clock)
    blocks = _Blocks(ref)
    clock.use_block_sampler(blocks)
    return clock, advanced, blocks


def test_block_path_advances_once_per_wait_and_records_the_grid():
    clock, advanced, blocks = _block_clock()
    polled: list[float] = []
    clock.add_sampler(polled.append)
    clock.sleep(1.0)
    assert advanced == [1.0] and blocks.started == [0.2]
    assert blocks.collected == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    clock.sleep(0.3)                  # ends off the grid: the end is polled, as a tick would be
    assert advanced == [1.0, 1.3] and polled == [1.3]
    clock.sleep(0.3)
    assert blocks.collected[-2:] == pytest.approx([1.4, 1.6]) and polled == [1.3]
    assert blocks.started == [0.2]    # same period: the acquisition keeps running


def test_block_path_splits_long_waits_and_restarts_at_a_new_period():
    clock, advanced, blocks = _block_clock()
    clock.sleep(25.0)
    assert advanced == [10.0, 20.0, 25.0]
    clock.sleep(1.0, sample_period_s=0.05)
    assert blocks.started == [0.2, 0.05] and advanced[-1] == 26.0
    assert blocks.collected[-20:] == pytest.approx([25.0 + 0.05 * k for k in range(1, 21)])


def test_block_path_stops_at_the_tick_a_service_is_due():
    clock, advanced, blocks = _block_clock()
    served: list[float] = []
    due = {"s": 3.05}

    def service(t_s: float) -> None:
        served.append(t_s)
        if t_s >= due["s"]:
            due["s"] = t_s + 30.0         # like a heartbeat: the next one a period later

    clock.add_service(service, lambda: due["s"])
    clock.sleep(5.0)
    assert advanced == [3.2, 5.0]     # the first tick at or after 3.05 s
    assert served == [3.2, 5.0]
    due["s"] = float("-inf")          # due at once (a resumed heartbeat): the next tick
    clock.sleep(1.0)
    assert advanced[-2:] == [5.2, 6.0]


def test_period_below_the_acquisition_minimum_falls_back_to_ticks():
    clock, advanced, blocks = _block_clock()
    clock.sleep(0.4)
    clock.sleep(0.01, sample_period_s=0.005)
    assert blocks.stopped == 1 and advanced == [0.4, 0.405, 0.41]
    clock.sleep(0.19)
    assert blocks.started == [0.2, 0.2] and advanced[-1] == 0.6


def test_no_read_back_when_a_wait_crosses_no_tick():
    clock, advanced, blocks = _block_clock()
    polled: list[float] = []
    clock.add_sampler(polled.append)
    clock.sleep(0.05)
    clock.sleep(0.05)
    assert blocks.collect_calls == 0 and polled == [0.05, 0.1]     # ends polled as ticks were
    clock.sleep(0.1)
    assert blocks.collect_calls == 1 and blocks.collected == [0.2]


# --- wall clock: block reads in real time -------------------------------------------------------
class _WallBlocks:
    """A fake instrument acquisition on real time: 'stores' at every multiple of the period of the
    wall clock's bench time; each read returns what was stored since the previous one."""

    def __init__(self, clock: WallClock, min_period_s: float = 0.01) -> None:
        self.clock, self.min_period_s = clock, min_period_s
        self.started: list[float] = []
        self.stopped = 0
        self.reads: list[tuple[float, list[float]]] = []    # (bench time of the read, instants read)
        self._period_s: float | None = None
        self._next_k = 0

    def acquisition_supports(self, period_s: float) -> bool:
        return period_s >= self.min_period_s

    def start_acquisition(self, period_s: float) -> None:
        self.started.append(period_s)
        self._period_s = period_s
        self._next_k = int(self.clock.now_s() / period_s) + 1

    def stop_acquisition(self) -> None:
        self.stopped += 1
        self._period_s = None

    def collect_acquired(self) -> None:
        now_s, period_s = self.clock.now_s(), self._period_s
        assert period_s is not None
        instants = []
        while self._next_k * period_s <= now_s:
            instants.append(self._next_k * period_s)
            self._next_k += 1
        self.reads.append((now_s, instants))


def _wall_blocks() -> tuple[WallClock, _WallBlocks, list[float]]:
    clock = WallClock(sample_period_s=0.2)
    blocks = _WallBlocks(clock)
    clock.use_block_sampler(blocks)
    polled: list[float] = []
    clock.add_sampler(polled.append)
    return clock, blocks, polled


def test_wall_clock_reads_blocks_at_a_bounded_interval_and_never_polls():
    clock, blocks, polled = _wall_blocks()
    t0 = clock.now_s()
    clock.sleep(1.2, sample_period_s=0.02)
    assert blocks.started == [0.02] and polled == []
    read_times = [t0] + [t for t, _ in blocks.reads]
    assert len(blocks.reads) == 3                   # 0.5 s, 1.0 s, 1.2 s
    # at most WALL_BLOCK_READ_S apart, plus what a loaded machine adds to a sleep
    assert all(b - a <= WALL_BLOCK_READ_S + 0.25 for a, b in zip(read_times, read_times[1:], strict=False))
    assert all(len(instants) > 1 for _, instants in blocks.reads[:2])     # blocks, not single samples
    clock.sleep(0.6, sample_period_s=0.02)          # same period: the acquisition keeps running
    assert blocks.started == [0.02]
    instants = [t for _, block in blocks.reads for t in block]
    steps = [b - a for a, b in zip(instants, instants[1:], strict=False)]
    assert steps == pytest.approx([0.02] * len(steps))     # none lost or read twice across the waits


def test_wall_clock_restarts_at_a_new_period_and_polls_below_the_minimum():
    clock, blocks, polled = _wall_blocks()
    clock.sleep(0.3, sample_period_s=0.05)
    clock.sleep(0.3, sample_period_s=0.1)
    assert blocks.started == [0.05, 0.1]
    reads_before = len(blocks.reads)
    clock.sleep(0.05, sample_period_s=0.005)        # below the minimum: read what was stored, stop, poll
    assert blocks.stopped == 1 and len(blocks.reads) == reads_before + 1
    assert polled and all(t <= clock.now_s() for t in polled)     # polled (every 5 ms when not loaded)


def test_wall_clock_serves_a_due_service_before_the_next_block_read():
    clock, blocks, _ = _wall_blocks()
    served: list[float] = []
    due = {"s": clock.now_s() + 0.1}

    def service(t_s: float) -> None:
        served.append(t_s)
        if t_s >= due["s"]:
            due["s"] = t_s + 10.0

    clock.add_service(service, lambda: due["s"])
    clock.sleep(0.6, sample_period_s=0.02)
    assert 0.1 <= served[0] < 0.3                   # when it fell due, not at the first block read (0.5 s)
    assert len(served) == 2 and served[1] >= 0.6     # then at the next read: the wait's end
