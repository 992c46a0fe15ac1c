"""Campaign record -> ``report.json`` + ``report.html``: a pure function of the record.

No clock, no environment, no randomness: the same record gives a byte-identical ``report.json``
(sorted keys, floats canonicalised to 12 significant digits) and ``report.html``. Every report is
validated against ``reports/schema/report-1.schema.json`` before anything is written; a report
that fails its schema is a bug and raises :class:`ReportSchemaError`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from bench.errors import FlexbenchError
from bench.recorder import read_record
from reports import model
from reports.html import render_html
from reports.model import EXIT_CODES  # re-exported for the CLI

__all__ = ["EXIT_CODES", "REPORT_FORMAT", "ReportError", "ReportSchemaError", "assemble_report",
           "build_report", "campaign_verdict", "dumps_report", "validate_report"]

REPORT_FORMAT = "flexbench-report/1"
GENERATOR = {"name": "flexbench.reports", "version": "1.0"}
SCHEMA_PATH = Path(__file__).with_name("schema") / "report-1.schema.json"
FLOAT_DIGITS = 12


class ReportError(FlexbenchError):
    """The record cannot be turned into a report (e.g. it has no ``campaign_start``)."""


class ReportSchemaError(ReportError):
    """The assembled report does not satisfy its own schema: a bug in the report builder."""


# ----------------------------------------------------------------------------- canonical values

def canonical(value: Any) -> Any:
    """JSON-ready copy with floats fixed to 12 significant digits, non-finite floats as null,
    -0.0 as 0.0, tuples as lists and keys as strings."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        fixed = float(f"{value:.{FLOAT_DIGITS}g}")
        return 0.0 if fixed == 0 else fixed
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return str(value)


def _num(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v) for v in value]


