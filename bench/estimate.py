"""How much bench time a campaign will take, estimated before it starts.

The estimate is made from measurements, not guesses: ``bench/bench_times.yaml`` holds, per compliance
test (pytest node id), the longest bench time (``test_start`` to ``test_end`` in the record) that test
took in the campaigns of the simulated reference devices (``make demo``). A campaign's estimate is the
sum over the tests it will run; a test without a measurement is counted and named, not guessed.
A real device answers on its own schedule, so the figure is an estimate for it, and says so.

Refresh the file after a suite change from the demo's records::

    python -m bench.estimate out/demo/*/record.jsonl --write
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.console import format_duration_s

__all__ = ["BENCH_TIMES_FILE", "BenchTimeEstimate", "CampaignPosition", "estimate_bench_time", "load_bench_times",
           "measure_bench_times"]

BENCH_TIMES_FILE = Path(__file__).resolve().with_name("bench_times.yaml")
METHOD = ("the sum of each test's longest bench time in the simulated reference devices' campaigns, "
          "bench/bench_times.yaml")


@dataclass(frozen=True)
class BenchTimeEstimate:
    """The estimated bench time of a set of tests; ``unmeasured``: the tests the file has no time for."""

    total_s: float
    per_test_s: Mapping[str, float] = field(default_factory=dict)
    unmeasured: tuple[str, ...] = ()

    def describe(self) -> str:
        """``estimate 1 h 05 min (the sum of ...; 1 test(s) never measured, not counted: ...)``."""
        missing = ""
        if self.unmeasured:
            missing = (f"; {len(self.unmeasured)} test(s) never measured, not counted: "
                       + ", ".join(n.rsplit("::", 1)[-1] for n in self.unmeasured[:3])
                       + (", ..." if len(self.unmeasured) > 3 else ""))
        return f"estimate {format_duration_s(self.total_s)} ({METHOD}{missing})"


def load_bench_times(path: Path = BENCH_TIMES_FILE) -> dict[str, float]:
    """Bench seconds per test node id from ``path`` ({} when the file is missing or unreadable: then
    every test is unmeasured, and the banner says so)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, dict):
        return {}
    return {str(k): float(v) for k, v in tests.items() if isinstance(v, (int, float))}


def estimate_bench_time(nodeids: Iterable[str], times: Mapping[str, float] | None = None) -> BenchTimeEstimate:
    """The estimate for running the tests ``nodeids`` (``times``: default :func:`load_bench_times`)."""
    known = load_bench_times() if times is None else times
    wanted = list(nodeids)
    per_test = {n: known[n] for n in wanted if n in known}
    return BenchTimeEstimate(total_s=sum(per_test.values()), per_test_s=per_test,
                             unmeasured=tuple(n for n in wanted if n not in known))


MIN_PACE_BENCH_S = 5.0
"""Bench time a campaign must have run before its pace (and so a wall-time ETA) means anything."""
PROGRESS_KINDS = ("test_start", "step", "test_end")


