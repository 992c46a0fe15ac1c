"""Parameters and fault knobs of the simulated PV inverter, and their validation.

Parameters describe a *compliant* device (nameplate, efficiency, MPPT lag, start-up ramp, ...).
Knobs break exactly one requirement each; every knob's default is the compliant behaviour.
Both come from a device profile as plain dicts (``simulation.parameters`` / ``simulation.knobs``);
:func:`parse_parameters` and :func:`parse_knobs` reject unknown or wrongly typed keys with a
:class:`SimSettingError` (a ``ValueError``) whose ``key`` names the offending entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from itertools import pairwise
from typing import Any

from links.sunspec_modbus.types import TripKind, TripStageSetting
from simlab.devices.pv_inverter.storage import StorageParameters, parse_storage
from simlab.devices.pv_inverter.unbalance import ResponseBasis, parse_basis, parse_phase_shares
from simlab.physics import PHASE_NAMES, grid_phases_for


class SimSettingError(ValueError):
    """A parameter or knob of a simulated device is unknown, wrongly typed or out of range."""

    def __init__(self, key: str, problem: str, section: str = "") -> None:
        # The key is the first quoted word, and only knob errors say "knob" (lab.py relies on it).
        noun = {"knobs": "knob", "parameters": "parameter"}.get(section, "setting")
        super().__init__(f"{noun} '{key}': {problem}")
        self.key = key              # e.g. "trip_time_factor.over_voltage"
        self.problem = problem
        self.section = section      # "parameters" or "knobs" once known


def default_trip_stages() -> list[TripStageSetting]:
    """Default protection settings of the reference device (EN 50549-1 style values)."""
    return [
        TripStageSetting(TripKind.OVER_VOLTAGE, 115.0, 0.1),      # U>>
        TripStageSetting(TripKind.UNDER_VOLTAGE, 70.0, 1.5),      # U<
        TripStageSetting(TripKind.UNDER_VOLTAGE, 25.0, 0.0),      # U<<
        TripStageSetting(TripKind.OVER_FREQUENCY, 51.5, 2.0),     # f>
        TripStageSetting(TripKind.OVER_FREQUENCY, 52.0, 0.1),     # f>>
        TripStageSetting(TripKind.UNDER_FREQUENCY, 47.5, 2.0),    # f<
        TripStageSetting(TripKind.UNDER_FREQUENCY, 47.0, 0.1),    # f<<
    ]


@dataclass
class PvInverterParameters:
    """Compliant-device parameters (profile ``simulation.parameters``)."""

    rated_power_w: float = 10000.0
    rated_apparent_power_va: float = 10000.0
    nominal_voltage_v: float = 230.0
    nominal_frequency_hz: float = 50.0
    manufacturer: str = "flexbench"
    model: str = "SIM-PV-10K-3P"
    serial_number: str = "SIM0000001"
    firmware_version: str = "1.0.0"
    efficiency: float = 0.97
    mppt_time_constant_s: float = 0.5
    # [(t_s, W)] steps of available AC power, used while the PV simulator provides 0 W.
    available_power_schedule_w: list[tuple[float, float]] | None = None
    power_limit_response_time_s: float = 5.0
    first_start_ramp_time_s: float = 240.0
    reactive_response_time_s: float = 2.0   # Tr of the Q modes without a RspTms point (Q(P), fixed)
    volt_var_basis: ResponseBasis = "highest_phase"   # Q(U) voltage (unbalance.py RESPONSE_BASES)
    ac_absent_pct: float = 50.0
    trip_stages: list[TripStageSetting] = field(default_factory=default_trip_stages)
    ten_minute_mean_trip_pct: float = 110.0
    ten_minute_mean_trip_delay_s: float = 3.0
    phase_count: int = 3                    # 1: a single-phase inverter on ``phase_connection``
    phase_connection: str | None = None     # "L1".."L3" (single-phase only; None: L1)
    ride_through_recovery_time_s: float = 0.3   # 90 % of the pre-dip power this long after the voltage returns
    storage: StorageParameters | None = None   # a hybrid inverter's battery (storage.py): LFSM-U
    volt_watt_basis: ResponseBasis = "highest_phase"  # P(U) voltage (unbalance.py RESPONSE_BASES)


@dataclass
class PvInverterKnobs:
    """Fault knobs (profile ``simulation.knobs``); every default is compliant."""

    # P(U) / volt-watt
    volt_watt_ignored: bool = False
    volt_watt_voltage_offset_pct: float = 0.0
    volt_watt_power_offset_pct: float = 0.0
    volt_watt_response_time_factor: float = 1.0
    trip_instead_of_limiting_pct: float | None = None
    fixed_export_cap_pct: float | None = None
    # remote limit (704)
    power_limit_ignored: bool = False
    power_limit_response_time_factor: float = 1.0
    power_limit_offset_pct: float = 0.0
    power_limit_revert_ignored: bool = False
    # LFSM-O (711)
    lfsm_o_ignored: bool = False
    lfsm_o_droop_pct: float | None = None
    lfsm_o_start_offset_hz: float = 0.0
    lfsm_o_response_time_factor: float = 1.0
    # LFSM-U (711 DbUf/KUf; only with storage)
    lfsm_u_ignored: bool = False
    lfsm_u_droop_pct: float | None = None
    lfsm_u_response_time_factor: float = 1.0
    # unbalance: P(U) on another voltage basis than the parameter's; per-phase shares of the power
    volt_watt_wrong_basis: ResponseBasis | None = None
    volt_var_wrong_basis: ResponseBasis | None = None     # Q(U) on another basis than the parameter's
    phase_power_shares: list[float] | None = None
    # protection (707-710)
    trip_threshold_offset: dict[TripKind, float] = field(default_factory=dict)
    trip_time_factor: dict[TripKind, float] = field(default_factory=dict)
    trip_disabled: list[TripKind] = field(default_factory=list)
    # U> on the 10-minute mean
    ten_minute_mean_disabled: bool = False
    ten_minute_mean_threshold_offset_pct: float = 0.0
    ten_minute_mean_delay_s: float | None = None
    ten_minute_mean_instantaneous: bool = False
    # reconnection (703)
    reconnect_ignores_window: bool = False
    reconnect_delay_factor: float = 1.0
    ramp_rate_factor: float = 1.0
    # model 701 readings
    readings_power_gain: float = 1.0
    readings_voltage_offset_v: float = 0.0
    readings_frequency_offset_hz: float = 0.0
    # SunSpec conformance: the active 706 curve's RspTms read back at scale factor 0 (706.RspTms_SF
    # says -1, so it reads a tenth of the setting); an out-of-order 705/706 curve adopted
    readback_scale_factor_wrong: bool = False
    accepts_unordered_curve: bool = False
    # reactive power (705 Q(U), 712 Q(P), 704 fixed cos phi / fixed Q; simlab/devices/pv_inverter/reactive.py)
    volt_var_ignored: bool = False              # Q(U) enabled but Q stays 0
    volt_var_voltage_offset_pct: float = 0.0    # Q(U) acts as if the voltage were this much lower
    reactive_sign_inverted: bool = False        # absorbs where it should inject and vice versa
    reactive_power_offset_pct: float = 0.0      # % rated VA added to every Q target
    reactive_response_time_factor: float = 1.0  # slower (> 1) first-order Q response
    reactive_priority_violated: bool = False    # at the S limit, reduces the quantity the set priority keeps
    # wiring: judges the voltage of this grid phase ("L1".."L3") instead of its own (all of them)
    sensed_phase: str | None = None
    # ride-through (ride_through.py): trips on a dip / swell beyond a level, no or slower recovery,
    # vector-shift and RoCoF loss-of-mains detectors
    ride_through_trip_below_pct: float | None = None
    ride_through_trip_above_pct: float | None = None
    ride_through_no_recovery: bool = False
    ride_through_recovery_factor: float = 1.0
    phase_jump_trip_deg: float | None = None
    rocof_trip_hz_per_s: float | None = None


def finite_number(key: str, value: Any, *, minimum: float | None = None, positive: bool = False) -> float:
    """``value`` as a float if it is a finite number (not a bool), > 0 when ``positive``, >=
    ``minimum`` when given; else :class:`SimSettingError` naming ``key``. Used by every simulated
    device's settings validation."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SimSettingError(key, f"expected a finite number, got {value!r}")
    number = float(value)
    if positive and number <= 0:
        raise SimSettingError(key, f"must be > 0, got {value!r}")
    if minimum is not None and number < minimum:
        raise SimSettingError(key, f"must be >= {minimum:g}, got {value!r}")
    return number


