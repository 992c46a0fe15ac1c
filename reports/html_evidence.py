"""Section 7 of the HTML report: evidence per requirement, each in a collapsible ``<details>``.

Per requirement: its plots (reports/svg.py), then per covering test a short wire-trace excerpt
(the first :data:`INLINE_HEAD` and last :data:`INLINE_TAIL` setting lines of the report's
excerpt, each cut to :data:`INLINE_LINE_CHARS` characters) with links to the full trace and the
raw samples in ``raw/``. A report stays readable when a protocol writes kilobyte-long lines (OCPP
JSON): the whole trace is one click away, not inline.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from reports.display import bounded_text
from reports.summary import check_caption
from reports.svg import plot_svg

INLINE_HEAD = 8             # setting lines shown inline from the start of the excerpt ...
INLINE_TAIL = 4             # ... and from its end
INLINE_LINE_CHARS = 160     # one inline trace line at most this long (the full line is in raw/)


def anchor(requirement_id: str) -> str:
    """The HTML id of a requirement's evidence (ids are [A-Za-z0-9-] in the catalogs; others escaped)."""
    return "ev-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in requirement_id)


def _cut(text: str) -> str:
    return text if len(text) <= INLINE_LINE_CHARS else text[:INLINE_LINE_CHARS - 1] + "\u2026"


def trace_block(test: Mapping[str, Any]) -> str:
    """One covering test: its outcome, command counts, an excerpt of its settings and links to raw/."""
    from reports.html import _e, _verdict, fmt_num

    wt, raw = test["wire_trace"], test["raw_data"]
    if wt is None:
        return "<p>No wire trace (the test has no test_start in the record).</p>"
    per = ", ".join(f"{_e(k)} {v}" for k, v in wt["by_target"].items()) or "none"
    settings = list(wt["settings"])
    hidden = max(0, len(settings) - INLINE_HEAD - INLINE_TAIL)
    omitted = wt["settings_omitted"] + hidden
    shown = settings if hidden == 0 else settings[:INLINE_HEAD] + settings[-INLINE_TAIL:]
    lines = []
    for i, x in enumerate(shown):
        if omitted and i == len(shown) - min(INLINE_TAIL, len(shown)):
            lines.append(f"\u2026 {omitted} more setting lines \u2026")
        rep = f"  (\u00d7{x['count']})" if x["count"] > 1 else ""
        target, command = _cut(bounded_text(str(x["target"]))), _cut(bounded_text(str(x["text"])))
        lines.append(f"{fmt_num(x['t_s']):>9} s  {target:<15} {command}{rep}")
    queries = "; ".join(f"{_e(_cut(q['target']))} {_e(_cut(q['text']))} \u00d7{q['count']}" for q in wt["queries"])
    out = [f"<p><span class=\"mono\">{_e(test['nodeid'])}</span> {_verdict(test['outcome'])}: "
           f"{wt['total']} command lines ({per}); {wt['settings_total']} settings, {wt['queries_total']} reads.</p>"]
    if lines:
        out.append(f"<pre class=\"trace\">{escape(chr(10).join(lines))}</pre>")
    if queries:
        out.append(f"<p><small>Most frequent reads: {queries}</small></p>")
    if raw is not None:
        out.append(f"<p><small>Raw data: <a href=\"{_e(raw['samples_csv'])}\">{_e(raw['samples_csv'])}</a> "
                   f"({raw['samples']} samples, SHA-256 <span class=\"mono\">{_e(raw['samples_sha256'])}</span>); "
                   f"full trace <a href=\"{_e(raw['trace_txt'])}\">{_e(raw['trace_txt'])}</a> "
                   f"(SHA-256 <span class=\"mono\">{_e(raw['trace_sha256'])}</span>)</small></p>")
    return "\n".join(out)


def evidence_section(report: Mapping[str, Any]) -> list[str]:
    """Per requirement (collapsible, open for a requirement that did not pass): plots, the
    wire-trace excerpt of each covering test, and links to the raw data."""
    from reports.html import _e, _verdict

    out = ["<h2>7 Evidence by requirement</h2>"]
    tests = {t["nodeid"]: t for t in report["tests"]}
    any_evidence = False
    for r in report["requirements"]:
        plotted = [c for c in r["checks"] if "plot" in c]
        covering = [tests[n] for n in r["tests"] if n in tests]
        if not plotted and not covering:
            continue
        any_evidence = True
        opened = " open" if r["verdict"] not in ("PASS", "NOT_APPLICABLE") else ""
        out.append(f"<details class=\"evidence\" id=\"{anchor(r['id'])}\"{opened}><summary><h3>"
                   f"<span class=\"mono\">{_e(r['id'])}</span> {_e(r['title'])} {_verdict(r['verdict'])} "
                   f"<small>({len(plotted)} plot{'s' if len(plotted) != 1 else ''}, {len(covering)} "
                   f"test{'s' if len(covering) != 1 else ''})</small></h3></summary>")
        for c in plotted:
            title = f"{r['id']} \u2013 {c['name']}"
            caption = f"{_e(c['name'])}: {_e(check_caption(c))}"
            full = c["plot"].get("full_data")
            if isinstance(full, dict):
                caption += (f"<br><small>{_e(full['points'])} samples, drawn decimated (extremes kept); all: "
                            f"<a href=\"{_e(full['csv'])}\">{_e(full['csv'])}</a></small>")
            plot = {**c["plot"], **{k: bounded_text(str(c["plot"].get(k) or "")) for k in ("x_label", "y_label")}}
            out.append(f"<figure>{plot_svg(plot, bounded_text(title))}<figcaption>{caption}</figcaption></figure>")
        for t in covering:
            out.append(trace_block(t))
        out.append("</details>")
    if not any_evidence:
        out.append("<p>No evidence was recorded.</p>")
    return out
