"""Feeder in the loop: the pandapower solve per feeder step, and the scenario campaign's bench/wall ratio.

1. ``FeederModel`` on bench/scenarios/sunny-afternoon.yaml: the time to build it (pandapower's import,
   the network and its voltage sensitivity) and the wall time of one step's solve (the P(U)
   neighbours' equilibrium plus pandapower's power flow), over every step of the scenario's day
   with the DUT exporting 5 kW;
2. the scenario campaign alone (``flexbench run --scenario sunny-afternoon --requirements
   PV-FEEDER-VOLTAGE``): the feeder test's bench time over its wall time (test_start to test_end).

Prints the markdown section of docs/performance.md; benchmarks/run_all.py appends it to the page.

    .venv/bin/python benchmarks/feeder_solve.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.feeder import load_scenario
from bench.recorder import read_record

REPO = Path(__file__).resolve().parent.parent
SCENARIO = "sunny-afternoon"
REQUIREMENT = "PV-FEEDER-VOLTAGE"
DUT_EXPORT_W = 5000.0


def solve_times() -> dict[str, Any]:
    scenario = load_scenario(SCENARIO)
    started = time.perf_counter()
    from bench.feeder.solver import FeederModel

    model = FeederModel(scenario)
    build_s = time.perf_counter() - started
    steps = int(scenario.bench_duration_s // scenario.step_s)
    solves_ms = sorted(1000.0 * model.solve(scenario.day_s(k * scenario.step_s), DUT_EXPORT_W).solve_s
                       for k in range(steps))
    return {"build_s": build_s, "steps": steps, "median_ms": statistics.median(solves_ms),
            "p90_ms": solves_ms[int(0.9 * (steps - 1))], "nodes": scenario.feeder.node_count,
            "neighbours": scenario.neighbour_count}


def scenario_campaign() -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="flexbench-perf-feeder-"))
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter", "--scenario",
                            SCENARIO, "--requirements", REQUIREMENT, "--out", str(out), "--quiet"],
                           cwd=REPO, stdout=subprocess.DEVNULL)
    wall_total_s = time.monotonic() - started
    entries = list(read_record(out / "record.jsonl"))
    start = next(e for e in entries if e["kind"] == "test_start")
    end = next(e for e in entries if e["kind"] == "test_end")
    wall_s = (dt.datetime.fromisoformat(end["wall_utc"]) - dt.datetime.fromisoformat(start["wall_utc"])).total_seconds()
    bench_s = end["t_s"] - start["t_s"]
    return {"exit_code": code, "bench_s": bench_s, "wall_s": wall_s, "ratio": bench_s / wall_s,
            "wall_total_s": wall_total_s}


def section(solve: dict[str, Any], campaign: dict[str, Any]) -> str:
    return "\n".join([
        "## Feeder in the loop",
        "",
        f"`benchmarks/feeder_solve.py` on `bench/scenarios/{SCENARIO}.yaml` ({solve['nodes']} nodes, "
        f"{solve['neighbours']} neighbours): the model built once, then one solve per feeder step.",
        "",
        "| quantity | value |",
        "|---|---:|",
        f"| model build (pandapower import, network, sensitivity) | {solve['build_s']:.2f} s |",
        f"| **solve per feeder step** (P(U) equilibrium + pandapower power flow), {solve['steps']} steps | "
        f"**{solve['median_ms']:.1f} ms** median, {solve['p90_ms']:.1f} ms p90 |",
        f"| scenario test: bench time / wall time (test_start to test_end) | {campaign['bench_s']:.0f} s / "
        f"{campaign['wall_s']:.1f} s: **ratio {campaign['ratio']:.0f}** |",
        f"| the whole `flexbench run --scenario {SCENARIO} --requirements {REQUIREMENT}` | "
        f"{campaign['wall_total_s']:.1f} s wall (exit code {campaign['exit_code']}: only one requirement "
        "runs, so INCONCLUSIVE = 2) |",
        "",
    ])


def main() -> int:
    print(section(solve_times(), scenario_campaign()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
