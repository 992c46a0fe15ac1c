"""Parameters and fault knobs of the simulated SG-Ready heat pump, and their validation.

Parameters describe a *compliant* device (ratings, thermal model, compressor, SG-Ready
behaviour); knobs break one requirement each and default to the compliant behaviour. Both come
from a device profile as plain dicts (``simulation.parameters`` / ``simulation.knobs``) and are
checked by :func:`parse_parameters` / :func:`parse_knobs`, which raise
:class:`~bench.sim.devices.pv_inverter_knobs.SimSettingError` naming the offending key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from bench.sim.devices.pv_inverter_knobs import SimSettingError

__all__ = ["HeatPumpParameters", "HeatPumpKnobs", "SimSettingError", "parse_parameters", "parse_knobs"]


@dataclass
class HeatPumpParameters:
    """Compliant-device parameters (profile ``simulation.parameters``)."""

    # ratings (electrical)
    rated_power_w: float = 3000.0            # compressor at 100 % modulation: SG-Ready state 4 level
    standby_power_w: float = 20.0            # controller and pumps with the compressor off
    min_modulation: float = 0.25             # compressor minimum, share of rated power
    boost_max_modulation: float = 0.8        # ceiling in SG-Ready state 3 (recommended on)
    nominal_voltage_v: float = 230.0
    ac_absent_pct: float = 50.0              # below this (highest phase, % Un) the unit is off
    # thermal model
    outdoor_temperature_c: float = 0.0
    indoor_setpoint_c: float = 20.0
    house_loss_w_per_k: float = 200.0        # UA of the building envelope
    house_capacity_j_per_k: float = 30.0e6
    emitter_w_per_k: float = 400.0           # buffer -> house heat transfer
    buffer_capacity_j_per_k: float = 1.256e6  # 300 l of water
    cop: float = 3.2
    controller_gain_w_per_k: float = 2000.0  # thermal power per K of buffer error
    hysteresis_k: float = 1.0
    boost_offset_k: float = 5.0              # buffer setpoint raise in state 3
    buffer_max_c: float = 60.0               # state 4 stops here (safety)
    # compressor dynamics
    min_on_time_s: float = 300.0
    min_off_time_s: float = 300.0
    ramp_up_w_per_s: float = 100.0
    ramp_down_w_per_s: float = 500.0
    # SG-Ready behaviour
    response_time_s: float = 20.0            # input polling / debounce before the unit acts
    release_ramp_w_per_s: float = 5.0        # soft restart after a block (no rebound)
    block_limit_s: float = 7200.0            # SG-Ready state 1 is honoured this long, then ends


@dataclass
class HeatPumpKnobs:
    """Fault knobs (profile ``simulation.knobs``); every default is compliant."""

    ignores_block: bool = False                 # HP-SGREADY-BLOCK
    response_time_factor: float = 1.0           # HP-SGREADY-BLOCK (x response_time_s, every state)
    keeps_blocking_after_release: bool = False  # HP-SGREADY-NORMAL
    surge_on_release_factor: float = 1.0        # HP-SGREADY-RELEASE: post-block cap x pre-block power
    release_ramp_factor: float = 1.0            # HP-SGREADY-RELEASE: x release_ramp_w_per_s
    boost_ignored: bool = False                 # HP-SGREADY-BOOST
    forced_on_ignored: bool = False             # HP-SGREADY-FORCED
    forced_power_factor: float = 1.0            # HP-SGREADY-FORCED: state 4 level x rated power
    block_limit_s: float | None = None          # HP-SGREADY-BLOCK-DURATION: overrides the parameter


_POSITIVE_PARAMETERS = {"rated_power_w", "nominal_voltage_v", "house_loss_w_per_k", "house_capacity_j_per_k",
                        "emitter_w_per_k", "buffer_capacity_j_per_k", "cop", "ramp_up_w_per_s",
                        "ramp_down_w_per_s", "release_ramp_w_per_s", "block_limit_s"}
_UNIT_SHARE_PARAMETERS = {"min_modulation", "boost_max_modulation"}
_POSITIVE_KNOBS = {"response_time_factor", "surge_on_release_factor", "release_ramp_factor",
                   "forced_power_factor", "block_limit_s"}


def _number(key: str, value: Any, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SimSettingError(key, f"expected a finite number, got {value!r}")
    if positive and value <= 0:
        raise SimSettingError(key, f"must be > 0, got {value!r}")
    return float(value)


def parse_parameters(raw: dict[str, Any] | None) -> HeatPumpParameters:
    """Validate a parameter dict (a ``nameplate`` mapping from the lab is accepted and only its
    ``rated_power_w`` / ``nominal_voltage_v`` are used; flat keys win)."""
    try:
        return _parse(raw, HeatPumpParameters(), _POSITIVE_PARAMETERS, allow_nameplate=True)
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "parameters") from None


def parse_knobs(raw: dict[str, Any] | None) -> HeatPumpKnobs:
    try:
        return _parse(raw, HeatPumpKnobs(), _POSITIVE_KNOBS, allow_nameplate=False)
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "knobs") from None


def _parse(raw: dict[str, Any] | None, target: Any, positive: set[str], *, allow_nameplate: bool) -> Any:
    raw = dict(raw or {})
    if allow_nameplate:
        nameplate = raw.pop("nameplate", {}) or {}
        if not isinstance(nameplate, dict):
            raise SimSettingError("nameplate", f"expected a mapping, got {nameplate!r}")
        for key in ("rated_power_w", "nominal_voltage_v"):
            if key in nameplate and key not in raw:
                raw[key] = nameplate[key]
    known = {f.name for f in fields(target)}
    for key, value in raw.items():
        if key not in known:
            raise SimSettingError(str(key), "unknown key")
        default = getattr(target, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise SimSettingError(key, f"expected true/false, got {value!r}")
            setattr(target, key, value)
        elif value is None and default is None:
            setattr(target, key, None)
        else:
            number = _number(key, value, positive=key in positive)
            if key in _UNIT_SHARE_PARAMETERS and not 0.0 < number <= 1.0:
                raise SimSettingError(key, f"must be in (0, 1], got {value!r}")
            if key not in positive and key not in ("outdoor_temperature_c", "indoor_setpoint_c",
                                                   "buffer_max_c") and number < 0:
                raise SimSettingError(key, f"must be >= 0, got {value!r}")
            setattr(target, key, number)
    return target