def _trip_kind(key: str, value: Any) -> TripKind:
    try:
        return TripKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in TripKind)
        raise SimSettingError(key, f"unknown trip kind {value!r} (allowed: {allowed})") from None


_POSITIVE_KNOBS = {"volt_watt_response_time_factor", "power_limit_response_time_factor",
                   "lfsm_o_response_time_factor", "lfsm_u_response_time_factor", "reconnect_delay_factor",
                   "ramp_rate_factor", "reactive_response_time_factor", "ride_through_recovery_factor",
                   "phase_jump_trip_deg", "rocof_trip_hz_per_s"}
_OPTIONAL_KNOBS = {"lfsm_o_droop_pct", "lfsm_u_droop_pct", "ten_minute_mean_delay_s", "trip_instead_of_limiting_pct",
                   "fixed_export_cap_pct", "ride_through_trip_below_pct", "ride_through_trip_above_pct",
                   "phase_jump_trip_deg", "rocof_trip_hz_per_s"}
_NON_NEGATIVE_KNOBS = {"ten_minute_mean_delay_s", "readings_power_gain", "fixed_export_cap_pct"}


def parse_knobs(raw: dict[str, Any] | None) -> PvInverterKnobs:
    """Validate a knob dict into :class:`PvInverterKnobs` (unknown/wrong key -> SimSettingError)."""
    try:
        return _parse_knobs(raw)
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "knobs") from None


