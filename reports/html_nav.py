"""Navigation of the HTML report: numbered sections get anchors and a table of contents (with the
evidence of each requirement), and requirement ids never wrap mid-word.

Works on the rendered document (no scripts, nothing external: the report stays one offline file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from reports.html_evidence import anchor

CSS = """
nav.toc { border: 1px solid var(--line); background: #fafafa; padding: 6px 14px; margin: 14px 0; }
nav.toc h2 { border: none; margin: 4px 0; font-size: 15px; }
nav.toc ol { margin: 2px 0 4px; padding-left: 4px; list-style: none; columns: 2; column-gap: 28px; }
nav.toc ol ol { columns: 1; font-size: 12.5px; padding-left: 18px; }
nav.toc li { break-inside: avoid; }
.rid { white-space: nowrap; }
code, .mono { word-break: normal; overflow-wrap: anywhere; }
details.evidence { border-top: 1px solid var(--line); padding: 2px 0; }
details.evidence > summary { cursor: pointer; }
details.evidence > summary h3 { display: inline; }
h2[id], details[id] { scroll-margin-top: 8px; }
@media print { nav.toc { display: none; } }
"""

_H2 = re.compile(r"<h2>(.*?)</h2>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _toc(sections: Sequence[tuple[str, str]], evidence: Sequence[tuple[str, str]]) -> str:
    items = []
    for sid, title in sections:
        sub = ""
        if title.startswith("7 ") and evidence:
            sub = "<ol>" + "".join(f'<li><a href="#{a}"><span class="rid">{escape(rid)}</span></a></li>'
                                   for a, rid in evidence) + "</ol>"
        items.append(f'<li><a href="#{sid}">{title}</a>{sub}</li>')
    return '<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>' + "".join(items) + "</ol></nav>"


def _no_break_ids(document: str, ids: Sequence[str]) -> str:
    """Each requirement id in the document's text (not in tags or attributes) as a ``.rid`` span."""
    if not ids:
        return document
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(i) for i in sorted(set(ids), key=len, reverse=True))
                         + r")(?![\w-])")

    head, sep, body = document.partition("<body>")
    if not sep:
        return document
    parts = re.split(r"(<[^>]*>)", body)     # odd entries: tags, left as they are
    in_svg = False
    for i, part in enumerate(parts):
        if i % 2:
            in_svg = part.startswith("<svg") or (in_svg and not part.startswith("</svg"))
        elif part and not in_svg:
            parts[i] = pattern.sub(r'<span class="rid">\1</span>', part)
    return head + sep + "".join(parts)


def navigable(document: str, requirement_ids: Sequence[str]) -> str:
    """The document with ids on its numbered ``<h2>`` sections, a table of contents before the first
    of them (after the summary; evidence per requirement nested under section 7), and unbreakable
    requirement ids."""
    sections: list[tuple[str, str]] = []

    def number(match: re.Match[str]) -> str:
        sid = f"s{len(sections) + 1}"
        sections.append((sid, _TAG.sub("", match.group(1))))
        return f'<h2 id="{sid}">{match.group(1)}</h2>'

    document = _H2.sub(number, document)
    present = set(re.findall(r'<details class="evidence" id="([^"]+)"', document))
    evidence = [(anchor(rid), rid) for rid in requirement_ids if anchor(rid) in present]
    first = document.find('<h2 id="s1"')      # after the summary the report opens on
    if first >= 0:
        document = document[:first] + _toc(sections, evidence) + "\n" + document[first:]
    return _no_break_ids(document, requirement_ids)
