"""Campaign record -> ``report.json`` + ``report.html`` + ``raw/``: a pure function of the record.

No clock, no environment, no randomness: the same record gives a byte-identical ``report.json``
(sorted keys, floats canonicalised to 12 significant digits), ``report.html`` and raw-data files.
Every report is validated against ``reports/schema/report-2.schema.json`` before anything is
written; a report that fails its schema is a bug and raises :class:`ReportSchemaError`.
The ISO/IEC 17025 7.8 content is computed in :mod:`reports.content`, the per-test evidence (wire
trace, raw CSV) in :mod:`reports.evidence`; docs/report-content.md maps clauses to fields.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.checks import OBSERVATION_RULE, SENSITIVITY_KINDS, sensitivity
from bench.errors import FlexbenchError
from bench.recorder import LONG_TEXT_DIR, read_record
from bench.verdicts import (CampaignInputs, DecisionRule, FinishedTest, RequirementResult, campaign_verdict,
                            requirement_verdict)
from reports import causes, content, decimation, evidence, model, parameters
from reports.html import render_html
from reports.record import (ParsedRecord, ReportError, TestRun, as_dict, merge_unique, num, opt_text,
                            parse_record, text)
from reports.validate import SCHEMA_PATH, ReportSchemaError, validate_report

__all__ = ["REPORT_FORMAT", "SCHEMA_PATH", "ReportError", "ReportSchemaError", "assemble", "assemble_report",
           "build_report", "dumps_report", "validate_report", "verdict_inputs"]

REPORT_FORMAT = "flexbench-report/2"
GENERATOR = {"name": "flexbench.reports", "version": "2.0"}
FLOAT_DIGITS = 12


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


# ----------------------------------------------------------------------------- report sections

def report_id_for(campaign_id: str) -> str:
    """Deterministic report id: the same campaign always gets the same id."""
    digest = hashlib.sha256(campaign_id.encode("utf-8")).hexdigest()[:16].upper()
    return f"FBR-{digest}"


def _instrument(entry: Mapping[str, Any], test_date: str | None,
                accuracy: Sequence[Mapping[str, Any]], rec: ParsedRecord) -> dict[str, Any]:
    role = text(entry.get("role"))
    due = opt_text(entry.get("calibration_due"))
    return {"role": role, "model": text(entry.get("model")),
            "resource": text(entry.get("resource")), "idn": text(entry.get("idn")),
            "calibration_due": due, "calibration_overdue": content.calibration_overdue(due, test_date),
            "accuracy": [{"quantity": a["quantity"], "value": a["value"], "unit": a["unit"]}
                         for a in accuracy if a["role"] == role],
            "simulated": bool(entry.get("simulated", False)),
            "unconfirmed_commands": [text(c) for c in entry.get("unconfirmed_commands") or []],
            **content.instrument_details(rec, role)}


def _simulated_parts(rec: ParsedRecord) -> dict[str, bool]:
    """Which parts were simulated, from ``campaign_start.simulated_parts``; a record from before
    that field counts the instruments' own flags and takes the device as simulated whenever the
    campaign was (what the report said then)."""
    parts = rec.start.get("simulated_parts")
    if isinstance(parts, Mapping):
        return {"instruments": bool(parts.get("instruments")), "device": bool(parts.get("device"))}
    profile = as_dict(rec.start.get("profile"))
    return {"instruments": any(bool(i.get("simulated", False)) for i in rec.instruments),
            "device": bool(rec.start.get("simulated", False)) or bool(as_dict(profile.get("config")).get("simulated"))}


def _dut(rec: ParsedRecord) -> dict[str, Any]:
    profile = as_dict(rec.start.get("profile"))
    declared = {str(k): opt_text(v) for k, v in as_dict((rec.dut or {}).get("declared")).items()}
    read = {str(k): opt_text(v) for k, v in as_dict((rec.dut or {}).get("read")).items()}
    mismatches = sorted(k for k in set(declared) & set(read) if declared[k] != read[k])
    simulated = _simulated_parts(rec)["device"]
    condition = rec.start.get("dut_condition")
    if condition is None:
        condition = as_dict(as_dict(profile.get("config")).get("device")).get("condition")
    return {"declared": declared, "read": read, "identity_recorded": rec.dut is not None,
            "identity_mismatches": mismatches, "profile_file": opt_text(profile.get("file")),
            "condition": opt_text(condition), "simulated": simulated,
            **content.dut_description(rec, declared, read, mismatches)}


def _check(entry: Mapping[str, Any], basis: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seq": entry.get("seq") if isinstance(entry.get("seq"), int) else None,
        "t_s": num(entry.get("t_s")),
        "nodeid": opt_text(entry.get("nodeid")),
        "name": text(entry.get("name")), "quantity": text(entry.get("quantity")),
        "unit": text(entry.get("unit")),
        "measured": num(entry.get("measured")), "uncertainty": num(entry.get("uncertainty")),
        "low": num(entry.get("low")), "high": num(entry.get("high")),
        "verdict": model.normalise_check_verdict(entry.get("verdict")),
        "recorded_verdict": text(entry.get("verdict")),
        "rule": text(entry.get("rule")), "detail": text(entry.get("detail")),
    }
    out["uncertainty_basis"] = basis(out) if basis is not None else ""
    observed = entry.get("observed_value")
    if out["rule"] == OBSERVATION_RULE and isinstance(observed, Mapping):
        out["observed_value"] = {"quantity": text(observed.get("quantity")), "unit": text(observed.get("unit")),
                                 **{k: num(observed.get(k)) for k in ("value", "low", "high", "uncertainty")}}
    out["sensitivity"] = _sensitivity(entry, out)
    plot = _plot(entry.get("plot"))
    if plot is not None:
        out["plot"] = plot
    return out


_SENSITIVITY_NUMBERS = ("required", "resolution", "pass_low", "pass_high", "true_low", "true_high",
                        "deviation_low", "deviation_high", "ratio_low", "ratio_high", "response_time_ratio")


def _sensitivity(entry: Mapping[str, Any], check: Mapping[str, Any]) -> dict[str, Any] | None:
    """A numeric check's sensitivity (bench.checks.sensitivity) as recorded on its line; a record
    from before sensitivities were recorded gets it derived from the check's limits, uncertainty
    and rule (``derived`` true). Observation checks have none (null)."""
    if check["rule"] == OBSERVATION_RULE:
        return None
    recorded = entry.get("sensitivity")
    derived = not isinstance(recorded, Mapping)
    if isinstance(recorded, Mapping):
        raw: Mapping[str, Any] = recorded
    else:
        try:
            raw = sensitivity(unit=check["unit"], uncertainty=check["uncertainty"], low=check["low"],
                              high=check["high"], rule=DecisionRule.parse(check["rule"]), quantity=check["quantity"])
        except (ValueError, FlexbenchError):
            return None
    kind = raw.get("kind")
    return {"kind": kind if kind in SENSITIVITY_KINDS else "level", "text": text(raw.get("text")),
            "derived": derived, **{k: num(raw.get(k)) for k in _SENSITIVITY_NUMBERS}}


def _num_list(raw: Any) -> list[float | int | None]:
    return [num(v) for v in raw] if isinstance(raw, (list, tuple)) else []


def _xy_list(raw: Any) -> list[list[float | int | None]]:
    if not isinstance(raw, (list, tuple)):
        return []
    return [[num(p[0]), num(p[1])] for p in raw if isinstance(p, (list, tuple)) and len(p) >= 2]


def _plot(raw: Any) -> dict[str, Any] | None:
    """A check's plot reduced to the documented fields with well-typed values (or None)."""
    if not isinstance(raw, Mapping) or raw.get("type") not in ("curve", "series"):
        return None
    out: dict[str, Any] = {"type": raw["type"], "x_label": text(raw.get("x_label")),
                           "y_label": text(raw.get("y_label"))}
    if raw["type"] == "curve":
        for key in ("points", "band_low", "band_high"):
            out[key] = _xy_list(raw.get(key))
        if raw.get("required_curve") is not None:
            out["required_curve"] = _xy_list(raw.get("required_curve"))
        return out
    out["t_s"] = _num_list(raw.get("t_s"))
    out["y"] = _num_list(raw.get("y"))
    out["limit"] = _num_list(raw["limit"]) if isinstance(raw.get("limit"), (list, tuple)) else None
    window = _num_list(raw.get("window"))
    out["window"] = window if len(window) == 2 and None not in window else None
    out.update(_plot_context(raw))
    return out


