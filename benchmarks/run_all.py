"""Benchmarks behind docs/performance.md (``make bench-perf``); every figure of a page comes from one run.

1. SCPI write+query round trip through the full driver stack (driver -> pyvisa-py SOCKET session
   -> loopback TCP -> the simulated lab *process* -> simulated instrument), with TCP_NODELAY on.
2. The SunSpec Modbus server's cost per model read (benchmarks/sunspec_server.py).
3. The reference PV campaign alone: bench-time / wall-time ratio, read from its record.
4. The whole demo (``python -m bench.demo``, two campaigns at a time): its wall time and ratio, and
   per reference campaign its bench time, wall time and ratio, and the time to build its report
   package again from its record (``reports.package.build_package``, as ``flexbench report`` does).
5. Acquisition blocks vs polling on the same test (``acquisition_vs_polling``): one requirement run
   with the bench config's ``clock.acquisition: false`` and with the default, both ratios.
6. With ``--make-test``: the wall time of ``make test`` (pytest -n 3 over tests/; long).
7. Feeder in the loop (benchmarks/feeder_solve.py): the solve per feeder step and the scenario's ratio.
8. Results store (benchmarks/results_store.py): import throughput and query latency with 10 000
   campaigns on SQLite and PostgreSQL (``--store-count N``; ``--skip-store`` leaves it out).
9. Parallel benches (benchmarks/parallel_benches.py): 8 simulated benches at once into one PostgreSQL
   store, half of them sharing one labgrid place: wall time, campaigns per minute, import latency,
   place waits.

    .venv/bin/python benchmarks/run_all.py [--write docs/performance.md] [--iterations 2000]
                                           [--skip-demo] [--make-test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import feeder_solve  # same folder
import parallel_benches  # same folder
import results_store  # same folder
import sunspec_server  # same folder
from benchmarks_common import measure  # noqa: E402  (same folder)
import yaml
from bench.config import DEFAULT_BENCH
from bench.demo import DEMO_PROFILES
from bench.recorder import read_record
from bench.yamlconf import load_yaml
from reports.package import build_package
from simlab.lab import LabSpec
from simlab.launcher import SimLabProcess
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.drivers.yokogawa_wt import YokogawaWT5000
from instruments.transport import VisaTransport

REPO = Path(__file__).resolve().parent.parent


def scpi_round_trips(iterations: int) -> list[tuple[str, dict[str, float]]]:
    spec = LabSpec(instruments={"ac_source": {"model": "chroma_61845"},
                                "power_analyzer": {"model": "yokogawa_wt5000"}})
    lab = SimLabProcess(spec)
    try:
        src = Chroma61845(VisaTransport(f"TCPIP::127.0.0.1::{lab.ports['ac_source']}::SOCKET", timeout_ms=2000),
                          name="ac_source")
        pa = YokogawaWT5000(VisaTransport(f"TCPIP::127.0.0.1::{lab.ports['power_analyzer']}::SOCKET",
                                          timeout_ms=2000), name="power_analyzer")
        pa.open()
        rows = [("AC source setting: write + SYSTem:ERRor? query",
                 measure(lambda: src.set_frequency_hz(50.0), iterations)),
                ("analyzer reading: one :NUMeric:NORMal:VALue? query (19 values)", measure(pa.read, iterations)),
                ("control channel: advance lab by one 200 ms tick", _advance_cost(lab, iterations))]
        src.close()
        pa.close()
    finally:
        lab.stop()
    return rows


def _advance_cost(lab: SimLabProcess, iterations: int) -> dict[str, float]:
    t = [0.0]

    def tick() -> None:
        t[0] += 0.2
        lab.advance_to(t[0])

    return measure(tick, iterations)


def record_figures(record: Path) -> dict[str, float]:
    """Bench time, campaign wall time (first to last record line) and their ratio, from a record."""
    entries = list(read_record(record))
    end = entries[-1]
    wall_campaign = (dt.datetime.fromisoformat(end["wall_utc"])
                     - dt.datetime.fromisoformat(entries[0]["wall_utc"])).total_seconds()
    return {"bench_time_s": end["t_s"], "wall_campaign_s": wall_campaign,
            "samples": sum(e["kind"] == "sample" for e in entries), "record_lines": len(entries),
            "ratio_campaign": end["t_s"] / wall_campaign}


def report_build_time(campaign_dir: Path) -> dict[str, float]:
    """Wall and CPU time of building the report package again from the campaign's record alone
    (in a fresh folder: report.json/.html/.pdf, raw/, manifest), in this process."""
    scratch = Path(tempfile.mkdtemp(prefix="flexbench-perf-report-"))
    try:
        shutil.copyfile(campaign_dir / "record.jsonl", scratch / "record.jsonl")
        wall0, cpu0 = time.perf_counter(), time.process_time()
        build_package(scratch / "record.jsonl", scratch, dev_key_dir=scratch / "keys")
        return {"report_wall_s": time.perf_counter() - wall0, "report_cpu_s": time.process_time() - cpu0}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def demo_ratio() -> dict[str, float]:
    """The reference PV campaign alone (``flexbench run``), as one user runs it."""
    out = Path(tempfile.mkdtemp(prefix="flexbench-perf-"))
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter",
                            "--out", str(out), "--quiet"], cwd=REPO, stdout=subprocess.DEVNULL)
    wall_total = time.monotonic() - started
    figures = record_figures(out / "record.jsonl")
    return {"exit_code": code, **figures, "wall_total_s": wall_total,
            "ratio_total": figures["bench_time_s"] / wall_total, **report_build_time(out)}


def whole_demo() -> dict[str, Any]:
    """``python -m bench.demo`` once: its wall time, and per reference campaign the figures of its
    record and the time to rebuild its report package."""
    out = Path(tempfile.mkdtemp(prefix="flexbench-perf-demo-"))
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "bench.demo", "--out", str(out)], cwd=REPO,
                           stdout=subprocess.DEVNULL)
    wall_s = time.monotonic() - started
    campaigns = {name: {**record_figures(out / name / "record.jsonl"), **report_build_time(out / name)}
                 for name in DEMO_PROFILES if (out / name / "record.jsonl").exists()}
    bench_s = sum(c["bench_time_s"] for c in campaigns.values())
    return {"exit_code": code, "wall_s": wall_s, "bench_time_s": bench_s, "ratio": bench_s / wall_s,
            "campaigns": campaigns}


ACQUISITION_TESTS = [("sim-pv-inverter", "PV-PU-RESPONSE"), ("sim-heat-pump-sgready", "HP-SGREADY-BLOCK-DURATION")]
"""The tests run with and without the analyzer's block acquisition: a response sampled every 0.1 s,
and a two-hour observation at coarse periods."""


def _run_requirement(profile: str, requirement: str, bench_file: Path, out: Path) -> dict[str, float]:
    started = time.monotonic()
    subprocess.call([sys.executable, "-m", "bench.cli", "run", "--profile", profile, "--requirements",
                     requirement, "--bench", str(bench_file), "--out", str(out), "--quiet"],
                    cwd=REPO, stdout=subprocess.DEVNULL)
    return {"wall_total_s": time.monotonic() - started, **record_figures(out / "record.jsonl")}


def _check_lines(record: Path) -> list[tuple[Any, ...]]:
    """What a campaign judged: each check's requirement, name, verdict and measured value."""
    return [(e.get("requirement"), e.get("name"), e.get("verdict"), e.get("measured"))
            for e in read_record(record) if e["kind"] == "check"]


