"""Issue 12: on the wall clock the analyzer's own acquisition is read back in blocks. The simulated
lab in real time (``--clock wall`` with the simulated PV inverter) starts its time axis at bench time
0, so the simulated WT5000's store instants are bench instants: samples arrive in blocks, every
WALL_BLOCK_READ_S or sooner, at the instrument's instants on the period's grid, none lost or read twice
(also across two waits), each one checked against the bench's current limit as it is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.campaign import build_session
from bench.clock import WALL_BLOCK_READ_S, WallClock
from bench.config import PROFILE_DIR
from bench.recorder import read_record

PERIOD_S = 0.02     # the trip suites' sampling period (test_suites/sampling.py TRIP_SAMPLE_S)


def test_wall_clock_records_the_simulated_store_in_blocks(tmp_path: Path) -> None:
    bench = build_session(bench=None, profile=PROFILE_DIR / "sim-pv-inverter.yaml", out=tmp_path / "out",
                          clock="wall")
    reads: list[tuple[float, int]] = []     # (bench time of the read, samples it brought)
    checked: list[Any] = []
    try:
        assert isinstance(bench.clock, WallClock)
        collect, check = bench.collect_acquired, bench._check_current

        def counted_collect() -> None:
            before = len(bench.samples)
            collect()
            reads.append((bench.now_s(), len(bench.samples) - before))

        def counted_check(sample: Any) -> None:
            checked.append(sample)
            check(sample)

        bench.collect_acquired = counted_collect            # type: ignore[method-assign]
        bench._check_current = counted_check                # type: ignore[method-assign]
        first = len(bench.samples)
        t_start = bench.now_s()
        bench.clock.sleep(2.0, sample_period_s=PERIOD_S)
        bench.clock.sleep(1.0, sample_period_s=PERIOD_S)     # the acquisition keeps running
        acquired = bench.samples[first:]
    finally:
        bench.close(campaign_end={"verdict": "INCONCLUSIVE", "counts": {}, "bench_time_s": bench.now_s()})

    instants = [s.t_s for s in acquired]
    assert len(instants) >= 130                              # 3 s at 20 ms, less the lab's real-time lag
    # the store starts on the lab's present instant, which follows real time in 50 ms steps (and may
    # lag more on a loaded machine): nothing is missing at the start, the first instant may be earlier
    assert instants[0] <= t_start + PERIOD_S + 0.1
    assert [round(t / PERIOD_S, 6) % 1 for t in instants] == [0.0] * len(instants)   # the instrument's grid
    steps = [b - a for a, b in zip(instants, instants[1:], strict=False)]
    assert steps == pytest.approx([PERIOD_S] * len(steps), abs=1e-6)    # none lost, none twice
    assert checked == acquired                               # the safety check saw every sample
    read_times = [t_start] + [t for t, _ in reads]
    assert max(b - a for a, b in zip(read_times, read_times[1:], strict=False)) <= WALL_BLOCK_READ_S + 0.25
    assert max(n for _, n in reads) >= 10                    # blocks, not one sample per read
    # instrument instants are bench instants: never after the read that brought them
    t_read = iter(t for t, n in reads for _ in range(n))
    assert all(t <= next(t_read) + 1e-6 for t in instants)
    events = [r["message"] for r in read_record(tmp_path / "out" / "record.jsonl") if r.get("kind") == "event"]
    assert any(m.startswith("analyzer time base: instrument time - bench time = 0.000000 s") for m in events)
