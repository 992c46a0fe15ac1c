"""PDF sections of report.pdf beyond the base layout of :mod:`reports.pdf` (the same content as
:mod:`reports.sections_html`): the first-page results summary, place and environment with the
"results relate only to the item tested" statement, the DUT's ratings and declared settings,
instruments with calibration data, the test procedures; and :class:`OutlinedDocTemplate`, which
gives the PDF one bookmark (outline entry) per section heading.

Imported by :mod:`reports.pdf` when it renders (this module uses its cell helpers and styles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from reports.content import environment_text
from reports.formatting import fmt_number
from reports.pdf import (CONTENT_W, S_BODY, S_CELL, S_H2, S_H3, S_MONO, _kv, _p, _PageCountCanvas, _t, _table,
                         _verdict)
from reports.summary import requirement_rows

__all__ = ["OutlinedCanvas", "OutlinedDocTemplate", "conditions", "dut_details", "instruments", "procedures",
           "summary"]

_OUTLINE_LEVELS = {"fb-h1": 0, "fb-h2": 0, "fb-h3": 1}


class _BookmarkingCanvas(Canvas):
    """Adds the outline entries of a page when the page is finally written (``showPage``): the
    report's canvas holds pages back until the end (for "Page x of y"), so a bookmark made while
    laying a page out would point at the first page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fb_outline: dict[str, Any] = {"pending": {}, "written": [0]}   # shared by every held page

    def showPage(self) -> None:
        written = self.fb_outline["written"]
        written[0] += 1
        for key, title, level in self.fb_outline["pending"].get(written[0], []):
            self.bookmarkPage(key)
            self.addOutlineEntry(title, key, level=level, closed=level > 0)
        super().showPage()


class OutlinedCanvas(_PageCountCanvas, _BookmarkingCanvas):
    """The report's canvas ("Page x of y") with one bookmark per heading."""


class OutlinedDocTemplate(SimpleDocTemplate):
    """A SimpleDocTemplate that records every heading (title, sections, subsections) for the outline
    of an :class:`OutlinedCanvas`."""

    def afterFlowable(self, flowable: Any) -> None:
        outline = getattr(self.canv, "fb_outline", None)
        level = _OUTLINE_LEVELS.get(flowable.style.name) if isinstance(flowable, Paragraph) else None
        if outline is None or level is None:
            return
        entries = outline["pending"].setdefault(self.page, [])
        previous = [lv for page in outline["pending"].values() for _, _, lv in page]
        level = min(level, (max(previous[-1:], default=-1)) + 1)      # never skip a level
        count = sum(len(page) for page in outline["pending"].values()) + 1
        entries.append((f"fb-outline-{count}", flowable.getPlainText()[:120], level))


def summary(report: Mapping[str, Any]) -> list[Any]:
    """One row per requirement with its decisive check: the page-one answer."""
    rows: list[list[Any]] = [[_p(h) for h in ("Requirement", "Clause", "Required", "Measured", "U (k=2)", "Margin",
                                             "Verdict")]]
    for r in requirement_rows(report):
        measured = _t(r.measured) + (f"<br/><font size=6>{_t(r.decisive_check)} (of {r.checks})</font>"
                                     if r.checks > 1 else "")
        rows.append([Paragraph(f"<font size=6.5><b>{_t(r.requirement)}</b>{' *' if r.mandatory else ''}</font>",
                               S_CELL),
                     Paragraph(f"<font size=6>{_t(r.clause)}</font>", S_CELL), _p(r.required),
                     Paragraph(measured, S_CELL), _p(r.uncertainty), _p(r.margin), _verdict(r.verdict)])
    return [Paragraph("Summary of results", S_H2),
            Paragraph("One row per requirement (* mandatory) with its decisive check (the worst verdict, then the "
                      "smallest margin to a limit, positive inside). U: expanded uncertainty (k = 2). Every check "
                      "is in section 7 and in results.csv / results.xlsx.", S_CELL), Spacer(1, 3),
            _table(rows, [w * CONTENT_W for w in (0.19, 0.21, 0.14, 0.19, 0.07, 0.09, 0.11)])]


def conditions(report: Mapping[str, Any]) -> list[Any]:
    """7.8.2.1 c) place of testing, 7.8.3.1 b) environmental conditions, and the scope statement."""
    lab = report.get("laboratory") or {}
    env_text = environment_text(lab)
    return [Spacer(1, 4), _kv([("Place of testing", lab.get("place_of_testing") or "the laboratory's address"),
                               ("Environmental conditions", env_text)]),
            Paragraph(f"<b>{_t(lab.get('statement'))}</b>", S_BODY)]


def dut_details(report: Mapping[str, Any]) -> list[Any]:
    """7.8.2.1 f): ratings and declared settings from the device profile."""
    dut = report.get("dut") or {}
    out: list[Any] = []
    for title, values in (("Ratings (device profile)", dut.get("ratings") or {}),
                          ("Declared settings and functions (device profile)", dut.get("declared_settings") or {})):
        if values:
            out += [Paragraph(title, S_H3),
                    _kv([(k, fmt_number(v) if isinstance(v, (int, float)) else v) for k, v in values.items()])]
    if dut.get("link_protocol"):
        out.append(Paragraph(f"Control link protocol: {_t(dut['link_protocol'])}", S_BODY))
    return out


def instruments(report: Mapping[str, Any]) -> list[Any]:
    """Instruments with asset id, serial, calibration dates and certificate, declared accuracy."""
    head = ("Role", "Model / *IDN?", "Asset / serial", "Calibrated / due", "Certificate", "Accuracy (k=2)", "Sim.")
    rows: list[list[Any]] = [[_p(h) for h in head]]
    for i in (report.get("bench") or {}).get("instruments") or []:
        due = _t(i.get("calibration_due"))
        if i.get("calibration_overdue"):
            due += ' <font color="#b3261e"><b>OVERDUE</b></font>'
        acc = "<br/>".join(f"{_t(a.get('quantity'))} \u00b1{fmt_number(a.get('value'))} {_t(a.get('unit'))}"
                           for a in i.get("accuracy") or []) or "not declared"
        rows.append([_p(i.get("role")), Paragraph(f"{_t(i.get('model'))}<br/><font size=6>{_t(i.get('idn'))}</font>",
                                                  S_CELL),
                     Paragraph(f"{_t(i.get('asset_id'))}<br/>{_t(i.get('serial_number'))}", S_CELL),
                     Paragraph(f"{_t(i.get('calibration_last'))}<br/>{due}", S_CELL),
                     _p(i.get("calibration_certificate")), Paragraph(acc, S_CELL), _p(bool(i.get("simulated")))])
    return [_table(rows, [w * CONTENT_W for w in (0.13, 0.25, 0.14, 0.13, 0.13, 0.16, 0.06)])]


def procedures(report: Mapping[str, Any]) -> list[Any]:
    """The test method and, per test, its procedure text."""
    method = report.get("method") or {}
    out: list[Any] = [Paragraph("Test method and procedures", S_H3), Paragraph(_t(method.get("test_method")), S_BODY)]
    tests = [t for t in report.get("tests") or [] if isinstance(t, Mapping)]
    if tests:
        rows: list[list[Any]] = [[_p("Test"), _p("Requirements"), _p("Procedure")]]
        rows += [[_p(t.get("nodeid"), S_MONO),
                  Paragraph(f"<font size=6.5>{_t(', '.join(t.get('requirements') or []))}</font>", S_CELL),
                  _p(t.get("doc") or "no procedure text")] for t in tests]
        out.append(_table(rows, [w * CONTENT_W for w in (0.34, 0.2, 0.46)]))
    return out