def acquisition_vs_polling() -> list[dict[str, Any]]:
    """Acquisition blocks vs polling on the same test (issue 12 item 5): each of
    :data:`ACQUISITION_TESTS` run twice, with the bench config's ``clock.acquisition: false`` (the clock
    ticks and polls the analyzer at every sample) and with the default (the analyzer acquires, the
    clock advances in large steps); both walls and ratios, and whether the two runs judged the same."""
    out = Path(tempfile.mkdtemp(prefix="flexbench-perf-acq-"))
    default = load_yaml(DEFAULT_BENCH).data
    results = []
    try:
        for profile, requirement in ACQUISITION_TESTS:
            runs: dict[str, dict[str, float]] = {}
            checks: dict[str, list[tuple[Any, ...]]] = {}
            for name, acquisition in (("polling", False), ("blocks", True)):
                bench_file = out / f"bench-{name}.yaml"
                clock = {**default.get("clock", {}), "acquisition": acquisition}
                bench_file.write_text(yaml.safe_dump({**default, "clock": clock}), encoding="utf-8")
                runs[name] = _run_requirement(profile, requirement, bench_file, out / f"{requirement}-{name}")
                checks[name] = _check_lines(out / f"{requirement}-{name}" / "record.jsonl")
            results.append({"test": f"{requirement} on {profile}", "checks": checks["blocks"],
                            "same_checks": checks["polling"] == checks["blocks"], **runs})
        return results
    finally:
        shutil.rmtree(out, ignore_errors=True)


