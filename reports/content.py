"""The ISO/IEC 17025:2017 7.8 content of a report, computed from the record alone.

* 7.8.2.1 a) title, b) laboratory name and address, d) customer, e) method, f)-g) item
  identification and condition, h) dates of receipt and test, i) date of issue, m) deviations,
  o) who authorised the report -> :func:`laboratory`, :func:`customer`, :func:`dates`,
  :func:`method`, :func:`deviations`.
* 7.8.6 statements of conformity naming the decision rule and the specification ->
  :func:`conformity`.
* 7.8.2.1 c) place of testing, 7.8.3.1 b) environmental conditions, 7.8.2.1 j) and the statement
  that the results relate only to the item tested -> :func:`laboratory`; f) the item's ratings and
  declared settings, identity read or not -> :func:`dut_description`; instruments with asset id,
  serial and calibration -> :func:`instrument_details`; clause references per requirement ->
  :func:`references`.
* ILAC-G8:09/2019 decision rules and the derivation of each check's expanded uncertainty
  (k = 2) -> :func:`decision_rule`, :func:`uncertainty_basis`.

No clock is read: the issue date is the wall date of the record's ``campaign_end`` line, and the
calibration status is judged at the test date (the wall date of ``campaign_start``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reports.formatting import fmt_number
from reports.record import ParsedRecord, as_dict, num, opt_text, text

DEFAULT_TITLE = "Compliance test report"
ISSUE_DATE_BASIS = ("wall-clock date (UTC) of the record's campaign_end line: "
                    "the report is a pure function of the record")
RESULTS_RELATE_ONLY = ("The results relate only to the item tested, as received and identified in this report, "
                       "under the conditions stated in it.")
TEST_METHOD_DOCUMENTS = ("EN 50549-10", "IEEE 1547.1", "OCTT")
"""Reference documents that are test-method standards (named in the method section)."""
MEASURING_ROLES = ("power_analyzer",)
"""Instruments whose declared accuracy is that of a reading a check judges (the others': of a setting)."""
TEST_DATE_BASIS = "wall-clock dates (UTC) of the record's campaign_start and campaign_end lines"

_RULES: dict[str, dict[str, str]] = {
    "GUARD_BAND": {
        "name": "binary guard band, w = U (ILAC-G8:09/2019 4.2.3)",
        "description": "PASS only when the measured value widened by its expanded uncertainty U (k = 2) lies "
                       "inside the tolerance interval (acceptance limit = tolerance limit - U, false-accept "
                       "risk below 2.5 %); FAIL when it lies entirely outside; INCONCLUSIVE otherwise."},
    "SIMPLE_ACCEPTANCE": {
        "name": "simple acceptance (ILAC-G8:09/2019 4.2.1)",
        "description": "PASS when the measured value lies inside the tolerance interval, FAIL otherwise; the "
                       "expanded uncertainty U (k = 2) is reported but not used (shared risk: the false-accept "
                       "risk can reach 50 % for a value at the limit)."},
}


def wall_date(wall_utc: Any) -> str | None:
    """The UTC date (YYYY-MM-DD) of a record line's ``wall_utc``, or None when it does not parse."""
    if not isinstance(wall_utc, str):
        return None
    try:
        stamp = datetime.datetime.fromisoformat(wall_utc.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.timezone.utc)
    return stamp.date().isoformat()


def _date(value: Any) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def decision_rule(recorded: Any) -> dict[str, str]:
    """The decision rule named by the record (``guard_band`` / ``simple_acceptance`` / free text)."""
    raw = text(recorded)
    key = raw.strip().upper().replace("-", "_").replace(" ", "_")
    for rule_id, spec in _RULES.items():
        if key == rule_id or key.startswith((rule_id + "_", rule_id + "(")):
            return {"id": rule_id.lower(), "recorded": raw, **spec}
    return {"id": "unknown", "recorded": raw, "name": raw or "not recorded",
            "description": "the record names no decision rule this report knows; verdicts are the bench's"}


def limits_text(low: Any, high: Any, fmt: Callable[[Any], str]) -> str:
    """A check's tolerance interval for display ("low \u2026 high", "\u2265 low", "\u2264 high", or an
    em dash when unbounded); ``fmt`` renders one limit (HTML and PDF format numbers their own way)."""
    if low is None and high is None:
        return "\u2014"
    if low is None:
        return f"\u2264 {fmt(high)}"
    if high is None:
        return f"\u2265 {fmt(low)}"
    return f"{fmt(low)} \u2026 {fmt(high)}"


def _bench_config(rec: ParsedRecord) -> dict[str, Any]:
    return as_dict(as_dict(rec.start.get("bench")).get("config"))


def laboratory(rec: ParsedRecord) -> dict[str, Any]:
    """7.8.2.1 b), c), o), 7.8.3.1 b): who tested, where, under which accreditation and environmental
    conditions, and who authorised the report (place and environment from the bench config)."""
    lab = as_dict(rec.start.get("laboratory"))
    configured = as_dict(_bench_config(rec).get("laboratory"))
    auth = as_dict(lab.get("authoriser"))
    place = opt_text(lab.get("place_of_testing") or configured.get("place_of_testing"))
    environment = as_dict(lab.get("environment") or configured.get("environment"))
    return {"declared": bool(lab), "name": text(lab.get("name")), "address": text(lab.get("address")),
            "accreditation_id": opt_text(lab.get("accreditation_id")),
            "authoriser": ({"name": text(auth.get("name")), "role": text(auth.get("role"))} if auth else None),
            "place_of_testing": place, "environment": {str(k): text(v) for k, v in environment.items()},
            "statement": RESULTS_RELATE_ONLY}


_ENVIRONMENT_LABELS = {"temperature_c": "temperature / \u00b0C", "relative_humidity_pct": "relative humidity / %",
                       "note": "note"}


def environment_text(lab: Mapping[str, Any]) -> str:
    """A report laboratory's environmental conditions in words (one line)."""
    env = as_dict(lab.get("environment"))
    return "; ".join(f"{_ENVIRONMENT_LABELS.get(k, k.replace('_', ' '))}: {v}" for k, v in env.items()) \
        or "not stated in the bench config"


def link_protocol(rec: ParsedRecord) -> str | None:
    """The protocol of the DUT's control link, from the device profile (e.g. ``ocpp201``)."""
    links = as_dict(as_dict(as_dict(rec.start.get("profile")).get("config")).get("links"))
    return opt_text(as_dict(links.get("control")).get("protocol"))


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    if isinstance(value, (list, tuple)):
        return {prefix[:-1]: ", ".join(str(v) for v in value)}
    return {prefix[:-1]: value if value is None or isinstance(value, (str, int, float, bool)) else str(value)}


def dut_description(rec: ParsedRecord, declared: Mapping[str, Any], read: Mapping[str, Any],
                    mismatches: Sequence[str]) -> dict[str, Any]:
    """7.8.2.1 f): the item's ratings and declared settings (device profile), and per identity field
    whether it matched what was read over the link, or was not read at all."""
    config = as_dict(as_dict(rec.start.get("profile")).get("config"))
    settings = {**{f"function.{k}": v for k, v in _flat(config.get("functions")).items()},
                **_flat(config.get("declared"))}
    status = {}
    for name in list(declared) + [k for k in read if k not in declared]:
        if name in mismatches:
            status[name] = "MISMATCH"
        elif name not in declared or declared[name] is None:
            status[name] = "not declared"
        elif read.get(name) is None:
            status[name] = "not read"
        else:
            status[name] = "match"
    return {"ratings": _flat(config.get("ratings")), "declared_settings": settings, "identity_status": status,
            "link_protocol": link_protocol(rec)}


def identity_status(dut: Mapping[str, Any], name: str) -> str:
    """An identity field's status in a report's ``dut``: match, MISMATCH, not read, not declared
    (derived from declared/read for a report from before ``identity_status``)."""
    status = as_dict(dut.get("identity_status")).get(name)
    if isinstance(status, str):
        return status
    if name in (dut.get("identity_mismatches") or []):
        return "MISMATCH"
    return "match" if as_dict(dut.get("read")).get(name) is not None else "not read"


def instrument_details(rec: ParsedRecord, role: str) -> dict[str, str | None]:
    """An instrument's asset id, serial number, last calibration and certificate (bench config)."""
    inst = as_dict(as_dict(_bench_config(rec).get("instruments")).get(role))
    return {key: opt_text(inst.get(key)) for key in ("asset_id", "serial_number", "calibration_last",
                                                     "calibration_certificate")}


def references(raw: Any, protocol: str | None) -> list[dict[str, Any]]:
    """A requirement's catalog references, each marked whether it applies to the DUT's link protocol."""
    out = []
    for ref in raw if isinstance(raw, list) else []:
        ref = as_dict(ref)
        protocols = ref.get("protocols")
        applies = not isinstance(protocols, list) or protocol is None or protocol in protocols
        confidence = ref.get("confidence")
        out.append({"document": text(ref.get("document")), "clause": opt_text(ref.get("clause")),
                    "confidence": confidence if confidence in ("std", "impl", "unverified", "policy") else "unverified",
                    "applies": applies})
    return out


def title(rec: ParsedRecord) -> str:
    return text(as_dict(rec.start.get("laboratory")).get("report_title")) or DEFAULT_TITLE


def customer(rec: ParsedRecord) -> dict[str, Any]:
    """7.8.2.1 d): the customer and their order reference (``flexbench run --customer --order-ref``)."""
    order = as_dict(rec.start.get("order"))
    return {"name": opt_text(order.get("customer")), "order_reference": opt_text(order.get("reference"))}


def dates(rec: ParsedRecord) -> dict[str, Any]:
    """7.8.2.1 h), i): receipt, test and issue dates, each with where it comes from."""
    order = as_dict(rec.start.get("order"))
    end = rec.end or {}
    return {"received": opt_text(order.get("received")),
            "tested_from": wall_date(rec.start.get("wall_utc")), "tested_to": wall_date(end.get("wall_utc")),
            "tested_basis": TEST_DATE_BASIS,
            "issued": wall_date(end.get("wall_utc")), "issued_basis": ISSUE_DATE_BASIS,
            "bench_calendar_start": opt_text(as_dict(rec.start.get("clock")).get("start_calendar"))}


def calibration_overdue(calibration_due: Any, test_date: str | None) -> bool | None:
    """True when the instrument's calibration was due before the test date; None when unknown."""
    due, tested = _date(calibration_due), _date(test_date)
    if due is None or tested is None:
        return None
    return due < tested


def instrument_accuracy(rec: ParsedRecord) -> list[dict[str, Any]]:
    """The declared expanded (k = 2) accuracy per reading of each instrument, from the bench config
    the record carries (``campaign_start.bench.config.instruments.<role>.accuracy``)."""
    units = {"voltage_v": "V", "current_a": "A", "power_w": "W", "frequency_hz": "Hz"}
    instruments = as_dict(as_dict(as_dict(rec.start.get("bench")).get("config")).get("instruments"))
    out = []
    for role in sorted(instruments):
        for quantity, value in sorted(as_dict(as_dict(instruments[role]).get("accuracy")).items()):
            out.append({"role": role, "quantity": quantity, "value": num(value),
                        "unit": units.get(quantity, quantity.rsplit("_", 1)[-1])})
    return out


def uncertainty_basis(check: Mapping[str, Any], accuracy: Sequence[Mapping[str, Any]], phase_count: int,
                      sample_period_s: float | None) -> str:
    """How a check's expanded uncertainty was obtained, matched against the declared accuracies."""
    u, unit = check.get("uncertainty"), check.get("unit")
    if check.get("rule") == "OBSERVATION" or u is None:
        return "none: an observation, not a measured value"

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))

    for acc in accuracy:
        value = acc.get("value")
        if acc.get("role") not in MEASURING_ROLES:
            continue
        if not isinstance(value, (int, float)) or acc.get("unit") != unit:
            continue
        where = f"{acc['role']} accuracy {acc['quantity']} = {value:g} {unit} (bench config, k = 2)"
        if close(u, value):
            return where
        if phase_count > 1 and close(u, value * phase_count):
            return f"{where} x {phase_count} phases (total of per-phase readings)"
    if unit == "s" and sample_period_s and close(u, sample_period_s):
        return f"time resolution: the recorder sample period {sample_period_s:g} s"
    return "method-specific: combined from instrument accuracy, sampling and fit (see the check detail)"


