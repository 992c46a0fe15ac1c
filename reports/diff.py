"""``flexbench diff A B``: what changed between two reports, requirement by requirement.

Typical use: the same device with firmware 1.2 and 1.3; the same firmware on two benches; a
re-run after a catalog update. Compared: overall verdict, simulation flag, catalog and market,
decision rule, DUT identity (declared and read: manufacturer, model, serial, firmware), software,
instruments (``*IDN?``, calibration due), and per requirement its verdict, parameters and each
check (matched by name and occurrence): verdict, measured value, uncertainty, limits and unit.

Only reports of one format version (report.json's ``format``) are compared: :func:`load_reports`
refuses a pair whose versions differ, naming the file (a field that moved or changed meaning
between versions would otherwise show as a difference of the device, or hide one);
:func:`diff_reports` lists a format change first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.record import ReportError

__all__ = ["Change", "ReportDiff", "diff_reports", "format_diff", "load_report", "load_reports"]

_CHECK_FIELDS = ("verdict", "measured", "uncertainty", "low", "high", "unit")


@dataclass(frozen=True)
class Change:
    """One difference: ``scope`` is ``report``, ``dut``, ``bench`` or a requirement id."""

    scope: str
    what: str
    before: Any
    after: Any

    def describe(self) -> str:
        delta = ""
        if (isinstance(self.before, (int, float)) and isinstance(self.after, (int, float))
                and not isinstance(self.before, bool) and not isinstance(self.after, bool)):
            delta = f"  (\u0394 {self.after - self.before:+.6g})"
        return f"{self.what}: {_show(self.before)} -> {_show(self.after)}{delta}"


@dataclass
class ReportDiff:
    """All differences between report A and report B, grouped by scope in a stable order."""

    a_id: str
    b_id: str
    changes: list[Change] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.changes

    def by_scope(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {}
        for change in self.changes:
            out.setdefault(change.scope, []).append(change)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a_id, "b": self.b_id, "identical": self.identical,
                "changes": [{"scope": c.scope, "what": c.what, "before": c.before, "after": c.after}
                            for c in self.changes]}


def _show(value: Any) -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def load_report(path: str | Path) -> dict[str, Any]:
    """A report dict from ``report.json`` or from a report folder holding one."""
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{p}: cannot read a report: {exc}") from exc
    if not isinstance(data, dict) or "requirements" not in data:
        raise ReportError(f"{p}: not a flexbench report.json")
    return data


def _report_file(path: str | Path) -> Path:
    p = Path(path)
    return p / "report.json" if p.is_dir() else p


def load_reports(a_path: str | Path, b_path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reports A and B for :func:`diff_reports`; :class:`ReportError` naming B's file when the two
    have different format versions."""
    a, b = load_report(a_path), load_report(b_path)
    fa, fb = a.get("format"), b.get("format")
    if fa != fb:
        raise ReportError(f"{_report_file(b_path)}: report format {_show(fb)} differs from {_show(fa)} of "
                          f"{_report_file(a_path)}; diff compares reports of one format version only "
                          "(rebuild the older report from its record with flexbench report)")
    return a, b


def _get(mapping: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _compare(out: list[Change], scope: str, what: str, before: Any, after: Any) -> None:
    if before != after:
        out.append(Change(scope, what, before, after))


def _keyed_checks(checks: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Checks keyed by name, with ``#2``, ``#3`` for repeated names (order of recording)."""
    seen: dict[str, int] = {}
    out: dict[str, Mapping[str, Any]] = {}
    for c in checks:
        name = str(c.get("name") or "check")
        seen[name] = seen.get(name, 0) + 1
        out[name if seen[name] == 1 else f"{name} #{seen[name]}"] = c
    return out


def _requirement(out: list[Change], rid: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> None:
    if a is None or b is None:
        present = b if b is not None else a
        verdict = present.get("verdict") if present is not None else None
        _compare(out, rid, "requirement", None if a is None else f"present ({verdict})",
                 None if b is None else f"present ({verdict})")
        return
    _compare(out, rid, "verdict", a.get("verdict"), b.get("verdict"))
    _compare(out, rid, "mandatory", a.get("mandatory"), b.get("mandatory"))
    pa, pb = a.get("parameters") or {}, b.get("parameters") or {}
    for name in sorted(set(pa) | set(pb)):
        _compare(out, rid, f"parameter {name}", _param(pa.get(name)), _param(pb.get(name)))
    ca, cb = _keyed_checks(a.get("checks") or []), _keyed_checks(b.get("checks") or [])
    for name in list(ca) + [n for n in cb if n not in ca]:
        if name not in ca or name not in cb:
            _compare(out, rid, f"check '{name}'", "present" if name in ca else None, "present" if name in cb else None)
            continue
        for f in _CHECK_FIELDS:
            _compare(out, rid, f"check '{name}' {f}", ca[name].get(f), cb[name].get(f))


def _param(p: Any) -> Any:
    if not isinstance(p, Mapping):
        return p
    unit = p.get("unit")
    return f"{_show(p.get('value'))} {unit}".strip() if unit else p.get("value")


def diff_reports(a: Mapping[str, Any], b: Mapping[str, Any]) -> ReportDiff:
    """The differences between report ``a`` (before) and report ``b`` (after)."""
    result = ReportDiff(a_id=str(a.get("report_id")), b_id=str(b.get("report_id")))
    out = result.changes
    for dotted in ("format", "verdict", "simulated", "campaign.catalog.name", "campaign.catalog.version",
                   "campaign.market", "campaign.decision_rule", "software.record.version", "software.record.commit",
                   "software.report.version", "campaign.complete"):
        _compare(out, "report", dotted, _get(a, dotted), _get(b, dotted))
    for side in ("declared", "read"):
        da, db = _get(a, f"dut.{side}") or {}, _get(b, f"dut.{side}") or {}
        for name in sorted(set(da) | set(db)):
            _compare(out, "dut", f"{name} ({side})", da.get(name), db.get(name))
    ia = {i.get("role"): i for i in _get(a, "bench.instruments") or []}
    ib = {i.get("role"): i for i in _get(b, "bench.instruments") or []}
    _compare(out, "bench", "name", _get(a, "bench.name"), _get(b, "bench.name"))
    for role in sorted(set(ia) | set(ib), key=str):
        for f in ("model", "idn", "calibration_due", "simulated"):
            _compare(out, "bench", f"{role} {f}", (ia.get(role) or {}).get(f), (ib.get(role) or {}).get(f))
    ra = {r.get("id"): r for r in a.get("requirements") or []}
    rb = {r.get("id"): r for r in b.get("requirements") or []}
    for rid in list(ra) + [r for r in rb if r not in ra]:
        _requirement(out, str(rid), ra.get(rid), rb.get(rid))
    return result


def format_diff(diff: ReportDiff) -> str:
    """Human-readable diff: one block per scope (report, dut, bench, then each requirement)."""
    if diff.identical:
        return f"reports {diff.a_id} and {diff.b_id}: no differences\n"
    lines = [f"A: {diff.a_id}", f"B: {diff.b_id}"]
    for scope, changes in diff.by_scope().items():
        title = {"report": "Report", "dut": "Device under test", "bench": "Bench"}.get(scope, f"Requirement {scope}")
        lines.append(f"\n{title}")
        lines += [f"  {c.describe()}" for c in changes]
    return "\n".join(lines) + "\n"