def _plot_context(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A series plot's optional stimulus (second axis), constant applied limits, key instants and
    the instant its time axis runs from (reports.plotting); only the well-formed ones are kept."""
    out: dict[str, Any] = {}
    stimulus = raw.get("stimulus")
    if isinstance(stimulus, Mapping):
        out["stimulus"] = {"label": text(stimulus.get("label")), "t_s": _num_list(stimulus.get("t_s")),
                           "values": _num_list(stimulus.get("values")),
                           "staircase": stimulus.get("staircase") is True}
        axis = _num_list(stimulus.get("axis"))
        if len(axis) == 2 and None not in axis:
            out["stimulus"]["axis"] = axis
        others = stimulus.get("others")
        if isinstance(others, (list, tuple)):     # further series at the same times (e.g. other phases)
            out["stimulus"]["others"] = [{"label": text(o.get("label")), "values": _num_list(o.get("values"))}
                                         for o in others if isinstance(o, Mapping)]
    for key, field in (("limits", "value"), ("instants", "t_s")):
        entries = raw.get(key)
        if isinstance(entries, (list, tuple)):
            out[key] = [{"label": text(e.get("label")), field: num(e.get(field))} for e in entries
                        if isinstance(e, Mapping) and isinstance(num(e.get(field)), (int, float))]
    if isinstance(raw.get("limit_label"), str):
        out["limit_label"] = raw["limit_label"]
    t_zero = num(raw.get("t_zero_s"))
    if t_zero is not None:
        out["t_zero_s"] = t_zero
    return out


def _parameters(raw: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, spec in as_dict(raw).items():
        spec = as_dict(spec)
        value = spec.get("value")
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            value = opt_text(value)
        out[str(name)] = {"value": value, "unit": text(spec.get("unit"))}
    return out


def _requirements(rec: ParsedRecord, tests: Sequence[TestRun], basis: Any = None) -> list[dict[str, Any]]:
    catalog = as_dict(rec.start.get("catalog"))
    protocol = content.link_protocol(rec)
    entries: dict[str, dict[str, Any]] = {}
    for raw in catalog.get("requirements") or []:
        raw = as_dict(raw)
        rid = text(raw.get("id"))
        if not rid or rid in entries:
            continue
        confidence = raw.get("confidence")
        entries[rid] = {
            "id": rid, "title": text(raw.get("title")), "source": text(raw.get("source")),
            "clause": text(raw.get("clause")), "mandatory": bool(raw.get("mandatory", False)),
            "references": content.references(raw.get("references"), protocol),
            "confidence": confidence if confidence in ("std", "impl", "unverified", "policy") else None,
            "parameters": _parameters(raw.get("parameters")), "in_catalog": True}
    # Requirements a test or check claims but the market's catalog does not list: report them too.
    claimed = sorted({r for t in tests for r in t.requirements}
                     | {text(c.get("requirement")) for c in rec.checks if c.get("requirement")})
    for rid in claimed:
        if rid not in entries:
            entries[rid] = {"id": rid, "title": "", "source": "", "clause": "", "references": [], "mandatory": False,
                            "confidence": None, "parameters": {}, "in_catalog": False}
    outcome_of = {t.nodeid: t.outcome or model.ERROR for t in tests}
    out: list[dict[str, Any]] = []
    for rid, req in entries.items():
        checks = [_check(c, basis) for c in rec.checks if text(c.get("requirement")) == rid]
        nodeids = merge_unique([t.nodeid for t in tests if rid in t.requirements],
                                [c["nodeid"] for c in checks if c["nodeid"] in outcome_of])
        verdict = requirement_verdict([c["verdict"] for c in checks], [outcome_of[n] for n in nodeids])
        out.append({**req, "verdict": verdict.value, "tests": nodeids, "checks": checks})
    return out


def _tests(tests: Sequence[TestRun], complete: bool, rec: ParsedRecord | None = None,
           files: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The tests in record order, each with its wire-trace excerpt and raw-data files
    (written into ``files`` as {relative path: text} when a record is given)."""
    out = []
    taken: set[str] = set()
    sample_seqs = [int(s["seq"]) for s in rec.samples] if rec is not None else []
    command_seqs = [int(c["seq"]) for c in rec.commands] if rec is not None else []
    for t in tests:
        evidence_fields: dict[str, Any] = {"wire_trace": None, "raw_data": None}
        if rec is not None and t.start_seq >= 0:
            slug = evidence.slug_for(t.nodeid, taken)
            commands = evidence.test_slice(rec.commands, command_seqs, t, rec.lines)
            csv_text, rows = evidence.samples_csv_text(evidence.test_slice(rec.samples, sample_seqs, t, rec.lines))
            trace = evidence.trace_text(commands, t, rec.lines)
            csv_path, trace_path = f"{evidence.RAW_DIR}/{slug}.csv", f"{evidence.RAW_DIR}/{slug}.trace.txt"
            if files is not None:
                files[csv_path], files[trace_path] = csv_text, trace
            evidence_fields = {
                "wire_trace": evidence.wire_trace(commands, t, rec.lines),
                "raw_data": {"samples_csv": csv_path, "samples": rows, "samples_sha256": evidence.sha256_text(csv_text),
                             "trace_txt": trace_path, "trace_sha256": evidence.sha256_text(trace)}}
        message = t.message
        if t.outcome is None:
            message = ("no test_end in the record: the record ended while this test ran"
                       if not complete else "no test_end in the record")
        out.append({"nodeid": t.nodeid, "name": t.name, "doc": t.doc, "requirements": t.requirements,
                    "outcome": t.outcome or model.ERROR, "recorded_end": t.outcome is not None,
                    "message": message, "start_t_s": t.start_t_s, "end_t_s": t.end_t_s, **evidence_fields})
    return out


def _traceability(requirements: Sequence[Mapping[str, Any]], tests: Sequence[Mapping[str, Any]],
                  params: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The matrix: every requirement of the set -> the tests covering it (with outcomes) -> verdict,
    with each of its catalog parameters exercised or not verified (:mod:`reports.parameters`)."""
    outcome = {t["nodeid"]: t["outcome"] for t in tests}
    rows = []
    for r in requirements:
        counts = model.count((c["verdict"] for c in r["checks"]), model.CHECK_VERDICTS)
        rows.append({"requirement": r["id"], "title": r["title"], "mandatory": r["mandatory"],
                     "tests": [{"nodeid": n, "outcome": outcome.get(n, model.ERROR)} for n in r["tests"]],
                     "checks": {"total": len(r["checks"]), **counts}, "verdict": r["verdict"],
                     "parameters": params.get(r["id"], [])})
    return rows


def _campaign(rec: ParsedRecord) -> dict[str, Any]:
    s, e = rec.start, rec.end
    catalog = as_dict(s.get("catalog"))
    clock = as_dict(s.get("clock"))
    return {
        "id": text(s.get("campaign_id")), "record_format": text(s.get("format")),
        "market": text(s.get("market")), "decision_rule": text(s.get("decision_rule")),
        "simulated": bool(s.get("simulated", False)),
        "simulated_parts": _simulated_parts(rec),
        "catalog": {"name": text(catalog.get("name")), "version": text(catalog.get("version"))},
        "clock": {"mode": text(clock.get("mode")), "start_calendar": opt_text(clock.get("start_calendar"))},
        "start_t_s": num(s.get("t_s")), "end_t_s": num(e.get("t_s")) if e else None,
        "last_t_s": rec.last_t_s, "record_lines": rec.lines, "complete": e is not None,
        "start_wall_utc": opt_text(s.get("wall_utc")), "end_wall_utc": opt_text(e.get("wall_utc")) if e else None,
        "recorded_verdict": opt_text(e.get("verdict")) if e else None,
        "bench_time_s": num(e.get("bench_time_s")) if e else None,
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
        notes.append(f"{content.simulated_parts_statement(report['campaign']['simulated_parts'])}: "
                     "not a certificate of a real device")
    return notes


# ----------------------------------------------------------------------------- public API

def verdict_inputs(report: Mapping[str, Any]) -> CampaignInputs:
    """What :func:`bench.verdicts.campaign_verdict` judges, read from a report's requirements and tests."""
    return CampaignInputs(
        requirements=[RequirementResult(r["id"], bool(r["mandatory"]), r["verdict"]) for r in report["requirements"]],
        tests=[FinishedTest(t["nodeid"], t["outcome"]) for t in report["tests"]],
        record_complete=bool(report["campaign"]["complete"]))


def assemble_report(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The report dict (canonical, schema-valid) from the record's entries."""
    return assemble(entries)[0]


def assemble(entries: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The report dict (canonical, schema-valid) and its evidence files {relative path: text}."""
    rec = parse_record(entries)
    files: dict[str, str] = {}
    campaign = _campaign(rec)
    tests = _tests(rec.tests, campaign["complete"], rec, files)
    dut = _dut(rec)
    dates = content.dates(rec)
    accuracy = content.instrument_accuracy(rec)
    instruments = [_instrument(i, dates["tested_from"], accuracy, rec) for i in rec.instruments]
    bench = as_dict(rec.start.get("bench"))
    ratings = as_dict(as_dict(as_dict(rec.start.get("profile")).get("config")).get("ratings"))
    phase_count = ratings.get("phase_count")
    phases = phase_count if isinstance(phase_count, int) else 1
    period = num(as_dict(rec.start.get("clock")).get("sample_period_s"))
    if period is None:
        period = num(as_dict(as_dict(bench.get("config")).get("clock")).get("sample_period_s"))

    def basis(check: Mapping[str, Any]) -> str:
        return content.uncertainty_basis(check, accuracy, phases, period)

    rule = content.decision_rule(rec.start.get("decision_rule"))
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "title": content.title(rec),
        "laboratory": content.laboratory(rec),
        "customer": content.customer(rec),
        "dates": dates,
        "method": content.method(rec, rule),
        "measurement_uncertainty": {
            "coverage_factor": 2, "instrument_accuracy": accuracy,
            "statement": ("Every measured value carries an expanded uncertainty U (k = 2, about 95 % coverage) "
                          "derived from the declared accuracy of the instrument that measured it (bench config, "
                          "per reading; totals of per-phase readings add the phases' accuracies) and, for times, "
                          "from the sampling period; the basis of each value is given with it.")},
        "report_id": report_id_for(campaign["id"]),
        "software": {"record": {k: text(v) for k, v in as_dict(rec.start.get("software")).items()},
                     "report": dict(GENERATOR)},
        "campaign": campaign,
        "dut": dut,
        "bench": {"name": text(bench.get("name")), "file": opt_text(bench.get("file")),
                  "instruments": instruments, "place": content.place_hold(rec),
                  "commands_outside_tests": len(rec.commands) - sum(t["wire_trace"]["total"] for t in tests
                                                                    if t["wire_trace"] is not None)},
        "requirements": _requirements(rec, rec.tests, basis),
        "tests": tests,
        "events": [{"seq": e.get("seq") if isinstance(e.get("seq"), int) else None, "t_s": num(e.get("t_s")),
                    "level": text(e.get("level")), "message": text(e.get("message"))} for e in rec.events],
        "simulated": campaign["simulated"] or dut["simulated"] or any(i["simulated"] for i in instruments),
    }
    report["simulation_notice"] = (content.simulation_notice(campaign["simulated_parts"]) if report["simulated"]
                                   else None)
    decimation.display_plots(report["requirements"], files)
    report["summary"] = _summary(report["requirements"], tests)
    params, report["declared_values"] = parameters.trace(rec, report["requirements"])
    report["traceability"] = _traceability(report["requirements"], tests, params)
    judgement = campaign_verdict(verdict_inputs(report))
    report["verdict"], report["verdict_reasons"] = judgement.verdict.value, judgement.reasons
    report["verdict_causes"] = causes.verdict_causes(report)
    report["observations"] = _observations(report)
    report["deviations"] = content.deviations(report)
    report["conformity"] = content.conformity(report)
    report = canonical(report)
    validate_report(report)
    return report, files


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


def build_report(record_path: str | Path, out_dir: str | Path, *, signer_kind: str | None = None) -> dict[str, Any]:
    """Write ``out_dir/report.json``, ``out_dir/report.html`` and the raw-data files under
    ``out_dir/raw/`` from the record; return the report. ``signer_kind`` (the kind of key the package
    will be signed with) shows in report.html only: report.json is the same whichever key signs it."""
    report, files = assemble(read_record(record_path))
    html_text = render_html(report, signer_kind=signer_kind)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    raw_dir = out / evidence.RAW_DIR
    if raw_dir.is_dir():  # raw/ belongs to the report (but raw/long-text/ to the record): no stale evidence
        for stale in sorted(raw_dir.rglob("*")):
            name = stale.relative_to(out)
            if stale.is_file() and name.as_posix() not in files and not name.is_relative_to(LONG_TEXT_DIR):
                stale.unlink()
    for rel, body in sorted(files.items()):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(out / rel, body)
    _write_atomic(out / "report.json", dumps_report(report))
    _write_atomic(out / "report.html", html_text)
    return report
