"""Parameters and fault knobs of the simulated home battery, and their validation.

Parameters describe a *compliant* battery (capacity, state-of-charge window, converter ratings,
ramp, efficiency, response time, watchdog); knobs break one requirement each and default to the
compliant behaviour. Both come from a device profile (``simulation.parameters`` /
``simulation.knobs``) and are checked by :func:`parse_parameters` / :func:`parse_knobs`, which raise
:class:`~simlab.devices.pv_inverter.knobs.SimSettingError` naming the offending key.

Sign convention (the bench's): power is **export positive**, so a positive setpoint discharges the
battery into the grid and a negative one charges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simlab.devices.heat_pump.knobs import parse_settings
from simlab.devices.pv_inverter.knobs import SimSettingError

__all__ = ["HomeBatteryParameters", "HomeBatteryKnobs", "SimSettingError", "parse_parameters", "parse_knobs"]


@dataclass
class HomeBatteryParameters:
    """Compliant-device parameters (profile ``simulation.parameters``)."""

    capacity_wh: float = 10000.0             # usable energy between 0 and 100 % SoC
    initial_soc_pct: float = 50.0
    min_soc_pct: float = 10.0                # discharging stops here
    max_soc_pct: float = 95.0                # charging stops here
    max_charge_w: float = 5000.0             # AC, converter rating (the nameplate rated_power_w by default)
    max_discharge_w: float = 5000.0
    ramp_w_per_s: float = 1000.0             # converter power slew
    round_trip_efficiency: float = 0.9       # sqrt of it on the way in and on the way out
    standby_power_w: float = 10.0            # covered by the battery while it may discharge, else the grid
    response_time_s: float = 2.0             # delay before a new setpoint is acted on
    watchdog_timeout_s: float = 120.0        # heartbeat missing this long -> failsafe
    failsafe_setpoint_w: float = 0.0         # setpoint in failsafe
    nominal_voltage_v: float = 230.0
    ac_absent_pct: float = 50.0              # below this (highest phase, % Un) the battery is off
    phase_count: int = 3                     # 1 (on L1) or 3 (split equally)


@dataclass
class HomeBatteryKnobs:
    """Fault knobs (profile ``simulation.knobs``); every default is compliant."""

    overshoot_factor: float = 1.0            # applied power = factor x setpoint (beyond the ratings too)
    ignores_setpoints: bool = False          # setpoints accepted and read back, power stays at 0
    ignores_soc_limits: bool = False         # charges past max SoC / discharges past min SoC (to 100 / 0 %)
    response_time_factor: float = 1.0        # x response_time_s
    readback_power_factor: float = 1.0       # reported active power / true active power
    no_failsafe: bool = False                # keeps its setpoint when the heartbeat stops
    failsafe_never_left: bool = False        # stays at the failsafe setpoint after heartbeats and a new setpoint
    failsafe_left_on_heartbeat: bool = False  # leaves failsafe on the first resumed heartbeat (no new setpoint)


_POSITIVE_PARAMETERS = {"capacity_wh", "max_charge_w", "max_discharge_w", "ramp_w_per_s", "round_trip_efficiency",
                        "watchdog_timeout_s", "nominal_voltage_v"}
_SIGNED_PARAMETERS = {"failsafe_setpoint_w"}
_POSITIVE_KNOBS = {"overshoot_factor", "response_time_factor"}


def parse_parameters(raw: dict[str, Any] | None) -> HomeBatteryParameters:
    """Validate a parameter dict. A ``nameplate`` mapping from the lab supplies ``rated_power_w``
    (both converter ratings), ``nominal_voltage_v`` and ``phase_count``; flat keys win."""
    try:
        raw = dict(raw or {})
        nameplate = raw.pop("nameplate", {}) or {}
        if not isinstance(nameplate, dict):
            raise SimSettingError("nameplate", f"expected a mapping, got {nameplate!r}")
        for source, keys in (("rated_power_w", ("max_charge_w", "max_discharge_w")),
                             ("nominal_voltage_v", ("nominal_voltage_v",)), ("phase_count", ("phase_count",))):
            if nameplate.get(source) is not None:
                for key in keys:
                    raw.setdefault(key, nameplate[source])
        p = parse_settings(raw, HomeBatteryParameters(), _POSITIVE_PARAMETERS, allow_nameplate=False,
                           signed=_SIGNED_PARAMETERS, unit_share={"round_trip_efficiency"})
        for key in ("initial_soc_pct", "min_soc_pct", "max_soc_pct"):
            if not 0.0 <= getattr(p, key) <= 100.0:
                raise SimSettingError(key, f"must be in [0, 100], got {getattr(p, key)!r}")
        if p.min_soc_pct >= p.max_soc_pct:
            raise SimSettingError("max_soc_pct",
                                  f"must be above min_soc_pct ({p.min_soc_pct:g}), got {p.max_soc_pct!r}")
        if p.phase_count not in (1, 3):
            raise SimSettingError("phase_count", f"must be 1 or 3, got {p.phase_count!r}")
        if not -p.max_charge_w <= p.failsafe_setpoint_w <= p.max_discharge_w:
            raise SimSettingError("failsafe_setpoint_w", f"must be within -max_charge_w..max_discharge_w, "
                                  f"got {p.failsafe_setpoint_w!r}")
        return p
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "parameters") from None


def parse_knobs(raw: dict[str, Any] | None) -> HomeBatteryKnobs:
    try:
        return parse_settings(raw, HomeBatteryKnobs(), _POSITIVE_KNOBS, allow_nameplate=False)
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "knobs") from None
