"""``make demo``: a full campaign of every reference device against the simulated lab.

Each campaign runs as its own ``flexbench run`` process (its own simulated lab; ``--jobs`` of them
at once, 2 by default for a 2-core machine) and writes the signed report package in
``<out>/<profile>/`` (record.jsonl, report.json, report.html, report.pdf, raw/, manifest); its
console output goes to ``<out>/<profile>.log``. The demo exits 0 only when every reference device is COMPLIANT and every
package passes ``flexbench verify``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import IO
from pathlib import Path

from bench.config import PROFILE_DIR

# The compliant reference devices of the simulated lab, one campaign each.
# Started in this order, the longest campaigns first (so the last ones to finish are short).
DEMO_PROFILES = ["sim-pv-inverter", "sim-ev-charger-201", "sim-pv-inverter-1ph", "sim-hybrid-inverter",
                 "sim-ev-charger-16j-11kw", "sim-ev-charger-1ph", "sim-heat-pump-modbus", "sim-heat-pump-sgready",
                 "sim-hybrid-heat-pump", "sim-heat-pump-s2", "sim-home-battery"]
# Campaigns that also run a feeder scenario (bench/scenarios/, docs/feeder.md) with their suites.
DEMO_SCENARIOS = {"sim-pv-inverter": "sunny-afternoon"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/demo")
    parser.add_argument("--market", default=None, choices=["NL", "DE"])
    parser.add_argument("--jobs", type=int, default=2, help="campaigns run at once (default 2)")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="index every signed package in this results store (flexbench run --db)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, tuple[int, float]] = {}
    verified: dict[str, bool] = {}
    pending = list(DEMO_PROFILES)
    running: dict[str, tuple[subprocess.Popen[bytes], float, IO[str]]] = {}
    finished: list[str] = []
    while pending or running or finished:
        while pending and len(running) < max(1, args.jobs):
            name = pending.pop(0)
            profile = PROFILE_DIR / f"{name}.yaml"
            # the demo owns its folders: a rerun replaces the previous demo's reports (recorded as such)
            cmd = [sys.executable, "-m", "bench.cli", "run", "--profile", str(profile), "--out", str(out / name),
                   "--force"]
            if args.market:
                cmd += ["--market", args.market]
            if name in DEMO_SCENARIOS:
                cmd += ["--scenario", DEMO_SCENARIOS[name]]
            if args.db:
                cmd += ["--db", args.db]
            log: IO[str] = open(out / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115  closed when the campaign ends
            print(f"== campaign started: {name} ({profile}); log {out / f'{name}.log'}", flush=True)
            running[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), time.monotonic(), log)
        for name in finished:       # checked while the next campaigns run
            verified[name] = _verify(out / name)
        finished.clear()
        time.sleep(0.2)
        for name, (proc, started, log) in list(running.items()):
            if proc.poll() is not None:
                log.close()
                results[name] = (proc.returncode, time.monotonic() - started)
                del running[name]
                finished.append(name)
                tail = (out / f"{name}.log").read_text(encoding="utf-8").strip().splitlines()[-2:]
                print(f"== campaign finished: {name} (exit {proc.returncode})", *("   " + t for t in tail),
                      sep="\n", flush=True)
    print("\n== demo summary")
    verdicts = {0: "COMPLIANT", 1: "NON-COMPLIANT", 2: "INCONCLUSIVE", 3: "CONFIGURATION ERROR"}
    all_ok = True
    for name in DEMO_PROFILES:
        code, wall = results[name]
        all_ok = all_ok and code == 0 and verified[name]
        print(f"  {name:28s} {verdicts.get(code, f'exit {code}'):20s} {wall:6.1f} s  "
              f"{'verified' if verified[name] else 'NOT VERIFIED'}  report: {out / name / 'report.html'} (+ .pdf)")
    return 0 if all_ok else 1


def _verify(package: Path) -> bool:
    """The report package as a reviewer receives it: its signed manifest checked by `flexbench verify`.
    Signed with this user's development key unless a lab key is configured (then the lab's public key
    must be in FLEXBENCH_TRUSTED_KEYS): verify trusts only what it is told to trust."""
    trust = [] if os.environ.get("FLEXBENCH_LAB_KEY") else ["--trust-development-key"]
    return subprocess.run([sys.executable, "-m", "bench.cli", "verify", str(package), *trust],
                          capture_output=True, text=True).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
