"""``flexbench diff A B``: what changed between two reports, requirement by requirement.

Typical use: the same device with firmware 1.2 and 1.3; the same firmware on two benches; a
re-run after a catalog update. Compared: overall verdict, simulation flag, catalog and market,
decision rule, DUT identity (declared and read: manufacturer, model, serial, firmware) and
condition, the device profile the campaign ran with (its SHA-256, ratings, declared settings,
functions and simulation knobs, from ``campaign_start`` of the record in the report's folder),
software, instruments (``*IDN?``, calibration due), and per requirement its verdict, parameters and each
check (matched by name and occurrence): verdict, measured value, uncertainty, limits and unit.

Numbers are shown with their units. A measured value is rounded to its uncertainty (U to two
significant digits, the value to the same decimal place; the coarser U of A and B): a difference
that vanishes at that resolution is float noise, not a change of the device, and is not listed.
Reports of two device classes (a PV inverter against a battery) are compared, with a warning first.

Only reports of one format version (report.json's ``format``) are compared: :func:`load_reports`
refuses a pair whose versions differ, naming the file (a field that moved or changed meaning
between versions would otherwise show as a difference of the device, or hide one);
:func:`diff_reports` lists a format change first.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.formatting import decimals_for, fmt_number
from reports.record import ReportError

__all__ = ["Change", "ReportDiff", "diff_reports", "format_diff", "load_profile", "load_report", "load_reports"]

_IDENTITY_KEYS = ("manufacturer", "model", "serial_number", "firmware_version")
_PROFILE_SECTIONS = ("device", "ratings", "declared", "functions", "simulation")


@dataclass(frozen=True)
class Change:
    """One difference: ``scope`` is ``report``, ``dut``, ``profile``, ``bench`` or a requirement id;
    ``unit`` and ``decimals`` (the resolution both values were rounded to) for numbers."""

    scope: str
    what: str
    before: Any
    after: Any
    unit: str | None = None
    decimals: int | None = None

    def describe(self) -> str:
        delta = ""
        if _is_number(self.before) and _is_number(self.after):
            step = self.after - self.before
            delta = f"  (\u0394 {_number(step, self.decimals, self.unit, signed=True)})"
        return (f"{self.what}: {_number(self.before, self.decimals, self.unit)} -> "
                f"{_number(self.after, self.decimals, self.unit)}{delta}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any, decimals: int | None, unit: str | None, *, signed: bool = False) -> str:
    """A value for display (reports/formatting.py): at ``decimals`` places when given, with its unit."""
    if not _is_number(value):
        return _show(value)
    text = fmt_number(value, decimals)
    if signed and not text.startswith("-") and text != "0":
        text = "+" + text
    return f"{text} {unit}" if unit and unit != "bool" else text


@dataclass
class ReportDiff:
    """All differences between report A and report B, grouped by scope in a stable order; ``warnings``
    say when the comparison itself is doubtful (two device classes)."""

    a_id: str
    b_id: str
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.changes

    def by_scope(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {}
        for change in self.changes:
            out.setdefault(change.scope, []).append(change)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a_id, "b": self.b_id, "identical": self.identical, "warnings": list(self.warnings),
                "changes": [{"scope": c.scope, "what": c.what, "before": c.before, "after": c.after,
                             **({"unit": c.unit} if c.unit else {})} for c in self.changes]}


def _show(value: Any) -> str:
    if value is None or isinstance(value, float):
        return fmt_number(value)
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


def load_profile(path: str | Path) -> dict[str, Any] | None:
    """The device profile a report's campaign ran with (``campaign_start.profile.config`` of the
    record.jsonl next to its report.json); None when the folder holds no readable record."""
    record = _report_file(path).parent / "record.jsonl"
    try:
        with record.open(encoding="utf-8") as fh:
            first = json.loads(fh.readline())
    except (OSError, ValueError):
        return None
    config = (first.get("profile") or {}).get("config") if isinstance(first, dict) else None
    return config if isinstance(config, dict) else None


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


def _round(value: Any, decimals: int | None) -> Any:
    return round(value, decimals) if decimals is not None and _is_number(value) else value


def _check(out: list[Change], rid: str, name: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> None:
    """One check's differences: verdict, unit, and measured value / U / limits with the unit, the
    measured value rounded to the coarser uncertainty of the two."""
    label = f"check '{name}'"
    _compare(out, rid, f"{label} verdict", a.get("verdict"), b.get("verdict"))
    _compare(out, rid, f"{label} unit", a.get("unit"), b.get("unit"))
    unit = b.get("unit") or a.get("unit")
    u_a, u_b = a.get("uncertainty"), b.get("uncertainty")
    resolution = [d for d in (decimals_for(u_a), decimals_for(u_b)) if d is not None]
    decimals = min(resolution) if resolution else None
    measured = _round(a.get("measured"), decimals), _round(b.get("measured"), decimals)
    if measured[0] != measured[1]:
        out.append(Change(rid, f"{label} measured", *measured, unit=unit, decimals=decimals))
    for what, before, after in (("uncertainty", u_a, u_b), ("low", a.get("low"), b.get("low")),
                                ("high", a.get("high"), b.get("high"))):
        if _show(before) != _show(after):     # 5 significant digits: limits and U, not float noise
            out.append(Change(rid, f"{label} {what}", before, after, unit=unit))


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
        _check(out, rid, name, ca[name], cb[name])


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, Mapping):      # an empty mapping holds no setting
        for key in value:
            _flatten(value[key], f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = json.dumps(value, sort_keys=True) if isinstance(value, (list, Mapping)) else value
    return out


def _settings(profile: Mapping[str, Any]) -> dict[str, Any]:
    """A profile's settings by dotted name, the identity and condition left out."""
    out: dict[str, Any] = {}
    for section in _PROFILE_SECTIONS:
        if profile.get(section) is not None:
            _flatten(profile[section], section, out)
    for key in (*_IDENTITY_KEYS, "condition"):     # compared under ``dut`` from report.json
        out.pop(f"device.{key}", None)
    return out


