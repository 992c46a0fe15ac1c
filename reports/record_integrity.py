"""A record is evidence only if nobody changed it: checks before any report is built.

* every line is a JSON object and ``seq`` runs 0, 1, 2, ... (a line deleted, inserted or moved shows);
* the record has more than its ``campaign_start``;
* every ``check`` line carries the verdict its own recorded numbers give under its rule
  (:func:`bench.checks.rejudge`), and that rule is the campaign's decision rule (or an observation);
* a ``campaign_end`` with ``record_sha256`` matches the bytes of every line before it, and its ``seal``
  (when present) is a valid signature of that digest.

Any breach is a :class:`RecordTampered` naming the record file and line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bench.checks import OBSERVATION_RULE, rejudge
from bench.recorder import SEAL_FIELD
from bench.verdicts import DecisionRule
from reports.record import ReportError


class RecordTampered(ReportError):
    """The record is not what the bench wrote (or not a record at all); ``line`` is 1-based."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.detail_text = path, line, message
        super().__init__(f"{path}{f':{line}' if line else ''}: {message}")


def check_record(path: str | Path) -> bytes | None:
    """Check the record at ``path`` (see the module doc); return the public key that sealed it, or
    None when it has no seal (a campaign that never reached its ``campaign_end``)."""
    record = Path(path)
    digest = hashlib.sha256()
    rule: str | None = None
    sealer: bytes | None = None
    lines = 0
    with record.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            kind = _plain_kind(raw, number - 1)
            if kind in _ONLY_SEQ_MATTERS:
                digest.update(raw)     # as the bench wrote it (seq first): the rest is judged by the report
                lines = number
                continue
            entry = _entry(record, number, raw)
            if entry is None:          # a torn last line: the campaign was killed while writing it
                break
            lines = number
            if entry.get("seq") != number - 1:
                raise RecordTampered(record, number, f"seq {entry.get('seq')!r} where {number - 1} belongs: "
                                                     "a line was removed, inserted or moved")
            kind = entry.get("kind")
            if kind == "campaign_start":
                rule = str(entry.get("decision_rule") or "")
            elif kind == "check":
                _check_verdict(record, number, entry, rule)
            elif kind == "campaign_end" and "record_sha256" in entry:
                sealer = _check_seal(record, number, entry, digest.digest())
            digest.update(raw)
    if lines < 2:
        raise RecordTampered(record, None, "holds no more than its campaign_start: nothing to report")
    return sealer


_ONLY_SEQ_MATTERS = frozenset({"sample", "command", "step", "parameter", "event", "test_start", "test_end",
                               "instrument", "dut_identity", "plan"})


def _plain_kind(raw: bytes, seq: int) -> str | None:
    """The kind of a line the recorder wrote (``{"seq":<seq>,"kind":"<kind>",...}\n``) without parsing
    the rest, None for anything else (which is then parsed in full). A sample line need not be parsed
    here: its sequence number and the record's digest are what this check is about."""
    prefix = b'{"seq":%d,"kind":"' % seq
    if not raw.startswith(prefix) or not raw.endswith(b"}\n"):
        return None
    end = raw.find(b'"', len(prefix))
    return raw[len(prefix):end].decode("ascii", "replace") if end > 0 else None


def _entry(record: Path, number: int, raw: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        if not raw.endswith(b"\n"):
            return None
        raise RecordTampered(record, number, "not a JSON line") from None
    if not isinstance(entry, dict):
        raise RecordTampered(record, number, "not a JSON object")
    return entry


def _check_verdict(record: Path, number: int, entry: dict[str, Any], campaign_rule: str | None) -> None:
    rule = entry.get("rule")
    try:
        parse = DecisionRule.parse
        if rule != OBSERVATION_RULE and campaign_rule and parse(str(rule)) is not parse(campaign_rule):
            raise RecordTampered(record, number, f"check judged under {rule!r}, but the campaign's decision rule "
                                                 f"is {campaign_rule!r}")
        expected = rejudge(entry).value
    except ValueError as exc:
        raise RecordTampered(record, number, f"check {entry.get('name')!r} cannot be judged: {exc}") from None
    if entry.get("verdict") != expected:
        raise RecordTampered(record, number, f"check {entry.get('name')!r} records {entry.get('verdict')!r}, but its "
                                             f"measured value {entry.get('measured')!r} against "
                                             f"[{entry.get('low')!r}, {entry.get('high')!r}] gives {expected}")


def _check_seal(record: Path, number: int, entry: dict[str, Any], head: bytes) -> bytes | None:
    from reports.integrity import IntegrityError, verify_seal

    if entry.get("record_sha256") != head.hex():
        raise RecordTampered(record, number, "the lines before campaign_end are not the ones the bench wrote "
                                             "(record_sha256 differs)")
    seal = entry.get(SEAL_FIELD)
    if seal is None:
        return None
    try:
        return verify_seal(seal if isinstance(seal, dict) else {}, head)
    except IntegrityError as exc:
        raise RecordTampered(record, number, str(exc)) from None
