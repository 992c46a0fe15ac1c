"""Reading a campaign record into typed pieces for the report (docs/record-format.md).

Lenient about values (a malformed field becomes empty/None and is judged by the verdict rules),
strict about structure: no ``campaign_start`` or a line before it raises :class:`ReportError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.errors import FlexbenchError
from reports import model


class ReportError(FlexbenchError):
    """The record cannot be turned into a report (e.g. it has no ``campaign_start``)."""


# ----------------------------------------------------------------------------- value coercion

def num(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def text(value: Any) -> str:
    return "" if value is None else str(value)


def opt_text(value: Any) -> str | None:
    return None if value is None else str(value)


def as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def text_list(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v) for v in value]


def merge_unique(*lists: Iterable[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for item in items:
            if item not in out:
                out.append(item)
    return out


# ----------------------------------------------------------------------------- record parsing

@dataclass
class TestRun:
    """One test as the record tells it; ``outcome`` is None while no ``test_end`` was seen."""

    nodeid: str
    name: str = ""
    doc: str = ""
    requirements: list[str] = field(default_factory=list)
    outcome: str | None = None
    message: str = ""
    start_t_s: float | None = None
    end_t_s: float | None = None
    start_seq: int = -1          # record line of test_start (-1: none seen)
    end_seq: int | None = None   # record line of test_end (None: the record ended during the test)


@dataclass
class ParsedRecord:
    """The entries of one campaign record that a report needs, in record order.

    ``seq`` values used for attributing commands and samples to tests are the line index in the
    file (0-based), not the ``seq`` field, so a record with a damaged ``seq`` still attributes."""

    start: dict[str, Any]
    end: dict[str, Any] | None
    last_t_s: float | None
    lines: int
    instruments: list[dict[str, Any]]
    dut: dict[str, Any] | None
    tests: list[TestRun]
    checks: list[dict[str, Any]]
    events: list[dict[str, Any]]
    commands: list[dict[str, Any]] = field(default_factory=list)  # wire trace, record order
    samples: list[dict[str, Any]] = field(default_factory=list)   # recorder ticks, record order
    parameters: list[dict[str, Any]] = field(default_factory=list)  # catalog/declared values read, record order
    places: list[dict[str, Any]] = field(default_factory=list)      # labgrid place lines (bench/places), record order


def parse_record(entries: Iterable[Mapping[str, Any]]) -> ParsedRecord:
    """Group a record's entries; a ``test_end`` closes the latest open test with its nodeid."""
    start: dict[str, Any] | None = None
    end: dict[str, Any] | None = None
    last_t_s: float | None = None
    lines = 0
    instruments: list[dict[str, Any]] = []
    dut: dict[str, Any] | None = None
    tests: list[TestRun] = []
    open_tests: dict[str, TestRun] = {}
    checks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    commands: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    parameters: list[dict[str, Any]] = []
    places: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise ReportError(f"record line {lines + 1} is not a JSON object")
        lines += 1
        kind = entry.get("kind")
        t = num(entry.get("t_s"))
        if t is not None:
            last_t_s = float(t)
        if kind == "campaign_start":
            if start is not None:
                raise ReportError("record has more than one campaign_start")
            start = dict(entry)
        elif start is None:
            raise ReportError(f"record line {lines} ({kind!r}) comes before campaign_start")
        elif kind == "campaign_end":
            end = dict(entry)
        elif kind == "instrument":
            instruments.append(dict(entry))
        elif kind == "dut_identity":
            dut = dict(entry)
        elif kind == "test_start":
            test = TestRun(nodeid=text(entry.get("nodeid")), name=text(entry.get("name")),
                           doc=text(entry.get("doc")), requirements=text_list(entry.get("requirements")),
                           start_t_s=t, start_seq=lines - 1)
            tests.append(test)
            open_tests[test.nodeid] = test
        elif kind == "test_end":
            nodeid = text(entry.get("nodeid"))
            ended = open_tests.pop(nodeid) if nodeid in open_tests else None
            if ended is None:  # a test_end without its start: still evidence of an outcome
                ended = TestRun(nodeid=nodeid)
                tests.append(ended)
            ended.outcome = model.normalise_outcome(entry.get("outcome"))
            ended.message = text(entry.get("message"))
            ended.requirements = merge_unique(ended.requirements, text_list(entry.get("requirements")))
            ended.end_t_s = t
            ended.end_seq = lines - 1
        elif kind == "command":
            commands.append({"seq": lines - 1, "t_s": t, "target": text(entry.get("target")),
                             "text": text(entry.get("text"))})
        elif kind == "sample":
            samples.append({**entry, "seq": lines - 1})
        elif kind == "check":
            checks.append(dict(entry))
        elif kind == "parameter":
            parameters.append({"seq": lines - 1, "requirement": text(entry.get("requirement")),
                               "name": text(entry.get("name")), "source": text(entry.get("source")),
                               "reason": text(entry.get("reason"))})
        elif kind == "event" and entry.get("level") in ("warning", "error"):
            events.append(dict(entry))
        elif kind == "place":
            places.append(dict(entry))
    if start is None:
        raise ReportError("record has no campaign_start")
    return ParsedRecord(start, end, last_t_s, lines, instruments, dut, tests, checks, events, commands, samples,
                        parameters, places)