def _parse_knobs(raw: dict[str, Any] | None) -> PvInverterKnobs:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SimSettingError("knobs", f"expected a mapping, got {raw!r}")
    knobs = PvInverterKnobs()
    known = {f.name: f for f in fields(PvInverterKnobs)}
    for key, value in raw.items():
        if key not in known:
            raise SimSettingError(str(key), "unknown key")
        default = getattr(knobs, key)
        if key in ("trip_threshold_offset", "trip_time_factor"):
            setattr(knobs, key, _kind_map(key, value, positive=key == "trip_time_factor"))
        elif key == "trip_disabled":
            if not isinstance(value, (list, tuple)):
                raise SimSettingError(key, f"expected a list of trip kinds, got {value!r}")
            knobs.trip_disabled = [_trip_kind(f"{key}[{i}]", v) for i, v in enumerate(value)]
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise SimSettingError(key, f"expected true/false, got {value!r}")
            setattr(knobs, key, value)
        elif key == "sensed_phase":
            knobs.sensed_phase = None if value is None else _phase_name(key, value)
        elif key in ("volt_watt_wrong_basis", "volt_var_wrong_basis"):
            setattr(knobs, key, None if value is None else parse_basis(key, value))
        elif key == "phase_power_shares":
            knobs.phase_power_shares = None if value is None else parse_phase_shares(key, value)
        elif value is None and key in _OPTIONAL_KNOBS:
            setattr(knobs, key, None)
        else:
            setattr(knobs, key, finite_number(key, value, positive=key in _POSITIVE_KNOBS
                                        or key in ("lfsm_o_droop_pct", "lfsm_u_droop_pct"),
                                        minimum=0.0 if key in _NON_NEGATIVE_KNOBS else None))
    return knobs


def _kind_map(key: str, value: Any, *, positive: bool) -> dict[TripKind, float]:
    if not isinstance(value, dict):
        raise SimSettingError(key, f"expected a mapping trip kind -> number, got {value!r}")
    return {_trip_kind(f"{key}.{k}", k): finite_number(f"{key}.{k}", v, positive=positive)
            for k, v in value.items()}


_PARAMETER_STRINGS = {"manufacturer", "model", "serial_number", "firmware_version"}
_PARAMETER_POSITIVE = {"rated_power_w", "rated_apparent_power_va", "nominal_voltage_v",
                       "nominal_frequency_hz", "ten_minute_mean_trip_pct"}


def parse_parameters(raw: dict[str, Any] | None) -> PvInverterParameters:
    """Validate a parameter dict into :class:`PvInverterParameters`.

    ``nameplate`` (a mapping of :class:`PvInverterNameplate` field names, as the lab passes it)
    is accepted too; flat keys of the same name win over it."""
    try:
        return _parse_parameters(raw)
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "parameters") from None


_NAMEPLATE_KEYS = {"manufacturer", "model", "serial_number", "firmware_version", "rated_power_w",
                   "rated_apparent_power_va", "nominal_voltage_v", "nominal_frequency_hz",
                   "phase_count", "phase_connection"}