def _split_sources(source: str) -> list[str]:
    """Split "A (NL), B (DE); C" into its documents at top-level ',' and ';' (not inside
    parentheses), so the method lists each specification once."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in source:
        depth += (ch == "(") - (ch == ")")
        if ch in ",;" and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    items.append("".join(current).strip())
    return [i for i in items if i]


def clause_text(requirement: Mapping[str, Any]) -> str:
    """The clauses a lab maps a requirement's result to: its catalog references that apply to the
    DUT's protocol (each tagged with its confidence when not confirmed from a primary text), or,
    for a requirement without references, its source and clause."""
    refs = [r for r in requirement.get("references") or [] if isinstance(r, Mapping) and r.get("applies") is not False]
    if not refs:
        return " ".join(x for x in (str(requirement.get("source") or ""), str(requirement.get("clause") or "")) if x) \
            or "\u2014"
    parts = []
    for ref in refs:
        text = " ".join(str(x) for x in (ref.get("document"), ref.get("clause")) if x)
        if ref.get("confidence") not in (None, "std"):
            text += f" ({ref['confidence']})"
        parts.append(text)
    return "; ".join(parts)


_OTHER_PROTOCOL_PREFIX = {"ocpp201": ("OCPP 1.6", "OCPP-J 1.6"), "ocpp16j": ("OCPP 2.0.1",)}


def _is_document(item: str, protocol: str | None) -> bool:
    """Whether a piece of a catalog ``source`` names a document (not a bare clause id such as "K01",
    not a note such as "field failures in REQUIREMENTS.md") for the DUT's protocol."""
    if len(item) < 6 or not any(ch.isalpha() for ch in item.split(" ", 1)[0]) or ".md" in item:
        return False
    return not item.startswith(_OTHER_PROTOCOL_PREFIX.get(protocol or "", ()))


