"""The charger's measured input as the EV-charger suites judge it: per-sample current envelope and
means around an instant, from the power analyzer on the charger's supply.

Sign convention: the analyzer reports active power export positive (docs/record-format.md); a
charger consumes, so its consumption is ``-active_power_w`` (W, consumption positive) and every
power check's quantity is named ``consumption``. Currents are RMS per phase (always positive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


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
