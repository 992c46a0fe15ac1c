"""The report dict -> ``report.pdf`` (A4, for signing and archiving), rendered with ReportLab.

ReportLab is pure Python from PyPI (no system libraries). The PDF is a pure function of the report:
ReportLab's *invariant* mode fixes the creation date and document id, so the same report gives the
same bytes. Every page carries the report id, "page x of y" (two passes: the first counts the pages)
and, when anything was simulated, a red SIMULATED line and watermark; when the package is signed
with a development key, a red line saying so at the top and bottom. The last page ends with an
explicit "End of report" line (ISO/IEC 17025:2017 clause 7.8.2.1 b: unique identification on every
page and a clear identification of the end).

Plots are drawn natively (ReportLab graphics) from the same plot data as the HTML's SVG.

Record text is bounded for display (:mod:`reports.display`: at most 2 000 characters of one text,
with a note naming where the full text is), and a table cell taller than :data:`MAX_CELL_HEIGHT_PT`
is cut to fit, so no text can make a table row taller than a page (ReportLab's ``LayoutError``) and
the layout time stays linear in the record's size.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (CondPageBreak, KeepTogether, Paragraph, Spacer, Table,
                                TableStyle)

from reports.content import clause_text, identity_status, limits_text
from reports.display import DEVELOPMENT_KEY_NOTICE, bounded_text, cut_note, is_development
from reports.formatting import fmt_number, fmt_uncertainty
from reports.summary import check_caption, measured_number
from reports import plot_pdf

__all__ = ["MAX_CELL_HEIGHT_PT", "SIMULATED_MARK", "plot_drawing", "render_pdf"]

SIMULATED_MARK = "SIMULATED \u2013 not a certificate of a real device"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
MAX_CELL_HEIGHT_PT = 300.0
"""Tallest table cell: well under a page's frame (about 750 pt), so every table row fits on a page."""
_CELL_PAD = 3.0
_VERDICT_COLOURS = {"PASS": "#1e7b34", "COMPLIANT": "#1e7b34", "FAIL": "#b3261e", "NON_COMPLIANT": "#b3261e",
                    "INCONCLUSIVE": "#a15c00", "ERROR": "#a15c00", "NOT_TESTED": "#6b3fa0"}
_RED = colors.HexColor("#b3261e")
_DASH = "\u2014"
# top-level report keys rendered by a dedicated section; any other mapping is listed generically
_KNOWN = {"format", "report_id", "software", "campaign", "dut", "bench", "requirements", "tests", "events",
          "simulated", "summary", "verdict", "verdict_reasons", "verdict_causes", "observations", "title",
          "laboratory", "customer", "dates", "method", "measurement_uncertainty", "simulation_notice", "traceability",
          "declared_values", "deviations", "conformity"}

_base = getSampleStyleSheet()
S_BODY = ParagraphStyle("fb-body", parent=_base["BodyText"], fontSize=9, leading=11.5)
S_CELL = ParagraphStyle("fb-cell", parent=S_BODY, fontSize=7.5, leading=9, spaceBefore=0, spaceAfter=0)
S_MONO = ParagraphStyle("fb-mono", parent=S_CELL, fontName="Courier", fontSize=7, leading=8.5)
S_H1 = ParagraphStyle("fb-h1", parent=_base["Title"], fontSize=18, leading=22, alignment=0, spaceAfter=4)
S_H2 = ParagraphStyle("fb-h2", parent=_base["Heading2"], fontSize=12.5, leading=15, spaceBefore=10, spaceAfter=4)
S_H3 = ParagraphStyle("fb-h3", parent=_base["Heading3"], fontSize=10, leading=12, spaceBefore=6, spaceAfter=2)
S_BANNER = ParagraphStyle("fb-banner", parent=S_BODY, fontName="Helvetica-Bold", fontSize=13, leading=16,
                          textColor=_RED, alignment=TA_CENTER, borderColor=_RED, borderWidth=2, borderPadding=6,
                          spaceBefore=6, spaceAfter=10)
S_END = ParagraphStyle("fb-end", parent=S_BODY, fontName="Helvetica-Bold", alignment=TA_CENTER, spaceBefore=18)


# ----------------------------------------------------------------------------- small helpers

