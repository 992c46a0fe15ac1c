"""``results.csv`` and ``results.xlsx``: every check of a campaign, one row each, for labs that map
results to their own numbering (a pure function of the report dict, written into the package and
signed with it by the manifest).

Both carry the formatted texts of :mod:`reports.summary` (the digits the report shows) and the raw
numbers (for computing); the workbook has a second sheet with one row per requirement, as on the
report's first page.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import xlsxwriter

from reports.summary import CheckRow, RequirementRow, check_rows, requirement_rows

__all__ = ["CSV_NAME", "XLSX_NAME", "results_csv", "write_results"]

CSV_NAME = "results.csv"
XLSX_NAME = "results.xlsx"
_CHECK_COLUMNS = [f.name for f in fields(CheckRow)]
_REQUIREMENT_COLUMNS = [f.name for f in fields(RequirementRow)]


def _cell(value: Any) -> Any:
    """A raw value for a cell: None empty, floats to 12 significant digits (as in report.json)."""
    if value is None:
        return ""
    if isinstance(value, float) and not isinstance(value, bool):
        return float(f"{value:.12g}")
    return value


def results_csv(report: Mapping[str, Any]) -> str:
    """The CSV text: a header row, then one row per check (report id and verdict in the first columns)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["report_id", *_CHECK_COLUMNS])
    rid = str(report.get("report_id") or "")
    for row in check_rows(report):
        writer.writerow([rid, *(_cell(v) for v in asdict(row).values())])
    return buf.getvalue()


def _issue_datetime(report: Mapping[str, Any]) -> datetime.datetime:
    """The workbook's creation date: the report's issue date (no clock is read, so the bytes repeat)."""
    issued = (report.get("dates") or {}).get("issued")
    try:
        day = datetime.date.fromisoformat(str(issued))
    except ValueError:
        day = datetime.date(2000, 1, 1)
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)


def _sheet(book: Any, name: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True, "bg_color": "#EEEEEE"})
    sheet.write_row(0, 0, columns, bold)
    for i, row in enumerate(rows, start=1):
        for j, key in enumerate(columns):
            value = _cell(row[key])
            if isinstance(value, bool) or value == "":
                sheet.write_string(i, j, "" if value == "" else ("yes" if value else "no"))
            elif isinstance(value, (int, float)):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, str(value))
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    for j, key in enumerate(columns):
        longest = max([len(key)] + [len(str(r[key])) for r in rows[:200]])
        sheet.set_column(j, j, min(60, max(8, longest + 1)))


def results_xlsx(report: Mapping[str, Any]) -> bytes:
    """The workbook: sheet "summary" (one row per requirement), sheet "checks" (one row per check)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"title": f"Results {report.get('report_id') or ''}", "author": "flexbench",
                         "created": _issue_datetime(report)})
    _sheet(book, "summary", _REQUIREMENT_COLUMNS, [asdict(r) for r in requirement_rows(report)])
    _sheet(book, "checks", _CHECK_COLUMNS, [asdict(r) for r in check_rows(report)])
    book.close()
    return buf.getvalue()


def write_results(report: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Write results.csv and results.xlsx into ``out_dir``; return their paths."""
    csv_path, xlsx_path = out_dir / CSV_NAME, out_dir / XLSX_NAME
    csv_path.write_text(results_csv(report), encoding="utf-8", newline="")
    xlsx_path.write_bytes(results_xlsx(report))
    return [csv_path, xlsx_path]
