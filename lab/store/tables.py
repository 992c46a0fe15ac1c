"""Plain-text tables for people (``flexbench results``; machines use ``--json``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reports.formatting import fmt_measured, fmt_signed, fmt_uncertainty

__all__ = ["cell", "check_cells", "format_table"]


def cell(value: object) -> str:
    """A value as a table cell: times to the second in UTC, floats to 6 significant digits, None empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def check_cells(measured: float | None, low: float | None, high: float | None, uncertainty: float | None,
                margin: float | None) -> list[str]:
    """A check's numbers as the report prints them (reports.formatting): measured value and limits to
    the decimal place of the check's uncertainty U, U with its significant digits, the margin signed."""
    return [fmt_measured(measured, uncertainty), fmt_measured(low, uncertainty), fmt_measured(high, uncertainty),
            fmt_uncertainty(uncertainty), fmt_signed(margin, uncertainty)]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces, a dashed rule under the header."""
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
