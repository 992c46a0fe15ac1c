"""Per-test evidence from the record: the wire-trace excerpt and the raw-data files.

ISO/IEC 17025 7.8.2.1 asks for results with units and 7.5 for technical records sufficient to
repeat the test; the issue's evidence item asks, per requirement, for the wire trace (SCPI /
SunSpec Modbus lines the bench sent during each covering test) and the raw data. Both are cut
from the record by line position: a command or sample belongs to a test when it lies between
that test's ``test_start`` and ``test_end`` lines (or the end of the record when the test never
ended). Commands before the first test (opening instruments, fixture set-up) are bench set-up.

Files (relative to the report folder, all deterministic functions of the record):

* ``raw/<test>.csv``: the analyzer samples of the test, one row per recorder tick, with the DUT's
  own readings over its link when they were taken (``dut.*`` columns, empty otherwise);
* ``raw/<test>.trace.txt``: every command line of the test, ``t_s<TAB>target<TAB>text``.
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from reports.record import TestRun

RAW_DIR = "raw"
EXCERPT_HEAD = 30      # first setting lines shown
EXCERPT_TAIL = 10      # last setting lines shown
TOP_QUERIES = 12       # most frequent query lines listed with their counts
PHASE_COLUMNS = ("U{n}_V", "I{n}_A", "P{n}_W", "Q{n}_var", "S{n}_VA", "PF{n}")


def slug_for(nodeid: str, taken: set[str]) -> str:
    """A file-name-safe, unique, stable name for a test's evidence files."""
    tail = nodeid.split("/")[-1].replace(".py::", "__").replace("::", "__")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", tail).strip("._")[:80] or "test"
    slug = base
    if slug in taken:
        slug = f"{base}-{hashlib.sha256(nodeid.encode('utf-8')).hexdigest()[:8]}"
    n = 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def in_test(seq: int, test: TestRun, record_lines: int) -> bool:
    end = test.end_seq if test.end_seq is not None else record_lines
    return test.start_seq < seq < end


def test_slice(entries: Sequence[Mapping[str, Any]], seqs: Sequence[int], test: TestRun,
               record_lines: int) -> Sequence[Mapping[str, Any]]:
    """The entries of ``entries`` (record order, ``seqs`` their ascending line indexes) that lie
    inside ``test`` (:func:`in_test`), found by bisection instead of a scan of the whole record."""
    end = test.end_seq if test.end_seq is not None else record_lines
    return entries[bisect_right(seqs, test.start_seq):bisect_left(seqs, end)]


def is_query(target: str, line: str) -> bool:
    """SCPI queries end in '?' (before any argument); SunSpec link reads start with 'read'."""
    head = line.split(" ", 1)[0]
    return head.endswith("?") or (target == "dut" and line.startswith("read"))


def wire_trace(commands: Sequence[Mapping[str, Any]], test: TestRun, record_lines: int) -> dict[str, Any]:
    """The abbreviated wire trace of one test.

    ``by_target`` counts every line per target (role or ``dut``); ``settings`` are the lines that
    change something (SCPI setting commands, SunSpec writes) with consecutive repeats collapsed
    into a ``count``, cut to the first :data:`EXCERPT_HEAD` and last :data:`EXCERPT_TAIL` with the
    number left out in ``settings_omitted``; ``queries`` are the most frequent read lines with
    their counts (error-queue polls, measurement reads, register reads)."""
    mine = [c for c in commands if in_test(int(c["seq"]), test, record_lines)]
    by_target = Counter(c["target"] for c in mine)
    collapsed: list[dict[str, Any]] = []
    queries: Counter[tuple[str, str]] = Counter()
    for c in mine:
        if is_query(c["target"], c["text"]):
            queries[(c["target"], c["text"])] += 1
            continue
        last = collapsed[-1] if collapsed else None
        if last is not None and last["target"] == c["target"] and last["text"] == c["text"]:
            last["count"] += 1
        else:
            collapsed.append({"t_s": c["t_s"], "target": c["target"], "text": c["text"], "count": 1})
    omitted = max(0, len(collapsed) - EXCERPT_HEAD - EXCERPT_TAIL)
    shown = collapsed if omitted == 0 else collapsed[:EXCERPT_HEAD] + collapsed[-EXCERPT_TAIL:]
    top = sorted(queries.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_QUERIES]
    return {"total": len(mine), "by_target": dict(sorted(by_target.items())),
            "settings": shown, "settings_total": len(collapsed), "settings_omitted": omitted,
            "queries": [{"target": t, "text": q, "count": n} for (t, q), n in top],
            "queries_total": sum(queries.values())}