def _t(value: Any) -> str:
    """Text for a paragraph: None as an em dash, bounded for display, markup characters escaped."""
    if value is None or value == "":
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt_number(value)
    return escape(bounded_text(str(value)))


def _p(value: Any, style: ParagraphStyle = S_CELL) -> Paragraph:
    return Paragraph(_t(value), style)


def _verdict(value: Any, style: ParagraphStyle = S_CELL) -> Paragraph:
    colour = _VERDICT_COLOURS.get(str(value), "#444444")
    label = _t(str(value).replace("_", " ") if value else value)
    return Paragraph(f'<font color="{colour}"><b>{label}</b></font>', style)


def _limits(check: Mapping[str, Any]) -> str:
    return limits_text(check.get("low"), check.get("high"), _t)


def _fit_cell(cell: Any, width: float) -> Any:
    """The cell, or a plain-text copy of it cut to :data:`MAX_CELL_HEIGHT_PT` when it would be taller.

    A cheap worst-case estimate (every character one em wide) clears ordinary cells; only a cell it
    does not clear is laid out to measure it."""
    if not isinstance(cell, Paragraph):
        return cell
    style = cell.style
    plain = cell.getPlainText()
    chars_per_line = max(1, int(width / style.fontSize))
    breaks = cell.text.count("<br/>")
    if (math.ceil(len(plain) / chars_per_line) + breaks + 1) * style.leading <= MAX_CELL_HEIGHT_PT:
        return cell
    if cell.wrap(width, 10 * PAGE_H)[1] <= MAX_CELL_HEIGHT_PT:
        return cell
    shown = max(1, int(MAX_CELL_HEIGHT_PT / style.leading) - 3) * chars_per_line
    return Paragraph(escape(plain[:shown]) + escape(cut_note(shown, len(plain), "report.json")), style)


def _table(rows: list[list[Any]], widths: Sequence[float], *, header: bool = True) -> Table:
    inner = [w - 2 * _CELL_PAD for w in widths]
    rows = [[_fit_cell(cell, w) for cell, w in zip(row, inner, strict=True)] for row in rows]
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


def _kv(rows: Sequence[tuple[str, Any]]) -> Table:
    body = [[Paragraph(f"<b>{escape(k)}</b>", S_CELL), v if isinstance(v, Paragraph) else _p(v)] for k, v in rows]
    return _table(body, [0.28 * CONTENT_W, 0.72 * CONTENT_W], header=False)


def _get(mapping: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


# ----------------------------------------------------------------------------- plots

def _full_data_note(plot: Mapping[str, Any]) -> str:
    """Caption addition for a plot decimated for display: where its every sample is."""
    full = plot.get("full_data")
    if not isinstance(full, Mapping):
        return ""
    return f" ({_t(full.get('points'))} samples, drawn decimated, extremes kept; all in {_t(full.get('csv'))})"


def plot_drawing(plot: Mapping[str, Any], title: str, width: float = CONTENT_W, height: float = 78 * mm) -> Drawing:
    """A check's ``plot`` as drawn by :mod:`reports.plot_pdf` (the same scene as the HTML's SVG)."""
    return plot_pdf.plot_drawing(plot, title, width, height)


# ----------------------------------------------------------------------------- sections
# Numbered in the order of ISO/IEC 17025:2017 clause 7.8.2.1 (identification, customer, method, item,
# dates, results, authorisation); every section reads the report dict defensively (.get), so a
# report with fewer fields still renders.

def _title(report: Mapping[str, Any], signer_kind: str | None = None) -> list[Any]:
    c = report.get("campaign") or {}
    verdict = report.get("verdict")
    out: list[Any] = [Paragraph(_t(report.get("title") or "Compliance test report"), S_H1),
                      Paragraph(f"Report <b>{_t(report.get('report_id'))}</b> \u00b7 campaign "
                                f"{_t(c.get('id'))} \u00b7 market {_t(c.get('market'))} \u00b7 requirement set "
                                f"{_t(_get(c, 'catalog', 'name'))} {_t(_get(c, 'catalog', 'version'))}", S_BODY),
                      Spacer(1, 4),
                      Paragraph(f"Overall verdict: <font color=\"{_VERDICT_COLOURS.get(str(verdict), '#444444')}\">"
                                f"<b>{_t(verdict)}</b></font>",
                                ParagraphStyle("fb-v", parent=S_BODY, fontSize=15, leading=19))]
    if is_development(signer_kind):
        out.append(Paragraph(escape(DEVELOPMENT_KEY_NOTICE), S_BANNER))
    if report.get("simulated"):
        out.append(Paragraph(escape(SIMULATED_MARK), S_BANNER))
        if report.get("simulation_notice"):
            out.append(Paragraph(_t(report.get("simulation_notice")), S_BODY))
    reasons = report.get("verdict_causes") or report.get("verdict_reasons") or []
    if reasons:
        out.append(Paragraph("<b>Why the verdict is not COMPLIANT:</b>", S_BODY))
        out += [Paragraph("\u2022 " + _t(r), S_BODY) for r in reasons]
    s = report.get("summary") or {}
    parts = []
    for key in ("requirements", "tests", "checks"):
        counts = s.get(key) or {}
        if not isinstance(counts, Mapping):
            continue
        detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if k != "total" and v)
        parts.append(f"{counts.get('total', 0)} {key} ({detail or 'none'})")
    if parts:
        out.append(Paragraph(_t("; ".join(parts)), S_BODY))
    return out


