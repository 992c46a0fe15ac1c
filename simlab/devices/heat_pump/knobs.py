"""Parameters and fault knobs of the simulated heat pump, and their validation.

Parameters describe a *compliant* device (ratings, thermal model, compressor, SG-Ready, power-limit,
failsafe, undervoltage and hybrid behaviour); knobs break one requirement each and default to the
compliant behaviour. Both come from a device profile as plain dicts (``simulation.parameters`` /
``simulation.knobs``) and are checked by :func:`parse_parameters` / :func:`parse_knobs`, which raise
:class:`~simlab.devices.pv_inverter.knobs.SimSettingError` naming the offending key.

Sources of the default values: SG-Ready states (BWP label); §14a EnWG dimming floor 4.2 kW; EEBus
LPC failsafe / heartbeat (heartbeat at least every 60 s, failsafe after 120 s); 0.8 Un / 0.85 Un /
0.9 Un undervoltage levels from EN 50160 and EN 50549-1 (see /work/shared/REQUIREMENTS.md). Values
marked [unverified] there are defaults only, set per profile.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, fields
from typing import Any

from simlab.devices.pv_inverter.knobs import SimSettingError, finite_number
from simlab.devices.restart_delay import RestartFaults, RestartLaw, parse_restart_faults, parse_restart_law

__all__ = ["HeatPumpParameters", "HeatPumpKnobs", "SimSettingError", "parse_parameters", "parse_knobs",
           "parse_settings"]


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
    outdoor_temperature_c: float = 0.0       # constant, or the daily mean with an amplitude
    outdoor_daily_amplitude_k: float = 0.0   # 0: constant; else a daily sinusoid over ctx.calendar
    outdoor_coldest_hour: float = 5.0        # local time of day (h) of the daily minimum
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
    release_ramp_w_per_s: float = 5.0        # soft restart after a block or a limit (no rebound)
    block_limit_s: float = 7200.0            # SG-Ready state 1 is honoured this long, then ends
    # electrical power limit (Modbus power_limit_w, S2 PEBC upper bound, §14a dimming contact)
    limit_response_time_s: float = 5.0       # delay before a new limit / mode is acted on
    dimming_contact_channel: int | None = 303  # §14a control-box relay input; None = no such input
    dimming_limit_w: float = 4200.0          # §14a EnWG floor: consumption while the contact is closed
    # failsafe (EEBus LPC style) on loss of the controller
    watchdog_timeout_s: float = 120.0        # Modbus heartbeat missing this long -> failsafe
    s2_failsafe_timeout_s: float = 120.0     # S2 connection lost this long -> failsafe
    failsafe_limit_w: float = 4200.0         # consumption limit in failsafe (writable over Modbus)
    # S2 resource manager (declared in ResourceManagerDetails / timing of its messages)
    s2_instruction_processing_delay_s: float = 10.0
    s2_measurement_interval_s: float = 5.0
    # undervoltage
    undervoltage_stop_v: float = 184.0       # 0.8 Un: stop when any phase is below for the delay
    undervoltage_stop_delay_s: float = 2.0
    undervoltage_restart_v: float = 195.5    # 0.85 Un: "voltage back" when every phase is at least this
    # hybrid variant (gas boiler)
    hybrid: bool = False
    boiler_max_heat_w: float = 15000.0       # thermal
    # simulation: the lab's physics step for this device (the lab never goes below the bench's
    # lab.step_s). The fastest dynamics are seconds (ramps of 100 W/s, 2 s undervoltage delay, 5 s
    # limit response): 0.1 s resolves them; a PV inverter needs 20 ms.
    physics_step_s: float = 0.1
    # randomised restart after a block / dimming / outage (simlab/devices/restart_delay.py), ramp in W/s
    randomised_restart: RestartLaw | None = None


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
    ignores_power_limit: bool = False           # Modbus / S2 limits accepted (read back) but not applied
    limit_response_time_factor: float = 1.0     # x limit_response_time_s (limits, dimming, modes)
    no_failsafe: bool = False                   # never enters failsafe on heartbeat / connection loss
    failsafe_never_left: bool = False           # stays in failsafe after heartbeats and a new limit
    failsafe_left_on_heartbeat: bool = False    # Modbus: leaves failsafe on the first resumed heartbeat
    failsafe_left_on_reconnect: bool = False    # S2: leaves failsafe when the RM reconnects (no new instruction)
    surge_after_limit: float = 1.0              # post-limit soft-restart cap x the pre-limit power
    hybrid_does_not_switch: bool = False        # operating mode "gas" read back but not applied
    stops_at_207v: bool = False                 # stops below 0.9 Un + 1 V although declared running
    ignores_min_off_time_on_restart: bool = False  # restarts at once after an undervoltage stop
    readback_power_factor: float = 1.0          # reported active power / true active power
    ignores_dimming: bool = False               # §14a dimming contact not applied
    s2_ignores_instruction: bool = False        # S2 RM acknowledges (SUCCEEDED) but never applies
    s2_rejects_valid: bool = False              # S2 RM answers every instruction INVALID_CONTENT
    s2_malformed_frame: bool = False            # S2 RM's first PowerMeasurement per session breaks the schema
    randomised_restart_faults: RestartFaults = RestartFaults()   # HP-REBOUND (restart_delay.py)


_POSITIVE_PARAMETERS = {"rated_power_w", "nominal_voltage_v", "house_loss_w_per_k", "house_capacity_j_per_k",
                        "emitter_w_per_k", "buffer_capacity_j_per_k", "cop", "ramp_up_w_per_s",
                        "ramp_down_w_per_s", "release_ramp_w_per_s", "block_limit_s", "watchdog_timeout_s",
                        "s2_failsafe_timeout_s", "s2_measurement_interval_s", "undervoltage_stop_v",
                        "undervoltage_restart_v", "boiler_max_heat_w", "physics_step_s"}
_UNIT_SHARE_PARAMETERS = {"min_modulation", "boost_max_modulation"}
_SIGNED_PARAMETERS = {"outdoor_temperature_c", "indoor_setpoint_c", "buffer_max_c"}
_POSITIVE_KNOBS = {"response_time_factor", "surge_on_release_factor", "release_ramp_factor",
                   "forced_power_factor", "block_limit_s", "limit_response_time_factor", "surge_after_limit"}


def parse_parameters(raw: dict[str, Any] | None) -> HeatPumpParameters:
    """Validate a parameter dict (a ``nameplate`` mapping from the lab is accepted and only its
    ``rated_power_w`` / ``nominal_voltage_v`` are used; flat keys win)."""
    try:
        raw = dict(raw or {})
        law = parse_restart_law("randomised_restart", raw.pop("randomised_restart", None))
        p = parse_settings(raw, HeatPumpParameters(), _POSITIVE_PARAMETERS, allow_nameplate=True,
                           signed=_SIGNED_PARAMETERS, unit_share=_UNIT_SHARE_PARAMETERS)
        p.randomised_restart = law
        if not 0.0 <= p.outdoor_coldest_hour < 24.0:
            raise SimSettingError("outdoor_coldest_hour", f"must be in [0, 24), got {p.outdoor_coldest_hour!r}")
        if p.physics_step_s > 1.0:
            raise SimSettingError("physics_step_s", f"must be at most 1 s, got {p.physics_step_s!r}")
        if p.undervoltage_restart_v < p.undervoltage_stop_v:
            raise SimSettingError("undervoltage_restart_v", f"must be >= undervoltage_stop_v "
                                  f"({p.undervoltage_stop_v:g} V), got {p.undervoltage_restart_v!r}")
        return p
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "parameters") from None


def parse_knobs(raw: dict[str, Any] | None) -> HeatPumpKnobs:
    try:
        raw = dict(raw or {})
        faults = parse_restart_faults("randomised_restart_faults", raw.pop("randomised_restart_faults", None))
        knobs = parse_settings(raw, HeatPumpKnobs(), _POSITIVE_KNOBS, allow_nameplate=False)
        knobs.randomised_restart_faults = faults
        return knobs
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "knobs") from None


def parse_settings(raw: dict[str, Any] | None, target: Any, positive: Set[str], *, allow_nameplate: bool,
                   signed: Set[str] = frozenset(), unit_share: Set[str] = frozenset()) -> Any:
    """Fill the dataclass ``target`` from ``raw``: the type of each default decides the check
    (bool; int-or-None channel; number, >= 0 unless in ``signed``, > 0 in ``positive``, (0, 1] in
    ``unit_share``). Also used by the home battery (simlab/devices/home_battery/knobs.py)."""
    raw = dict(raw or {})
    if allow_nameplate:
        nameplate = raw.pop("nameplate", {}) or {}
        if not isinstance(nameplate, dict):
            raise SimSettingError("nameplate", f"expected a mapping, got {nameplate!r}")
        for key in ("rated_power_w", "nominal_voltage_v"):
            if key in nameplate and key not in raw and hasattr(target, key):
                raw[key] = nameplate[key]
    kinds = {f.name: f.type for f in fields(target)}
    for key, value in raw.items():
        if key not in kinds:
            raise SimSettingError(str(key), "unknown key")
        default = getattr(target, key)
        kind = str(kinds[key])
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise SimSettingError(key, f"expected true/false, got {value!r}")
            setattr(target, key, value)
        elif kind.startswith("int"):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise SimSettingError(key, f"expected an integer >= 0 or null, got {value!r}")
            setattr(target, key, value)
        elif value is None and "None" in kind:
            setattr(target, key, None)
        else:
            number = finite_number(key, value, positive=key in positive)
            if key in unit_share and not 0.0 < number <= 1.0:
                raise SimSettingError(key, f"must be in (0, 1], got {value!r}")
            if key not in positive and key not in signed and number < 0:
                raise SimSettingError(key, f"must be >= 0, got {value!r}")
            setattr(target, key, number)
    return target
