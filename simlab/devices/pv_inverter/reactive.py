"""Reactive power of the simulated PV inverter: the control laws (Q(U), Q(P), fixed cos phi,
fixed Q), their first-order response and the apparent-power (S) limit with the set priority.

Generator convention: Q > 0 is injected (over-excited), Q < 0 absorbed (under-excited); reactive
power in % is of the rated apparent power. The response is an exact exponential (tau = Tr / ln 10:
90 % of a step after Tr), so a quiet step of any length ends as fixed steps would while the target
holds; :meth:`ReactivePower.settled` tells the device's quiet horizon whether Q is still moving.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Literal

from simlab.devices.pv_inverter.api import ReactivePowerSettings
from simlab.devices.pv_inverter.knobs import PvInverterKnobs
from simlab.devices.pv_inverter.unbalance import ResponseBasis, basis_volts_pct

__all__ = ["ReactivePower", "active_mode", "apparent_power_limit", "curve_value",
           "power_factor_var", "reactive_priority", "volt_var_pct"]

Mode = Literal["off", "fixed_pf", "fixed_var", "volt_var", "watt_var"]

_LN10 = math.log(10.0)
SETTLED_VAR = 1e-6          # |Q - target| below this: settled (a quiet step changes nothing)


def curve_value(points: Sequence[tuple[float, float]], x: float) -> float:
    """Piecewise-linear curve value at ``x``, flat beyond the first and last points."""
    pts = sorted(points)
    if x <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in pairwise(pts):
        if x <= x1:
            return y0 if x1 <= x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return pts[-1][1]


def volt_var_pct(points: Sequence[tuple[float, float]], volts_pct: Sequence[float],
                 basis: ResponseBasis = "highest_phase") -> tuple[float, ...]:
    """Q(U): the curve's reactive power (% rated VA) per phase for the phase voltages ``volts_pct``
    (% Un) read on ``basis`` (unbalance.py, the same bases as P(U))."""
    return tuple(curve_value(points, v) for v in basis_volts_pct(volts_pct, basis))


def power_factor_var(p_w: float, power_factor: float, under_excited: bool) -> float:
    """The reactive power (var) that gives displacement factor ``power_factor`` at active power ``p_w``."""
    pf = min(max(abs(power_factor), 1e-6), 1.0)
    q = abs(p_w) * math.sqrt(1.0 - pf * pf) / pf
    return -q if under_excited else q


def active_mode(settings: ReactivePowerSettings) -> Mode:
    """The mode that acts: the first enabled of fixed cos phi, fixed Q, Q(U), Q(P)."""
    if settings.fixed_pf_enabled:
        return "fixed_pf"
    if settings.fixed_var_enabled:
        return "fixed_var"
    if settings.volt_var_enabled:
        return "volt_var"
    if settings.watt_var_enabled:
        return "watt_var"
    return "off"


def reactive_priority(settings: ReactivePowerSettings) -> bool:
    """The priority the acting mode sets at the S limit (True: Q kept, P reduced)."""
    return {"fixed_var": settings.fixed_var_reactive_priority, "volt_var": settings.volt_var_reactive_priority,
            "watt_var": settings.watt_var_reactive_priority}.get(active_mode(settings), True)


def apparent_power_limit(p_w: float, q_var: float, s_va: float,
                         reactive_priority: bool) -> tuple[float, float]:
    """(P, Q) inside the rating ``s_va``: the priority quantity kept (up to S), the other reduced."""
    if math.hypot(p_w, q_var) <= s_va:
        return p_w, q_var
    if reactive_priority:
        q = math.copysign(min(abs(q_var), s_va), q_var)
        return math.copysign(math.sqrt(max(s_va * s_va - q * q, 0.0)), p_w), q
    p = math.copysign(min(abs(p_w), s_va), p_w)
    return p, math.copysign(math.sqrt(max(s_va * s_va - p * p, 0.0)), q_var)


class ReactivePower:
    """The inverter's reactive power state (total var over its phases) and its control law."""

    def __init__(self, s_rated_va: float, p_rated_w: float, default_response_time_s: float) -> None:
        self.s_rated_va = s_rated_va
        self.p_rated_w = p_rated_w
        self.default_response_time_s = default_response_time_s   # modes without a RspTms point
        self.q_var = 0.0
        self.target_var = 0.0
        self.unlimited_p_w = 0.0    # the active power the last limit was applied to

    def target(self, settings: ReactivePowerSettings, knobs: PvInverterKnobs, volts_pct: Sequence[float],
               p_w: float, basis: ResponseBasis = "highest_phase") -> float:
        """The law's reactive power (total var) for the sensed voltages and the active power ``p_w``
        (what the device would produce before the S limit), with the fault knobs applied."""
        mode = active_mode(settings)
        s = self.s_rated_va
        if mode == "fixed_pf":
            q = power_factor_var(p_w, settings.fixed_pf, settings.fixed_pf_under_excited)
        elif mode == "fixed_var":
            q = settings.fixed_var_pct / 100.0 * s
        elif mode == "volt_var":
            if knobs.volt_var_ignored:
                return 0.0
            shifted = [v - knobs.volt_var_voltage_offset_pct for v in volts_pct]
            per_phase = volt_var_pct(settings.volt_var_points, shifted, basis)
            q = sum(per_phase) / len(per_phase) / 100.0 * s
        elif mode == "watt_var":
            q = curve_value(settings.watt_var_points, p_w / self.p_rated_w * 100.0) / 100.0 * s
        else:
            return 0.0
        if knobs.reactive_sign_inverted:
            q = -q
        return q + knobs.reactive_power_offset_pct / 100.0 * s

    def response_time_s(self, settings: ReactivePowerSettings, knobs: PvInverterKnobs) -> float:
        base = (settings.volt_var_response_time_s if active_mode(settings) == "volt_var"
                else self.default_response_time_s)
        return base * knobs.reactive_response_time_factor

    def advance(self, target_var: float, dt_s: float, response_time_s: float) -> float:
        """Move Q towards ``target_var`` over ``dt_s`` (exact first-order step); returns Q."""
        self.target_var = target_var
        if response_time_s <= 0.0:
            self.q_var = target_var
        else:
            self.q_var = target_var + (self.q_var - target_var) * math.exp(-dt_s * _LN10 / response_time_s)
        return self.q_var

    def reset(self) -> None:
        """Ceased to energise: no reactive power."""
        self.q_var = self.target_var = 0.0

    def settled(self) -> bool:
        return abs(self.q_var - self.target_var) < SETTLED_VAR

    def limited(self, settings: ReactivePowerSettings, knobs: PvInverterKnobs, p_w: float) -> tuple[float, float]:
        """(P, Q) after the S limit with the set priority (a knob may keep the other one)."""
        self.unlimited_p_w = p_w
        priority = reactive_priority(settings) != knobs.reactive_priority_violated
        if active_mode(settings) == "fixed_pf":       # cos phi kept: both scaled down together
            s = math.hypot(p_w, self.q_var)
            scale = min(1.0, self.s_rated_va / s) if s > 0.0 else 1.0
            return p_w * scale, self.q_var * scale
        return apparent_power_limit(p_w, self.q_var, self.s_rated_va, priority)