def specifications(catalog_requirements: Sequence[Any], protocol: str | None) -> list[str]:
    """The documents the requirement set cites, each once: a requirement's applicable references,
    or, for one without references, the documents named in its ``source``."""
    docs: set[str] = set()
    for raw in catalog_requirements:
        req = as_dict(raw)
        refs = [r for r in references(req.get("references"), protocol) if r["applies"]]
        if refs:
            docs.update(r["document"] for r in refs)
        else:
            docs.update(i for i in _split_sources(text(req.get("source"))) if _is_document(i, protocol))
    return sorted(docs)


def method(rec: ParsedRecord, rule: Mapping[str, str]) -> dict[str, Any]:
    """7.8.2.1 e): the requirement set (name, version), market parameter set, decision rule, the
    documents cited and the test method (the suites' procedures, given per test)."""
    catalog = as_dict(rec.start.get("catalog"))
    requirements = catalog.get("requirements") or []
    protocol = link_protocol(rec)
    methods = sorted({r["document"] for raw in requirements
                      for r in references(as_dict(raw).get("references"), protocol)
                      if r["applies"] and any(m in r["document"] for m in TEST_METHOD_DOCUMENTS)})
    return {"requirement_set": {"name": text(catalog.get("name")), "version": text(catalog.get("version"))},
            "market": text(rec.start.get("market")), "decision_rule": dict(rule),
            "specifications": specifications(requirements, protocol),
            "test_method": ("flexbench test procedures (one per test, its text under Tests) driving the bench's "
                            "instruments and the device's control link; stimulus levels, limits and times from "
                            "the requirement set's market parameters"
                            + (f"; after the test methods of {', '.join(methods)}" if methods else "")),
            "test_method_references": methods,
            "catalog_overrides": as_dict(rec.start.get("catalog_overrides")
                                         or as_dict(as_dict(as_dict(rec.start.get("bench")).get("config"))
                                                    .get("catalog_overrides")))}


