"""``make demo``: a full campaign of every reference device against the simulated lab.

Each campaign runs as its own ``flexbench run`` process (its own simulated lab) and writes the
signed report package in ``<out>/<profile>/`` (record.jsonl, report.json, report.html, report.pdf,
raw/, manifest). The demo exits 0 only when every reference device is COMPLIANT and every
package passes ``flexbench verify``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.config import PROFILE_DIR

# The compliant reference devices of the simulated lab, one campaign each.
DEMO_PROFILES = ["sim-pv-inverter", "sim-heat-pump-sgready"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/demo")
    parser.add_argument("--market", default=None, choices=["NL", "DE"])
    args = parser.parse_args(argv)
    out = Path(args.out)
    results: list[tuple[str, int, float]] = []
    for name in DEMO_PROFILES:
        profile = PROFILE_DIR / f"{name}.yaml"
        cmd = [sys.executable, "-m", "bench.cli", "run", "--profile", str(profile), "--out", str(out / name)]
        if args.market:
            cmd += ["--market", args.market]
        print(f"== campaign: {name} ({profile})", flush=True)
        started = time.monotonic()
        code = subprocess.call(cmd)
        results.append((name, code, time.monotonic() - started))
    print("\n== demo summary")
    verdicts = {0: "COMPLIANT", 1: "NON-COMPLIANT", 2: "INCONCLUSIVE", 3: "CONFIGURATION ERROR"}
    all_ok = True
    for name, code, wall in results:
        # the report package as a reviewer receives it: signed manifest checked by `flexbench verify`
        verified = subprocess.run([sys.executable, "-m", "bench.cli", "verify", str(out / name)],
                                  capture_output=True, text=True).returncode == 0
        all_ok = all_ok and code == 0 and verified
        print(f"  {name:28s} {verdicts.get(code, f'exit {code}'):20s} {wall:6.1f} s  "
              f"{'verified' if verified else 'NOT VERIFIED'}  report: {out / name / 'report.html'} (+ .pdf)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