def make_test_wall_time() -> dict[str, Any]:
    """Wall time of ``make test``'s command (pytest -n 3 over tests/), with its summary line."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "3", "-p", "no:cacheprovider", "-q", "tests"],
                          cwd=REPO, capture_output=True, text=True)
    wall_s = time.monotonic() - started
    summary = next((line.strip("= ") for line in reversed(proc.stdout.splitlines())
                    if re.search(r"\d+ (passed|failed)", line)), "")
    return {"exit_code": proc.returncode, "wall_s": wall_s, "summary": summary}


def render(rows: list[tuple[str, dict[str, float]]], demo: dict[str, float],
           sunspec: list[tuple[str, dict[str, float]]], whole: dict[str, Any] | None,
           acquisition: list[dict[str, Any]] | None, make_test: dict[str, Any] | None) -> str:
    lines = [
        "# Performance",
        "",
        f"Measured {dt.datetime.now(dt.UTC).date().isoformat()} by `make bench-perf` (`benchmarks/run_all.py`) on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        "Numbers move with machine load; rerun to compare.",
        "",
        "## SCPI round trips through the driver stack (loopback, simulated lab in its own process)",
        "",
        "driver -> `VisaTransport` (pyvisa-py `TCPIP::127.0.0.1::<port>::SOCKET`, TCP_NODELAY set by "
        "the transport) -> simulated lab process -> simulated instrument.",
        "",
        "| operation | n | median (µs) | p90 (µs) |",
        "|---|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(f"| {name} | {r['iterations']} | {r['median_us']:.0f} | {r['p90_us']:.0f} |")
    lines += [
        "",
        "Without TCP_NODELAY, a write followed by a query waits for the peer's delayed ACK "
        "(Nagle): about 44 ms per setting on Linux loopback (measured with "
        "`benchmarks/scpi_roundtrip.py`, which also shows the in-process numbers).",
        "",
        "## SunSpec Modbus server: cost per model read",
        "",
        "`benchmarks/sunspec_server.py`: the simulated inverter's SunSpec image served by "
        "`links/sunspec_modbus/server.py` in an asyncio loop; a raw Modbus TCP client on loopback reads whole "
        "models (requests of at most 125 registers). The data path is the server's datastore call alone.",
        "",
        "| operation | n | median (µs) | p90 (µs) |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {r['iterations']} | {r['median_us']:.0f} | {r['p90_us']:.0f} |" for name, r in sunspec],
        "",
        "## Demo campaign: bench time vs wall time",
        "",
        "The full campaign of the reference PV inverter alone (`flexbench run --profile sim-pv-inverter`), "
        "virtual time on the simulated lab.",
        "",
        "| quantity | value |",
        "|---|---:|",
        f"| bench time covered | {demo['bench_time_s']:.0f} s ({demo['bench_time_s'] / 3600:.2f} h) |",
        f"| wall time, campaign (first to last record line) | {demo['wall_campaign_s']:.1f} s |",
        f"| wall time, whole command incl. start-up and report | {demo['wall_total_s']:.1f} s |",
        f"| samples recorded / record lines | {demo['samples']} / {demo['record_lines']} |",
        f"| **bench-time / wall-time ratio (campaign)** | **{demo['ratio_campaign']:.0f}** (goal >= 600) |",
        f"| ratio including start-up and report | {demo['ratio_total']:.0f} |",
        f"| report package build from the record (wall / CPU) | {demo['report_wall_s']:.2f} s / "
        f"{demo['report_cpu_s']:.2f} s (goal < 2 s) |",
        f"| campaign exit code | {demo['exit_code']} |",
        "",
    ]
    if whole is not None:
        lines += [
            "## Whole demo: every reference device",
            "",
            "`python -m bench.demo` (two campaigns at a time, each its own `flexbench run` process and lab), "
            "then each campaign's report package built again from its record alone, one after another "
            "(`reports.package.build_package`).",
            "",
            f"**Demo: {whole['bench_time_s']:.0f} s of bench time in {whole['wall_s']:.1f} s wall, ratio "
            f"{whole['ratio']:.0f}** (goals: under 60 s, ratio >= 2400; exit code {whole['exit_code']}).",
            "",
            "| campaign | bench time (s) | wall, campaign (s) | ratio | report build wall / CPU (s) |",
            "|---|---:|---:|---:|---:|",
            *[f"| {name} | {c['bench_time_s']:.0f} | {c['wall_campaign_s']:.1f} | {c['ratio_campaign']:.0f} | "
              f"{c['report_wall_s']:.2f} / {c['report_cpu_s']:.2f} |" for name, c in whole["campaigns"].items()],
            "",
        ]
    if acquisition is not None:
        lines += ["## Acquisition blocks vs polling on the same test", "",
                  "Each test alone (`flexbench run --requirements`), once with the bench config's "
                  "`clock.acquisition: false` (the virtual clock ticks at every sample period and queries the "
                  "analyzer at each tick) and once with the default (the analyzer acquires on its own, the clock "
                  "advances in large steps of at most 10 s and reads the stored block back). Same sampling "
                  "instants: the last column compares the two records' check lines (verdict, measured value).", "",
                  "| test | bench time (s) | polling: wall (s) / ratio | blocks: wall (s) / ratio | "
                  "checks (verdicts) | identical |", "|---|---:|---:|---:|---|---|"]
        for a in acquisition:
            poll, blocks = a["polling"], a["blocks"]
            verdicts = ", ".join(str(c[2]) for c in a["checks"])
            lines.append(f"| {a['test']} | {blocks['bench_time_s']:.0f} | {poll['wall_campaign_s']:.1f} / "
                         f"**{poll['ratio_campaign']:.0f}** | {blocks['wall_campaign_s']:.1f} / "
                         f"**{blocks['ratio_campaign']:.0f}** | {len(a['checks'])} ({verdicts}) | "
                         f"{'yes' if a['same_checks'] else 'NO'} |")
        lines += ["", "Wall time is the campaign's (first to last record line). In simulation the lab's physics "
                  "(20 ms steps, or one step to a device's quiet horizon: simlab/physics.py) and the round trips "
                  "share the cost, so fewer round trips gain little here; on hardware the acquisition is what "
                  "makes sub-cycle timing reachable at all (issue 12).", ""]
    if make_test is not None:
        lines += ["## make test", "",
                  f"`python -m pytest -n 3 -p no:cacheprovider tests` (what `make test` runs): "
                  f"**{make_test['wall_s'] / 60:.1f} min** wall (goal < 6 min), exit code {make_test['exit_code']}, "
                  f"{make_test['summary']}.", ""]
    return "\n".join(lines)


def _sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, text) of each ``## `` section of a markdown page."""
    out: list[tuple[str, str]] = []
    for chunk in ("\n" + markdown).split("\n## ")[1:]:
        heading = chunk.split("\n", 1)[0].strip()
        out.append((heading, "## " + chunk.rstrip() + "\n"))
    return out