def deviations(report: Mapping[str, Any]) -> list[str]:
    """7.8.2.1 m) / 7.8.3.1 a): departures from the method and conditions a reader must know."""
    out: list[str] = []
    for rid, params in sorted(report["method"]["catalog_overrides"].items()):
        out.append(f"catalog override of {rid}: {params} (lab setting, replaces the catalog's values)")
    for req in report["requirements"]:
        if req["confidence"] == "unverified" and req["verdict"] not in ("NOT_TESTED", "NOT_APPLICABLE"):
            out.append(f"{req['id']} was judged with parameter values not confirmed from a primary text "
                       "(confidence: unverified)")
    for test in report["tests"]:
        if test["outcome"] in ("SKIPPED", "ERROR"):    # a NOT_APPLICABLE test departs from no method
            message = str(test["message"] or "").removeprefix(f"{test['outcome']}:").strip()
            out.append(f"test {test['nodeid']} {test['outcome']}" + (f": {message}" if message else ""))
    for req in report["requirements"]:
        if req["verdict"] == "NOT_TESTED":
            kind = "mandatory" if req["mandatory"] else "optional"
            out.append(f"{kind} requirement {req['id']} NOT TESTED (no covering test ran in this campaign)")
    for inst in report["bench"]["instruments"]:
        if inst["calibration_overdue"]:
            out.append(f"{inst['role']} calibration was due {inst['calibration_due']}, before the test date")
        elif inst["calibration_due"] is None:
            out.append(f"{inst['role']} has no calibration due date in the bench config")
        if inst.get("unconfirmed_commands"):
            unconfirmed = inst["unconfirmed_commands"]
            out.append(f"{inst['role']} ({inst['model']}): its driver may send {len(unconfirmed)} command(s) no public "
                       f"source confirms: {', '.join(unconfirmed)}")
    if not report["campaign"]["complete"]:
        out.append("the record has no campaign_end: the campaign did not finish")
    parts = report["campaign"]["simulated_parts"]
    if report["simulated"]:
        out.append(simulated_parts_statement(parts) + (": no real device was tested" if parts["device"] else
                                                       ": the real device was measured by simulated instruments"))
    if report["campaign"]["clock"]["mode"] == "virtual" and not parts["device"]:
        out.append("the device under test is real but the bench ran on the virtual clock (--clock virtual): bench "
                   "times and the calendar sent to the device were virtual, not real time")
    return out