def _parse_parameters(raw: dict[str, Any] | None) -> PvInverterParameters:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SimSettingError("parameters", f"expected a mapping, got {raw!r}")
    params = PvInverterParameters()
    known = {f.name for f in fields(PvInverterParameters)}
    nameplate = raw.get("nameplate") or {}
    if not isinstance(nameplate, dict):
        raise SimSettingError("nameplate", f"expected a mapping, got {nameplate!r}")
    for key, value in nameplate.items():
        if key not in _NAMEPLATE_KEYS:
            raise SimSettingError(f"nameplate.{key}", "unknown key")
        _set_parameter(params, key, value, f"nameplate.{key}")
    for key, value in raw.items():
        if key == "nameplate":
            continue
        if key not in known:
            raise SimSettingError(str(key), "unknown key")
        _set_parameter(params, key, value, key)
    where = "phase_connection" if "phase_connection" in raw or "phase_count" in raw else "nameplate.phase_connection"
    try:
        grid_phases_for(params.phase_count, params.phase_connection)
    except ValueError as error:
        raise SimSettingError(where, str(error)) from None
    return params


def _phase_name(key: str, value: Any) -> str:
    if value not in PHASE_NAMES:
        raise SimSettingError(key, f"expected one of {', '.join(PHASE_NAMES)}, got {value!r}")
    return str(value)


def _set_parameter(params: PvInverterParameters, key: str, value: Any, name: str) -> None:
    """Validate one parameter ``key``; errors name it as ``name``."""
    if key in _PARAMETER_STRINGS:
        if not isinstance(value, str):
            raise SimSettingError(name, f"expected a string, got {value!r}")
        setattr(params, key, value)
    elif key == "phase_count":
        if isinstance(value, bool) or value not in (1, 3):
            raise SimSettingError(name, f"expected 1 or 3, got {value!r}")
        params.phase_count = int(value)
    elif key == "phase_connection":
        params.phase_connection = None if value is None else _phase_name(name, value)
    elif key == "available_power_schedule_w":
        params.available_power_schedule_w = None if value is None else _schedule(name, value)
    elif key == "trip_stages":
        params.trip_stages = _trip_stages(name, value)
    elif key in ("volt_var_basis", "volt_watt_basis"):
        setattr(params, key, parse_basis(name, value))
    elif key == "storage":
        params.storage = None if value is None else parse_storage(name, value)
    elif key == "efficiency":
        params.efficiency = finite_number(name, value, positive=True)
        if params.efficiency > 1.0:
            raise SimSettingError(name, f"must be <= 1, got {params.efficiency}")
    else:
        setattr(params, key, finite_number(name, value, positive=key in _PARAMETER_POSITIVE, minimum=0.0))


def _schedule(key: str, value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, (list, tuple)):
        raise SimSettingError(key, f"expected a list of [t_s, W] pairs, got {value!r}")
    steps: list[tuple[float, float]] = []
    for i, entry in enumerate(value):
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            raise SimSettingError(f"{key}[{i}]", f"expected [t_s, W], got {entry!r}")
        steps.append((finite_number(f"{key}[{i}]", entry[0]), finite_number(f"{key}[{i}]", entry[1], minimum=0.0)))
    if any(b[0] < a[0] for a, b in pairwise(steps)):
        raise SimSettingError(key, "times must be non-decreasing")
    return steps


def _trip_stages(key: str, value: Any) -> list[TripStageSetting]:
    if not isinstance(value, (list, tuple)):
        raise SimSettingError(key, f"expected a list of [kind, threshold, clearing_time_s], got {value!r}")
    stages = []
    for i, entry in enumerate(value):
        name = f"{key}[{i}]"
        if isinstance(entry, dict):
            extra = set(entry) - {"kind", "threshold", "clearing_time_s"}
            if extra or len(entry) != 3:
                raise SimSettingError(name, "expected keys kind, threshold, clearing_time_s")
            entry = [entry["kind"], entry["threshold"], entry["clearing_time_s"]]
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise SimSettingError(name, f"expected [kind, threshold, clearing_time_s], got {entry!r}")
        stages.append(TripStageSetting(_trip_kind(name, entry[0]), finite_number(name, entry[1], positive=True),
                                finite_number(name, entry[2], minimum=0.0)))
    return stages