def _identification(report: Mapping[str, Any]) -> list[Any]:
    lab, cust, dates = report.get("laboratory") or {}, report.get("customer") or {}, report.get("dates") or {}
    auth = lab.get("authoriser") if isinstance(lab.get("authoriser"), Mapping) else None
    rows: list[tuple[str, Any]] = [
        ("Laboratory", lab.get("name") or ("not declared in the bench config" if lab else None)),
        ("Address", lab.get("address")), ("Accreditation", lab.get("accreditation_id")),
        ("Customer", cust.get("name")), ("Order reference", cust.get("order_reference")),
        ("Item received", dates.get("received")),
        ("Tested", f"{dates.get('tested_from') or _DASH} \u2013 {dates.get('tested_to') or _DASH}"
         if dates else None),
        ("Issued", dates.get("issued")),
        ("Authorised by", f"{auth.get('name')} ({auth.get('role')})" if auth else "not declared")]
    if dates.get("tested_basis"):
        rows.append(("Date basis", f"tested: {dates.get('tested_basis')}; issued: {dates.get('issued_basis')}"))
    from reports import sections_pdf
    return [Paragraph("1 Report identification", S_H2), _kv(rows)] + sections_pdf.conditions(report)


def _method(report: Mapping[str, Any]) -> list[Any]:
    c, sw, m = report.get("campaign") or {}, report.get("software") or {}, report.get("method") or {}
    rule = m.get("decision_rule")
    rule_text = (f"<b>{_t(rule.get('name'))}</b>: {_t(rule.get('description'))}" if isinstance(rule, Mapping)
                 else _t(c.get("decision_rule")))
    req_set_value = m.get("requirement_set")
    req_set: Mapping[str, Any] = (req_set_value if isinstance(req_set_value, Mapping)
                                  else c.get("catalog") or {})
    rec_sw = " ".join(str(_get(sw, "record", k) or "") for k in ("name", "version", "commit")).strip()
    rows: list[tuple[str, Any]] = [
        ("Requirement set", f"{req_set.get('name') or ''} {req_set.get('version') or ''}"),
        ("Market parameter set", m.get("market") or c.get("market")),
        ("Decision rule", Paragraph(rule_text, S_CELL)),
        ("Specifications", ", ".join(str(x) for x in m.get("specifications") or []) or None),
        ("Catalog overrides", ", ".join(f"{k}" for k in (m.get("catalog_overrides") or {})) or "none"),
        ("Clock", f"{_get(c, 'clock', 'mode')}, calendar start {_get(c, 'clock', 'start_calendar')}"),
        ("Bench time", f"{c.get('start_t_s')} s \u2013 {c.get('end_t_s')} s"),
        ("Record", f"{c.get('record_format')}, {c.get('record_lines')} lines, "
                   + ("complete" if c.get("complete") else "TRUNCATED: no campaign_end")),
        ("Recorded by (software)", rec_sw),
        ("Report generated by", f"{_get(sw, 'report', 'name') or ''} {_get(sw, 'report', 'version') or ''}")]
    from reports import sections_pdf
    rows.insert(4, ("Test method", m.get("test_method")))
    return [Paragraph("2 Method", S_H2), _kv(rows)] + sections_pdf.procedures(report)


