"""Results store at lab scale: import throughput and query latency with N (default 10 000) campaigns,
on SQLite (one file, WAL) and on PostgreSQL (a throwaway cluster, tests/postgres_cluster.py).

1. One real signed package: ``flexbench run --requirements PV-HVRT`` (or ``--package DIR``).
2. N packages derived from it (tests/store_packages.derive_package: another campaign id, model,
   serial, firmware, start time, measured values, some FAIL; report.json changed, the manifest
   re-signed with the development key; the other files hard-linked). Generation is timed apart.
3. Per backend: every package imported one after the other into an empty store by
   ``lab.store.import_package`` -- signature verification (re-hash of every file) included -- then
   the median and p95 of list-by-device, list-by-requirement+verdict, show and trend, each with
   random arguments.

Prints the markdown section of docs/performance.md; benchmarks/run_all.py appends it to the page.

    .venv/bin/python benchmarks/results_store.py [--count 10000] [--package DIR] [--queries 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]   # this checkout, and the shared test helpers

from lab.store import Trust, import_package, list_campaigns, open_store, show_campaign, trend  # noqa: E402
from postgres_cluster import PostgresCluster, find_bin_dir  # noqa: E402
from reports.integrity import load_signing_key  # noqa: E402
from store_packages import CAMPAIGN_PROFILE, CAMPAIGN_REQUIREMENT, TIMED_CHECK, derive_package  # noqa: E402

MODELS = 50            # models; each has SERIALS_PER_MODEL devices, tested on successive firmware versions
SERIALS_PER_MODEL = 4
FAIL_SHARE = 0.1
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def source_package(work: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    out = work / "source"
    subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", CAMPAIGN_PROFILE, "--requirements",
                    CAMPAIGN_REQUIREMENT, "--out", str(out), "--quiet"], cwd=REPO, check=False,
                   capture_output=True, timeout=600)
    if not (out / "manifest.sig").is_file():
        raise RuntimeError("the source campaign wrote no signed package")
    return out


def campaign_plan(count: int) -> list[dict[str, Any]]:
    """What each derived campaign is: model, serial, firmware (rising per device), start, FAIL or not."""
    rng = random.Random(17)
    plan = []
    for n in range(count):
        model_n = n % MODELS
        serial_n = (n // MODELS) % SERIALS_PER_MODEL
        round_n = n // (MODELS * SERIALS_PER_MODEL)
        plan.append({"campaign_id": f"bench{n:06d}", "model": f"SIM-PV-M{model_n:03d}",
                     "serial": f"SN{model_n:03d}-{serial_n}", "firmware": f"1.{round_n}.0",
                     "started": T0 + dt.timedelta(minutes=n), "measured_scale": rng.uniform(0.5, 1.5),
                     "fail": CAMPAIGN_REQUIREMENT if rng.random() < FAIL_SHARE else None})
    return plan


def generate(source: Path, root: Path, plan: list[dict[str, Any]]) -> tuple[list[Path], float]:
    key = load_signing_key()
    started = time.perf_counter()
    folders = [derive_package(source, root / p["campaign_id"], key=key, **p) for p in plan]
    return folders, time.perf_counter() - started


def _latency_ms(op: Callable[[random.Random], object], iterations: int) -> dict[str, float]:
    rng = random.Random(4)
    for _ in range(min(10, iterations)):
        op(rng)
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        op(rng)
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * (len(samples) - 1))]}


def measure_backend(url: str, folders: list[Path], plan: list[dict[str, Any]], queries: int) -> dict[str, Any]:
    trust = Trust(trusted_keys=(load_signing_key().public_raw,))
    with open_store(url) as store:
        started = time.perf_counter()
        for folder in folders:
            import_package(store, folder, trust)
        import_s = time.perf_counter() - started
        ids = [p["campaign_id"] for p in plan]

        def device(rng: random.Random) -> object:
            p = plan[rng.randrange(len(plan))]
            return list_campaigns(store, manufacturer="flexbench", model=p["model"], serial_number=p["serial"])

        def requirement_verdict(rng: random.Random) -> object:
            return list_campaigns(store, requirement=CAMPAIGN_REQUIREMENT, verdict=rng.choice(["FAIL", "PASS"]),
                                  limit=100)

        def show(rng: random.Random) -> object:
            return show_campaign(store, rng.choice(ids))

        def trend_of_model(rng: random.Random) -> object:
            return trend(store, CAMPAIGN_REQUIREMENT, model=f"SIM-PV-M{rng.randrange(MODELS):03d}", check=TIMED_CHECK)

        sizes = {"device": len(device(random.Random(1))), "trend": len(trend_of_model(random.Random(1)))}
        latency = {name: _latency_ms(op, queries) for name, op in (
            ("list by device", device), ("list by requirement + verdict (100 newest)", requirement_verdict),
            ("show", show), ("trend of one model", trend_of_model))}
    return {"count": len(folders), "import_s": import_s, "per_s": len(folders) / import_s, "latency": latency,
            "sizes": sizes}


def run(count: int, package: Path | None = None, queries: int = 300) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="flexbench-store-bench-"))
    try:
        source = source_package(work, package)
        plan = campaign_plan(count)
        folders, generate_s = generate(source, work / "packages", plan)
        files = sum(1 for p in source.rglob("*") if p.is_file())
        size_mb = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) / 1e6
        results: dict[str, Any] = {"count": count, "generate_s": generate_s, "files": files, "size_mb": size_mb,
                                   "queries": queries, "backends": {}}
        results["backends"]["SQLite"] = measure_backend(f"sqlite:///{work / 'results.sqlite3'}", folders, plan,
                                                        queries)
        bin_dir = find_bin_dir()
        if bin_dir is not None:
            cluster = PostgresCluster(bin_dir).start()
            try:
                results["pg_version"] = bin_dir.parent.name
                results["backends"]["PostgreSQL"] = measure_backend(cluster.create_database(), folders, plan, queries)
            finally:
                cluster.stop()
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def section(r: dict[str, Any]) -> str:
    backends = r["backends"]
    names = list(backends)
    pg = f"PostgreSQL {r['pg_version']} (throwaway cluster, fsync off)" if "PostgreSQL" in backends else ""
    lines = [
        "## Results store: import throughput and query latency",
        "",
        f"`benchmarks/results_store.py` on this machine (shared, 2 cores, other jobs running): "
        f"{r['count']:,} campaigns imported one after the other by `lab.store.import_package` into an empty "
        f"store on SQLite (one file, WAL){' and on ' + pg if pg else ''}. The packages are derived from one "
        f"real signed package (`flexbench run --requirements {CAMPAIGN_REQUIREMENT}`: {r['files']} files, "
        f"{r['size_mb']:.1f} MB) by changing campaign id, model, serial, firmware, start time and measured "
        f"values in report.json and re-signing the manifest with the development key "
        f"({MODELS} models x {SERIALS_PER_MODEL} devices, ~{FAIL_SHARE:.0%} FAIL); generating them took "
        f"{r['generate_s']:.0f} s and is not part of the figures. Import INCLUDES the signature "
        "verification (`reports.integrity.verify_folder`: every file of the package re-hashed).",
        "",
        "| quantity | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        f"| **import throughput** ({r['count']:,} packages, verification included) | "
        + " | ".join(f"**{backends[n]['per_s']:.0f} packages/s** ({backends[n]['import_s']:.0f} s)" for n in names)
        + " |",
    ]
    for query in backends[names[0]]["latency"]:
        lines.append(f"| {query}: median / p95 ({r['queries']} queries) | " + " | ".join(
            f"{backends[n]['latency'][query]['median_ms']:.1f} / {backends[n]['latency'][query]['p95_ms']:.1f} ms"
            for n in names) + " |")
    sizes = backends[names[0]]["sizes"]
    lines += ["", f"A device has about {sizes['device']} campaigns, a model's trend about {sizes['trend']} "
                  "points; `show` reads one campaign with its instruments, requirements and checks.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--package", type=Path, default=None, help="a signed package to derive from")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    print(section(run(args.count, args.package, args.queries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
