"""The charger's measured input as the EV-charger suites judge it: per-sample current envelope and
means around an instant, from the power analyzer on the charger's supply.

Sign convention: the analyzer reports active power export positive (docs/record-format.md); a
charger consumes, so its consumption is ``-active_power_w`` (W, consumption positive) and every
power check's quantity is named ``consumption``. Currents are RMS per phase (always positive).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from links.ocpp import CompositeSchedule


def consumption_w(active_power_w: Any) -> Any:
    """Consumption (positive) from export-positive active power (scalar or array)."""
    return -active_power_w


@dataclass(frozen=True)
class Envelope:
    """Samples of [t0, t1]: bench time, highest and lowest per-phase current, consumption."""

    t_s: np.ndarray
    max_current_a: np.ndarray
    min_current_a: np.ndarray
    consumption_w: np.ndarray

    def _keep(self, keep: np.ndarray) -> "Envelope":
        return Envelope(self.t_s[keep], self.max_current_a[keep], self.min_current_a[keep], self.consumption_w[keep])

    def after(self, t_s: float) -> "Envelope":
        return self._keep(self.t_s >= t_s - 1e-9)

    def before(self, t_s: float) -> "Envelope":
        return self._keep(self.t_s < t_s - 1e-9)

    @property
    def empty(self) -> bool:
        return self.t_s.size == 0


@dataclass(frozen=True)
class MeanReading:
    """Analyzer means around an instant: consumption (W) and per-phase currents (A); None when no
    sample fell in the window."""

    consumption_w: float | None
    current_a: tuple[float, ...]

    def phase_current_a(self, phase: int) -> float | None:
        return self.current_a[phase] if phase < len(self.current_a) else None


def composite_differences(expected: CompositeSchedule, reported: CompositeSchedule, *, limit_tolerance: float,
             time_tolerance_s: float) -> list[str]:
    """Where the reported limits differ from the expected ones, away from the expected boundaries (a
    reported schedule without a duration counts as 0 s long)."""
    if expected.start is None or expected.duration_s is None or expected.unit is None:
        raise ValueError("the bench's composite schedule needs a start, a duration and a unit")
    if reported.start is None:
        raise ValueError("the reported composite schedule has periods but no start")
    expected_start, expected_s, unit = expected.start, expected.duration_s, expected.unit
    reported_start, reported_s = reported.start, reported.duration_s or 0
    end = min(expected_start + dt.timedelta(seconds=expected_s), reported_start + dt.timedelta(seconds=reported_s))
    edges = [expected_start + dt.timedelta(seconds=p.start_s) for p in expected.periods]
    instants = set()
    for edge, nxt in zip(edges, edges[1:] + [end], strict=True):
        instants.update({edge + dt.timedelta(seconds=time_tolerance_s), edge + (nxt - edge) / 2,
                         nxt - dt.timedelta(seconds=time_tolerance_s)})
    for p in reported.periods:
        t = reported_start + dt.timedelta(seconds=p.start_s)
        if all(abs((t - e).total_seconds()) > time_tolerance_s for e in edges):
            instants.add(t + dt.timedelta(seconds=0.5))
    findings = []
    for t in sorted(i for i in instants if max(expected_start, reported_start) <= i < end):
        want = expected.limit_at_offset((t - expected_start).total_seconds())
        got = reported.limit_at_offset((t - reported_start).total_seconds())
        offset = (t - expected_start).total_seconds()
        if want is None:
            continue
        if got is None or abs(got - want) > limit_tolerance:
            findings.append(f"at +{offset:g} s: expected {want:g} {unit.value}, reported "
                            f"{'no limit' if got is None else f'{got:g}'}")
    if reported_s < expected_s - time_tolerance_s:
        findings.append(f"reported duration {reported_s} s shorter than the requested "
                        f"{expected_s} s")
    return findings


def declared_grid_behaviour(volts: float, under_v: float, over_v: float, margin_v: float) -> str:
    """"stop", "continue" or "either" at ``volts`` for the declared thresholds."""
    if abs(volts - under_v) <= margin_v or abs(volts - over_v) <= margin_v:
        return "either"
    return "stop" if volts < under_v or volts > over_v else "continue"
