"""Randomised restart (rebound protection) of a simulated flexible load: one law for every device kind.

After an event that would let a fleet of identical devices start at the same instant (an SG-Ready
block or §14a dimming lifted, the end of a net-aware charging window, the grid back after an
outage) a device holds off for a random delay drawn uniformly from ``[min_delay_s, max_delay_s]``
and then ramps up at no more than ``ramp_per_s`` (its own unit: W/s for a heat pump, A per phase
per s for a charger).

Seed: a unit's randomness is its own. The profile's ``seed`` stands for the unit's identity; each
power-up (AC back after an outage) starts a new stream from ``(seed, boot count)``, as firmware
seeding its generator from a hardware entropy source at boot, and every event draws the next value
of the stream. So successive repetitions on one simulated unit are independent draws, as restarts
of twins with other seeds would be; the bench never reaches into the lab to set it.

Profile (``simulation.parameters.randomised_restart``, a mapping; absent = no randomised restart):
``min_delay_s``, ``max_delay_s``, ``ramp_per_s``, ``seed`` (integer, default 0).
Fault knobs (``simulation.knobs.randomised_restart_faults``, a mapping; every default compliant):
``without_delay`` (restarts at once), ``same_delay`` (always the middle of the range, never
random), ``delay_offset_s`` (added to every delay: outside the range), ``ramp_factor`` (x the
ramp: too steep).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from simlab.devices.pv_inverter.knobs import SimSettingError

__all__ = ["RestartLaw", "RestartFaults", "RandomisedRestart", "parse_restart_law", "parse_restart_faults"]


@dataclass(frozen=True)
class RestartLaw:
    """The declared behaviour: delay range (s) and ramp (device unit per s)."""

    min_delay_s: float
    max_delay_s: float
    ramp_per_s: float
    seed: int = 0


@dataclass(frozen=True)
class RestartFaults:
    """Fault knobs of the randomised restart; the defaults are compliant."""

    without_delay: bool = False
    same_delay: bool = False
    delay_offset_s: float = 0.0
    ramp_factor: float = 1.0


def _number(key: str, value: Any, *, positive: bool = False, signed: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SimSettingError(key, f"expected a finite number, got {value!r}")
    if (positive and value <= 0) or (not positive and not signed and value < 0):
        raise SimSettingError(key, f"must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


def _mapping(key: str, raw: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SimSettingError(key, f"expected a mapping, got {raw!r}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise SimSettingError(f"{key}.{unknown[0]}", "unknown key")
    return raw


def parse_restart_law(key: str, raw: Any) -> RestartLaw | None:
    """``raw`` (a profile mapping, or None: no randomised restart) as a :class:`RestartLaw`."""
    if raw is None:
        return None
    raw = _mapping(key, raw, {"min_delay_s", "max_delay_s", "ramp_per_s", "seed"})
    for name in ("min_delay_s", "max_delay_s", "ramp_per_s"):
        if name not in raw:
            raise SimSettingError(f"{key}.{name}", "missing")
    low = _number(f"{key}.min_delay_s", raw["min_delay_s"])
    high = _number(f"{key}.max_delay_s", raw["max_delay_s"])
    if high < low:
        raise SimSettingError(f"{key}.max_delay_s", f"must be >= min_delay_s ({low:g}), got {high:g}")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SimSettingError(f"{key}.seed", f"expected an integer, got {seed!r}")
    return RestartLaw(low, high, _number(f"{key}.ramp_per_s", raw["ramp_per_s"], positive=True), seed)


def parse_restart_faults(key: str, raw: Any) -> RestartFaults:
    """``raw`` (a knob mapping, or None) as :class:`RestartFaults`."""
    if raw is None:
        return RestartFaults()
    raw = _mapping(key, raw, {"without_delay", "same_delay", "delay_offset_s", "ramp_factor"})
    flags = {}
    for name in ("without_delay", "same_delay"):
        value = raw.get(name, False)
        if not isinstance(value, bool):
            raise SimSettingError(f"{key}.{name}", f"expected true/false, got {value!r}")
        flags[name] = value
    return RestartFaults(flags["without_delay"], flags["same_delay"],
                         _number(f"{key}.delay_offset_s", raw.get("delay_offset_s", 0.0), signed=True),
                         _number(f"{key}.ramp_factor", raw.get("ramp_factor", 1.0), positive=True))


def _uniform(key: str) -> float:
    """A uniform share in [0, 1) fixed by ``key`` (the first 64 bits of its SHA-256)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2.0 ** 64


class RandomisedRestart:
    """The hold-off and ramp of one simulated unit (see the module docstring).

    :meth:`begin` at an event starts a hold of a drawn delay; :meth:`holding` is True until it has
    passed; :meth:`released` answers once, at the first step after the hold, so the device starts
    its ramp (at :attr:`ramp_per_s`) there. :meth:`power_up` starts the stream of a new boot.
    """

    def __init__(self, law: RestartLaw, faults: RestartFaults = RestartFaults()) -> None:
        self.law = law
        self.faults = faults
        self._boots = 0
        self._draws = 0
        self.hold_until_s: float | None = None
        self._release_pending = False
        self.delays_s: list[float] = []          # every delay drawn (test evidence)

    @property
    def boots(self) -> int:
        """Power-ups so far (1 after the first)."""
        return self._boots

    @property
    def ramp_per_s(self) -> float:
        return self.law.ramp_per_s * self.faults.ramp_factor

    def power_up(self) -> None:
        """A new boot: a new stream of draws."""
        self._boots += 1
        self._draws = 0

    def draw_delay_s(self) -> float:
        """The next delay (s) of this boot's stream, faults applied."""
        law, faults = self.law, self.faults
        if faults.without_delay:
            return 0.0
        if faults.same_delay:
            share = 0.5
        else:
            share = _uniform(f"restart/{law.seed}/{self._boots}/{self._draws}")
            self._draws += 1
        return max(law.min_delay_s + share * (law.max_delay_s - law.min_delay_s) + faults.delay_offset_s, 0.0)

    def begin(self, t_s: float) -> None:
        """An event at ``t_s``: hold off for a drawn delay."""
        delay_s = self.draw_delay_s()
        self.delays_s.append(delay_s)
        self.hold_until_s = t_s + delay_s
        self._release_pending = True

    @property
    def idle(self) -> bool:
        """No hold runs and no release is pending (nothing happens before the next event)."""
        return self.hold_until_s is None and not self._release_pending

    def holding(self, t_s: float) -> bool:
        """True while the hold of the last event lasts."""
        if self.hold_until_s is not None and t_s >= self.hold_until_s - 1e-9:
            self.hold_until_s = None
        return self.hold_until_s is not None

    def released(self, t_s: float) -> bool:
        """True once, at the first call after the hold has passed (start the ramp now)."""
        if self._release_pending and not self.holding(t_s):
            self._release_pending = False
            return True
        return False