def simulated_parts_statement(parts: Mapping[str, bool]) -> str:
    """Which parts were simulated, in words (``parts``: the report's ``campaign.simulated_parts``)."""
    if parts["instruments"] and parts["device"]:
        return "the instruments and the device under test were simulated"
    if parts["device"]:
        return "the device under test was simulated (the instruments are real)"
    if parts["instruments"]:
        return "the instruments were simulated (the device under test is real)"
    return "nothing was simulated"


def simulation_notice(parts: Mapping[str, bool]) -> str:
    """The report's ``simulation_notice`` when anything was simulated."""
    return f"SIMULATED: {simulated_parts_statement(parts)}; this report is not a certificate of a real device"


def conformity(report: Mapping[str, Any]) -> dict[str, Any]:
    """7.8.6: per requirement and overall, a statement naming the specification and decision rule."""
    rule = report["method"]["decision_rule"]["name"]
    market = report["method"]["market"]
    rset = report["method"]["requirement_set"]
    words = {"PASS": "conforms to", "FAIL": "does not conform to", "INCONCLUSIVE": "could not be shown to conform to",
             "NOT_APPLICABLE": "is not applicable to", "NOT_TESTED": "was not tested against"}
    per_requirement = []
    for req in report["requirements"]:
        spec = clause_text(req) if req.get("source") or req.get("references") else "the requirement catalog"
        n = len(req["checks"])
        per_requirement.append({
            "requirement": req["id"], "verdict": req["verdict"],
            "statement": (f"The device {words[req['verdict']]} {req['id']} ({spec}; {rset['name']} {rset['version']}, "
                          f"market {market})" + (f", judged on {n} measured or observed result(s) under the "
                                                 f"decision rule {rule}." if n else ".")),
        })
    overall = {"COMPLIANT": "conforms to every tested requirement of",
               "NON_COMPLIANT": "does not conform to", "INCONCLUSIVE": "could not be shown to conform to"}
    statement = (f"The device {overall[report['verdict']]} the requirement set {rset['name']} {rset['version']} "
                 f"(market {market}) under the decision rule {rule}.")
    if report["simulated"]:
        statement += (" The test was run against a simulation: this is not a statement about a real device."
                      if report["campaign"]["simulated_parts"]["device"] else
                      " The device was measured by simulated instruments: this is not a certified statement about it.")
    return {"decision_rule": rule, "statement": statement, "requirements": per_requirement}