def trace_text(commands: Sequence[Mapping[str, Any]], test: TestRun, record_lines: int) -> str:
    """Every command line of the test, ``t_s<TAB>target<TAB>text``, one per line."""
    rows = [f"{format_cell(c['t_s'])}\t{c['target']}\t{c['text']}" for c in commands
            if in_test(int(c["seq"]), test, record_lines)]
    return "t_s\ttarget\ttext\n" + "".join(r + "\n" for r in rows)


def format_cell(value: Any) -> str:
    kind = type(value)
    if kind is float:                       # the common case first: one check, no isinstance chain
        return repr(value) if math.isfinite(value) else ""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, (int, str)):
        return str(value).replace(",", ";").replace("\n", " ")
    return ""


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    kind = type(value)
    if kind is float or kind is int or kind is str or value is None:     # leaves first: most values are
        out[prefix] = value
    elif isinstance(value, Mapping):
        for k in sorted(value, key=str):
            _flatten(f"{prefix}.{k}", value[k], out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _flatten(f"{prefix}[{i + 1}]", v, out)
    else:
        out[prefix] = value


def _phase_cells(sample: Mapping[str, Any], n_phases: int) -> list[Any]:
    """A sample's per-phase values in :data:`PHASE_COLUMNS` order for ``n_phases`` phases; None
    where the sample lacks a phase or a quantity."""
    width = len(PHASE_COLUMNS)
    phases = sample.get("phases")
    if (type(phases) is list and len(phases) == n_phases
            and all(type(row) is list and len(row) == width for row in phases)):
        return [value for row in phases for value in row]      # the usual, complete sample
    out: list[Any] = []
    for n in range(n_phases):
        row = phases[n] if isinstance(phases, list) and n < len(phases) else None
        if isinstance(row, list):
            cells = row[:width]
            out.extend(cells)
            if len(cells) < width:
                out.extend([None] * (width - len(cells)))
        else:
            out.extend([None] * width)
    return out


def samples_csv(samples: Sequence[Mapping[str, Any]], test: TestRun, record_lines: int) -> tuple[str, int]:
    """The test's samples as CSV text (comma separated, header row, '.' decimals) and the row count."""
    return samples_csv_text([s for s in samples if in_test(int(s["seq"]), test, record_lines)])


def samples_csv_text(samples: Sequence[Mapping[str, Any]]) -> tuple[str, int]:
    """``sample`` record lines as CSV text and the row count: ``t_s``, ``frequency_hz``,
    ``active_power_w``, the per-phase columns of :data:`PHASE_COLUMNS`, then the ``dut.*`` readings
    (every key of any sample's ``dut`` reading, flattened and sorted; empty where a sample lacks it).

    Built column by column (a campaign's CSVs hold about a million cells)."""
    fixed = ["t_s", "frequency_hz", "active_power_w"]
    n_phases = max((len(s["phases"]) for s in samples if isinstance(s.get("phases"), list)), default=0)
    phase_cols = [col.format(n=n) for n in range(1, n_phases + 1) for col in PHASE_COLUMNS]
    duts: list[dict[str, Any]] = []
    for s in samples:
        flat: dict[str, Any] = {}
        if isinstance(s.get("dut"), Mapping):
            _flatten("dut", s["dut"], flat)
        duts.append(flat)
    dut_cols = sorted({k for flat in duts for k in flat})
    values = ([[s.get(c) for s in samples] for c in fixed]
              + [list(c) for c in zip(*(_phase_cells(s, n_phases) for s in samples), strict=True)]
              + [[flat.get(c) for flat in duts] for c in dut_cols])
    cells = [list(map(format_cell, column)) for column in values]
    lines = [",".join(fixed + phase_cols + dut_cols), *map(",".join, zip(*cells, strict=True))]
    return "\n".join(lines) + "\n", len(samples)


def sha256_text(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
