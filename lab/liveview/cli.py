"""``flexbench serve``: the read-only live view of the lab (registered by bench/cli.py through
:func:`add_parser`)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "add_parser", "campaign_roots"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_OUT = Path("out")


def campaign_roots(campaigns: list[str] | None, lab: str | None) -> list[Path]:
    """The folders to look for campaigns in: ``--campaigns`` when given, else the lab directory
    (``--lab`` > $FLEXBENCH_LAB_DIR > out/lab) and ``out/`` (where ``flexbench run`` writes by default)."""
    if campaigns:
        return [Path(c) for c in campaigns]
    from lab.store import lab_dir as resolve_lab_dir

    lab_dir = resolve_lab_dir(lab)
    if lab_dir.resolve().is_relative_to(DEFAULT_OUT.resolve()):
        return [DEFAULT_OUT]        # out/ holds the lab directory: one walk finds both
    return [lab_dir, DEFAULT_OUT]


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from lab.liveview.app import create_app
    from lab.liveview.campaigns import LabMonitor
    from lab.liveview.results import results_routes

    roots = campaign_roots(args.campaigns, args.lab)
    monitor = LabMonitor(roots, scan_s=max(args.poll_s, 1.0))
    app = create_app(monitor, poll_s=args.poll_s, extra_routes=lambda: results_routes(args.db, args.lab))
    print(f"flexbench serve: http://{args.host}:{args.port}/ (read-only; campaigns in "
          f"{', '.join(str(r) for r in roots)}); Ctrl-C to stop", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    except KeyboardInterrupt:       # Ctrl-C is how the page is stopped: not an interrupted command
        pass
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``flexbench serve`` on the command line's subcommands."""
    serve = sub.add_parser("serve", help="read-only web page of the lab: running campaigns and the results store",
                           description="Serve a read-only web page of the lab: the running campaigns (requirement, "
                                       "step, bench time, ETA, live U/f/P/I plot) and the results store. "
                                       "See docs/live-view.md.")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    from lab.store.cli import add_db_options

    add_db_options(serve)           # --db URL, --lab DIR: the store's one resolver
    serve.add_argument("--campaigns", action="append", default=None, metavar="DIR",
                       help="a folder to look for campaign output folders in (repeatable; default: the lab "
                            f"directory and {DEFAULT_OUT}/)")
    serve.add_argument("--poll-s", type=float, default=0.5,
                       help="how often the records are read for news, seconds (default 0.5)")
    serve.set_defaults(func=_cmd_serve)
    return serve
