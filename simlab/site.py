"""The house around the DUT: the household load in parallel with it at the connection point, and what
the smart meter there measures (the lab's P1 meter, simlab/instruments/p1_meter.py).

:class:`SiteState` is shared state of one lab (like the contact bank or the EV port): the simulated
RLC load (simlab/instruments/chroma_a800067.py) sets the household's per-phase resistance and reactive
currents, the meter publishes its latest telegram here, and a device that reads the P1 port (an EV
charger with P1 load balancing) takes it from here. :func:`site_of` gives a lab's one instance.

Conventions: phases 0-based, import (power taken from the grid at the connection point) positive,
the household at unity power factor for its resistive part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

__all__ = ["ConnectionPoint", "SiteState", "connection_point", "site_of"]


@dataclass
class SiteState:
    """The household load per phase and the meter's latest telegram."""

    resistance_ohm: list[float] = field(default_factory=lambda: [math.inf] * 3)
    inductive_a: list[float] = field(default_factory=lambda: [0.0] * 3)   # at the load's nominal U, f
    capacitive_a: list[float] = field(default_factory=lambda: [0.0] * 3)
    telegram: str | None = None
    """The meter's latest telegram (DSMR 5 text), None before the first."""
    telegram_seq: int = 0
    """Counts the telegrams published, so a reader sees each new one once."""
    p1_readers: int = 0
    """Devices in the lab that read the P1 port (the meter sends only while someone listens)."""

    def household_power(self, volts: float, phase: int) -> tuple[float, float]:
        """(active W, reactive var) the household draws on ``phase`` at ``volts`` (import positive)."""
        r = self.resistance_ohm[phase]
        p = 0.0 if math.isinf(r) else volts * volts / r
        q = volts * (self.inductive_a[phase] - self.capacitive_a[phase])
        return p, q

    def publish(self, telegram: str) -> None:
        self.telegram = telegram
        self.telegram_seq += 1


@dataclass(frozen=True)
class ConnectionPoint:
    """One phase at the connection point: voltage, import active / reactive power, current."""

    voltage_v: float
    import_w: float
    import_var: float

    @property
    def current_a(self) -> float:
        return math.hypot(self.import_w, self.import_var) / self.voltage_v if self.voltage_v > 1.0 else 0.0


_SITES: WeakKeyDictionary[Any, SiteState] = WeakKeyDictionary()


def site_of(physics: Any) -> SiteState:
    """The one site of a lab (its physics); created empty on first use."""
    site = _SITES.get(physics)
    if site is None:
        site = _SITES[physics] = SiteState()
    return site


def connection_point(physics: Any) -> list[ConnectionPoint]:
    """Per source phase: the DUT (export-positive in the physics, so negated) plus the household."""
    site = site_of(physics)
    out = []
    for k, truth in enumerate(physics.truth()[:3]):
        p_load, q_load = site.household_power(truth.voltage_v, k)
        out.append(ConnectionPoint(truth.voltage_v, p_load - truth.active_power_w,
                                   q_load - truth.reactive_power_var))
    return out