def _dut(report: Mapping[str, Any]) -> list[Any]:
    d = report.get("dut") or {}
    declared, read = d.get("declared") or {}, d.get("read") or {}
    out: list[Any] = [Paragraph("3 Device under test", S_H2)]
    names = list(declared) + [k for k in read if k not in declared]
    if names:
        rows: list[list[Any]] = [[_p("Field"), _p("Declared"), _p("Read from the device"), _p("Status")]]
        for n in names:
            rows.append([_p(n), _p(declared.get(n)), _p(read.get(n)), _p(identity_status(d, n))])
        out.append(_table(rows, [0.25 * CONTENT_W, 0.3 * CONTENT_W, 0.3 * CONTENT_W, 0.15 * CONTENT_W]))
    else:
        out.append(Paragraph("No DUT identity in the record.", S_BODY))
    out.append(Paragraph(f"Condition: {_t(d.get('condition'))} \u00b7 profile: {_t(d.get('profile_file'))}"
                         + (" \u00b7 <b>simulated device</b>" if d.get("simulated") else ""), S_BODY))
    from reports import sections_pdf
    return out + sections_pdf.dut_details(report)


def _bench(report: Mapping[str, Any]) -> list[Any]:
    b = report.get("bench") or {}
    out: list[Any] = [Paragraph("4 Bench and instruments", S_H2),
                      Paragraph(f"Bench <b>{_t(b.get('name'))}</b> ({_t(b.get('file'))})", S_BODY)]
    if b.get("place"):
        from reports.content import place_sentence
        out.append(Paragraph(_t(place_sentence(b["place"])), S_BODY))
    inst = b.get("instruments") or []
    if not inst:
        return out + [Paragraph("No instruments recorded.", S_BODY)]
    from reports import sections_pdf
    return out + sections_pdf.instruments(report)


def _uncertainty(report: Mapping[str, Any]) -> list[Any]:
    mu = report.get("measurement_uncertainty")
    if not isinstance(mu, Mapping):
        return []
    out: list[Any] = [Paragraph("5 Measurement uncertainty", S_H2), Paragraph(_t(mu.get("statement")), S_BODY)]
    acc = [a for a in mu.get("instrument_accuracy") or [] if isinstance(a, Mapping)]
    if acc:
        rows: list[list[Any]] = [[_p("Instrument"), _p("Reading"), _p("Declared accuracy (k = 2)"), _p("Unit")]]
        rows += [[_p(a.get("role")), _p(a.get("quantity")), _p(a.get("value")), _p(a.get("unit"))] for a in acc]
        out.append(_table(rows, [w * CONTENT_W for w in (0.25, 0.25, 0.3, 0.2)]))
    return out


def _traceability(report: Mapping[str, Any]) -> list[Any]:
    trace = [t for t in report.get("traceability") or [] if isinstance(t, Mapping)]
    if not trace:
        return []
    rows: list[list[Any]] = [[_p(h) for h in ("Requirement", "Mandatory", "Covering tests", "Checks", "Verdict")]]
    for t in trace:
        tests = t.get("tests") or []
        tests_text = "<br/>".join(f"{_t(x.get('nodeid') if isinstance(x, Mapping) else x)}"
                                  + (f" ({_t(x.get('outcome'))})" if isinstance(x, Mapping) else "") for x in tests)
        checks_value = t.get("checks")
        counts: Mapping[str, Any] = checks_value if isinstance(checks_value, Mapping) else {}
        count_text = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "total" and v) or "none"
        unverified = [_t(p.get("name")) for p in t.get("parameters") or []
                      if isinstance(p, Mapping) and p.get("status") == "not verified"]
        if unverified:
            tests_text += f"<br/><font size=6.5>parameters not verified: {', '.join(unverified)}</font>"
        rows.append([Paragraph(f"<b>{_t(t.get('requirement'))}</b><br/>{_t(t.get('title'))}", S_CELL),
                     _p(bool(t.get("mandatory"))), Paragraph(tests_text or "NONE: not tested", S_MONO),
                     _p(count_text), _verdict(t.get("verdict"))])
    out = [CondPageBreak(30 * mm), Paragraph("6 Traceability: requirement \u2192 tests \u2192 verdict", S_H2),
           _table(rows, [w * CONTENT_W for w in (0.27, 0.09, 0.38, 0.13, 0.13)])]
    for d in report.get("declared_values") or []:
        if isinstance(d, Mapping):
            out.append(Paragraph(f"\u2022 declared <b>{_t(d.get('name'))}</b> = {_t(d.get('value'))}: "
                                 f"{_t(d.get('status'))}" + (f" ({_t(d.get('reason'))})" if d.get("reason") else ""),
                                 S_BODY))
    return out