def _merge_unique(*lists: Iterable[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for item in items:
            if item not in out:
                out.append(item)
    return out


# ----------------------------------------------------------------------------- record parsing

@dataclass
class _Test:
    nodeid: str
    name: str = ""
    doc: str = ""
    requirements: list[str] = field(default_factory=list)
    outcome: str | None = None
    message: str = ""
    start_t_s: float | None = None
    end_t_s: float | None = None


@dataclass
class _Record:
    start: dict[str, Any]
    end: dict[str, Any] | None
    last_t_s: float | None
    lines: int
    instruments: list[dict[str, Any]]
    dut: dict[str, Any] | None
    tests: list[_Test]
    checks: list[dict[str, Any]]
    events: list[dict[str, Any]]


def _parse(entries: Iterable[Mapping[str, Any]]) -> _Record:
    start: dict[str, Any] | None = None
    end: dict[str, Any] | None = None
    last_t_s: float | None = None
    lines = 0
    instruments: list[dict[str, Any]] = []
    dut: dict[str, Any] | None = None
    tests: list[_Test] = []
    open_tests: dict[str, _Test] = {}
    checks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise ReportError(f"record line {lines + 1} is not a JSON object")
        lines += 1
        kind = entry.get("kind")
        t = _num(entry.get("t_s"))
        if t is not None:
            last_t_s = float(t)
        if kind == "campaign_start":
            if start is not None:
                raise ReportError("record has more than one campaign_start")
            start = dict(entry)
        elif start is None:
            raise ReportError(f"record line {lines} ({kind!r}) comes before campaign_start")
        elif kind == "campaign_end":
            end = dict(entry)
        elif kind == "instrument":
            instruments.append(dict(entry))
        elif kind == "dut_identity":
            dut = dict(entry)
        elif kind == "test_start":
            test = _Test(nodeid=_str(entry.get("nodeid")), name=_str(entry.get("name")),
                         doc=_str(entry.get("doc")), requirements=_str_list(entry.get("requirements")),
                         start_t_s=t)
            tests.append(test)
            open_tests[test.nodeid] = test
        elif kind == "test_end":
            nodeid = _str(entry.get("nodeid"))
            test = open_tests.pop(nodeid, None)
            if test is None:  # a test_end without its start: still evidence of an outcome
                test = _Test(nodeid=nodeid)
                tests.append(test)
            test.outcome = model.normalise_outcome(entry.get("outcome"))
            test.message = _str(entry.get("message"))
            test.requirements = _merge_unique(test.requirements, _str_list(entry.get("requirements")))
            test.end_t_s = t
        elif kind == "check":
            checks.append(dict(entry))
        elif kind == "event" and entry.get("level") in ("warning", "error"):
            events.append(dict(entry))
    if start is None:
        raise ReportError("record has no campaign_start")
    return _Record(start, end, last_t_s, lines, instruments, dut, tests, checks, events)


# ----------------------------------------------------------------------------- report sections

def report_id_for(campaign_id: str) -> str:
    """Deterministic report id: the same campaign always gets the same id."""
    digest = hashlib.sha256(campaign_id.encode("utf-8")).hexdigest()[:16].upper()
    return f"FBR-{digest}"


def _instrument(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"role": _str(entry.get("role")), "model": _str(entry.get("model")),
            "resource": _str(entry.get("resource")), "idn": _str(entry.get("idn")),
            "calibration_due": _opt_str(entry.get("calibration_due")),
            "simulated": bool(entry.get("simulated", False))}


def _dut(rec: _Record) -> dict[str, Any]:
    profile = _dict(rec.start.get("profile"))
    declared = {str(k): _opt_str(v) for k, v in _dict((rec.dut or {}).get("declared")).items()}
    read = {str(k): _opt_str(v) for k, v in _dict((rec.dut or {}).get("read")).items()}
    mismatches = sorted(k for k in set(declared) & set(read) if declared[k] != read[k])
    simulated = bool(rec.start.get("simulated", False)) or bool(_dict(profile.get("config")).get("simulated"))
    return {"declared": declared, "read": read, "identity_recorded": rec.dut is not None,
            "identity_mismatches": mismatches, "profile_file": _opt_str(profile.get("file")),
            "simulated": simulated}


def _check(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seq": entry.get("seq") if isinstance(entry.get("seq"), int) else None,
        "t_s": _num(entry.get("t_s")),
        "nodeid": _opt_str(entry.get("nodeid")),
        "name": _str(entry.get("name")), "quantity": _str(entry.get("quantity")),
        "unit": _str(entry.get("unit")),
        "measured": _num(entry.get("measured")), "uncertainty": _num(entry.get("uncertainty")),
        "low": _num(entry.get("low")), "high": _num(entry.get("high")),
        "verdict": model.normalise_check_verdict(entry.get("verdict")),
        "recorded_verdict": _str(entry.get("verdict")),
        "rule": _str(entry.get("rule")), "detail": _str(entry.get("detail")),
    }
    plot = _plot(entry.get("plot"))
    if plot is not None:
        out["plot"] = plot
    return out


def _num_list(raw: Any) -> list[float | int | None]:
    return [_num(v) for v in raw] if isinstance(raw, (list, tuple)) else []


def _xy_list(raw: Any) -> list[list[float | int | None]]:
    if not isinstance(raw, (list, tuple)):
        return []
    return [[_num(p[0]), _num(p[1])] for p in raw if isinstance(p, (list, tuple)) and len(p) >= 2]


def _plot(raw: Any) -> dict[str, Any] | None:
    """A check's plot reduced to the documented fields with well-typed values (or None)."""
    if not isinstance(raw, Mapping) or raw.get("type") not in ("curve", "series"):
        return None
    out: dict[str, Any] = {"type": raw["type"], "x_label": _str(raw.get("x_label")),
                           "y_label": _str(raw.get("y_label"))}
    if raw["type"] == "curve":
        for key in ("points", "band_low", "band_high"):
            out[key] = _xy_list(raw.get(key))
        return out
    out["t_s"] = _num_list(raw.get("t_s"))
    out["y"] = _num_list(raw.get("y"))
    out["limit"] = _num_list(raw["limit"]) if isinstance(raw.get("limit"), (list, tuple)) else None
    window = _num_list(raw.get("window"))
    out["window"] = window if len(window) == 2 and None not in window else None
    return out


def _parameters(raw: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, spec in _dict(raw).items():
        spec = _dict(spec)
        value = spec.get("value")
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            value = _opt_str(value)
        out[str(name)] = {"value": value, "unit": _str(spec.get("unit"))}
    return out


def _requirements(rec: _Record, tests: Sequence[_Test]) -> list[dict[str, Any]]:
    catalog = _dict(rec.start.get("catalog"))
    entries: dict[str, dict[str, Any]] = {}
    for raw in catalog.get("requirements") or []:
        raw = _dict(raw)
        rid = _str(raw.get("id"))
        if not rid or rid in entries:
            continue
        confidence = raw.get("confidence")
        entries[rid] = {
            "id": rid, "title": _str(raw.get("title")), "source": _str(raw.get("source")),
            "clause": _str(raw.get("clause")), "mandatory": bool(raw.get("mandatory", False)),
            "confidence": confidence if confidence in ("std", "impl", "unverified", "policy") else None,
            "parameters": _parameters(raw.get("parameters")), "in_catalog": True}
    # Requirements a test or check claims but the market's catalog does not list: report them too.
    claimed = sorted({r for t in tests for r in t.requirements}
                     | {_str(c.get("requirement")) for c in rec.checks if c.get("requirement")})
    for rid in claimed:
        if rid not in entries:
            entries[rid] = {"id": rid, "title": "", "source": "", "clause": "", "mandatory": False,
                            "confidence": None, "parameters": {}, "in_catalog": False}
    outcome_of = {t.nodeid: t.outcome or model.ERROR for t in tests}
    out: list[dict[str, Any]] = []
    for rid, req in entries.items():
        checks = [_check(c) for c in rec.checks if _str(c.get("requirement")) == rid]
        nodeids = _merge_unique([t.nodeid for t in tests if rid in t.requirements],
                                [c["nodeid"] for c in checks if c["nodeid"] in outcome_of])
        verdict = model.requirement_verdict([c["verdict"] for c in checks],
                                            [outcome_of[n] for n in nodeids])
        out.append({**req, "verdict": verdict, "tests": nodeids, "checks": checks})
    return out


def _tests(tests: Sequence[_Test], complete: bool) -> list[dict[str, Any]]:
    out = []
    for t in tests:
        message = t.message
        if t.outcome is None:
            message = ("no test_end in the record: the record ended while this test ran"
                       if not complete else "no test_end in the record")
        out.append({"nodeid": t.nodeid, "name": t.name, "doc": t.doc, "requirements": t.requirements,
                    "outcome": t.outcome or model.ERROR, "recorded_end": t.outcome is not None,
                    "message": message, "start_t_s": t.start_t_s, "end_t_s": t.end_t_s})
    return out


def _campaign(rec: _Record) -> dict[str, Any]:
    s, e = rec.start, rec.end
    catalog = _dict(s.get("catalog"))
    clock = _dict(s.get("clock"))
    return {
        "id": _str(s.get("campaign_id")), "record_format": _str(s.get("format")),
        "market": _str(s.get("market")), "decision_rule": _str(s.get("decision_rule")),
        "simulated": bool(s.get("simulated", False)),
        "catalog": {"name": _str(catalog.get("name")), "version": _str(catalog.get("version"))},
        "clock": {"mode": _str(clock.get("mode")), "start_calendar": _opt_str(clock.get("start_calendar"))},
        "start_t_s": _num(s.get("t_s")), "end_t_s": _num(e.get("t_s")) if e else None,
        "last_t_s": rec.last_t_s, "record_lines": rec.lines, "complete": e is not None,
        "start_wall_utc": _opt_str(s.get("wall_utc")), "end_wall_utc": _opt_str(e.get("wall_utc")) if e else None,
        "recorded_verdict": _opt_str(e.get("verdict")) if e else None,
        "bench_time_s": _num(e.get("bench_time_s")) if e else None,
    }


def _summary(requirements: Sequence[Mapping[str, Any]], tests: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    checks = [c for r in requirements for c in r["checks"]]
    return {
        "tests": {"total": len(tests), **model.count((t["outcome"] for t in tests), model.TEST_OUTCOMES)},
        "requirements": {"total": len(requirements),
                         **model.count((r["verdict"] for r in requirements), model.REQUIREMENT_VERDICTS)},
        "checks": {"total": len(checks), **model.count((c["verdict"] for c in checks), model.CHECK_VERDICTS)},
        "mandatory_not_tested": sum(1 for r in requirements if r["mandatory"] and r["verdict"] == model.NOT_TESTED),
    }


def _observations(report: Mapping[str, Any]) -> list[str]:
    """Facts a reviewer should see that do not by themselves change the verdict."""
    notes: list[str] = []
    dut = report["dut"]
    if not dut["identity_recorded"]:
        notes.append("the record carries no DUT identity")
    for name in dut["identity_mismatches"]:
        notes.append(f"DUT {name}: declared {dut['declared'][name]!r} but read {dut['read'][name]!r}")
    recorded = report["campaign"]["recorded_verdict"]
    if recorded is not None and recorded != report["verdict"]:
        notes.append(f"the bench recorded campaign verdict {recorded}; recomputed from the record: "
                     f"{report['verdict']}")
    for req in report["requirements"]:
        if not req["in_catalog"]:
            notes.append(f"requirement {req['id']} is claimed by a test but not in the catalog")
    if report["simulated"]:
        notes.append("simulated instruments or device: not a certificate of a real device")
    return notes


# ----------------------------------------------------------------------------- public API

def campaign_verdict(report: Mapping[str, Any]) -> str:
    """COMPLIANT / NON_COMPLIANT / INCONCLUSIVE, recomputed from a report's requirements and tests."""
    return _verdict_and_reasons(report)[0]


def _verdict_and_reasons(report: Mapping[str, Any]) -> tuple[str, list[str]]:
    inputs = model.VerdictInputs(
        requirement_verdicts=[(r["id"], bool(r["mandatory"]), r["verdict"]) for r in report["requirements"]],
        test_outcomes=[(t["nodeid"], t["outcome"]) for t in report["tests"]],
        record_complete=bool(report["campaign"]["complete"]))
    return model.campaign_verdict_with_reasons(inputs)


def assemble_report(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The report dict (canonical, schema-valid) from the record's entries."""
    rec = _parse(entries)
    campaign = _campaign(rec)
    tests = _tests(rec.tests, campaign["complete"])
    dut = _dut(rec)
    instruments = [_instrument(i) for i in rec.instruments]
    bench = _dict(rec.start.get("bench"))
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "report_id": report_id_for(campaign["id"]),
        "software": {"record": {k: _str(v) for k, v in _dict(rec.start.get("software")).items()},
                     "report": dict(GENERATOR)},
        "campaign": campaign,
        "dut": dut,
        "bench": {"name": _str(bench.get("name")), "file": _opt_str(bench.get("file")),
                  "instruments": instruments},
        "requirements": _requirements(rec, rec.tests),
        "tests": tests,
        "events": [{"seq": e.get("seq") if isinstance(e.get("seq"), int) else None, "t_s": _num(e.get("t_s")),
                    "level": _str(e.get("level")), "message": _str(e.get("message"))} for e in rec.events],
        "simulated": campaign["simulated"] or dut["simulated"] or any(i["simulated"] for i in instruments),
    }
    report["summary"] = _summary(report["requirements"], tests)
    report["verdict"], report["verdict_reasons"] = _verdict_and_reasons(report)
    report["observations"] = _observations(report)
    report = canonical(report)
    validate_report(report)
    return report


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_report(report: Mapping[str, Any]) -> None:
    """Raise :class:`ReportSchemaError` listing every violation of report-1.schema.json."""
    errors = sorted(_validator().iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]]
        raise ReportSchemaError("report violates report-1.schema.json:\n" + "\n".join(lines))


def dumps_report(report: Mapping[str, Any]) -> str:
    """The canonical text of report.json: sorted keys, 2-space indent, UTF-8, final newline."""
    return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def build_report(record_path: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """Write ``out_dir/report.json`` and ``out_dir/report.html`` from the record; return the report."""
    report = assemble_report(read_record(record_path))
    html_text = render_html(report)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "report.json", dumps_report(report))
    _write_atomic(out / "report.html", html_text)
    return report
