"""``flexbench instruments ...`` commands (registered into the main CLI).

* ``flexbench instruments scan [--resources R ...] [--sim [--sim-bench B]] [--no-discover]
  [--timeout-ms N] [--propose FILE] [--json]``: list VISA resources, ask ``*IDN?``, recognise
  models, and write a proposed bench config. Exit 0 when at least one instrument was recognised,
  2 when none was.
* ``flexbench instruments check BENCH [--json] [--transcript FILE]``: open every instrument of a bench config
  read-only and report identity, error queue, output state and protection settings, and list the
  commands each driver may send that no public source confirms. Exit 0 when no problem was found,
  2 otherwise, 3 on a configuration error (unconfirmed commands are listed, not a problem).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.errors import ConfigError

__all__ = ["register"]

EXIT_OK, EXIT_PROBLEM = 0, 2


def _cmd_scan(args: argparse.Namespace) -> int:
    from instruments.scan import (SimLabScan, assign_roles, discover_resources, propose_bench_yaml,
                                  scan_resources)

    notes: list[str] = []
    resources: list[str] = []
    if not args.no_discover:
        found, discovery_notes = discover_resources()
        resources += found
        notes += discovery_notes
    resources += list(args.resources or [])
    lab = SimLabScan(bench=args.sim_bench) if args.sim else None
    if lab is not None:
        lab.__enter__()
    try:
        simulated = list(lab.resources) if lab is not None else []
        results = scan_resources(resources + simulated, timeout_ms=args.timeout_ms, simulated=simulated)
    finally:
        if lab is not None:
            lab.__exit__(None, None, None)
    notes += assign_roles(results, simulated_lab=lab is not None)
    if args.json:
        print(json.dumps({"instruments": [r.as_dict() for r in results], "notes": notes}, indent=2))
    else:
        for r in results:
            what = f"{r.model_key} -> {r.role or '(no role)'}" if r.model_key else f"unrecognised: {r.error}"
            print(f"{r.resource:45s} {r.idn or '-'}\n{'':45s} {what}")
        for note in notes:
            print(f"note: {note}")
    if args.propose:
        text = propose_bench_yaml(results, simulated_lab=lab is not None, notes=notes)
        path = Path(args.propose)
        path.write_text(text, encoding="utf-8")
        from bench.config import load_bench_config

        try:
            load_bench_config(path)
        except ConfigError as exc:
            print(f"proposed bench config {path} is NOT valid yet: {exc}")
            return EXIT_PROBLEM
        print(f"proposed bench config written to {path}: review it before use")
    return EXIT_OK if any(r.model_key for r in results) else EXIT_PROBLEM


def _cmd_check(args: argparse.Namespace) -> int:
    from instruments.check import check_bench

    config, results = check_bench(args.bench)
    if args.transcript:
        Path(args.transcript).write_text(json.dumps(
            {r.role: {"model": r.model, "idn": r.idn, "pairs": r.transcript} for r in results}, indent=2),
            encoding="utf-8")
    if args.json:
        print(json.dumps({"bench": str(config.file), "instruments": [r.as_dict() for r in results]},
                         indent=2, default=str))
    else:
        print(f"bench {config.file} ({'simulated lab' if config.lab.simulated else 'hardware'}), "
              "read-only: nothing was switched on")
        for r in results:
            print(f"\n[{r.role}] {r.model} at {r.resource}")
            print(f"  identity:        {r.idn or '-'} (recognised as {r.recognised_model or '-'})")
            print(f"  error queue:     {'; '.join(r.errors_found) or 'empty'}")
            for key, value in r.output.items():
                print(f"  {key + ':':16s} {value}")
            for key, value in r.protection.items():
                print(f"  {key + ':':16s} {value}")
            if r.errors_from_check:
                print(f"  errors raised by the check's queries: {'; '.join(r.errors_from_check)}")
            if r.refused:
                print(f"  not sent (read-only): {', '.join(r.refused)}")
            if r.unconfirmed_commands:
                print(f"  unconfirmed commands the driver may send ({len(r.unconfirmed_commands)}, confirm on the "
                      f"instrument; docs/instrument-command-sources.md): {', '.join(r.unconfirmed_commands)}")
            print("  " + ("OK" if not r.problems else "PROBLEMS: " + "; ".join(r.problems)))
    return EXIT_OK if all(not r.problems for r in results) else EXIT_PROBLEM


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``instruments`` command group to the main parser."""
    group = sub.add_parser("instruments", help="find, recognise and check instruments (read-only)")
    commands = group.add_subparsers(dest="instruments_command", required=True)

    scan = commands.add_parser("scan", help="list VISA resources, ask *IDN?, propose a bench config")
    scan.add_argument("--resources", nargs="+", metavar="R", default=[],
                      help="resources to ask as well (a SOCKET port cannot be discovered)")
    scan.add_argument("--timeout-ms", type=int, default=1000, help="I/O timeout per resource (ms)")
    scan.add_argument("--propose", metavar="FILE", default=None,
                      help="write a proposed flexbench-bench/1 config for what was recognised")
    scan.add_argument("--sim", action="store_true",
                      help="start the simulated lab and scan its instrument ports too")
    scan.add_argument("--sim-bench", default=None,
                      help="bench config whose simulated lab --sim starts (default: the simulated lab)")
    scan.add_argument("--no-discover", action="store_true",
                      help="skip pyvisa-py resource discovery (only --resources / --sim)")
    scan.add_argument("--json", action="store_true", help="print the findings as JSON")
    scan.set_defaults(func=_cmd_scan)

    check = commands.add_parser("check", help="read-only check of every instrument of a bench config")
    check.add_argument("bench", help="bench config YAML")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.add_argument("--transcript", metavar="FILE", default=None,
                       help="write the check's wire exchange per instrument as (sent, reply) pairs (JSON)")
    check.set_defaults(func=_cmd_check)