def _results(report: Mapping[str, Any]) -> list[Any]:
    rows: list[list[Any]] = [[_p(h) for h in ("Requirement", "Verdict", "Check", "Measured", "U (k=2)", "Limits",
                                             "Unit", "Check verdict")]]
    for r in report.get("requirements") or []:
        flags = [f for f, on in (("mandatory", r.get("mandatory")), ("not in catalog", r.get("in_catalog") is False))
                 if on]
        flag_text = (" \u00b7 " + ", ".join(flags)) if flags else ""
        head = Paragraph(f"<b>{_t(r.get('id'))}</b><br/>{_t(r.get('title'))}<br/>"
                         f"<font size=6.5>{_t(clause_text(r))}"
                         f"{flag_text}</font>", S_CELL)
        checks = r.get("checks") or [None]
        for idx, c in enumerate(checks):
            first = [head, _verdict(r.get("verdict"))] if idx == 0 else ["", ""]
            if c is None:
                rows.append(first + [_p("no checks recorded"), "", "", "", "", ""])
                continue
            sens = c.get("sensitivity")
            name = _t(c.get("name")) + (f"<br/><font size=6.5>sensitivity: {_t(sens.get('text'))}</font>"
                                        if isinstance(sens, Mapping) else "")
            rows.append(first + [Paragraph(name, S_CELL), _p(measured_number(c)),
                                 _p(fmt_uncertainty(c.get("uncertainty"))),
                                 Paragraph(_limits(c), S_CELL), _p(c.get("unit")), _verdict(c.get("verdict"))])
    rule = _get(report, "conformity", "decision_rule") or _get(report, "campaign", "decision_rule")
    return [CondPageBreak(40 * mm), Paragraph("7 Results by requirement", S_H2),
            Paragraph(f"Decision rule: {_t(rule)}. "
                      "Uncertainties are expanded uncertainties (k = 2); a check's sensitivity is the largest "
                      "deviation from the requirement it would still pass.", S_BODY),
            _table(rows, [w * CONTENT_W for w in (0.25, 0.11, 0.20, 0.09, 0.07, 0.12, 0.05, 0.11)])]


def _conformity(report: Mapping[str, Any]) -> list[Any]:
    conf = report.get("conformity")
    if not isinstance(conf, Mapping):
        return []
    out: list[Any] = [Paragraph("8 Statements of conformity", S_H2), Paragraph(_t(conf.get("statement")), S_BODY)]
    for item in conf.get("requirements") or []:
        if isinstance(item, Mapping):
            out.append(Paragraph(f"\u2022 <b>{_t(item.get('requirement'))}</b> {_t(item.get('verdict'))}: "
                                 f"{_t(item.get('statement'))}", S_BODY))
    return out


def _evidence(report: Mapping[str, Any]) -> list[Any]:
    out: list[Any] = [Paragraph("9 Evidence plots", S_H2)]
    for r in report.get("requirements") or []:
        for c in r.get("checks") or []:
            plot = c.get("plot")
            if not isinstance(plot, Mapping):
                continue
            caption = Paragraph(f"{_t(r.get('id'))} \u2013 {_t(c.get('name'))}: {_t(check_caption(c))}"
                                + _full_data_note(plot), S_CELL)
            out.append(KeepTogether([plot_drawing(plot, f"{r.get('id')} \u2013 {c.get('name')}"), caption,
                                     Spacer(1, 6)]))
    if len(out) == 1:
        out.append(Paragraph("No plots were recorded.", S_BODY))
    return out


