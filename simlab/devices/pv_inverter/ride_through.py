"""Ride-through of the simulated PV inverter: voltage dips and swells, phase jumps and RoCoF.

Compliant behaviour: a producing inverter stays connected through any excursion its protection
stages (device.py) do not trip on, also when every phase dips below its AC-absent level (down to
:data:`FLOOR_PCT`, below which the grid is taken as absent). During a dip (lowest phase below
:data:`DIP_BELOW_PCT`) it keeps its current, so its power follows the residual voltage; when the
voltage is back its power returns to the target as a first-order response reaching 90 % of the gap
``recovery_time_s`` after the return. Phase jumps and a rate of change of frequency do not affect it
(no loss-of-mains detector).

Fault knobs (:class:`simlab.devices.pv_inverter.knobs.PvInverterKnobs`, every default compliant):
``ride_through_trip_below_pct`` / ``ride_through_trip_above_pct`` trip on a dip / swell beyond that
level of the lowest / highest phase (inside the required curve when set so); ``ride_through_no_recovery``
trips when the voltage returns instead of resuming; ``ride_through_recovery_factor`` slows the
recovery; ``phase_jump_trip_deg`` adds a vector-shift detector tripping on a jump of that size;
``rocof_trip_hz_per_s`` a RoCoF detector tripping above that rate over :data:`ROCOF_WINDOW_S`.
"""

from __future__ import annotations

import math
from collections import deque

from simlab.devices.pv_inverter.knobs import PvInverterKnobs

__all__ = ["DIP_BELOW_PCT", "FLOOR_PCT", "ROCOF_WINDOW_S", "RideThrough"]

DIP_BELOW_PCT = 90.0        # a dip: the lowest phase below this share of Un
FLOOR_PCT = 5.0             # every phase below this: the grid is absent (source off), not dipped
ROCOF_WINDOW_S = 0.2        # the knob's RoCoF detector measures over this window
_LN10 = math.log(10.0)
_SETTLED_TAUS = 14.0        # a recovery is over after this many time constants (gap < 1e-6)
_EPS_S = 1e-9


class RideThrough:
    """The ride-through state of one inverter; stepped by the device while it produces."""

    def __init__(self, recovery_time_s: float, knobs: PvInverterKnobs) -> None:
        self.knobs = knobs
        self.recovery_time_s = recovery_time_s * knobs.ride_through_recovery_factor
        self.reset()

    def reset(self) -> None:
        """Forget every event (the inverter ceased: the next production starts afresh)."""
        self._in_dip = False
        self._share = 1.0                       # output share of the target during a dip
        self._recover_from = 1.0
        self._recovery_elapsed_s: float | None = None
        self._last_shift_deg: float | None = None
        self._frequencies: deque[tuple[float, float]] = deque()
        self._frequency_changed_s = -math.inf

    @staticmethod
    def bridges(producing: bool, v_max_pct: float) -> bool:
        """Whether a producing inverter rides through every phase being below its AC-absent level
        (its protection stages still act): down to :data:`FLOOR_PCT`."""
        return producing and v_max_pct >= FLOOR_PCT

    def observe(self, t_s: float, dt_s: float, v_min_pct: float, v_max_pct: float, f_hz: float,
                phase_shift_deg: float) -> str | None:
        """Advance one step of production ending at ``t_s``; the trip description when a knob's
        defect trips the inverter (None: it rides through)."""
        k = self.knobs
        jump_deg = self._jump_deg(phase_shift_deg)
        rocof = self._track_frequency(t_s, f_hz)
        if k.ride_through_trip_below_pct is not None and v_min_pct < k.ride_through_trip_below_pct:
            return f"ride_through dip {v_min_pct:.1f}% Un"
        if k.ride_through_trip_above_pct is not None and v_max_pct > k.ride_through_trip_above_pct:
            return f"ride_through swell {v_max_pct:.1f}% Un"
        if k.phase_jump_trip_deg is not None and abs(jump_deg) >= k.phase_jump_trip_deg:
            return f"vector_shift {jump_deg:+.1f} deg"
        if k.rocof_trip_hz_per_s is not None and rocof > k.rocof_trip_hz_per_s:
            return f"rocof {rocof:.2f} Hz/s"
        if v_min_pct < DIP_BELOW_PCT:
            self._in_dip = True
            self._share = max(min(v_min_pct / 100.0, 1.0), 0.0)    # constant current
            self._recovery_elapsed_s = None
        elif self._in_dip:                      # the voltage is back
            self._in_dip = False
            if k.ride_through_no_recovery:
                return "ride_through no recovery"
            self._recover_from = self._share
            self._recovery_elapsed_s = dt_s
        elif self._recovery_elapsed_s is not None:
            self._recovery_elapsed_s += dt_s
            if self._recovery_elapsed_s >= _SETTLED_TAUS * self._tau_s():
                self._recovery_elapsed_s = None
        return None

    def output_share(self) -> float:
        """The share of its target power the inverter delivers now (1 outside an event)."""
        if self._in_dip:
            return self._share
        if self._recovery_elapsed_s is None:
            return 1.0
        tau_s = self._tau_s()
        if tau_s <= 0.0:
            return 1.0
        return 1.0 - (1.0 - self._recover_from) * math.exp(-self._recovery_elapsed_s / tau_s)

    def busy(self, t_s: float, f_hz: float, phase_shift_deg: float) -> bool:
        """Anything in transition (simlab/devices/hooks.py quiet_until_s answers "now"): a dip or a
        recovery, a phase shift not yet seen, a frequency change within the RoCoF window."""
        if self._in_dip or self._recovery_elapsed_s is not None:
            return True
        if self._last_shift_deg is not None and phase_shift_deg != self._last_shift_deg:
            return True
        last_f = self._frequencies[-1][1] if self._frequencies else None
        return (last_f is not None and f_hz != last_f) or t_s - self._frequency_changed_s < ROCOF_WINDOW_S + _EPS_S

    # ------------------------------------------------------------------------------ internals
    def _tau_s(self) -> float:
        return self.recovery_time_s / _LN10

    def _jump_deg(self, phase_shift_deg: float) -> float:
        """The phase jump since the previous step, wrapped to [-180, 180) degrees."""
        last, self._last_shift_deg = self._last_shift_deg, phase_shift_deg
        if last is None:
            return 0.0
        return (phase_shift_deg - last + 180.0) % 360.0 - 180.0

    def _track_frequency(self, t_s: float, f_hz: float) -> float:
        """The rate of change of frequency over the last :data:`ROCOF_WINDOW_S` (0 until a window
        of history exists), Hz/s."""
        history = self._frequencies
        if history and f_hz != history[-1][1]:
            self._frequency_changed_s = t_s
        history.append((t_s, f_hz))
        while len(history) > 2 and history[1][0] <= t_s - ROCOF_WINDOW_S + _EPS_S:
            history.popleft()
        t0_s, f0_hz = history[0]
        span_s = t_s - t0_s
        if span_s < ROCOF_WINDOW_S - _EPS_S:
            return 0.0
        return abs(f_hz - f0_hz) / span_s
