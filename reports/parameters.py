"""Which catalog parameters and declared values a campaign exercised, and which it did not verify.

The suites record every catalog parameter and profile declaration they read as a ``parameter`` line
(test_suites/common.py). A value counts as **exercised** when a test read it and ended PASS or FAIL
(a check judged the device against it) and, for a catalog parameter, covers its requirement; every other
catalog parameter of the market, and every value the profile declares, is listed as **not verified**
with the reason (the suite's own when a ``parameter`` line states why its method cannot verify the
value). Nothing is left out:
:func:`untraced` names any value that is neither (a report bug), as :func:`lacking_sensitivity` names
any timing / slope / level check without its sensitivity."""

from __future__ import annotations

import json

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reports import model
from reports.evidence import in_test
from reports.record import ParsedRecord, TestRun, as_dict, opt_text

EXERCISED = "exercised"
NOT_VERIFIED = "not verified"
JUDGED = (model.PASS, model.FAIL)


def _value(raw: Any) -> Any:
    """A declared value as the report shows it: scalars as they are, anything else as JSON text."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, (int, float, str)):
        return raw
    try:
        return json.dumps(raw, sort_keys=True, separators=(", ", ": "))
    except (TypeError, ValueError):
        return opt_text(raw)


class _Reads:
    """The record's parameter reads, each attributed to the test it happened in (or none)."""

    def __init__(self, rec: ParsedRecord) -> None:
        self.any = bool(rec.parameters)
        self.reads: list[tuple[dict[str, Any], TestRun | None]] = []
        for p in rec.parameters:
            test = next((t for t in rec.tests if t.start_seq >= 0 and in_test(p["seq"], t, rec.lines)), None)
            self.reads.append((p, test))

    def trace(self, matches: Any) -> dict[str, Any]:
        """{status, tests, reason} over the reads for which ``matches(read, test)`` holds. A read
        exercises the value when its test ended PASS or FAIL and, for a catalog parameter, covers the
        parameter's requirement (a declared value serves whichever requirement the test covers)."""
        matched = [(p, t) for p, t in self.reads if matches(p, t)]
        stated = sorted({p["reason"] for p, _t in matched if p.get("reason")})   # the suite: "not verified, because"
        hits = [(p, t) for p, t in matched if not p.get("reason")]
        judged = sorted({t.nodeid for p, t in hits if t is not None and t.outcome in JUDGED
                         and (p["source"] != "catalog" or p["requirement"] in t.requirements)})
        if judged:
            return {"status": EXERCISED, "tests": judged, "reason": ""}
        if stated:
            return {"status": NOT_VERIFIED, "tests": [], "reason": "; ".join(stated)}
        others = sorted({f"{t.nodeid} ({t.outcome or model.ERROR})" for _p, t in hits if t is not None})
        if others:
            reason = ("read only by tests that judged nothing or cover another requirement: "
                      + ", ".join(others))
        elif hits:
            reason = "read only outside the tests (campaign preparation)"
        elif not self.any:
            reason = "the record carries no parameter reads"
        else:
            reason = "not read by any test"
        return {"status": NOT_VERIFIED, "tests": [], "reason": reason}


def trace(rec: ParsedRecord, requirements: Sequence[Mapping[str, Any]]
          ) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """({requirement id: each catalog parameter with its trace}, each declared value with its trace and
    the requirements it was read for). ``requirements`` in the report's shape; the declared values are
    the recorded profile's ``declared:`` section."""
    reads = _Reads(rec)
    params = {r["id"]: [{"name": name, "value": spec["value"], "unit": spec["unit"],
                         **reads.trace(lambda p, _t, rid=r["id"], n=name: p["source"] == "catalog"
                                       and p["requirement"] == rid and p["name"] == n)}
                        for name, spec in r["parameters"].items()]
              for r in requirements}
    declared = as_dict(as_dict(as_dict(rec.start.get("profile")).get("config")).get("declared"))
    values = []
    for name in sorted(declared):
        def matches(p: Mapping[str, Any], _t: Any, n: str = name) -> bool:
            return p["source"] == "declared" and p["name"] == n
        found = sorted({r for p, t in reads.reads if matches(p, t)
                        for r in (t.requirements if t is not None else [p["requirement"]]) if r})
        values.append({"name": str(name), "value": _value(declared[name]), "requirements": found,
                       **reads.trace(matches)})
    return params, values


def untraced(report: Mapping[str, Any], declared: Iterable[str]) -> list[str]:
    """Catalog parameters of ``report``'s requirements and ``declared`` profile values that are neither
    exercised nor listed as not verified (empty for a correct report)."""
    missing = []
    rows = {row["requirement"]: row for row in report["traceability"]}
    for req in report["requirements"]:
        traced = {p["name"]: p["status"] for p in rows.get(req["id"], {}).get("parameters", [])}
        missing += [f"{req['id']}.{name}" for name in req["parameters"]
                    if traced.get(name) not in (EXERCISED, NOT_VERIFIED)]
    traced_declared = {d["name"]: d["status"] for d in report.get("declared_values", [])}
    missing += [f"declared.{name}" for name in declared if traced_declared.get(name) not in (EXERCISED, NOT_VERIFIED)]
    return missing


def lacking_sensitivity(report: Mapping[str, Any]) -> list[str]:
    """The numeric (timing / slope / level) checks of ``report`` that state no sensitivity (empty for a
    correct report)."""
    return [f"{r['id']}: {c['name']}" for r in report["requirements"] for c in r["checks"]
            if c["rule"] != "OBSERVATION" and not (c.get("sensitivity") or {}).get("text")]
