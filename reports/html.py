"""The report dict -> one self-contained ``report.html`` (inline CSS and SVG, no scripts).

Reads on screen and in print. Every string that came from the record goes through :func:`_e`
(HTML-escaped, quotes included), so a record cannot inject markup, and bounded for display
(:mod:`reports.display`: at most 2 000 characters of one text, with a note naming where the full
text is; report.json and the record keep it whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from reports import sections_html
from reports.content import clause_text, identity_status, limits_text, place_sentence
from reports.display import DEVELOPMENT_KEY_NOTICE, bounded_text, is_development
from reports.formatting import fmt_number, fmt_uncertainty
from reports.summary import measured_number
from reports import html_evidence, html_nav

SIMULATED_BANNER = "SIMULATED \u2013 not a certificate of a real device"
_DOT = " \u00b7 "

_CSS = """
:root { --pass:#1e7b34; --fail:#b3261e; --inc:#a15c00; --na:#555; --nt:#6b3fa0; --line:#c8c8c8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:#1a1a1a;
       margin: 0 auto; padding: 24px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; border-bottom: 2px solid #333; padding-bottom: 2px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .mono { font-family: "SFMono-Regular", Consolas, "Liberation Mono", monospace; font-size: 12px;
              word-break: break-all; }
.header { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; }
.meta { color: #444; }
.verdict { display: inline-block; padding: 1px 6px; border-radius: 3px; font-weight: 600;
           border: 1px solid currentColor; white-space: nowrap; }
.verdict.big { font-size: 20px; padding: 6px 14px; }
.v-PASS, .v-COMPLIANT { color: var(--pass); }
.v-FAIL, .v-NON_COMPLIANT { color: var(--fail); }
.v-INCONCLUSIVE, .v-ERROR { color: var(--inc); }
.v-NOT_APPLICABLE, .v-SKIPPED { color: var(--na); }
.v-NOT_TESTED { color: var(--nt); }
.banner { border: 3px solid var(--fail); color: var(--fail); background: #fff3f2; font-weight: 700;
          font-size: 18px; text-align: center; padding: 8px; margin: 12px 0; letter-spacing: .5px; }
.mismatch { background: #fff3f2; }
figure { margin: 8px 0 16px; page-break-inside: avoid; break-inside: avoid; }
figcaption { font-size: 12px; color: #444; }
svg.plot { width: 100%; max-width: 640px; height: auto; display: block; }
svg .axis-label { font-size: 12px; }
.end { margin-top: 32px; border-top: 2px solid #333; padding-top: 6px; text-align: center; }
.print-footer, .print-header { display: none; }
.overdue { color: var(--fail); font-weight: 600; }
pre.trace { font-size: 11px; background: #f7f7f7; border: 1px solid var(--line); padding: 4px 6px;
            white-space: pre-wrap; word-break: break-all; margin: 4px 0 10px; }
.statement { border-left: 4px solid #333; padding: 2px 10px; margin: 6px 0; }
@media print {
  body { padding: 0; max-width: none; font-size: 10.5pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  .print-footer, .print-header { display: block; position: fixed; left: 0; right: 0; font-size: 8pt;
                                 color: #444; text-align: center; background: #fff; }
  .print-footer { bottom: 0; }
  .print-header { top: 0; }
  .print-header.sim, .print-footer.sim { color: var(--fail); font-weight: 700; }
  @page { margin: 20mm 14mm 20mm; }
}
"""


def _e(value: Any) -> str:
    """Escaped text of any value, bounded for display; None is an em dash."""
    return "\u2014" if value is None else escape(bounded_text(str(value)), quote=True)


def fmt_num(value: Any) -> str:
    """A number for display (:func:`reports.formatting.fmt_number`); None/unbounded as an em dash."""
    if value is None or isinstance(value, bool):
        return "\u2014"
    return fmt_number(value)


def _verdict(value: str, big: bool = False) -> str:
    cls = f"verdict v-{_e(value)}" + (" big" if big else "")
    return f'<span class="{cls}">{_e(value.replace("_", " "))}</span>'


def _status(status: str) -> str:
    return status if status == "match" else f"<strong>{_e(status)}</strong>"


def _limits(check: Mapping[str, Any]) -> str:
    return limits_text(check.get("low"), check.get("high"), fmt_num)


def _kv_table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _header(report: Mapping[str, Any], signer_kind: str | None = None) -> list[str]:
    c, lab = report["campaign"], report["laboratory"]
    lab_line = (f'{_e(lab["name"])}{_DOT}{_e(lab["address"])}'
                + (f'{_DOT}accreditation {_e(lab["accreditation_id"])}' if lab["accreditation_id"] else "")
                if lab["declared"] else "<strong>no laboratory identity in the bench config</strong>")
    out = ['<div class="header"><div>',
           f"<h1>{_e(report['title'])}</h1>",
           f'<div class="meta">{lab_line}</div>',
           f'<div class="meta">Report <strong class="mono">{_e(report["report_id"])}</strong>{_DOT}'
           f'campaign <span class="mono">{_e(c["id"])}</span>{_DOT}issued {_e(report["dates"]["issued"])}</div>',
           "</div><div>", _verdict(report["verdict"], big=True), "</div></div>"]
    if is_development(signer_kind):
        out.append(f'<div class="banner dev-key" role="alert">{_e(DEVELOPMENT_KEY_NOTICE)}</div>')
    if report["simulated"]:
        out.append(f'<div class="banner" role="alert">{_e(SIMULATED_BANNER)}</div>')
        out.append(f"<p>{_e(report['simulation_notice'])}</p>")
    if report["verdict_reasons"]:
        out.append("<p><strong>Why the verdict is not COMPLIANT:</strong></p><ul>"
                   + "".join(f"<li>{_e(r)}</li>" for r in report["verdict_causes"] or report["verdict_reasons"])
                   + "</ul>")
    s = report["summary"]
    req_counts = ", ".join(f"{_e(k.replace('_', ' '))} {v}" for k, v in s["requirements"].items()
                           if k != "total" and v)
    test_counts = ", ".join(f"{_e(k.replace('_', ' '))} {v}" for k, v in s["tests"].items()
                            if k != "total" and v)
    out.append(f"<p>{s['requirements']['total']} requirements ({req_counts or 'none'}); "
               f"{s['tests']['total']} tests ({test_counts or 'none'}).</p>")
    return out


def _identification(report: Mapping[str, Any]) -> list[str]:
    """ISO/IEC 17025 7.8.2.1 b), d), f)-i): laboratory, customer, item, dates."""
    lab, cust, d, dut = report["laboratory"], report["customer"], report["dates"], report["dut"]
    rows = [
        ("Laboratory", f'{_e(lab["name"] or None)}<br>{_e(lab["address"] or None)}'),
        ("Accreditation", _e(lab["accreditation_id"])),
        ("Customer", _e(cust["name"] or "not stated")
         + (f'{_DOT}order {_e(cust["order_reference"])}' if cust["order_reference"] else "")),
        ("Item condition", _e(dut["condition"] or "not stated")),
        ("Date of receipt", _e(d["received"] or "not stated")),
        ("Date(s) of test",
         f'{_e(d["tested_from"])} \u2013 {_e(d["tested_to"])} <small>({_e(d["tested_basis"])})</small>'),
        ("Date of issue", f'{_e(d["issued"])} <small>({_e(d["issued_basis"])})</small>'),
        ("Bench calendar", _e(d["bench_calendar_start"]) + f" <small>(clock start used by the bench; "
                           f"{_e(report['campaign']['clock']['mode'] or 'unknown')} clock)</small>"),
    ]
    out = ["<h2>1 Identification</h2>", _kv_table(rows), "<h3>Device under test</h3>"]
    fields = list(dut["declared"]) + [k for k in dut["read"] if k not in dut["declared"]]
    if not fields:
        out.append("<p>No DUT identity in the record.</p>")
    else:
        rows_html = []
        for name in fields:
            bad = name in dut["identity_mismatches"]
            cls = ' class="mismatch"' if bad else ""
            rows_html.append(f"<tr{cls}><th>{_e(name)}</th>"
                             f"<td>{_e(dut['declared'].get(name))}</td><td>{_e(dut['read'].get(name))}</td>"
                             f"<td>{_status(identity_status(dut, name))}</td></tr>")
        out.append("<table><tr><th>Field</th><th>Declared (profile)</th><th>Read over the link</th><th></th></tr>"
                   + "".join(rows_html) + "</table>")
    out.append(f"<p>Profile: <span class=\"mono\">{_e(dut['profile_file'])}</span>"
               + (_DOT + "<strong>simulated device</strong>" if dut["simulated"] else "") + "</p>")
    return out + sections_html.dut_section(report) + sections_html.conditions_section(report)


def _method(report: Mapping[str, Any]) -> list[str]:
    """7.8.2.1 e) and 7.8.6: method, specification and decision rule."""
    m, c, sw = report["method"], report["campaign"], report["software"]
    record_sw = " ".join(_e(sw["record"].get(k, "")) for k in ("name", "version", "commit")).strip()
    rule = m["decision_rule"]
    overrides = m["catalog_overrides"]
    rows = [
        ("Requirement set", f'{_e(m["requirement_set"]["name"])} {_e(m["requirement_set"]["version"])}'),
        ("Market parameter set", _e(m["market"])),
        ("Decision rule", f'<strong>{_e(rule["name"])}</strong><br><small>{_e(rule["description"])}</small>'),
        ("Specifications", "<br>".join(_e(x) for x in m["specifications"]) or "\u2014"),
        ("Catalog overrides", _e(overrides) if overrides else "none"),
        ("Clock", f'{_e(c["clock"]["mode"])}; bench time {fmt_num(c["start_t_s"])} s \u2013 {fmt_num(c["end_t_s"])} s'),
        ("Record", f'{_e(c["record_format"])}, {c["record_lines"]} lines, '
                   + ("complete" if c["complete"] else "<strong>truncated: no campaign_end</strong>")),
        ("Software (bench)", record_sw or "\u2014"),
        ("Software (report)", f'{_e(sw["report"]["name"])} {_e(sw["report"]["version"])}'),
    ]
    return ["<h2>2 Method</h2>", _kv_table(rows)] + sections_html.procedures_section(report)


def _bench(report: Mapping[str, Any]) -> list[str]:
    b = report["bench"]
    out = [f"<h2>3 Bench and instruments</h2><p>Bench <strong>{_e(b['name'])}</strong> "
           f"(<span class=\"mono\">{_e(b['file'])}</span>)</p>"]
    if b.get("place"):
        out.append(f"<p>{_e(place_sentence(b['place']))}</p>")
    if not b["instruments"]:
        return out + ["<p>No instruments recorded.</p>"]
    return out + [sections_html.instruments_table(report)]


def _uncertainty(report: Mapping[str, Any]) -> list[str]:
    mu = report["measurement_uncertainty"]
    return ["<h2>4 Measurement uncertainty and decision rule</h2>",
            f"<p>{_e(mu['statement'])}</p>",
            f"<p class=\"statement\">Decision rule in force: <strong>{_e(report['method']['decision_rule']['name'])}"
            f"</strong>. {_e(report['method']['decision_rule']['description'])}</p>"]


def _traceability(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for t in report["traceability"]:
        tests = "<br>".join(f"<span class=\"mono\">{_e(x['nodeid'])}</span> {_verdict(x['outcome'])}"
                            for x in t["tests"]) or "<strong>no covering test</strong>"
        ch = t["checks"]
        counts = f"{ch['total']} ({', '.join(f'{k} {v}' for k, v in ch.items() if k != 'total' and v) or 'none'})"
        unverified = [p["name"] for p in t["parameters"] if p["status"] == "not verified"]
        params = (f"<br><small>parameters not verified: {_e(', '.join(unverified))}</small>" if unverified else "")
        rows.append(f"<tr><td class=\"mono\">{_e(t['requirement'])}</td><td>{_e(t['title'])}</td>"
                    f"<td>{'yes' if t['mandatory'] else 'no'}</td><td>{tests}{params}</td><td>{_e(counts)}</td>"
                    f"<td>{_verdict(t['verdict'])}</td></tr>")
    declared = "".join(f"<tr><td class=\"mono\">{_e(d['name'])}</td><td>{_e(d['value'])}</td>"
                       f"<td>{_e(', '.join(d['requirements']))}</td><td>{_e(d['status'])}</td>"
                       f"<td>{_e(d['reason'] or ', '.join(d['tests']))}</td></tr>" for d in report["declared_values"])
    out = ["<h2>5 Traceability matrix</h2>",
           "<p>Every requirement of the set, the tests that cover it and its verdict. The overall verdict "
           "cannot be COMPLIANT while a mandatory requirement is NOT TESTED. A catalog parameter or a declared "
           "value is exercised when a test that judged the device read it; the others are listed as not "
           "verified.</p>",
           "<table><tr><th>Requirement</th><th>Title</th><th>Mandatory</th><th>Covering tests</th>"
           "<th>Checks</th><th>Verdict</th></tr>" + "".join(rows) + "</table>"]
    if declared:
        out += ["<h3>Values the device profile declares</h3>",
                "<table><tr><th>Declared value</th><th>Value</th><th>Requirements</th><th>Status</th>"
                "<th>Tests / reason</th></tr>" + declared + "</table>"]
    return out


def _parameters(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for r in report["requirements"]:
        for name, p in r["parameters"].items():
            value = fmt_num(p["value"]) if isinstance(p["value"], (int, float)) else _e(p["value"])
            rows.append(f"<tr><td class=\"mono\">{_e(r['id'])}</td><td>{_e(name)}</td>"
                        f"<td class=\"num\">{value}</td><td>{_e(p['unit'])}</td></tr>")
    out = [f"<h2>8 Market parameter set ({_e(report['campaign']['market'])})</h2>"]
    if not rows:
        return out + ["<p>The catalog carries no parameters.</p>"]
    return out + ["<table><tr><th>Requirement</th><th>Parameter</th><th>Value</th><th>Unit</th></tr>"
                  + "".join(rows) + "</table>"]


def _results(report: Mapping[str, Any]) -> list[str]:
    head = ("<table><tr><th>Requirement</th><th>Source / clause</th><th>Verdict</th><th>Check</th>"
            "<th>Measured</th><th>U (k=2)</th><th>Limits</th><th>Unit</th><th>Check verdict</th></tr>")
    rows: list[str] = []
    for r in report["requirements"]:
        checks = r["checks"] or [None]
        span = f' rowspan="{len(checks)}"' if len(checks) > 1 else ""
        flags = []
        if r["mandatory"]:
            flags.append("mandatory")
        if r["confidence"]:
            flags.append(f"confidence: {r['confidence']}")
        if not r["in_catalog"]:
            flags.append("not in catalog")
        req_cells = (f"<td{span}><strong class=\"mono\">{_e(r['id'])}</strong><br>{_e(r['title'])}"
                     f"<br><small>{_e(', '.join(flags))}</small></td>"
                     f"<td{span}>{_e(clause_text(r))}</td><td{span}>{_verdict(r['verdict'])}</td>")
        for idx, c in enumerate(checks):
            cells = req_cells if idx == 0 else ""
            if c is None:
                rows.append(f"<tr>{cells}<td colspan=\"6\">no checks recorded</td></tr>")
                continue
            rows.append(
                f"<tr>{cells}<td>{_e(c['name'])}<br><small>{_e(c['quantity'])}"
                + (_DOT + _e(c["rule"]) if c["rule"] else "") + _DOT + "U: " + _e(c["uncertainty_basis"])
                + (_DOT + "sensitivity: " + _e(c["sensitivity"]["text"]) if c.get("sensitivity") else "")
                + "</small></td>"
                f"<td class=\"num\">{_e(measured_number(c))}</td>"
                f"<td class=\"num\">{fmt_uncertainty(c['uncertainty'])}</td>"
                f"<td class=\"num\">{_limits(c)}</td><td>{_e(c['unit'])}</td><td>{_verdict(c['verdict'])}"
                f"{'<br><small>' + _e(c['detail']) + '</small>' if c['detail'] else ''}</td></tr>")
    return ["<h2>6 Results by requirement</h2>",
            f"<p>Decision rule: {_e(report['campaign']['decision_rule'])}. "
            "U is the expanded uncertainty (k = 2) of the measured value, in the unit shown; its basis is "
            "given under each check, with the check's sensitivity: the largest deviation from the requirement "
            "it would still pass.</p>", head + "".join(rows) + "</table>"]


def _evidence(report: Mapping[str, Any]) -> list[str]:
    return html_evidence.evidence_section(report)


def _tests(report: Mapping[str, Any]) -> list[str]:
    rows = "".join(
        f"<tr><td class=\"mono\">{_e(t['nodeid'])}</td><td class=\"mono\">{_e(', '.join(t['requirements']))}</td>"
        f"<td>{_verdict(t['outcome'])}</td><td>{_e(t['message'])}</td></tr>" for t in report["tests"])
    if not rows:
        return ["<h2>9 Tests</h2><p>No tests ran.</p>"]
    return ["<h2>9 Tests</h2><table><tr><th>Test</th><th>Requirements</th><th>Outcome</th><th>Message</th></tr>"
            + rows + "</table>"]


def _notes(report: Mapping[str, Any]) -> list[str]:
    out = ["<h2>10 Deviations, observations and bench events</h2>", "<h3>Deviations</h3>"]
    out.append("<ul>" + "".join(f"<li>{_e(d)}</li>" for d in report["deviations"]) + "</ul>"
               if report["deviations"] else "<p>None.</p>")
    out.append("<h3>Observations</h3>")
    out.append("<ul>" + "".join(f"<li>{_e(o)}</li>" for o in report["observations"]) + "</ul>"
               if report["observations"] else "<p>None.</p>")
    if report["events"]:
        out.append("<h3>Bench warnings and errors</h3><table><tr><th>t / s</th><th>Level</th><th>Message</th></tr>"
                   + "".join(f"<tr><td class=\"num\">{fmt_num(ev['t_s'])}</td><td>{_e(ev['level'])}</td>"
                             f"<td>{_e(ev['message'])}</td></tr>" for ev in report["events"]) + "</table>")
    return out


def _conformity(report: Mapping[str, Any], signer_kind: str | None = None) -> list[str]:
    """ISO/IEC 17025 7.8.6 statements of conformity, then 7.8.2.1 o) the authorisation."""
    conf, lab = report["conformity"], report["laboratory"]
    out = ["<h2>11 Statement of conformity</h2>",
           f"<p class=\"statement\"><strong>{_e(conf['statement'])}</strong></p><ul>"]
    out += [f"<li>{_e(x['statement'])}</li>" for x in conf["requirements"]]
    out.append("</ul>")
    auth = lab["authoriser"]
    who = (f"{_e(auth['name'])}, {_e(auth['role'])}" if auth
           else "<strong>no authoriser named in the bench config</strong>")
    out += ["<h2>12 Authorisation</h2>",
            _kv_table([("Authorised by", who), ("Date of issue", _e(report["dates"]["issued"])),
                       ("Signature", "see the signed manifest that accompanies this report"
                        + (f'<br><strong class="overdue">{_e(DEVELOPMENT_KEY_NOTICE)}</strong>'
                           if is_development(signer_kind) else ""))])]
    return out + sections_html.signature_block(signer_kind)


def render_html(report: Mapping[str, Any], *, signer_kind: str | None = None) -> str:
    """The complete, self-contained HTML document for a (schema-valid) report dict.

    In print, a fixed header and footer repeat on every page with the report id (and the
    simulation notice when anything was simulated, the development-key notice when ``signer_kind``
    is ``"development"``, which also heads the report and its signature block); the document ends
    with an explicit end line."""
    rid = _e(report["report_id"])
    sim = report["simulated"]
    dev = is_development(signer_kind)
    sim_cls = " sim" if sim or dev else ""
    running = (f"{_e(report['title'])}{_DOT}Report {rid}" + (_DOT + _e(SIMULATED_BANNER) if sim else "")
               + (_DOT + _e(DEVELOPMENT_KEY_NOTICE) if dev else ""))
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(report['title'])} {rid}</title><style>{_CSS}{html_nav.CSS}</style></head><body>",
             f'<div class="print-header{sim_cls}">{running}</div>',
             f'<div class="print-footer{sim_cls}">{running}</div>']
    parts.extend(_header(report, signer_kind))
    parts.extend(sections_html.summary_section(report))
    for section in (_identification, _method, _bench, _uncertainty, _traceability, _results,
                    _evidence, _parameters, _tests, _notes):
        parts.extend(section(report))
    parts.extend(_conformity(report, signer_kind))
    parts.append(f'<p class="end">End of report {rid}</p></body></html>')
    return html_nav.navigable("\n".join(parts) + "\n", [r["id"] for r in report["requirements"]])