def _tests(report: Mapping[str, Any]) -> list[Any]:
    tests = report.get("tests") or []
    if not tests:
        return [Paragraph("10 Tests and raw data", S_H2), Paragraph("No tests ran.", S_BODY)]
    rows: list[list[Any]] = [[_p("Test"), _p("Requirements"), _p("Outcome"), _p("Message / raw data")]]
    for t in tests:
        raw = t.get("raw_data") if isinstance(t.get("raw_data"), Mapping) else {}
        trace = t.get("wire_trace") if isinstance(t.get("wire_trace"), Mapping) else {}
        extra = [str(raw[k]) for k in ("samples_csv", "trace_txt") if raw.get(k)]
        if trace.get("total"):
            extra.append(f"{trace.get('total')} wire-trace lines")
        text = (bounded_text(str(t.get("message") or ""), 400) + ("\n" if t.get("message") and extra else "")
                + "; ".join(extra))
        rows.append([_p(t.get("nodeid"), S_MONO), _p(", ".join(t.get("requirements") or [])),
                     _verdict(t.get("outcome")), Paragraph(_t(text).replace("\n", "<br/>"), S_CELL)])
    return [Paragraph("10 Tests and raw data", S_H2),
            Paragraph("Raw data files are part of this report folder and covered by its signed manifest.", S_BODY),
            _table(rows, [w * CONTENT_W for w in (0.36, 0.16, 0.11, 0.37)])]


def _notes(report: Mapping[str, Any]) -> list[Any]:
    out: list[Any] = [Paragraph("11 Deviations, observations and bench events", S_H2)]
    deviations = report.get("deviations") or []
    if deviations:
        out.append(Paragraph("<b>Deviations from the method</b>", S_BODY))
        out += [Paragraph("\u2022 " + _t(d), S_BODY) for d in deviations]
    observations = report.get("observations") or []
    if observations:
        out.append(Paragraph("<b>Observations</b>", S_BODY))
        out += [Paragraph("\u2022 " + _t(o), S_BODY) for o in observations]
    events = report.get("events") or []
    if events:
        rows: list[list[Any]] = [[_p("t / s"), _p("Level"), _p("Message")]]
        rows += [[_p(e.get("t_s")), _p(e.get("level")), _p(e.get("message"))] for e in events]
        out.append(_table(rows, [0.12 * CONTENT_W, 0.12 * CONTENT_W, 0.76 * CONTENT_W]))
    if len(out) == 1:
        out.append(Paragraph("None.", S_BODY))
    return out


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return [row for k, v in value.items() for row in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return [row for i, v in enumerate(value) for row in _flatten(v, f"{prefix}[{i + 1}]")]
    if isinstance(value, list):
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, value)]


def _other(report: Mapping[str, Any]) -> list[Any]:
    """Report sections this renderer has no dedicated layout for, as field/value tables (so the PDF never
    silently drops content that report.json carries)."""
    out: list[Any] = []
    for key in sorted(k for k in report if k not in _KNOWN):
        rows = _flatten(report[key], key)[:400]
        if rows:
            out += [Paragraph(escape(key.replace("_", " ").capitalize()), S_H3), _kv(rows)]
    return ([Paragraph("12 Further report content", S_H2)] + out) if out else []


def _authorisation(report: Mapping[str, Any], signer_kind: str | None = None) -> list[Any]:
    lab = report.get("laboratory") or {}
    auth = lab.get("authoriser") if isinstance(lab.get("authoriser"), Mapping) else None
    who = f"{_t(auth.get('name'))}, {_t(auth.get('role'))}" if auth else "not declared in the bench config"
    return [Spacer(1, 10), KeepTogether([
        Paragraph("Authorisation", S_H2),
        Paragraph(f"Authorised by: {who}", S_BODY), Spacer(1, 18),
        Paragraph("Signature: ______________________________ &nbsp;&nbsp; Date: ______________", S_BODY),
        Paragraph("The electronic signature of this report folder is manifest.sig (Ed25519 over manifest.json, "
                  "which lists the SHA-256 of every file); check it with <font face=\"Courier\">flexbench verify"
                  "</font>."
                  + (f" <font color=\"#b3261e\"><b>{escape(DEVELOPMENT_KEY_NOTICE)}.</b></font>"
                     if is_development(signer_kind) else ""), S_CELL)])]


