"""Validation of a report against ``reports/schema/report-2.schema.json``.

jsonschema walks every array element, which is slow for long evidence plots; so the validator sees
the report with plot arrays cut to a sample, and the full arrays get the same element check in
plain Python. A violation is a builder bug and raises :class:`ReportSchemaError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from reports.record import ReportError

SCHEMA_PATH = Path(__file__).with_name("schema") / "report-2.schema.json"


class ReportSchemaError(ReportError):
    """The assembled report does not satisfy its own schema: a bug in the report builder."""


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


_PLOT_ARRAYS = ("points", "band_low", "band_high", "required_curve", "t_s", "y", "limit")
_SCHEMA_SAMPLE = 16  # plot array elements the schema validator looks at; the rest are checked in Python


def _is_num_or_null(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _plot_elements_ok(plot: Mapping[str, Any]) -> bool:
    for key in _PLOT_ARRAYS:
        values = plot.get(key)
        if not isinstance(values, list):
            continue
        if key in ("points", "band_low", "band_high", "required_curve"):
            if not all(isinstance(p, list) and len(p) == 2 and _is_num_or_null(p[0]) and _is_num_or_null(p[1])
                       for p in values):
                return False
        elif not all(_is_num_or_null(v) for v in values):
            return False
    return True


def _sampled_for_schema(report: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """A copy whose plot arrays are cut to a sample (jsonschema is slow on long arrays), and the
    paths of plots whose full arrays fail the element check the schema would apply."""
    bad: list[str] = []
    requirements = report.get("requirements")
    if not isinstance(requirements, list):
        return report, bad
    sampled = dict(report)
    sampled["requirements"] = []
    for r_idx, req in enumerate(requirements):
        if not isinstance(req, Mapping) or not isinstance(req.get("checks"), list):
            sampled["requirements"].append(req)
            continue
        checks = []
        for c_idx, check in enumerate(req["checks"]):
            plot = check.get("plot") if isinstance(check, Mapping) else None
            if isinstance(plot, Mapping):
                if not _plot_elements_ok(plot):
                    bad.append(f"/requirements/{r_idx}/checks/{c_idx}/plot: array elements must be numbers or null")
                plot = {k: (v[:_SCHEMA_SAMPLE] if k in _PLOT_ARRAYS and isinstance(v, list) else v)
                        for k, v in plot.items()}
                check = {**check, "plot": plot}
            checks.append(check)
        sampled["requirements"].append({**req, "checks": checks})
    return sampled, bad


def validate_report(report: Mapping[str, Any]) -> None:
    """Raise :class:`ReportSchemaError` listing every violation of report-2.schema.json."""
    sampled, problems = _sampled_for_schema(report)
    errors = sorted(_validator().iter_errors(sampled), key=lambda e: list(map(str, e.absolute_path)))
    problems = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]] + [
        f"  at {p}" for p in problems]
    if problems:
        raise ReportSchemaError("report violates report-2.schema.json:\n" + "\n".join(problems))
