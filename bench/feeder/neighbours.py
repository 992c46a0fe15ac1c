"""The simulated neighbours of a feeder scenario: each one's power at a time of day and voltage.

Sign: injection into the feeder positive (a PV export), consumption negative (a charger, a heat
pump). Behaviours (declared per group in the scenario):

* ``pv``: ``rated_kw`` x its day profile (irradiance 0-1); with ``volt_watt_points_pct`` capped by
  that P(U) curve at its node voltage (bench.analysis.volt_watt_limit_pct, the suites' curve);
* ``charger``: charger k of a group of n charges at ``rated_kw`` while its day profile (the share of
  the group plugged in, 0-1) exceeds k / n; a net-aware one pauses in its declared window and
  restarts at the window's end plus k / n of its restart spread;
* ``heat_pump``: ``rated_kw`` x its day profile (heat demand 0-1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bench.analysis import volt_watt_limit_pct
from bench.feeder.scenario import NeighbourGroup, Scenario


def profile_value(points: tuple[tuple[float, float], ...], day_s: float) -> float:
    """A day profile at ``day_s``: linear between its points, held before the first and after the last."""
    times = [p[0] for p in points]
    values = [p[1] for p in points]
    return float(np.interp(day_s, times, values))


def _charging(group: NeighbourGroup, k: int, share: float, day_s: float) -> bool:
    if share * group.count <= k:
        return False
    na = group.net_aware
    if na is None:
        return True
    restart_s = na.pause_end_s + na.restart_spread_s * k / group.count
    return not na.pause_start_s <= day_s < restart_s


@dataclass(frozen=True)
class Neighbour:
    group: NeighbourGroup
    index: int          # within its group
    node: int           # feeder node (1-based)


class Neighbours:
    """Every neighbour of a scenario, one entry each, in declaration order."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.members = [Neighbour(g, k, g.nodes[k % len(g.nodes)]) for g in scenario.neighbours for k in range(g.count)]
        self.nodes = np.array([m.node for m in self.members], dtype=int)
        self.rated_kw = np.array([m.group.rated_kw for m in self.members], dtype=float)
        self.has_volt_watt = np.array([m.group.volt_watt_points_pct is not None for m in self.members], dtype=bool)
        # the members of each P(U) group, so the curve is evaluated once per group
        self._curves: list[tuple[NDArray[np.intp], float, list[list[float]]]] = []
        for g in scenario.neighbours:
            if g.volt_watt_points_pct is not None:
                idx = np.array([i for i, m in enumerate(self.members) if m.group is g], dtype=np.intp)
                self._curves.append((idx, g.rated_kw, [list(p) for p in g.volt_watt_points_pct]))

    def __len__(self) -> int:
        return len(self.members)

    def available_kw(self, day_s: float) -> NDArray[np.float64]:
        """Each neighbour's injection at ``day_s`` before any P(U) limit (kW, export positive)."""
        out = np.zeros(len(self.members))
        for i, m in enumerate(self.members):
            g = m.group
            level = profile_value(self.scenario.profiles[g.profile], day_s)
            if g.kind == "pv":
                out[i] = g.rated_kw * level
            elif g.kind == "charger":
                out[i] = -g.rated_kw if _charging(g, m.index, level, day_s) else 0.0
            else:
                out[i] = -g.rated_kw * level
        return out

    def volt_watt_cap_kw(self, node_voltage_pct: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each neighbour's P(U) cap at its node voltage (% Un, one per neighbour); +inf without P(U)."""
        cap = np.full(len(self.members), np.inf)
        for idx, rated_kw, curve in self._curves:
            cap[idx] = rated_kw * np.asarray(volt_watt_limit_pct(node_voltage_pct[idx], curve)) / 100.0
        return cap
