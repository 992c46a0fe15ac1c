"""The ``flexbench`` command line.

Exit codes of ``flexbench run``: 0 compliant, 1 non-compliant, 2 inconclusive (any bench error),
3 usage or configuration error. Output to a pipe its reader closed early ends quietly
(bench.console.guard_broken_pipes); the command keeps its own exit code.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import traceback
from pathlib import Path

from bench.errors import ConfigError, FlexbenchError
from bench.verdicts import EXIT_USAGE


def _cmd_run(args: argparse.Namespace) -> int:
    from bench.campaign import run_campaign

    from lab.store.cli import index_after_run

    code = run_campaign(profile=args.profile, bench=args.bench, market=args.market, out=args.out,
                        requirements=args.requirements, decision_rule=args.decision_rule,
                        progress=not args.quiet, customer=args.customer, received=args.received,
                        reference=args.order_ref, clock=args.clock, verbose=args.verbose,
                        force=args.force, scenario=args.scenario)
    index_after_run(args.db, out=args.out, profile=args.profile, exit_code=code)   # the verdict stands
    return code


def _cmd_sim(args: argparse.Namespace) -> int:
    """Serve the simulated lab standalone (real-time mode by default) until Ctrl-C."""
    from bench.config import load_bench_config, load_device_profile
    from simlab import LabSpec, SimLabProcess

    config = load_bench_config(args.bench)
    dut = load_device_profile(args.profile)
    spec = LabSpec.from_config(config, dut, time_scale=None if args.time_scale == 0 else args.time_scale)
    lab = SimLabProcess(spec, config_file=str(dut.file))
    print(json.dumps({"ports": lab.ports, "pid": lab.pid,
                      "resources": {role: inst.resource.replace("{port}", str(lab.ports.get(role)))
                                    for role, inst in config.instruments.items()}}, indent=2), flush=True)
    mode = (f"real time x{spec.time_scale:g}" if spec.time_scale
            else "virtual time: advance it over the control port")
    print(f"simulated lab serving ({mode}); Ctrl-C to stop", flush=True)
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}
    # blocked first, so sigwait receives them instead of their default action ending this process
    # without stopping the lab
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        signal.sigwait(stops)
    finally:
        lab.stop()
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from reports.package import build_package
    from bench.recorder import RecordLineError
    from reports.record_integrity import RecordTampered

    record = Path(args.record)
    if not record.exists():
        raise ConfigError("no such record file", file=record)
    out = Path(args.out) if args.out else record.parent
    try:
        package = build_package(record, out, key_path=args.key)
    except RecordTampered as exc:   # input error: the record is not what a bench wrote
        raise ConfigError(exc.detail_text, file=exc.path, line=exc.line) from None
    except RecordLineError as exc:
        raise ConfigError("record line is not valid JSON", file=exc.path, line=exc.line) from None
    from bench.campaign import package_lines

    print(f"{out / 'report.json'}: {package.report['verdict']}")
    print("\n".join(package_lines(out)))
    print(f"{package.manifest_path}: signed with the {package.signer_kind} key {package.signer_fingerprint[:16]}"
          + (" (DEVELOPMENT key: set FLEXBENCH_LAB_KEY or --key for a lab signature)"
             if package.signer_kind == "development" else ""))
    return 0


def version_text() -> str:
    """``flexbench --version``: the package version (its metadata), the git commit when known, and
    the version of each device class's requirement catalog."""
    from bench import __version__
    from bench.catalog import CATALOG_DIR, load_catalog
    from bench.session import software_commit

    commit = software_commit()
    lines = [f"flexbench {__version__}" + (f" (commit {commit[:12]})" if commit else "")]
    catalogs = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        try:
            catalogs.append(f"{path.stem} {load_catalog(path.stem).version}")
        except ConfigError as exc:
            catalogs.append(f"{path.stem} (unreadable: {exc})")
    lines.append("catalogs: " + (", ".join(catalogs) or "none"))
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    """``--version``, computed only when asked for (reading the catalogs is not free)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest=dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the flexbench version and the requirement catalogs' versions, then exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(version_text())
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flexbench", description="Compliance test bench for smart grid devices")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a compliance campaign and write its report",
                         epilog="exit codes: 0 COMPLIANT; 1 NON_COMPLIANT (only that); 2 INCONCLUSIVE (a bench "
                                "error, an interrupted run or an internal error); 3 usage or configuration error")
    run.add_argument("--profile", required=True, help="device profile YAML or a name in device_profiles/")
    run.add_argument("--bench", default=None, help="bench config YAML (default: the simulated lab)")
    run.add_argument("--market", choices=["NL", "DE"], default=None, help="market parameter set")
    run.add_argument("--out", default=None, help="output folder (default: out/<profile>)")
    run.add_argument("--requirements", default=None, help="comma-separated requirement ids to run")
    run.add_argument("--scenario", default=None,
                     help="feeder scenario YAML or a name in bench/scenarios/ (docs/feeder.md): adds its requirement")
    run.add_argument("--decision-rule", choices=["guard_band", "simple_acceptance"], default=None,
                     help="ILAC-G8 decision rule applied to every numeric check (default: the bench config's)")
    run.add_argument("--clock", choices=["wall", "virtual"], default=None,
                     help="bench clock: wall (real time) or virtual (simulated lab time); default virtual for "
                          "a simulated device, wall for a real one, whatever the instruments are")
    run.add_argument("--force", action="store_true",
                     help="replace the contents of a non-empty --out folder (recorded in the new record)")
    run.add_argument("--quiet", action="store_true",
                     help="no live progress (the start banner, FAIL/ERROR lines and final lines remain)")
    run.add_argument("--verbose", action="store_true",
                     help="pytest's tracebacks of FAIL/ERROR tests (default: one line per test with its reason)")
    run.add_argument("--customer", default=None, help="customer (name, address) printed on the report")
    run.add_argument("--received", default=None, help="date the test item was received, YYYY-MM-DD")
    run.add_argument("--order-ref", default=None, help="the customer's order / request reference")
    from lab.store.cli import add_parser as add_results_commands, add_run_options

    add_run_options(run)
    run.set_defaults(func=_cmd_run)

    sim = sub.add_parser("sim", help="serve the simulated lab standalone")
    sim.add_argument("--profile", default="sim-pv-inverter",
                     help="device profile YAML or a name in device_profiles/: the simulated device to serve "
                          "(default: sim-pv-inverter)")
    sim.add_argument("--bench", default=None,
                     help="bench config YAML naming the simulated instruments (default: the simulated lab)")
    sim.add_argument("--time-scale", type=float, default=1.0,
                     help="lab seconds per wall second (0: virtual time driven over the control port)")
    sim.set_defaults(func=_cmd_sim)

    rep = sub.add_parser("report", help="rebuild the signed report package (report.json/.html/.pdf, manifest) "
                                        "from a campaign record")
    rep.add_argument("record", help="the campaign's record.jsonl")
    rep.add_argument("--out", default=None,
                     help="folder to write the signed package into (default: the record's folder)")
    rep.add_argument("--key", default=None, help="lab Ed25519 private key (PEM; default $FLEXBENCH_LAB_KEY)")
    rep.set_defaults(func=_cmd_report)

    # Commands owned by other packages register themselves (one module per concept).
    from instruments.cli import register as register_instrument_commands
    from reports.cli import register as register_report_commands

    register_instrument_commands(sub)
    register_report_commands(sub)
    add_results_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bench.console import guard_broken_pipes

    guard_broken_pipes()
    try:
        return _main(argv)
    finally:            # here, not at interpreter exit: a reader gone early is met by the pipe-safe streams
        sys.stdout.flush()
        sys.stderr.flush()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else 0
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"flexbench: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FlexbenchError as exc:
        print(f"flexbench: bench error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:   # Ctrl-C or a stop signal outside a campaign's own unwinding
        print(f"flexbench: interrupted ({exc or 'SIGINT'})", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - exit 1 means NON_COMPLIANT, so a crash must never look like it
        if getattr(args, "verbose", False):
            traceback.print_exc()
        where = "" if getattr(args, "verbose", False) else " (traceback with --verbose)"
        print(f"flexbench: internal error: {type(exc).__name__}: {_one_line(exc)}{where}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "..."


if __name__ == "__main__":
    sys.exit(main())
