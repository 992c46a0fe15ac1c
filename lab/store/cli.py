"""``flexbench results import | list | show | trend`` and the store step of ``flexbench run --db``.

Exit codes: 0 done; 3 usage error (bad input, a malformed or unreachable store URL, a store newer
than this code, no such campaign, a campaign id already indexed from another manifest); ``import``
of a package that does not verify exits with ``flexbench verify``'s code (4 UNTRUSTED, 5 FAILED,
7 NOT_A_REPORT) and writes nothing of that package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import ConfigError
from bench.verdicts import EXIT_USAGE

if TYPE_CHECKING:
    from lab.store.store import Store

__all__ = ["add_parser", "add_db_options", "add_run_options", "index_after_run", "import_after_run"]


EXIT_CODES_TEXT = ("exit codes: 0 done; 3 usage error (bad input, a malformed or unreachable store URL, a store "
                   "newer than this code, no such campaign, a campaign id already indexed from another manifest); "
                   "import of a package that does not verify: flexbench verify's code (4 UNTRUSTED, 5 FAILED, "
                   "7 NOT_A_REPORT), nothing of it written")


def add_db_options(parser: argparse.ArgumentParser) -> None:
    """``--db URL`` and ``--lab DIR``: which store (lab.store.url.resolve_url)."""
    parser.add_argument("--db", default=None, metavar="URL",
                        help="results store: sqlite:///PATH or postgresql://USER@HOST:PORT/DB (default "
                             "$FLEXBENCH_DB, else sqlite:///<lab dir>/results.sqlite3)")
    parser.add_argument("--lab", default=None, metavar="DIR",
                        help="lab directory (default $FLEXBENCH_LAB_DIR, else out/lab)")


def _open(args: argparse.Namespace) -> Store:
    from lab.store.store import open_store
    from lab.store.url import resolve_url

    return open_store(resolve_url(args.db, args.lab))


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def _cmd_import(args: argparse.Namespace) -> int:
    from lab.store.importer import Trust, import_packages
    from reports.cli import VERIFY_EXIT_CODES, trust_from_options

    public_key, trusted = trust_from_options(args)
    with _open(args) as store:
        done, refused = import_packages(store, args.dirs, Trust(public_key, tuple(trusted)))
    if args.json:
        _print_json({"store": store.url, "imported": [o.to_dict() for o in done],
                     "refused": [{"package": str(r.folder), "status": r.status, "reason": r.detail}
                                 for r in refused]})
    else:
        for outcome in done:
            print(f"{outcome.status:9s}  {outcome.campaign_id}  {outcome.verdict:14s}  {outcome.folder}")
        print(f"flexbench results: {sum(o.status == 'imported' for o in done)} imported, "
              f"{sum(o.status == 'unchanged' for o in done)} already in the store, {len(refused)} refused "
              f"({store.url})")
    for problem in refused:
        print(f"flexbench results: {problem}", file=sys.stderr)
    if not refused:
        return 0
    return VERIFY_EXIT_CODES.get(refused[0].status, EXIT_USAGE) or EXIT_USAGE


def _since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"not an ISO date or time: {text!r}", field="--since") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _cmd_list(args: argparse.Namespace) -> int:
    from lab.store.queries import list_campaigns
    from lab.store.tables import format_table

    with _open(args) as store:
        rows = list_campaigns(store, manufacturer=args.manufacturer, model=args.model, serial_number=args.serial,
                              requirement=args.requirement, verdict=args.verdict, bench=args.bench_name,
                              market=args.market, since=_since(args.since), limit=args.limit)
    if args.json:
        _print_json([r.to_dict() for r in rows])
        return 0
    headers = ["campaign", "started (UTC)", "manufacturer", "model", "serial", "firmware", "bench", "market",
               "verdict"]
    if args.requirement:
        headers.append(args.requirement)
    headers.append("package")
    print(format_table(headers, [[r.campaign_id, r.started_at, r.manufacturer, r.model, r.serial_number,
                                  r.firmware_version, r.bench_name, r.market, r.verdict,
                                  *([r.requirement_verdict] if args.requirement else []), r.package_path]
                                 for r in rows]))
    print(f"{len(rows)} campaign{'s' if len(rows) != 1 else ''}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from lab.store.queries import show_campaign
    from lab.store.tables import cell, format_table

    with _open(args) as store:
        detail = show_campaign(store, args.campaign)
    if detail is None:
        raise ConfigError(f"no campaign {args.campaign!r} in the results store {store.url}", field="CAMPAIGN")
    if args.json:
        _print_json(detail.to_dict())
        return 0
    d = detail
    facts = [("campaign", d.campaign_id), ("report", d.report_id), ("device", f"{d.manufacturer} {d.model} "
             f"serial {d.serial_number}"), ("firmware", d.firmware_version), ("device class", d.device_class),
             ("profile SHA-256", d.profile_sha256), ("bench", d.bench_name), ("market", d.market),
             ("catalog", f"{d.catalog_name} {d.catalog_version}"), ("decision rule", d.decision_rule),
             ("started", d.started_at), ("ended", d.ended_at), ("verdict", d.verdict),
             ("simulated", "yes" if d.simulated else "no"),
             ("signer", f"{d.signer_kind} key {d.signer_fingerprint}"), ("signed", d.signed_at),
             ("package", d.package_path), ("manifest SHA-256", d.manifest_sha256)]
    print("\n".join(f"{k + ':':18s}{cell(v)}" for k, v in facts))
    print("\ninstruments:")
    print(format_table(["role", "model", "serial", "asset", "calibration due", "certificate"],
                       [[i.role, i.model, i.serial_number, i.asset_id, i.calibration_due, i.calibration_certificate]
                        for i in d.instruments]))
    print("\nrequirements:")
    print(format_table(["requirement", "verdict", "checks", "title"],
                       [[r.requirement_id, r.verdict, len(r.checks), r.title] for r in d.requirements]))
    rows = [[r.requirement_id, c.name, *_numbers(c.measured, c.unit, c.low, c.high, c.uncertainty, c.margin),
             c.verdict] for r in d.requirements for c in r.checks]
    if rows:
        print("\nchecks:")
        print(format_table(["requirement", "check", "measured", "unit", "low", "high", "U (k=2)", "margin",
                            "verdict"], rows))
    return 0


def _numbers(measured: float | None, unit: str | None, low: float | None, high: float | None,
             uncertainty: float | None, margin: float | None) -> list[object]:
    """measured, unit, low, high, U, margin cells of a check, rounded as the report rounds them."""
    from lab.store.tables import check_cells

    value, lo, hi, u, signed = check_cells(measured, low, high, uncertainty, margin)
    return [value, unit, lo, hi, u, signed]


def _cmd_trend(args: argparse.Namespace) -> int:
    from lab.store.queries import first_passing, trend
    from lab.store.tables import format_table

    with _open(args) as store:
        points = trend(store, args.requirement, model=args.model, check=args.check)
    first = first_passing(points)
    if args.json:
        _print_json({"requirement": args.requirement, "model": args.model, "check": args.check,
                     "first_pass": first.to_dict() if first else None, "points": [p.to_dict() for p in points]})
        return 0
    print(format_table(["started (UTC)", "firmware", "serial", "campaign", "requirement", "check", "measured",
                        "unit", "low", "high", "U (k=2)", "margin", "check verdict"],
                       [[p.started_at, p.firmware_version, p.serial_number, p.campaign_id, p.requirement_verdict,
                         p.check_name, *_numbers(p.measured, p.unit, p.low, p.high, p.uncertainty, p.margin),
                         p.check_verdict]
                        for p in points]))
    if first is not None:
        print(f"first PASS of {args.requirement} for {args.model}: firmware {first.firmware_version} "
              f"(campaign {first.campaign_id}, {first.package_path})")
    elif points:
        print(f"no campaign of {args.model} passed {args.requirement}")
    else:
        print(f"no campaign of {args.model} in the store tested {args.requirement}")
    return 0


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register ``flexbench results`` with its subcommands."""
    from reports.cli import add_trust_options

    results = sub.add_parser("results", help="the lab's results store: import signed report packages, query "
                                             "campaigns", epilog=EXIT_CODES_TEXT)
    commands = results.add_subparsers(dest="results_command", required=True, metavar="COMMAND")

    imp = commands.add_parser("import", help="verify and index every signed report package under the folders")
    imp.add_argument("dirs", nargs="+", metavar="DIR", help="a report package, or a folder tree holding some")
    add_trust_options(imp)
    imp.set_defaults(func=_cmd_import)

    lst = commands.add_parser("list", help="campaigns in the store, newest first")
    lst.add_argument("--manufacturer", default=None, help="DUT manufacturer (exact)")
    lst.add_argument("--model", default=None, help="DUT model (exact)")
    lst.add_argument("--serial", default=None, help="DUT serial number (exact)")
    lst.add_argument("--requirement", default=None, help="only campaigns that judged this requirement")
    lst.add_argument("--verdict", default=None,
                     help="campaign verdict (COMPLIANT, ...), or with --requirement that requirement's (PASS, ...)")
    lst.add_argument("--bench", dest="bench_name", default=None, help="bench name")
    lst.add_argument("--market", default=None, help="market (NL, DE)")
    lst.add_argument("--since", default=None, help="started at or after (ISO date or time; UTC unless given)")
    lst.add_argument("--limit", type=int, default=None, help="at most this many campaigns (the newest)")
    lst.set_defaults(func=_cmd_list)

    show = commands.add_parser("show", help="one campaign: identity, per-requirement verdicts and checks")
    show.add_argument("campaign", help="campaign id")
    show.set_defaults(func=_cmd_show)

    trd = commands.add_parser("trend", help="a requirement's measured values across firmware versions of a model")
    trd.add_argument("requirement", help="requirement id, e.g. PV-PU-STEADY")
    trd.add_argument("--model", required=True, help="device model")
    trd.add_argument("--check", default=None, help="only this check (its name as in the report)")
    trd.set_defaults(func=_cmd_trend)

    for parser in (imp, lst, show, trd):
        add_db_options(parser)
        parser.add_argument("--json", action="store_true", help="machine-readable output")