def keep_other_sections(generated: str, existing: str) -> str:
    """The generated page followed by the existing page's sections this script does not write
    (other benchmarks keep their own sections in docs/performance.md)."""
    ours = {heading for heading, _ in _sections(generated)}
    others = [text for heading, text in _sections(existing) if heading not in ours]
    return generated.rstrip() + "\n\n" + "\n".join(others) if others else generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="PATH", help="write the markdown here (else print it)")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--skip-demo", action="store_true", help="leave out the whole demo (several minutes)")
    parser.add_argument("--make-test", action="store_true", help="also time make test's pytest run (long)")
    parser.add_argument("--store-count", type=int, default=10_000, help="campaigns in the results-store benchmark")
    parser.add_argument("--skip-store", action="store_true", help="leave out the results-store benchmark")
    parser.add_argument("--skip-parallel", action="store_true", help="leave out the parallel-benches benchmark")
    args = parser.parse_args()
    text = render(scpi_round_trips(args.iterations), demo_ratio(), sunspec_server.run(args.iterations),
                  None if args.skip_demo else whole_demo(), acquisition_vs_polling(),
                  make_test_wall_time() if args.make_test else None)
    text = text.rstrip() + "\n\n" + feeder_solve.section(feeder_solve.solve_times(), feeder_solve.scenario_campaign())
    if not args.skip_store:
        text = text.rstrip() + "\n\n" + results_store.section(results_store.run(args.store_count))
    if not args.skip_parallel:
        text = text.rstrip() + "\n\n" + parallel_benches.section(parallel_benches.run())
    if args.write and Path(args.write).exists():
        text = keep_other_sections(text, Path(args.write).read_text(encoding="utf-8"))
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