class CampaignPosition:
    """Where a running campaign is, from its record's ``test_start`` / ``step`` / ``test_end`` entries,
    and its ETA: the estimated bench time still to run (the planned tests' measured bench times, the
    running test's elapsed time taken off its own) converted to wall time at the pace the campaign has
    kept so far (wall seconds per bench second, from the first progress entry seen). Fed by the
    console's live line (fixtures/progress.py) and by ``flexbench serve`` (lab/liveview).

    ``planned``: the node ids of the tests the campaign will run, in order; ``estimates_s``: their
    estimated bench seconds (missing ones count as 0)."""

    def __init__(self, planned: Iterable[str], estimates_s: Mapping[str, float]) -> None:
        self.planned = list(planned)
        self.estimates_s = dict(estimates_s)
        self.finished: set[str] = set()
        self.index = 0                  # 1-based number of the test running (or last run)
        self.label = ""                 # "REQ-ID test_name" of that test
        self.name = ""                  # its test function's name
        self.nodeid = ""
        self.requirements: list[str] = []
        self.step = ""
        self.test_t0_s = 0.0
        self.outcome = ""               # of the last test that ended
        self._wall0_s: float | None = None
        self._bench0_s: float | None = None

    def observe(self, entry: Mapping[str, Any], wall_s: float) -> bool:
        """Take one record entry seen at wall time ``wall_s`` (seconds, any origin); True when it was
        a progress entry."""
        kind, t_s = entry.get("kind"), float(entry.get("t_s") or 0.0)
        if kind not in PROGRESS_KINDS:
            return False
        if self._wall0_s is None:
            self._wall0_s, self._bench0_s = wall_s, t_s
        if kind == "test_start":
            self.index += 1
            self.nodeid, self.test_t0_s = str(entry.get("nodeid")), t_s
            self.requirements = [str(r) for r in entry.get("requirements") or []]
            self.name = str(entry.get("name") or "")
            self.label = f"{','.join(self.requirements)} {entry.get('name')}".strip()
            self.step, self.outcome = "starting", ""
        elif kind == "step":
            self.step = str(entry.get("text"))
        else:
            self.finished.add(str(entry.get("nodeid")))
            self.outcome = str(entry.get("outcome"))
        return True

    def remaining_bench_s(self, t_s: float) -> float:
        """Estimated bench seconds still to run at bench time ``t_s``."""
        rest = sum(self.estimates_s.get(n, 0.0) for n in self.planned if n not in self.finished and n != self.nodeid)
        if self.nodeid and self.nodeid not in self.finished:
            rest += max(0.0, self.estimates_s.get(self.nodeid, 0.0) - (t_s - self.test_t0_s))
        return rest

    def eta_s(self, t_s: float, wall_s: float) -> float | None:
        """Wall seconds still to run at bench time ``t_s`` and wall time ``wall_s``; None before the
        pace is known."""
        if self._wall0_s is None or self._bench0_s is None or t_s - self._bench0_s < MIN_PACE_BENCH_S:
            return None
        pace = (wall_s - self._wall0_s) / (t_s - self._bench0_s)
        return self.remaining_bench_s(t_s) * pace

    def eta_text(self, t_s: float, wall_s: float) -> str:
        """``ETA 3 min 10 s`` (wall time), ``ETA \u2014`` before the pace is known."""
        eta = self.eta_s(t_s, wall_s)
        return "ETA \u2014" if eta is None else f"ETA {format_duration_s(eta)}"

    def counter(self) -> str:
        """``[k/N]``: the test running of the tests planned."""
        return f"[{self.index}/{max(len(self.planned), self.index)}]"


def measure_bench_times(records: Iterable[Path]) -> dict[str, float]:
    """Per test node id, the longest ``test_end.t_s - test_start.t_s`` over the ``records``."""
    longest: dict[str, float] = {}
    for record in records:
        started: dict[str, float] = {}
        with record.open(encoding="utf-8") as fh:
            for line in fh:
                if '"kind":"test_' not in line and '"kind": "test_' not in line:
                    continue
                entry = json.loads(line)
                if entry.get("kind") == "test_start":
                    started[entry["nodeid"]] = float(entry["t_s"])
                elif entry.get("kind") == "test_end" and entry.get("nodeid") in started:
                    took = float(entry["t_s"]) - started.pop(entry["nodeid"])
                    longest[entry["nodeid"]] = max(took, longest.get(entry["nodeid"], 0.0))
    return longest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.estimate",
                                     description="measure the bench time of each test from campaign records")
    parser.add_argument("records", nargs="+", type=Path, help="record.jsonl files of the reference campaigns")
    parser.add_argument("--write", action="store_true", help=f"replace {BENCH_TIMES_FILE.name} with the result")
    args = parser.parse_args(argv)
    times = measure_bench_times(args.records)
    header = ("# Bench time per compliance test, seconds: the longest test_start -> test_end over the campaigns\n"
              "# of the simulated reference devices. Read by bench/estimate.py for the start banner and the ETA\n"
              "# of `flexbench run`. Regenerate: python -m bench.estimate out/demo/*/record.jsonl --write\n")
    body = {"measured": {"date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
                         "records": sorted(p.parent.name for p in args.records)},
            "tests": {k: round(v, 1) for k, v in sorted(times.items())}}
    text = header + yaml.safe_dump(body, sort_keys=False, width=200)
    if args.write:
        BENCH_TIMES_FILE.write_text(text, encoding="utf-8")
        print(f"{BENCH_TIMES_FILE}: {len(times)} tests")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
