"""The simulated charger's randomised restart (EV-REBOUND), when its parameters declare
``randomised_restart`` (simlab/devices/restart_delay.py; ramp in A per phase per s).

Events, each followed by a hold of a drawn delay and a ramp of the offered current:

* the end of a window of a *recurring* charging profile (the net-aware program: the limit rises at a
  period boundary of the installed profiles, not because a profile was installed or cleared): the
  offer stays at the window's level, then ramps up to the new limit;
* AC back after an outage (a new boot; the unit's first power-up is its installation, not an
  outage): no offer (paused), then from ``min_current_a`` up.

A limit that rises because the CSMS sent or cleared a profile is followed at once, as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from links.ocpp import ProfileKind
from simlab.devices.ev_charger.electrical import QUIET_MARGIN_S
from simlab.devices.restart_delay import RandomisedRestart
from simlab.ev_port import LIVE_PHASE_V

__all__ = ["ChargerRebound"]

_EPS_A = 1e-9


class ChargerRebound:
    """Filters the controller's offer (A per phase, None = unconstrained) of one charger."""

    def __init__(self, restart: RandomisedRestart, *, min_current_a: float, rated_current_a: float) -> None:
        self.restart = restart
        self.min_current_a = min_current_a
        self.rated_current_a = rated_current_a
        self._live = False
        self._installed: Any = None
        self._last_a = 0.0
        self._hold_a = 0.0                  # offered while the hold lasts
        self._ramp: tuple[float, float] | None = None    # (start time, start level)

    def offer_a(self, t_s: float, amps: float | None, volts: Sequence[float], installed: Any) -> float | None:
        """The offer after the randomised restart: ``amps`` unless a hold or a ramp limits it
        (``volts``: the charger's terminal voltages; ``installed``: the controller's profiles)."""
        raw = self.rated_current_a if amps is None else amps
        if max(volts, default=0.0) < LIVE_PHASE_V:
            self._live, self._ramp, self.restart.hold_until_s = False, None, None
            self._last_a = raw
            return 0.0              # electronics off: no offer is pending when AC returns
        if not self._live:
            self._live = True
            self.restart.power_up()
            if self.restart.boots > 1:
                self._begin(t_s, 0.0)
        elif installed is self._installed and raw > self._last_a + _EPS_A and _recurring(installed):
            self._begin(t_s, self._offered(t_s, self._last_a))
        self._installed, self._last_a = installed, raw
        if self.restart.holding(t_s):
            return min(raw, self._hold_a)
        if self.restart.released(t_s):
            self._ramp = (t_s, max(self._hold_a, self.min_current_a))
        if self._ramp is not None:
            cap_a = self._offered(t_s, raw)
            if cap_a < raw - _EPS_A:
                return cap_a
            self._ramp = None
        return amps

    def quiet_until_s(self, t_s: float, volts: Sequence[float], installed: Any) -> float:
        """Until when :meth:`offer_a` keeps filtering as at its last call (simlab/devices/hooks.py
        quiet_until_s), the controller's offer and ``volts`` / ``installed`` unchanged: for ever when
        idle, the end of a running hold; ``t_s`` while a ramp runs or a change is due."""
        live = max(volts, default=0.0) >= LIVE_PHASE_V
        if not live:
            return math.inf if not self._live else t_s
        if not self._live or installed is not self._installed or self._ramp is not None:
            return t_s
        restart = self.restart
        if restart.idle:
            return math.inf
        if restart.hold_until_s is None:
            return t_s
        return restart.hold_until_s - 1e-9 - QUIET_MARGIN_S

    def _begin(self, t_s: float, level_a: float) -> None:
        self._hold_a = level_a
        self._ramp = None
        self.restart.begin(t_s)

    def _offered(self, t_s: float, limit_a: float) -> float:
        """What a running ramp allows now, at most ``limit_a``."""
        if self._ramp is None:
            return limit_a
        start_s, start_a = self._ramp
        return min(limit_a, start_a + self.restart.ramp_per_s * (t_s - start_s))


def _recurring(installed: Any) -> bool:
    return any(item.profile.kind is ProfileKind.RECURRING for item in installed or ())
