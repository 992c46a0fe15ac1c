"""Parallel benches sharing instruments through a real labgrid coordinator (issue 17 items 2 and 4).

One scenario, its phases overlapping so that the coordinator's 60-75 s expiry of a killed holder's
reservation is spent running the other benches:

* bench K holds place ``crash-grid`` and is killed with SIGKILL; bench W, waiting for that place,
  gets it only through the coordinator's own expiry of K's reservation (nobody releases it);
* benches A, B and C contend for place ``shared-grid`` (A is stopped with SIGSTOP while it holds it,
  so the others meet a held place): B (``wait_s`` 0) exits 2 naming A, C waits and runs after A, G
  is stopped with SIGTERM while it waits and leaves the coordinator's queue; D runs beside them with
  no place;
* bench F holds ``term-grid`` and is stopped with SIGTERM: it releases the place on its way out;
* A, C, D and W record into ONE PostgreSQL store (``flexbench run --db``).

Asserted: nothing lost (every package is in the store, each requirement's verdict and each check's
measured value and verdict equal its report.json), no double reservation (the hold intervals of a
place in the records never overlap, and the coordinator, watched every 0.1 s, never showed two
reservations holding one place).
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.places import CoordinatorSession
from labgrid_coordinator import running_coordinator
from postgres_cluster import cluster_or_skip
from proof_campaigns import REPO, campaign_command, write_bench

PLACES = ("shared-grid", "crash-grid", "term-grid")
QUICK = ["PV-SUNSPEC-DISCOVERY"]       # yes/no checks, ~2 s per campaign
NUMERIC = ["PV-HVRT"]                  # numeric checks, ~3 s per campaign
HELD = ("allocated", "acquired")


class Watch:
    """Polls the coordinator every 0.1 s: the most reservations that held one place at once."""

    def __init__(self, address: str) -> None:
        self.session = CoordinatorSession(address, "tests/watch")
        self.most_holders: dict[str, int] = dict.fromkeys(PLACES, 0)
        self.holders_seen: dict[str, list[str]] = {p: [] for p in PLACES}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            reservations = self.session.reservations().values()
            for place in PLACES:
                owners = [r.owner for r in reservations if r.state in HELD and place in r.places]
                self.most_holders[place] = max(self.most_holders[place], len(owners))
                for owner in owners:
                    if owner not in self.holders_seen[place]:
                        self.holders_seen[place].append(owner)

    def holder(self, place: str) -> str | None:
        return self.session.holder(place)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.session.close()


class Benches:
    def __init__(self, root: Path, coordinator: str, db: str) -> None:
        self.root, self.coordinator, self.db = root, coordinator, db
        self.procs: dict[str, subprocess.Popen[str]] = {}

    def out(self, name: str) -> Path:
        return self.root / f"out-{name}"

    def command(self, name: str, *, place: str | None, wait_s: float = 0.0, requirements: list[str] = QUICK,
                db: bool = True) -> list[str]:
        edit: dict[str, Any] = {"name": f"bench {name}"}
        if place is not None:
            edit["place"] = {"name": place, "coordinator": self.coordinator, "wait_s": wait_s}
        bench = write_bench(self.root, edit, name=f"bench-{name}")
        cmd = campaign_command(self.out(name), requirements=requirements, bench=bench)
        return cmd + (["--db", self.db] if db else [])

    def start(self, name: str, **kwargs: Any) -> subprocess.Popen[str]:
        proc = subprocess.Popen(self.command(name, **kwargs), cwd=REPO, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs[name] = proc
        return proc

    def finish(self, name: str, timeout_s: float = 120.0) -> tuple[int, str, str]:
        stdout, stderr = self.procs[name].communicate(timeout=timeout_s)
        return self.procs[name].returncode, stdout, stderr

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.communicate()


def _until(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _place_lines(out: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in (out / "record.jsonl").read_text().splitlines() if line.strip()]
    return [line for line in lines if line["kind"] == "place"]


def _interval(out: Path, end_if_killed: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    lines = {p["action"]: p for p in _place_lines(out)}
    start = dt.datetime.fromisoformat(lines["acquired"]["at_utc"])
    end = dt.datetime.fromisoformat(lines["released"]["at_utc"]) if "released" in lines else end_if_killed
    assert end is not None, f"{out}: no release of the place in the record"
    return start, end


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    cluster = cluster_or_skip()
    try:
        yield cluster.create_database()
    finally:
        cluster.stop()


def test_parallel_benches_share_places_and_one_store(tmp_path: Path, store_url: str) -> None:
    with running_coordinator(tmp_path / "coordinator", PLACES) as coordinator:
        watch = Watch(coordinator)
        benches = Benches(tmp_path, coordinator, store_url)
        try:
            _scenario(benches, watch)
        finally:
            benches.stop_all()
            watch.close()
    assert watch.most_holders == dict.fromkeys(PLACES, 1), "the coordinator showed two holders of one place"
    _assert_nothing_lost(benches, store_url, ["A", "C", "D", "W"])


def _scenario(benches: Benches, watch: Watch) -> None:
    # K takes crash-grid and dies without a word; W waits for the coordinator to expire K's reservation
    benches.start("K", place="crash-grid", db=False)
    record_k = benches.out("K") / "record.jsonl"
    _until(lambda: record_k.exists() and '"action":"acquired"' in record_k.read_text(), 30,
           "bench K's record to show crash-grid acquired")      # killed mid-campaign
    killed_owner = watch.holder("crash-grid")
    benches.procs["K"].kill()
    killed_at = dt.datetime.now(dt.timezone.utc)
    benches.start("W", place="crash-grid", wait_s=150)

    # meanwhile: A holds shared-grid (stopped there), B gives up at once, C queues, D needs no place
    benches.start("A", place="shared-grid", requirements=NUMERIC)
    _until(lambda: "bench A" in (watch.holder("shared-grid") or ""), 30, "bench A to hold shared-grid")
    benches.procs["A"].send_signal(signal.SIGSTOP)
    holder_a = watch.holder("shared-grid")
    benches.start("B", place="shared-grid", wait_s=0, db=False)
    code_b, _, stderr_b = benches.finish("B")
    assert code_b == 2 and f"is held by {holder_a}" in stderr_b, stderr_b
    assert not (benches.out("B") / "record.jsonl").exists()       # gave up before anything opened
    benches.start("C", place="shared-grid", wait_s=60)
    benches.start("D", place=None)
    benches.start("G", place="shared-grid", wait_s=60, db=False)
    for name in ("C", "G"):
        _until(lambda n=name: any(f"bench {n}" in r.owner for r in watch.session.reservations().values()), 30,
               f"bench {name} to queue for shared-grid")
    benches.procs["G"].send_signal(signal.SIGTERM)                  # stopped while it waits: leaves the queue
    code_g, _, stderr_g = benches.finish("G")
    assert code_g == 2 and not any("bench G" in r.owner for r in watch.session.reservations().values()), stderr_g
    time.sleep(0.5)                                                  # C waits while A holds it
    benches.procs["A"].send_signal(signal.SIGCONT)

    # F is stopped with SIGTERM while it holds term-grid: it releases the place on its way out
    benches.start("F", place="term-grid", db=False)
    record_f = benches.out("F") / "record.jsonl"
    _until(lambda: record_f.exists() and '"action":"acquired"' in record_f.read_text(), 30,
           "bench F's record to show term-grid acquired")
    benches.procs["F"].send_signal(signal.SIGTERM)
    code_f, _, stderr_f = benches.finish("F")
    assert code_f == 2, stderr_f
    assert watch.holder("term-grid") is None
    assert [p["action"] for p in _place_lines(benches.out("F"))] == ["acquired", "released"]

    results = {name: benches.finish(name) for name in ("A", "C", "D")}
    for name, (code, stdout, stderr) in results.items():
        assert code == 2 and "NOT indexed" not in stderr, f"bench {name}: {stdout}\n{stderr}"  # 2: a subset
    waiting = [p for p in _place_lines(benches.out("C")) if p["action"] == "waiting"]
    assert waiting and waiting[0]["holder"] == holder_a, f"bench C did not wait for A: {waiting}"
    place_c = json.loads((benches.out("C") / "report.json").read_text())["bench"]["place"]
    assert place_c["name"] == "shared-grid" and place_c["waited_for"] == [holder_a] and place_c["held_s"] > 0
    intervals = sorted(_interval(benches.out(n)) for n in ("A", "C"))
    for (_, end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
        assert end <= next_start, f"shared-grid held twice at once: {intervals}"

    code_w, stdout_w, stderr_w = benches.finish("W", timeout_s=180)
    assert code_w == 2 and "NOT indexed" not in stderr_w, f"{stdout_w}\n{stderr_w}"
    lines_w = {p["action"]: p for p in _place_lines(benches.out("W"))}
    assert lines_w["waiting"]["holder"] == killed_owner and lines_w["acquired"]["previous_holder"] == killed_owner
    assert json.loads((benches.out("W") / "report.json").read_text())["bench"]["place"]["waited_for"] == [killed_owner]
    after_kill_s = (dt.datetime.fromisoformat(lines_w["acquired"]["at_utc"]) - killed_at).total_seconds()
    assert 55.0 <= after_kill_s <= 90.0, f"W got crash-grid {after_kill_s:.1f} s after K was killed"
    k_start, _ = _interval(benches.out("K"), end_if_killed=killed_at)
    assert k_start < killed_at <= dt.datetime.fromisoformat(lines_w["acquired"]["at_utc"])
    print(f"crash-grid: free {after_kill_s:.1f} s after SIGKILL of its holder")


def _assert_nothing_lost(benches: Benches, url: str, names: list[str]) -> None:
    from lab.store import list_campaigns, open_store, show_campaign

    with open_store(url) as store:
        stored = {row.campaign_id for row in list_campaigns(store)}
        for name in names:
            report = json.loads((benches.out(name) / "report.json").read_text())
            assert report["campaign"]["id"] in stored, f"bench {name}: package not in the store"
            detail = show_campaign(store, report["campaign"]["id"])
            assert detail is not None and detail.bench_name == f"bench {name}"
            in_store = {r.requirement_id: (r.verdict, sorted((c.name, c.measured, c.verdict) for c in r.checks))
                        for r in detail.requirements}
            in_report = {r["id"]: (r["verdict"], sorted((c["name"], c["measured"], c["verdict"])
                                                         for c in r["checks"])) for r in report["requirements"]}
            assert in_store == in_report, f"bench {name}: the store differs from report.json"
        assert len(stored) == len(names)
