"""Benchmarks behind docs/performance.md (``make bench-perf``).

1. SCPI write+query round trip through the full driver stack (driver -> pyvisa-py SOCKET session
   -> loopback TCP -> the simulated lab *process* -> simulated instrument), with TCP_NODELAY on.
2. The demo campaign's bench-time / wall-time ratio (goal: at least 100), read from its record.

    .venv/bin/python benchmarks/run_all.py [--write docs/performance.md] [--iterations 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_common import measure  # noqa: E402  (same folder)
from bench.recorder import read_record
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


def demo_ratio() -> dict[str, float]:
    out = Path(tempfile.mkdtemp(prefix="flexbench-perf-"))
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter",
                            "--out", str(out), "--quiet"], cwd=REPO, stdout=subprocess.DEVNULL)
    wall_total = time.monotonic() - started
    entries = list(read_record(out / "record.jsonl"))
    end = entries[-1]
    wall_campaign = (dt.datetime.fromisoformat(end["wall_utc"])
                     - dt.datetime.fromisoformat(entries[0]["wall_utc"])).total_seconds()
    samples = sum(e["kind"] == "sample" for e in entries)
    return {"exit_code": code, "bench_time_s": end["t_s"], "wall_campaign_s": wall_campaign,
            "wall_total_s": wall_total, "samples": samples, "record_lines": len(entries),
            "ratio_campaign": end["t_s"] / wall_campaign, "ratio_total": end["t_s"] / wall_total}


def render(rows: list[tuple[str, dict[str, float]]], demo: dict[str, float]) -> str:
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
        "## Demo campaign: bench time vs wall time",
        "",
        "The full campaign of the reference PV inverter (`flexbench run --profile sim-pv-inverter`), "
        "virtual time on the simulated lab, recorder period 200 ms of bench time.",
        "",
        "| quantity | value |",
        "|---|---:|",
        f"| bench time covered | {demo['bench_time_s']:.0f} s ({demo['bench_time_s'] / 3600:.2f} h) |",
        f"| wall time, campaign (first to last record line) | {demo['wall_campaign_s']:.1f} s |",
        f"| wall time, whole command incl. start-up and report | {demo['wall_total_s']:.1f} s |",
        f"| samples recorded / record lines | {demo['samples']} / {demo['record_lines']} |",
        f"| **bench-time / wall-time ratio (campaign)** | **{demo['ratio_campaign']:.0f}** (goal >= 100) |",
        f"| ratio including start-up and report | {demo['ratio_total']:.0f} |",
        f"| campaign exit code | {demo['exit_code']} |",
        "",
    ]
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
    args = parser.parse_args()
    text = render(scpi_round_trips(args.iterations), demo_ratio())
    if args.write and Path(args.write).exists():
        text = keep_other_sections(text, Path(args.write).read_text(encoding="utf-8"))
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
