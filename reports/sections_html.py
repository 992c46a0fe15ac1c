"""HTML sections of report.html beyond the base layout of :mod:`reports.html`: the first-page
results summary, the ISO/IEC 17025 statements (place, environment, "results relate only to the
item tested"), the DUT's ratings and declared settings, instruments with their calibration data,
the test procedures, and the signature block. Numbers through :mod:`reports.formatting`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from reports.content import environment_text
from reports.display import DEVELOPMENT_KEY_NOTICE, bounded_text, is_development
from reports.formatting import fmt_number
from reports.summary import requirement_rows

__all__ = ["conditions_section", "dut_section", "instruments_table", "procedures_section",
           "signature_block", "summary_section"]

_DASH = "\u2014"


def _e(value: Any) -> str:
    return _DASH if value is None or value == "" else escape(bounded_text(str(value)), quote=True)


def _verdict(value: str) -> str:
    return f'<span class="verdict v-{_e(value)}">{_e(value.replace("_", " "))}</span>'


def _value(value: Any) -> str:
    return fmt_number(value) if isinstance(value, (int, float)) else _e(value)


def _kv(rows: Sequence[tuple[str, str]], css: str = "") -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table{f" class={css!r}" if css else ""}>{body}</table>'


def summary_section(report: Mapping[str, Any]) -> list[str]:
    """The results at a glance: one row per requirement with its decisive check."""
    rows = []
    for r in requirement_rows(report):
        more = f"<br><small>{_e(r.decisive_check)} (of {r.checks} checks)</small>" if r.checks > 1 else ""
        rows.append(f"<tr><td class=\"mono\">{_e(r.requirement)}{' *' if r.mandatory else ''}</td>"
                    f"<td><small>{_e(r.clause)}</small></td><td>{_e(r.required)}</td>"
                    f"<td>{_e(r.measured)}{more}</td><td class=\"num\">{_e(r.uncertainty)}</td>"
                    f"<td class=\"num\">{_e(r.margin)}</td><td>{_verdict(r.verdict)}</td></tr>")
    return ['<section class="summary">', '<h2 id="summary">Summary of results</h2>',
            "<p><small>One row per requirement (* mandatory), with its decisive check: the worst verdict, then "
            "the smallest margin. Margin: distance of the measured value to the nearest limit (positive inside). "
            "U: expanded uncertainty (k = 2). Every check is in section 6 and in results.csv / results.xlsx."
            "</small></p>",
            "<style>table.summary td { font-size: 13px; } table.summary td.mono { word-break: normal; "
            "white-space: nowrap; } table.summary col.clause { width: 24%; }</style>",
            '<table class="summary"><colgroup><col><col class="clause"><col><col><col><col><col></colgroup>'
            '<tr><th>Requirement</th><th>Clause</th><th>Required</th><th>Measured</th>'
            "<th>U (k=2)</th><th>Margin</th><th>Verdict</th></tr>" + "".join(rows) + "</table>", "</section>"]


def conditions_section(report: Mapping[str, Any]) -> list[str]:
    """7.8.2.1 c) place of testing, 7.8.3.1 b) environmental conditions, and the scope statement."""
    lab = report.get("laboratory") or {}
    env_text = environment_text(lab)
    return ["<h3>Place of testing and environmental conditions</h3>",
            _kv([("Place of testing", _e(lab.get("place_of_testing") or "the laboratory's address")),
                 ("Environmental conditions", _e(env_text))]),
            f"<p class=\"statement\">{_e(lab.get('statement'))}</p>"]


def dut_section(report: Mapping[str, Any]) -> list[str]:
    """7.8.2.1 f): the item's ratings and the settings and functions its profile declares."""
    dut = report.get("dut") or {}
    out = []
    for title, values in (("Ratings (device profile)", dut.get("ratings") or {}),
                          ("Declared settings and functions (device profile)", dut.get("declared_settings") or {})):
        if values:
            out += [f"<h3>{_e(title)}</h3>", _kv([(k, _value(v)) for k, v in values.items()])]
    if dut.get("link_protocol"):
        out.append(f"<p>Control link protocol: <span class=\"mono\">{_e(dut['link_protocol'])}</span></p>")
    return out


def instruments_table(report: Mapping[str, Any]) -> str:
    """Instruments with asset id, serial, calibration dates and certificate, declared accuracy."""
    rows = []
    for i in (report.get("bench") or {}).get("instruments") or []:
        due = _e(i.get("calibration_due") or "not stated")
        if i.get("calibration_overdue"):
            due = f'<span class="overdue">{due} OVERDUE at the test date</span>'
        acc = ", ".join(f"{_e(a['quantity'])} \u00b1{fmt_number(a['value'])} {_e(a['unit'])}"
                        for a in i.get("accuracy") or []) or "not declared"
        rows.append(f"<tr><td>{_e(i.get('role'))}</td><td>{_e(i.get('model'))}<br><small class=\"mono\">"
                    f"{_e(i.get('resource'))}<br>{_e(i.get('idn'))}</small></td><td>{_e(i.get('asset_id'))}</td><td>{_e(i.get('serial_number'))}"
                    f"</td><td>{_e(i.get('calibration_last'))}</td><td>{due}</td>"
                    f"<td>{_e(i.get('calibration_certificate'))}</td><td>{acc}</td>"
                    f"<td>{'<strong>yes</strong>' if i.get('simulated') else 'no'}</td></tr>")
    return ("<table><tr><th>Role</th><th>Model / resource / *IDN?</th><th>Asset</th><th>Serial</th><th>Calibrated</th>"
            "<th>Calibration due</th><th>Certificate</th><th>Declared accuracy (k=2)</th><th>Simulated</th></tr>"
            + "".join(rows) + "</table>")


def procedures_section(report: Mapping[str, Any]) -> list[str]:
    """The method per test: its procedure text (the test's docstring) and the requirements it judges."""
    method = report.get("method") or {}
    rows = "".join(f"<tr><td class=\"mono\">{_e(t['nodeid'])}</td><td class=\"mono\">"
                   f"{_e(', '.join(t['requirements']))}</td><td>{_e(t.get('doc') or 'no procedure text')}</td></tr>"
                   for t in report.get("tests") or [])
    out = ["<h3>Test method and procedures</h3>", f"<p>{_e(method.get('test_method'))}</p>"]
    if rows:
        out.append("<table><tr><th>Test</th><th>Requirements</th><th>Procedure</th></tr>" + rows + "</table>")
    return out


def signature_block(signer_kind: str | None = None) -> list[str]:
    """7.8.2.1 o): a place for the authoriser's signature and date, and the electronic signature."""
    dev = (f'<br><strong class="overdue">{_e(DEVELOPMENT_KEY_NOTICE)}</strong>' if is_development(signer_kind) else "")
    line = 'style="display:inline-block;border-bottom:1px solid #333;width:{}px">&nbsp;</span>'
    return ['<div class="signature" style="margin-top:16px;border:1px solid #999;padding:8px 12px">',
            f'<p style="margin-top:28px">Signature: <span {line.format(260)} &nbsp; Date: <span {line.format(120)}</p>',
            "<p><small>The electronic signature of this report folder is manifest.sig (Ed25519 over manifest.json, "
            f"which lists the SHA-256 of every file); check it with <code>flexbench verify</code>.{dev}</small></p>",
            "</div>"]
