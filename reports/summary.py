"""The results at a glance: one row per check (results.csv / results.xlsx) and one row per
requirement (the summary on the report's first page), computed from the report dict alone.

Columns: requirement | clause | required | measured | U | margin | verdict. ``margin`` is the
distance of the measured value to the nearest limit of the tolerance interval, in the check's unit,
positive inside and negative outside. A yes/no check shows the measured quantity behind its answer
when the suite recorded it (``observed_value``, :func:`bench.checks.observed_value`); its required
and margin are then those of that quantity. Every number goes through :mod:`reports.formatting`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reports.content import clause_text, limits_text
from reports.formatting import DASH, fmt_measured, fmt_number, fmt_signed, fmt_uncertainty, fmt_value

__all__ = ["CheckRow", "RequirementRow", "check_caption", "check_row", "check_rows", "clause_text", "margin",
           "measured_number",
           "requirement_rows"]

_VERDICT_ORDER = {"FAIL": 0, "INCONCLUSIVE": 1, "PASS": 2}


@dataclass(frozen=True)
class CheckRow:
    """One check, as the results table and results.csv show it (texts formatted, numbers raw)."""

    requirement: str
    title: str
    clause: str
    mandatory: bool
    requirement_verdict: str
    test: str
    check: str
    quantity: str
    unit: str
    required: str
    measured: str
    uncertainty: str
    margin: str
    verdict: str
    rule: str
    detail: str
    measured_value: float | int | bool | None
    uncertainty_value: float | None
    low: float | None
    high: float | None
    margin_value: float | None


@dataclass(frozen=True)
class RequirementRow:
    """One requirement on the first page: its decisive check (the worst verdict, then the smallest
    margin in multiples of U) and how many checks judged it."""

    requirement: str
    title: str
    clause: str
    mandatory: bool
    required: str
    measured: str
    uncertainty: str
    margin: str
    verdict: str
    checks: int
    decisive_check: str


def margin(value: Any, low: Any, high: Any) -> float | None:
    """Distance of ``value`` to the nearest finite limit: positive inside, negative outside."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    sides = [float(value) - float(low)] if isinstance(low, (int, float)) else []
    sides += [float(high) - float(value)] if isinstance(high, (int, float)) else []
    return min(sides) if sides else None


def _observed(check: Mapping[str, Any]) -> Mapping[str, Any] | None:
    seen = check.get("observed_value")
    return seen if isinstance(seen, Mapping) else None


def _answer(check: Mapping[str, Any]) -> str:
    """yes / no / undecided of an observation (report.json keeps it in ``detail``: "observed: ...")."""
    measured = check.get("measured")
    if isinstance(measured, bool):
        return "yes" if measured else "no"
    said = str(check.get("detail") or "").removeprefix("observed: ").split(";", 1)[0].strip()
    return said if said in ("yes", "no") else "undecided"


def _check_row(req: Mapping[str, Any], check: Mapping[str, Any]) -> CheckRow:
    seen = _observed(check)
    observation = check.get("rule") == "OBSERVATION"
    if observation:
        answer = _answer(check)
        if seen is not None:
            low, high, u, unit = seen.get("low"), seen.get("high"), seen.get("uncertainty"), str(seen.get("unit") or "")
            shown = fmt_value(seen.get("value"), u, unit)
            measured = f"{answer}: {seen.get('quantity')} {shown}"
            required = f"yes: {seen.get('quantity')} {limits_text(low, high, fmt_number)} {unit}".rstrip()
            gap = margin(seen.get("value"), low, high)
        else:
            low = high = u = gap = None
            unit = ""
            measured, required = answer, "yes"
    else:
        low, high, u, unit = check.get("low"), check.get("high"), check.get("uncertainty"), str(check.get("unit") or "")
        measured = fmt_value(check.get("measured"), u, unit)
        required = f"{limits_text(low, high, fmt_number)} {unit}".rstrip() if (low, high) != (None, None) else DASH
        gap = margin(check.get("measured"), low, high)
    return CheckRow(
        requirement=str(req.get("id") or ""), title=str(req.get("title") or ""), clause=clause_text(req),
        mandatory=bool(req.get("mandatory")), requirement_verdict=str(req.get("verdict") or ""),
        test=str(check.get("nodeid") or ""), check=str(check.get("name") or ""),
        quantity=str(check.get("quantity") or ""), unit=unit, required=required, measured=measured,
        uncertainty=fmt_uncertainty(u) if u is not None else DASH,
        margin=f"{fmt_signed(gap, u)} {unit}".rstrip() if gap is not None else DASH,
        verdict=str(check.get("verdict") or ""), rule=str(check.get("rule") or ""),
        detail=str(check.get("detail") or ""), measured_value=check.get("measured"),
        uncertainty_value=u if isinstance(u, (int, float)) and not isinstance(u, bool) else None,
        low=low, high=high, margin_value=gap)


def check_row(check: Mapping[str, Any], requirement: Mapping[str, Any] | None = None) -> CheckRow:
    """One check (a report check or a record ``check`` line) as a row."""
    return _check_row(requirement or {"id": check.get("requirement")}, check)


def check_rows(report: Mapping[str, Any]) -> list[CheckRow]:
    """Every check of every requirement, in report order."""
    return [_check_row(r, c) for r in report.get("requirements") or [] for c in r.get("checks") or []]


def _severity(row: CheckRow) -> tuple[int, float]:
    scale = row.uncertainty_value or (max(abs(row.low or 0.0), abs(row.high or 0.0)) or 1.0)
    closeness = row.margin_value / scale if row.margin_value is not None else float("inf")
    return _VERDICT_ORDER.get(row.verdict, 3), closeness


def requirement_rows(report: Mapping[str, Any]) -> list[RequirementRow]:
    """One row per requirement of the set, its decisive check's values in the columns."""
    out = []
    for req in report.get("requirements") or []:
        rows = [_check_row(req, c) for c in req.get("checks") or []]
        worst = min(rows, key=_severity) if rows else None
        out.append(RequirementRow(
            requirement=str(req.get("id") or ""), title=str(req.get("title") or ""), clause=clause_text(req),
            mandatory=bool(req.get("mandatory")),
            required=worst.required if worst else DASH, measured=worst.measured if worst else DASH,
            uncertainty=worst.uncertainty if worst else DASH, margin=worst.margin if worst else DASH,
            verdict=str(req.get("verdict") or ""), checks=len(rows), decisive_check=worst.check if worst else ""))
    return out


def measured_number(check: Mapping[str, Any]) -> str:
    """A check's measured number alone, to the decimal place of its U (a yes/no check: its answer
    and the quantity behind it)."""
    if check.get("rule") == "OBSERVATION":
        return _check_row({}, check).measured
    return fmt_measured(check.get("measured"), check.get("uncertainty"))


def check_caption(check: Mapping[str, Any]) -> str:
    """The plain-text caption of a check's evidence plot after its name (HTML and PDF): what was
    measured with its U (k = 2), what was required, the verdict; a yes/no check names the quantity
    behind its answer."""
    row = _check_row({}, check)
    return f"measured {row.measured} (U at k = 2), required {row.required}; {row.verdict}"