# ----------------------------------------------------------------------------- document

def _page_decorator(report_id: str, simulated: bool, development_key: bool = False) -> Callable[[Canvas, Any], None]:
    def decorate(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        if simulated:
            canvas.setFillColor(colors.Color(0.7, 0.15, 0.12, alpha=0.08))
            canvas.setFont("Helvetica-Bold", 80)
            canvas.translate(PAGE_W / 2, PAGE_H / 2)
            canvas.rotate(50)
            canvas.drawCentredString(0, -25, "SIMULATED")
            canvas.rotate(-50)
            canvas.translate(-PAGE_W / 2, -PAGE_H / 2)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(MARGIN, PAGE_H - 10 * mm, "flexbench compliance test report")
        canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 10 * mm, f"Report {report_id}")
        canvas.drawString(MARGIN, 9 * mm, f"Report {report_id}")
        if simulated:
            canvas.setFillColor(_RED)
            canvas.setFont("Helvetica-Bold", 8)
            canvas.drawCentredString(PAGE_W / 2, PAGE_H - 10 * mm, SIMULATED_MARK)
            canvas.drawCentredString(PAGE_W / 2, 9 * mm, "SIMULATED")
        if development_key:
            canvas.setFillColor(_RED)
            canvas.setFont("Helvetica-Bold", 8)
            canvas.drawCentredString(PAGE_W / 2, PAGE_H - 6 * mm, DEVELOPMENT_KEY_NOTICE)
            canvas.drawCentredString(PAGE_W / 2, 5 * mm, DEVELOPMENT_KEY_NOTICE)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, PAGE_H - 11.5 * mm, PAGE_W - MARGIN, PAGE_H - 11.5 * mm)
        canvas.line(MARGIN, 12 * mm, PAGE_W - MARGIN, 12 * mm)
        canvas.restoreState()
    return decorate


class _PageCountCanvas(Canvas):
    """Holds every finished page back until the document ends, then stamps "Page x of y" on each:
    one layout pass instead of one to count the pages and one to print."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFillColor(colors.HexColor("#444444"))
            self.setFont("Helvetica", 7.5)
            self.drawRightString(PAGE_W - MARGIN, 9 * mm, f"Page {self.getPageNumber()} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


def _story(report: Mapping[str, Any], signer_kind: str | None = None) -> list[Any]:
    from reports import sections_pdf
    rid = str(report.get("report_id") or "")
    story = (_title(report, signer_kind) + sections_pdf.summary(report) + _identification(report) + _method(report)
             + _dut(report) + _bench(report) + _uncertainty(report) + _traceability(report) + _results(report)
             + _conformity(report) + _evidence(report) + _tests(report) + _notes(report) + _other(report)
             + _authorisation(report, signer_kind))
    story.append(Paragraph(f"End of report {escape(rid)}", S_END))
    return story


def render_pdf(report: Mapping[str, Any], *, signer_kind: str | None = None) -> bytes:
    """The PDF of a report dict (as built by :func:`reports.build.assemble_report`), deterministic bytes.

    ``signer_kind`` is the kind of key the package is signed with (``"lab"`` or ``"development"``);
    a development key is named on every page."""
    rid = str(report.get("report_id") or "")
    simulated = bool(report.get("simulated"))
    buf = io.BytesIO()
    from reports.sections_pdf import OutlinedCanvas, OutlinedDocTemplate
    doc = OutlinedDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                            bottomMargin=17 * mm, title=f"Compliance test report {rid}",
                            author="flexbench", subject=("SIMULATED " if simulated else "") + "test report",
                            creator="flexbench.reports.pdf", invariant=1)
    deco = _page_decorator(rid, simulated, is_development(signer_kind))
    doc.build(_story(report, signer_kind), onFirstPage=deco, onLaterPages=deco, canvasmaker=OutlinedCanvas)
    return buf.getvalue()
