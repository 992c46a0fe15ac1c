"""The connection point around the charger: the household load in parallel with it (``RlcLoad``, bench
role ``household_load``) and the smart meter's P1 port (``SmartMeterP1``, role ``p1_meter``).

The judged import per phase is the bench's own measurement: the power analyzer's P and Q of the
charger (export positive, so negated) plus the household load's realised resistance at the measured
voltage, I = |P + jQ| / U. The meter's telegrams are what the charger balances on (its stimulus):
they are parsed and checked (``dsmr-parser``, CRC) and recorded as evidence, never the reference; a
garbled telegram is a bench error naming the frame.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from bench.errors import InstrumentError
from links.p1 import P1Reading, TelegramError, parse_telegram

__all__ = ["ConnectionPoint", "connection_point_import_a"]

PHASES = 3


def connection_point_import_a(volts: float, charger_export_w: float, charger_export_var: float,
                              household_ohm: float) -> float:
    """Import current of one phase at the connection point: the charger (analyzer, export positive)
    plus a resistive household load of ``household_ohm`` at ``volts``."""
    if volts <= 1.0:
        return 0.0
    load_w = 0.0 if math.isinf(household_ohm) else volts * volts / household_ohm
    return math.hypot(load_w - charger_export_w, -charger_export_var) / volts


@dataclass
class ConnectionPoint:
    """The household load the bench scripts and the meter it reads (see the module docstring)."""

    load: Any
    meter: Any
    nominal_v: float
    changes_t_s: list[float] = field(default_factory=list)
    changes_ohm: list[tuple[float, ...]] = field(default_factory=list)
    readings: list[P1Reading] = field(default_factory=list)

    def set_household_a(self, t_s: float, amps: Sequence[float]) -> tuple[float, ...]:
        """Draw ``amps`` per phase (L1..L3) at the nominal voltage; returns the realised resistances."""
        ohms = tuple(self.load.set_resistance_ohm(k + 1, math.inf if a <= 0 else self.nominal_v / a)
                     for k, a in enumerate(amps))
        self.changes_t_s.append(t_s)
        self.changes_ohm.append(ohms)
        return ohms

    def household_nominal_a(self, phase: int) -> float:
        """The present household current of a 0-based phase at the nominal voltage (the stimulus)."""
        ohm = self.changes_ohm[-1][phase] if self.changes_ohm else math.inf
        return 0.0 if math.isinf(ohm) else self.nominal_v / ohm

    def ohm_at(self, t_s: float) -> tuple[float, ...]:
        i = bisect.bisect_right(self.changes_t_s, t_s + 1e-9) - 1
        return self.changes_ohm[i] if i >= 0 else (math.inf,) * PHASES

    def import_a(self, samples: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """(t_s, import current per phase [n, 3]) at the connection point for analyzer samples."""
        rows = []
        for s in samples:
            ohm = self.ohm_at(s.t_s)
            rows.append([connection_point_import_a(p.voltage_v, p.active_power_w, p.reactive_power_var, ohm[k])
                         for k, p in enumerate(s.reading.phases[:PHASES])])
        return np.array([s.t_s for s in samples]), np.array(rows).reshape(len(rows), PHASES)

    def read_meter(self) -> list[P1Reading]:
        """Every telegram since the last call, parsed and checked; a garbled one is a bench error
        (the meter is the bench's) naming the frame."""
        new = []
        for frame in self.meter.read_telegrams():
            try:
                new.append(parse_telegram(frame))
            except TelegramError as exc:
                raise InstrumentError(f"p1_meter: garbled DSMR telegram: {exc}") from None
        self.readings.extend(new)
        return new

    def disconnect(self) -> None:
        """Disconnect the household load and release the meter's port."""
        self.load.disconnect()
        self.meter.release()
        self.changes_t_s.clear()
        self.changes_ohm.clear()
