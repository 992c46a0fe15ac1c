"""Parallel benches: N (default 8) simulated benches run one campaign each at the same time, all
indexing into one PostgreSQL store (a throwaway cluster, tests/postgres_cluster.py); half of them
share one labgrid place on a real coordinator (``labgrid-coordinator``, tests/labgrid_coordinator.py)
and so run one after the other, the others need no place.

Measured: wall time from the first start to the last exit, campaigns per minute, each campaign's
wall time, import latency (the store's ``imported_at`` minus the package's signing time: the
``flexbench run --db`` step after the report), and the place wait of each sharing bench (``waited_s``
of its record's ``place`` line).

Prints the markdown section of docs/performance.md; benchmarks/run_all.py appends it to the page.

    .venv/bin/python benchmarks/parallel_benches.py [--benches 8] [--requirement PV-HVRT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]   # this checkout, and the shared test helpers

from labgrid_coordinator import running_coordinator  # noqa: E402
from postgres_cluster import PostgresCluster, find_bin_dir  # noqa: E402
from proof_campaigns import campaign_command, write_bench  # noqa: E402

PLACE = "shared-grid"


def run(benches: int = 8, requirement: str = "PV-HVRT") -> dict[str, Any]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries missing: .ci/system-deps installs the Debian package")
    work = Path(tempfile.mkdtemp(prefix="flexbench-parallel-"))
    cluster = PostgresCluster(bin_dir).start()
    try:
        url = cluster.create_database()
        with running_coordinator(work / "coordinator", (PLACE,)) as coordinator:
            commands = {}
            for i in range(benches):
                edit: dict[str, Any] = {"name": f"bench {i + 1}"}
                if i % 2 == 0:
                    edit["place"] = {"name": PLACE, "coordinator": coordinator, "wait_s": 600}
                bench = write_bench(work, edit, name=f"bench-{i + 1}")
                commands[i] = campaign_command(work / f"out-{i + 1}", requirements=[requirement],
                                               bench=bench) + ["--db", url]
            walls: dict[int, float] = {}
            failures: list[str] = []

            def one(i: int) -> None:
                t0 = time.monotonic()
                done = subprocess.run(commands[i], cwd=REPO, capture_output=True, text=True, timeout=1800)
                walls[i] = time.monotonic() - t0
                if "results store" not in done.stdout or "NOT indexed" in done.stderr:
                    failures.append(f"bench {i + 1}: exit {done.returncode}: {done.stderr[-500:]}")

            load_before = os.getloadavg()[0]
            started = time.monotonic()
            threads = [threading.Thread(target=one, args=(i,)) for i in commands]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall_s = time.monotonic() - started
        if failures:
            raise RuntimeError("; ".join(failures))
        return {"benches": benches, "requirement": requirement, "wall_s": wall_s,
                "campaign_wall_s": [walls[i] for i in sorted(walls)],
                "import_latency_s": _import_latencies(url),
                "waits_s": [_waited_s(work / f"out-{i + 1}") for i in range(0, benches, 2)],
                "pg_version": bin_dir.parent.name, "load_before": load_before}
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def _import_latencies(url: str) -> list[float]:
    from sqlalchemy import select

    from lab.store import open_store
    from lab.store.models import Campaign

    with open_store(url) as store, store.reading() as session:
        rows = session.execute(select(Campaign.imported_at, Campaign.signed_at)).all()
    return [(imported - signed).total_seconds() for imported, signed in rows if signed is not None]


def _waited_s(out: Path) -> float:
    for line in (out / "record.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("kind") == "place" and entry.get("action") == "acquired":
            return float(entry["waited_s"])
    raise RuntimeError(f"{out}: no place acquired in the record")


def section(r: dict[str, Any]) -> str:
    n, walls, imports, waits = r["benches"], r["campaign_wall_s"], r["import_latency_s"], r["waits_s"]
    per_min = n / r["wall_s"] * 60.0
    return "\n".join([
        "## Parallel benches: 8 simulated benches into one PostgreSQL store",
        "",
        f"`benchmarks/parallel_benches.py` on this machine (2 cores, shared with other jobs: 1-minute load "
        f"average {r['load_before']:.1f} at the start): {n} `flexbench run "
        f"--requirements {r['requirement']} --db postgresql://...` started at once, each with its own simulated lab "
        f"(a bench process and a lab process each), all indexing into one PostgreSQL {r['pg_version']} store "
        f"(throwaway cluster, fsync off). Every other bench names the same labgrid place (`place.wait_s` 600) on a "
        f"real `labgrid-coordinator`, so those {len(waits)} run their campaigns one after the other while the other "
        f"{n - len(waits)} need no place.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| wall time, first start to last exit | {r['wall_s']:.1f} s |",
        f"| campaigns per minute | {per_min:.1f} |",
        f"| one campaign's wall time (its place wait included), min / median / max | {min(walls):.1f} s / "
        f"{statistics.median(walls):.1f} s / {max(walls):.1f} s |",
        f"| import latency (signed -> in the store), median / max | {statistics.median(imports):.2f} s / "
        f"{max(imports):.2f} s |",
        f"| place wait of the {len(waits)} sharing benches, sorted | "
        f"{', '.join(f'{w:.1f} s' for w in sorted(waits))} |",
        "",
        "The place waits grow by about one campaign each: the coordinator hands the place to the next "
        "reservation as soon as the holder cancels its own (docs/shared-instruments.md). With 2 cores for "
        f"{2 * n} busy processes, a campaign's wall time is several times its time alone.",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--benches", type=int, default=8)
    parser.add_argument("--requirement", default="PV-HVRT")
    args = parser.parse_args()
    print(section(run(args.benches, args.requirement)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