def place_hold(rec: ParsedRecord) -> dict[str, Any] | None:
    """``bench.place``: the labgrid place that held the bench's instruments (bench/places), from the
    record's ``place`` lines: who the bench was on the coordinator, whom it waited for, how long it
    waited and held the place, and each line as a sentence. None when the bench named no place."""
    if not rec.places:
        return None
    first = rec.places[0]
    waited = [p for p in rec.places if p.get("action") == "waiting"]
    acquired = next((p for p in rec.places if p.get("action") == "acquired"), {})
    released = next((p for p in rec.places if p.get("action") == "released"), {})
    lost = next((p for p in rec.places if p.get("action") == "lost"), None)

    def sentence(p: Mapping[str, Any]) -> str:
        action = text(p.get("action"))
        if action == "waiting":
            return f"held by {text(p.get('holder'))}: waiting up to {fmt_number(p.get('wait_s'))} s"
        if action == "acquired":
            return f"acquired after waiting {fmt_number(p.get('waited_s'), 1)} s (reservation {text(p.get('token'))})"
        if action == "released":
            extra = f"; {text(p.get('reason'))}" if p.get("reason") else ""
            return f"released after {fmt_number(p.get('held_s'), 1)} s{extra}"
        return f"{action}: {text(p.get('reason'))}"

    return {"name": text(first.get("place")), "coordinator": text(first.get("coordinator")),
            "owner": text(first.get("owner")), "waited_s": num(acquired.get("waited_s")),
            "held_s": num(released.get("held_s")), "waited_for": [text(p.get("holder")) for p in waited],
            "lost": text(lost.get("reason")) if lost else None,
            "events": [{"action": text(p.get("action")), "at_utc": text(p.get("at_utc")), "text": sentence(p)}
                       for p in rec.places]}


def place_sentence(place: Mapping[str, Any]) -> str:
    """The bench section's one sentence on the labgrid place (HTML and PDF)."""
    waited = f", after waiting {fmt_number(place.get('waited_s'), 1)} s for {', '.join(place['waited_for'])}" \
        if place.get("waited_for") else ""
    held = (f"; held {fmt_number(place.get('held_s'), 1)} s" if place.get("held_s") is not None
            else "; not released in the record")
    lost = f"; LOST during the campaign: {place['lost']}" if place.get("lost") else ""
    return (f"Instruments held through labgrid place {place.get('name')} (coordinator {place.get('coordinator')}) "
            f"by {place.get('owner')}{waited}{held}{lost}.")
