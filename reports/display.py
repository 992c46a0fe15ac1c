"""What report.pdf and report.html show beyond report.json: record text bounded for display, and
the notice on a report signed with a development key.

Text from the device, the operator or an instrument can be any length; the record keeps up to
:data:`bench.recorder.MAX_TEXT_CHARS` of it per field (the rest in ``raw/long-text/`` beside the
record) and report.json copies what the record holds. A report page shows at most
:data:`DISPLAY_TEXT_CHARS` of one text, followed by a note saying where the full text is, so a
long text can neither break the PDF layout nor make it slow (the layout time stays linear in the
record's size).
"""

from __future__ import annotations

import re

__all__ = ["DEVELOPMENT_KEY_NOTICE", "DISPLAY_TEXT_CHARS", "RECORD_FULL_TEXT", "bounded_text", "cut_note",
           "is_development"]

DISPLAY_TEXT_CHARS = 2000
"""Most characters of one record text shown in the PDF or HTML."""
RECORD_FULL_TEXT = "report.json and record.jsonl"
"""Where a text cut for display is in full when the record holds all of it."""
DEVELOPMENT_KEY_NOTICE = "Signed with a DEVELOPMENT key \u2013 not a lab signature"
"""Shown on every page of a report whose package is signed with a development key (the signing key is
known when the package is built, after report.json, which stays the same whichever key signs it)."""
# the note bench.recorder appends to a text it cut: "... [cut at N of M characters; full text: <path>]"
_RECORDER_NOTE = re.compile(r"\.\.\. \[cut at \d+ of (\d+) characters; full text: ([^\]\s]+)\]\Z")


def cut_note(shown: int, total: int, where: str) -> str:
    """The note after a text cut for display."""
    return f" \u2026 (cut: {shown} of {total} characters shown; full text in {where})"


def bounded_text(text: str, limit: int = DISPLAY_TEXT_CHARS) -> str:
    """``text`` when it has at most ``limit`` characters, else its first ``limit`` characters and a
    note naming where the full text is: the ``raw/long-text/`` file the recorder named, or
    report.json and the record."""
    if len(text) <= limit:
        return text
    total, where = len(text), RECORD_FULL_TEXT
    recorder_note = _RECORDER_NOTE.search(text[-400:])
    if recorder_note:
        total, where = int(recorder_note.group(1)), recorder_note.group(2)
    return text[:limit] + cut_note(limit, total, where)


def is_development(signer_kind: str | None) -> bool:
    """Whether the package is signed with a development key (``SigningKey.kind``)."""
    return signer_kind == "development"
