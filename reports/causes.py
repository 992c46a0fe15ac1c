"""Why a campaign is not COMPLIANT, with the cause of each reason (issue 11, item 7).

``verdict_reasons`` (bench.verdicts.campaign_verdict) say *what* kept the verdict from COMPLIANT
(``requirement X FAIL``, ``test Y ERROR``...); :func:`verdict_causes` says *why*, one line per cause:
each FAIL requirement with its failed check (the frame or the missing point is in the check's
detail), the ERROR tests grouped by their error (a session or fixture failure that errors 31 tests
is one line naming the error and the tests), bench error events, INCONCLUSIVE requirements with the
undecided check, and the mandatory requirements not tested. The console prints the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports import model
from reports.content import limits_text

MAX_TEXT = 300
MAX_NAMED = 3


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _check_text(check: Mapping[str, Any]) -> str:
    if check["rule"] == "OBSERVATION":
        return f"{check['name']}: {check['detail']}"
    measured = "no measurement" if check["measured"] is None else f"{check['measured']:g} {check['unit']}"
    limits = limits_text(check["low"], check["high"], lambda v: f"{v:g}")
    text = f"{check['name']}: {measured}, required {limits} {check['unit']} ({check['rule']})"
    return text + (f"; {check['detail']}" if check["detail"] else "")


def _named(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


def _requirement_causes(report: Mapping[str, Any], verdict: str, word: str) -> list[str]:
    out = []
    tests = {t["nodeid"]: t for t in report["tests"]}
    for req in report["requirements"]:
        if req["verdict"] != verdict:
            continue
        checks = [c for c in req["checks"] if c["verdict"] == verdict]
        if checks:
            more = f" (+{len(checks) - 1} more failed check(s))" if len(checks) > 1 and verdict == model.FAIL else ""
            out.append(_cut(f"requirement {req['id']} {word}: {_check_text(checks[0])}") + more)
            continue
        if verdict == model.INCONCLUSIVE:
            continue   # no undecided check: an ERROR test covers it, named with the ERROR tests
        ended = [tests[n] for n in req["tests"] if n in tests and tests[n]["outcome"] == model.FAIL]
        if ended:
            out.append(_cut(f"requirement {req['id']} {word}: test {ended[0]['nodeid']} FAIL: "
                            f"{ended[0]['message']}"))
        else:
            out.append(f"requirement {req['id']} {word}")
    return out


def verdict_causes(report: Mapping[str, Any]) -> list[str]:
    """One line per cause of a verdict other than COMPLIANT (empty when COMPLIANT)."""
    if not report["verdict_reasons"]:
        return []
    out = _requirement_causes(report, model.FAIL, "FAIL")
    by_error: dict[str, list[str]] = {}
    for test in report["tests"]:
        if test["outcome"] == model.ERROR:
            by_error.setdefault(test["message"] or "no message recorded", []).append(test["nodeid"])
    for message, nodeids in by_error.items():
        which = f"test {nodeids[0]}" if len(nodeids) == 1 else f"{len(nodeids)} tests ({_named(nodeids)})"
        out.append(_cut(f"{which} ERROR (bench, not the device): {message}", MAX_TEXT + 120))
    for event in report["events"]:
        if event["level"] == "error":
            out.append(_cut(f"bench error at {event['t_s']} s: {event['message']}"))
    if report["verdict"] != "NON_COMPLIANT":
        out += _requirement_causes(report, model.INCONCLUSIVE, "INCONCLUSIVE")
    untested = [r["id"] for r in report["requirements"] if r["mandatory"] and r["verdict"] == model.NOT_TESTED]
    if untested:
        out.append(f"{len(untested)} mandatory requirement(s) NOT TESTED: {', '.join(untested)}")
    reasons = report["verdict_reasons"]
    out += [r for r in reasons if r.startswith(("no requirement was shown", "the record has no campaign_end"))]
    return out