def profile_sha256(profile: Mapping[str, Any]) -> str:
    """SHA-256 of a profile's content (canonical JSON): the same for the same settings in any file."""
    return hashlib.sha256(json.dumps(profile, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _profile(out: list[Change], a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> None:
    """The device profile's changes: its hash, then every setting other than the identity (already
    compared under ``dut``), by dotted name (``declared.capacity_wh``, ``simulation.knobs.x``)."""
    if a is None or b is None:
        if (a is None) != (b is None):
            _compare(out, "profile", "profile (from record.jsonl)", "present" if a else "no record",
                     "present" if b else "no record")
        return
    _compare(out, "profile", "SHA-256", profile_sha256(a)[:16], profile_sha256(b)[:16])
    fa, fb = _settings(a), _settings(b)
    for name in sorted(set(fa) | set(fb)):
        _compare(out, "profile", name, fa.get(name), fb.get(name))


def _param(p: Any) -> Any:
    if not isinstance(p, Mapping):
        return p
    unit = p.get("unit")
    return f"{_show(p.get('value'))} {unit}".strip() if unit else p.get("value")


def _device_class(report: Mapping[str, Any], profile: Mapping[str, Any] | None) -> Any:
    return _get(profile, "device.class") or _get(report, "campaign.catalog.name")


def diff_reports(a: Mapping[str, Any], b: Mapping[str, Any],
                 profiles: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None] = (None, None)) -> ReportDiff:
    """The differences between report ``a`` (before) and report ``b`` (after); ``profiles``: the
    device profiles their campaigns ran with (:func:`load_profile`), when known."""
    result = ReportDiff(a_id=str(a.get("report_id")), b_id=str(b.get("report_id")))
    class_a, class_b = _device_class(a, profiles[0]), _device_class(b, profiles[1])
    if class_a != class_b:
        result.warnings.append(f"different device classes: A is {_show(class_a)}, B is {_show(class_b)}: the "
                               "reports judge different requirements, so most differences below are expected")
    out = result.changes
    for dotted in ("format", "verdict", "simulated", "campaign.catalog.name", "campaign.catalog.version",
                   "campaign.market", "campaign.decision_rule", "software.record.version", "software.record.commit",
                   "software.report.version", "campaign.complete"):
        _compare(out, "report", dotted, _get(a, dotted), _get(b, dotted))
    for side in ("declared", "read"):
        da, db = _get(a, f"dut.{side}") or {}, _get(b, f"dut.{side}") or {}
        for name in sorted(set(da) | set(db)):
            _compare(out, "dut", f"{name} ({side})", da.get(name), db.get(name))
    _compare(out, "dut", "condition", _get(a, "dut.condition"), _get(b, "dut.condition"))
    _profile(out, *profiles)
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


_TITLES = {"report": "Report", "dut": "Device under test", "profile": "Device profile (settings the campaign ran with)",
           "bench": "Bench"}


def format_diff(diff: ReportDiff) -> str:
    """Human-readable diff: warnings first, then one block per scope (report, dut, profile, bench, then
    each requirement)."""
    warnings = [f"WARNING: {w}" for w in diff.warnings]
    if diff.identical:
        return "\n".join([*warnings, f"reports {diff.a_id} and {diff.b_id}: no differences"]) + "\n"
    lines = [*warnings, f"A: {diff.a_id}", f"B: {diff.b_id}"]
    for scope, changes in diff.by_scope().items():
        lines.append(f"\n{_TITLES.get(scope, f'Requirement {scope}')}")
        lines += [f"  {c.describe()}" for c in changes]
    return "\n".join(lines) + "\n"