def _store_url_text(text: str) -> str:
    """``--db`` of ``flexbench run`` checked while parsing: a malformed URL is exit 3 before anything
    is energised (whether the store answers is seen after the run; the package is kept either way)."""
    from lab.store.url import parse_url

    try:
        parse_url(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None
    return text


def add_run_options(run: argparse.ArgumentParser) -> None:
    """``flexbench run --db URL``."""
    run.add_argument("--db", default=None, metavar="URL", type=_store_url_text,
                     help="after the package is signed, index it in this results store (default $FLEXBENCH_DB; "
                          "neither: no store)")


def index_after_run(db: str | None, *, out: str | None, profile: str, exit_code: int) -> bool:
    """The store step of ``flexbench run``: when ``--db`` or $FLEXBENCH_DB names a store and the run
    signed a package (exit 0, 1 or 2 with a manifest in its folder), index it. The run's exit code is
    the caller's and stays unchanged; True when indexed."""
    from lab.store.url import DB_ENV

    if db is None and not os.environ.get(DB_ENV):
        return False
    from bench.campaign import default_out_dir
    from reports.integrity import MANIFEST_NAME

    out_dir = Path(out) if out else default_out_dir(Path(profile))
    if exit_code == EXIT_USAGE or not (out_dir / MANIFEST_NAME).is_file():
        print(f"flexbench: results store: no signed package in {out_dir} to index", file=sys.stderr, flush=True)
        return False
    return import_after_run(db, out_dir)


def import_after_run(db: str | None, out_dir: Path, *, lab: str | None = None,
                     key_path: str | None = None) -> bool:
    """``flexbench run --db``: index the package the run just signed (trusting the key that signed it,
    and $FLEXBENCH_TRUSTED_KEYS). Never raises: a store failure is reported on stderr (the package is
    on disk and can be imported later with ``flexbench results import``). True when indexed."""
    from lab.store.importer import Trust, import_package
    from lab.store.store import open_store
    from lab.store.url import resolve_url
    from reports.integrity import TRUSTED_KEYS_ENV, load_signing_key, load_trusted_keys

    try:
        sources = list(filter(None, os.environ.get(TRUSTED_KEYS_ENV, "").split(os.pathsep)))
        trusted = (load_signing_key(key_path).public_raw, *load_trusted_keys(sources))
        with open_store(resolve_url(db, lab)) as store:
            outcome = import_package(store, out_dir, Trust(trusted_keys=tuple(trusted)))
            print(f"flexbench: results store {store.url}: campaign {outcome.campaign_id} {outcome.status}",
                  flush=True)
        return True
    except Exception as exc:  # noqa: BLE001 - the run's verdict stands whatever the store does
        print(f"flexbench: results store: NOT indexed ({type(exc).__name__}: {exc}); the package is on disk: "
              f"flexbench results import {out_dir}", file=sys.stderr, flush=True)
        return False
