"""The report dict -> one self-contained ``report.html`` (inline CSS and SVG, no scripts).

Reads on screen and in print. Every string that came from the record goes through :func:`_e`
(HTML-escaped, quotes included), so a record cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from reports.svg import plot_svg

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
.print-footer { display: none; }
@media print {
  body { padding: 0; max-width: none; font-size: 10.5pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  .print-footer { display: block; position: fixed; bottom: 0; left: 0; right: 0; font-size: 8pt;
                  color: #444; text-align: center; }
  @page { margin: 16mm 14mm 18mm; }
}
"""


def _e(value: Any) -> str:
    """Escaped text of any value; None is an em dash."""
    return "\u2014" if value is None else escape(str(value), quote=True)


def fmt_num(value: Any) -> str:
    """A number for display: up to 6 significant digits; None/unbounded as an em dash."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return "\u2014"
    if isinstance(value, int):
        return str(value)
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def _verdict(value: str, big: bool = False) -> str:
    cls = f"verdict v-{_e(value)}" + (" big" if big else "")
    return f'<span class="{cls}">{_e(value.replace("_", " "))}</span>'


def _limits(check: Mapping[str, Any]) -> str:
    low, high = check.get("low"), check.get("high")
    if low is None and high is None:
        return "\u2014"
    if low is None:
        return f"\u2264 {fmt_num(high)}"
    if high is None:
        return f"\u2265 {fmt_num(low)}"
    return f"{fmt_num(low)} \u2026 {fmt_num(high)}"


def _kv_table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _header(report: Mapping[str, Any]) -> list[str]:
    c = report["campaign"]
    out = ['<div class="header"><div>',
           "<h1>Compliance test report</h1>",
           f'<div class="meta">Report <strong class="mono">{_e(report["report_id"])}</strong> \u00b7 '
           f'campaign <span class="mono">{_e(c["id"])}</span> \u00b7 market {_e(c["market"])} \u00b7 '
           f'catalog {_e(c["catalog"]["name"])} {_e(c["catalog"]["version"])}</div>',
           "</div><div>", _verdict(report["verdict"], big=True), "</div></div>"]
    if report["simulated"]:
        out.append(f'<div class="banner" role="alert">{_e(SIMULATED_BANNER)}</div>')
    if report["verdict_reasons"]:
        out.append("<p><strong>Why the verdict is not COMPLIANT:</strong></p><ul>"
                   + "".join(f"<li>{_e(r)}</li>" for r in report["verdict_reasons"]) + "</ul>")
    s = report["summary"]
    req_counts = ", ".join(f"{_e(k.replace('_', ' '))} {v}" for k, v in s["requirements"].items()
                           if k != "total" and v)
    test_counts = ", ".join(f"{_e(k.replace('_', ' '))} {v}" for k, v in s["tests"].items()
                            if k != "total" and v)
    out.append(f"<p>{s['requirements']['total']} requirements ({req_counts or 'none'}); "
               f"{s['tests']['total']} tests ({test_counts or 'none'}).</p>")
    return out


def _campaign(report: Mapping[str, Any]) -> list[str]:
    c, sw = report["campaign"], report["software"]
    record_sw = " ".join(_e(sw["record"].get(k, "")) for k in ("name", "version", "commit")).strip()
    rows = [
        ("Decision rule", _e(c["decision_rule"])),
        ("Market parameter set", _e(c["market"])),
        ("Requirement catalog", f'{_e(c["catalog"]["name"])} {_e(c["catalog"]["version"])}'),
        ("Clock", f'{_e(c["clock"]["mode"])}, calendar start {_e(c["clock"]["start_calendar"])}'),
        ("Bench time", f'{fmt_num(c["start_t_s"])} s \u2013 {fmt_num(c["end_t_s"])} s'),
        ("Wall clock (informative)", f'{_e(c["start_wall_utc"])} \u2013 {_e(c["end_wall_utc"])}'),
        ("Record", f'{_e(c["record_format"])}, {c["record_lines"]} lines, '
                   + ("complete" if c["complete"] else "<strong>truncated: no campaign_end</strong>")),
        ("Recorded by", record_sw or "\u2014"),
        ("Report generated by", f'{_e(sw["report"]["name"])} {_e(sw["report"]["version"])}'),
    ]
    return ["<h2>1 Campaign</h2>", _kv_table(rows)]


def _dut(report: Mapping[str, Any]) -> list[str]:
    d = report["dut"]
    out = ["<h2>2 Device under test</h2>"]
    fields = list(d["declared"]) + [k for k in d["read"] if k not in d["declared"]]
    if not fields:
        out.append("<p>No DUT identity in the record.</p>")
    else:
        rows = []
        for name in fields:
            cls = ' class="mismatch"' if name in d["identity_mismatches"] else ""
            rows.append(f"<tr{cls}><th>{_e(name)}</th><td>{_e(d['declared'].get(name))}</td>"
                        f"<td>{_e(d['read'].get(name))}</td></tr>")
        out.append("<table><tr><th>Field</th><th>Declared</th><th>Read over the link</th></tr>"
                   + "".join(rows) + "</table>")
    out.append(f"<p>Profile: <span class=\"mono\">{_e(d['profile_file'])}</span>"
               + (_DOT + "<strong>simulated device</strong>" if d["simulated"] else "") + "</p>")
    return out


def _bench(report: Mapping[str, Any]) -> list[str]:
    b = report["bench"]
    out = [f"<h2>3 Bench and instruments</h2><p>Bench <strong>{_e(b['name'])}</strong> "
           f"(<span class=\"mono\">{_e(b['file'])}</span>)</p>"]
    if not b["instruments"]:
        return out + ["<p>No instruments recorded.</p>"]
    rows = "".join(
        f"<tr><td>{_e(i['role'])}</td><td>{_e(i['model'])}</td><td class=\"mono\">{_e(i['resource'])}</td>"
        f"<td class=\"mono\">{_e(i['idn'])}</td><td>{_e(i['calibration_due'])}</td>"
        f"<td>{'yes' if i['simulated'] else 'no'}</td></tr>" for i in b["instruments"])
    return out + ["<table><tr><th>Role</th><th>Model</th><th>Resource</th><th>*IDN?</th>"
                  "<th>Calibration due</th><th>Simulated</th></tr>" + rows + "</table>"]


def _parameters(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for r in report["requirements"]:
        for name, p in r["parameters"].items():
            value = fmt_num(p["value"]) if isinstance(p["value"], (int, float)) else _e(p["value"])
            rows.append(f"<tr><td class=\"mono\">{_e(r['id'])}</td><td>{_e(name)}</td>"
                        f"<td class=\"num\">{value}</td><td>{_e(p['unit'])}</td></tr>")
    out = [f"<h2>4 Market parameter set ({_e(report['campaign']['market'])})</h2>"]
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
                     f"<td{span}>{_e(r['source'])} {_e(r['clause'])}</td><td{span}>{_verdict(r['verdict'])}</td>")
        for idx, c in enumerate(checks):
            cells = req_cells if idx == 0 else ""
            if c is None:
                rows.append(f"<tr>{cells}<td colspan=\"6\">no checks recorded</td></tr>")
                continue
            rows.append(
                f"<tr>{cells}<td>{_e(c['name'])}<br><small>{_e(c['quantity'])}"
                + (_DOT + _e(c["rule"]) if c["rule"] else "") + "</small></td>"
                f"<td class=\"num\">{fmt_num(c['measured'])}</td><td class=\"num\">{fmt_num(c['uncertainty'])}</td>"
                f"<td class=\"num\">{_limits(c)}</td><td>{_e(c['unit'])}</td><td>{_verdict(c['verdict'])}"
                f"{'<br><small>' + _e(c['detail']) + '</small>' if c['detail'] else ''}</td></tr>")
    return ["<h2>5 Results by requirement</h2>",
            f"<p>Decision rule: {_e(report['campaign']['decision_rule'])}. "
            "Uncertainties are expanded uncertainties (k = 2).</p>", head + "".join(rows) + "</table>"]


def _evidence(report: Mapping[str, Any]) -> list[str]:
    out = ["<h2>6 Evidence plots</h2>"]
    any_plot = False
    for r in report["requirements"]:
        plotted = [c for c in r["checks"] if "plot" in c]
        if not plotted:
            continue
        any_plot = True
        out.append(f"<h3><span class=\"mono\">{_e(r['id'])}</span> {_e(r['title'])} {_verdict(r['verdict'])}</h3>")
        for c in plotted:
            title = f"{r['id']} \u2013 {c['name']}"
            caption = (f"{_e(c['name'])}: measured {fmt_num(c['measured'])} \u00b1 {fmt_num(c['uncertainty'])} "
                       f"{_e(c['unit'])}, limits {_limits(c)}; {_verdict(c['verdict'])}")
            out.append(f"<figure>{plot_svg(c['plot'], title)}<figcaption>{caption}</figcaption></figure>")
    if not any_plot:
        out.append("<p>No plots were recorded.</p>")
    return out


def _tests(report: Mapping[str, Any]) -> list[str]:
    rows = "".join(
        f"<tr><td class=\"mono\">{_e(t['nodeid'])}</td><td class=\"mono\">{_e(', '.join(t['requirements']))}</td>"
        f"<td>{_verdict(t['outcome'])}</td><td>{_e(t['message'])}</td></tr>" for t in report["tests"])
    if not rows:
        return ["<h2>7 Tests</h2><p>No tests ran.</p>"]
    return ["<h2>7 Tests</h2><table><tr><th>Test</th><th>Requirements</th><th>Outcome</th><th>Message</th></tr>"
            + rows + "</table>"]


def _notes(report: Mapping[str, Any]) -> list[str]:
    out = ["<h2>8 Observations and bench events</h2>"]
    if report["observations"]:
        out.append("<ul>" + "".join(f"<li>{_e(o)}</li>" for o in report["observations"]) + "</ul>")
    if report["events"]:
        out.append("<table><tr><th>t / s</th><th>Level</th><th>Message</th></tr>" + "".join(
            f"<tr><td class=\"num\">{fmt_num(ev['t_s'])}</td><td>{_e(ev['level'])}</td><td>{_e(ev['message'])}</td></tr>"
            for ev in report["events"]) + "</table>")
    if len(out) == 1:
        out.append("<p>None.</p>")
    return out


def render_html(report: Mapping[str, Any]) -> str:
    """The complete, self-contained HTML document for a (schema-valid) report dict."""
    rid = _e(report["report_id"])
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Compliance test report {rid}</title><style>{_CSS}</style></head><body>",
             f'<div class="print-footer">Report {rid}'
             + (_DOT + _e(SIMULATED_BANNER) if report["simulated"] else "") + "</div>"]
    for section in (_header, _campaign, _dut, _bench, _parameters, _results, _evidence, _tests, _notes):
        parts.extend(section(report))
    parts.append(f'<p class="end">End of report {rid}</p></body></html>')
    return "\n".join(parts) + "\n"
