"""Parameters and fault knobs of the simulated OCPP EV charger (AC, one connector), and their
validation.

Parameters describe a *compliant* charger; knobs break one requirement each and default to the
compliant behaviour. Both come from a device profile as plain dicts (``simulation.parameters`` /
``simulation.knobs``) and are checked by :func:`parse_parameters` / :func:`parse_knobs`, which
raise :class:`~simlab.devices.registry.SimSettingError` ``(key, problem, section)`` naming
the offending key (unknown key, wrong type, out of range).

Who reads what: ``controller.py`` (smart charging: profile store, offline rules, min current),
``electrical.py`` (pilot, contactor, grid-voltage behaviour, meter), ``charger.py`` /
``ocpp16.py`` / ``ocpp201.py`` (the OCPP client).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from links.ocpp.versions import OCPP16J, VERSIONS
from simlab.devices.registry import SimSettingError
from simlab.devices.restart_delay import RestartFaults, RestartLaw, parse_restart_faults, parse_restart_law
from simlab.physics import PHASE_NAMES, grid_phases_for

__all__ = ["EvChargerParameters", "EvChargerKnobs", "SimSettingError", "parse_parameters",
           "parse_knobs", "MEASURANDS", "DEFAULT_MEASURANDS", "UNIT_CONVERSION_FAULTS",
           "STACKING_FAULTS"]

MEASURANDS = frozenset({
    "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Current.Offered",
    "Voltage", "Frequency", "SoC", "Power.Offered", "Temperature"})
"""Measurands the simulated charger can sample (1.6 Measurand / 2.0.1 MeasurandEnumType)."""

DEFAULT_MEASURANDS: tuple[str, ...] = ("Energy.Active.Import.Register", "Power.Active.Import",
                                       "Current.Import", "Voltage", "Current.Offered", "SoC")

UNIT_CONVERSION_FAULTS = ("w_as_a", "single_phase", "line_voltage")
"""Values of the ``wrong_unit_conversion`` knob (see :class:`EvChargerKnobs`)."""

STACKING_FAULTS = ("lowest_stack_wins", "max_over_purposes")
"""Values of the ``wrong_stacking`` knob (see :class:`EvChargerKnobs`)."""


@dataclass
class EvChargerParameters:
    """Compliant-charger parameters (profile ``simulation.parameters``).

    Protocol and identity:
      ocpp_version: ``"1.6J"`` or ``"2.0.1"``, the OCPP version the charger speaks.
      id_tag: idTag / idToken of the transactions the charger starts itself (EV plugged in and
        ready, no remote start).
      heartbeat_interval_s: Heartbeat period until the BootNotification reply gives one.
      meter_value_interval_s: MeterValues sampling period during a transaction (1.6
        MeterValueSampleInterval, 2.0.1 SampledDataCtrlr.TxUpdatedInterval); 0 disables it.
      measurands: what each MeterValues carries (subset of :data:`MEASURANDS`).
      reboot_delay_s: bench time from an accepted Reset to the new BootNotification.
      reconnect_backoff_min_s / reconnect_backoff_max_s: reconnect attempts after a lost link.
      boot_retry_s: BootNotification retry after a Pending/Rejected reply with interval 0.
      connection_timeout_s: remote start waits this long for the EV (1.6 ConnectionTimeOut).
      call_timeout_s: REAL seconds to wait for a CSMS reply before the link counts as lost.
      offline_queue_max: transaction messages kept while offline.

    Ratings (IEC 61851-1 mode 3):
      phase_count: phases wired to the charger, 1 or 3.
      phase_connection: the grid phase ("L1", "L2", "L3") a single-phase charger is wired to
        (None: L1); the profile's ``ratings.phase_connection``.
      rated_current_a: maximum current per phase (at most 80 A, the highest PWM offer).
        Default 16 A: an 11 kW wallbox.
      min_current_a: below this offer the charger pauses instead (IEC 61851-1: 6 A).
      nominal_voltage_v: phase-to-neutral voltage; also converts W limits to A.
      standby_power_w: the charger's own consumption (electronics), on L1.
      evse_response_delay_s: from a new limit (controller decision) to the new PWM duty.
      phase_switching_supported: the charger can switch 1 <-> 3 phases when a profile period
        asks for numberPhases (2.0.1 ACPhaseSwitchingSupported).
      phase_switch_pause_s: contactor open while switching phases.

    Simulation:
      physics_step_s: the lab's physics step for this device (default 0.1 s; the lab never goes
        below the bench's ``lab.step_s``). The charger's fastest dynamics (EVSE delay 1 s, EV
        response ~2 s, grid stop/restart) are resolved at 0.1 s; a PV inverter needs 20 ms.

    Grid-voltage behaviour (declared; a compliant charger keeps charging at 195.5 V, 207 V,
    253 V, i.e. 0.85 / 0.9 / 1.1 Un):
      undervoltage_stop_v: stop charging below this on any wired phase (default 0.8 Un).
      overvoltage_stop_v: stop charging above this (default 1.15 Un).
      restart_delay_s: every phase back in range this long before charging resumes.
      randomised_restart: randomised restart at a recurring window's end and after an outage
        (EV-REBOUND; mapping of simlab/devices/restart_delay.py, ramp in A/s; None = none).

    Smart-charging capacities (1.6 configuration keys; 2.0.1 SmartChargingCtrlr):
      charge_profile_max_stack_level: highest stackLevel accepted (ChargeProfileMaxStackLevel).
      charging_schedule_max_periods: periods per schedule (ChargingScheduleMaxPeriods).
      max_charging_profiles_installed: profiles held at once (MaxChargingProfilesInstalled).

    Offline behaviour (1.6 §3.13: profiles keep applying offline, no profile = unconstrained):
      max_offline_duration_s: OCPP 2.1-style maxOfflineDuration: after this long without the
        CSMS the charger falls back to ``offline_fallback_limit_a``. None = not claimed (the
        charger keeps applying its profiles however long it is offline).
      offline_fallback_limit_a: the fallback limit, A per phase (below ``min_current_a``: pause).

    Site load balancing from the smart meter's P1 port (p1_balancing.py):
      p1_load_balancing: reads the lab meter's telegrams and limits itself to the main fuse.
      p1_main_fuse_a / p1_margin_a: keeps each phase's import at most fuse - margin.
      p1_response_delay_s: from a telegram to the new limit (the power stage adds its own delay).
      p1_switches_phases: with phase switching, goes to one phase (the least loaded) when three
        would have to pause, and back when they allow charging again.

    Phase switching (phase_switching.py, with phase_switching_supported):
      phase_switch_min_interval_s: a switch starts at least this long after the previous one.
      phase_switch_single_phase: where one phase lands without a phaseToUse (default L1).
    """

    # protocol and identity
    ocpp_version: str = OCPP16J.label
    id_tag: str = "FLEXBENCH-EV"
    heartbeat_interval_s: float = 300.0
    meter_value_interval_s: float = 10.0
    measurands: tuple[str, ...] = DEFAULT_MEASURANDS
    reboot_delay_s: float = 5.0
    reconnect_backoff_min_s: float = 10.0
    reconnect_backoff_max_s: float = 300.0
    boot_retry_s: float = 30.0
    connection_timeout_s: float = 60.0
    call_timeout_s: float = 5.0
    offline_queue_max: int = 1000
    # ratings
    phase_count: int = 3
    phase_connection: str | None = None
    rated_current_a: float = 16.0
    min_current_a: float = 6.0
    nominal_voltage_v: float = 230.0
    standby_power_w: float = 5.0
    evse_response_delay_s: float = 1.0
    phase_switching_supported: bool = False
    phase_switch_pause_s: float = 5.0
    # grid-voltage behaviour
    undervoltage_stop_v: float = 184.0
    overvoltage_stop_v: float = 264.5
    restart_delay_s: float = 60.0
    randomised_restart: RestartLaw | None = None    # EV-REBOUND, ramp in A/s (ev_charger/rebound.py)
    # simulation
    physics_step_s: float = 0.1
    # smart-charging capacities
    charge_profile_max_stack_level: int = 8
    charging_schedule_max_periods: int = 24
    max_charging_profiles_installed: int = 16
    # offline behaviour
    max_offline_duration_s: float | None = None
    offline_fallback_limit_a: float = 6.0
    # site load balancing from the P1 port (p1_balancing.py)
    p1_load_balancing: bool = False
    p1_main_fuse_a: float = 25.0
    p1_margin_a: float = 1.0
    p1_response_delay_s: float = 1.0
    p1_switches_phases: bool = False
    # phase switching (phase_switching.py)
    phase_switch_min_interval_s: float = 0.0
    phase_switch_single_phase: str = "L1"


@dataclass
class EvChargerKnobs:
    """Fault knobs (profile ``simulation.knobs``); every default is compliant. Each breaks one
    behaviour that issue 3's suites check.

    Smart charging (controller.py):
      ignores_profiles: accepts every valid profile and reports a correct composite schedule,
        but charges at its rated current regardless ("accepted but ignored").
      rejects_valid_profiles: answers Rejected to every SetChargingProfile, valid or not.
      wrong_unit_conversion: how it mis-reads W limits (A limits are unaffected); both what it
        applies and what it reports follow the mistake. None (compliant) or:
        ``"w_as_a"`` takes the W figure as amperes per phase (11000 W -> 11000 A, i.e.
        unconstrained); ``"single_phase"`` ignores numberPhases and divides by 230 V only
        (3 x too much current on a 3-phase profile); ``"line_voltage"`` divides by 400 V x
        phases (too little current).
      wrong_stacking: how it combines profiles; applied and reported alike. None (compliant),
        ``"lowest_stack_wins"`` (the lowest stackLevel prevails within a purpose) or
        ``"max_over_purposes"`` (the ChargePointMaxProfile raises instead of caps: the maximum
        of the station maximum and the transaction-level limit).
      composite_schedule_wrong: GetCompositeSchedule reports 1.5 x the limits it applies.
      profile_lost_on_reconnect: forgets every installed profile when the link to the CSMS is
        re-established (and charges unconstrained until new profiles arrive).
      profile_lost_on_reboot: forgets every installed profile on a Reset / power cycle
        (compliant: profiles survive; only TxProfiles end with their transaction).
      unconstrained_offline: drops every limit while the CSMS is unreachable (compliant 1.6:
        a running transaction keeps its profile offline).
      ignores_min_current: offers 6 A when the limit is above 0 but below 6 A instead of pausing
        (a limit of exactly 0 still stops). Read as ``keeps_minimum_instead_of_pause`` by
        electrical.py.

    Power stage (electrical.py):
      evse_response_delay_factor: x ``evse_response_delay_s`` (slow, or fast, pilot update).
      overshoot_factor: a new offer is first ``overshoot_factor`` x the target ...
      overshoot_duration_s: ... for this long.
      meter_error_factor: the charger's meter reports factor x the true current, power and
        energy (MeterValues; the physics is untouched).

    OCPP client (charger.py, ocpp16.py, ocpp201.py):
      closes_socket_on_unknown_message: closes the WebSocket instead of answering a CALLERROR
        (NotImplemented / NotSupported) to an unknown action.
      accepts_any_server_certificate: TLS without verifying the CSMS certificate.
      drops_offline_transaction_messages: queues nothing while offline (transaction messages
        are lost instead of delivered after reconnect).
      gives_up_after_refusal: stops redialling for good after a refused handshake (HTTP 401 /
        403 or a failed TLS handshake, e.g. a client certificate the CSMS does not trust);
        compliant: it keeps retrying with its backoff (OCPP 2.0.1 B10 / A00, 1.6 Security
        Whitepaper). A CSMS that is merely down or busy (refused TCP, HTTP 503) still gets retries.
      randomised_restart_faults: fault knobs of the randomised restart (EV-REBOUND; mapping of
        simlab/devices/restart_delay.py: without_delay, same_delay, delay_offset_s, ramp_factor).
      meter_values_break_schema: every MeterValues payload breaks the OCPP JSON schema: the
        ``timestamp`` each meterValue requires is left out (1.6 MeterValues.req; 2.0.1
        MeterValuesRequest and the meterValue of TransactionEvent Updated). The CSMS answers
        CALLERROR FormatViolation and the charger drops the message.

    P1 load balancing (p1_balancing.py): ignores_p1 (never limits), p1_reads_phase ("L1"/"L2"/"L3":
    takes that meter phase for every phase it charges on), p1_response_delay_factor (x the delay).

    Phase switching (phase_switching.py): phase_switch_too_fast (ignores the minimum interval),
    lands_on_wrong_phase (ignores phaseToUse), ignores_number_phases (never switches).
    """

    # smart charging
    ignores_profiles: bool = False
    rejects_valid_profiles: bool = False
    wrong_unit_conversion: str | None = None
    wrong_stacking: str | None = None
    composite_schedule_wrong: bool = False
    profile_lost_on_reconnect: bool = False
    profile_lost_on_reboot: bool = False
    unconstrained_offline: bool = False
    ignores_min_current: bool = False
    # power stage
    evse_response_delay_factor: float = 1.0
    overshoot_factor: float = 1.0
    overshoot_duration_s: float = 3.0
    meter_error_factor: float = 1.0
    # OCPP client
    closes_socket_on_unknown_message: bool = False
    accepts_any_server_certificate: bool = False
    drops_offline_transaction_messages: bool = False
    gives_up_after_refusal: bool = False
    meter_values_break_schema: bool = False
    # P1 load balancing (p1_balancing.py)
    ignores_p1: bool = False
    p1_reads_phase: str | None = None
    p1_response_delay_factor: float = 1.0
    # phase switching (phase_switching.py)
    phase_switch_too_fast: bool = False
    lands_on_wrong_phase: bool = False
    ignores_number_phases: bool = False
    # randomised restart (simlab/devices/restart_delay.py)
    randomised_restart_faults: RestartFaults = RestartFaults()

    @property
    def keeps_minimum_instead_of_pause(self) -> bool:
        """Alias of ``ignores_min_current`` (the name electrical.py reads)."""
        return self.ignores_min_current


# -- validation ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Number:
    low: float = 0.0
    high: float = math.inf
    low_open: bool = False          # value must be > low
    optional: bool = False          # None allowed


@dataclass(frozen=True)
class _Integer:
    low: int = 0
    high: int | None = None


@dataclass(frozen=True)
class _Parsed:
    parse: Any                      # parse(key, value) validates and converts


@dataclass(frozen=True)
class _Choice:
    options: tuple[Any, ...]
    optional: bool = False


_PARAMETER_SPECS: dict[str, Any] = {
    "ocpp_version": _Choice(tuple(version.label for version in VERSIONS)),
    "id_tag": str,
    "heartbeat_interval_s": _Number(low_open=True),
    "meter_value_interval_s": _Number(),
    "measurands": "measurands",
    "reboot_delay_s": _Number(),
    "reconnect_backoff_min_s": _Number(low_open=True),
    "reconnect_backoff_max_s": _Number(low_open=True),
    "boot_retry_s": _Number(low_open=True),
    "connection_timeout_s": _Number(low_open=True),
    "call_timeout_s": _Number(low_open=True),
    "offline_queue_max": _Integer(0),
    "phase_count": _Choice((1, 3)),
    "phase_connection": _Choice(PHASE_NAMES, optional=True),
    "rated_current_a": _Number(6.0, 80.0),
    "min_current_a": _Number(6.0, 80.0),
    "nominal_voltage_v": _Number(low_open=True),
    "standby_power_w": _Number(),
    "evse_response_delay_s": _Number(),
    "phase_switching_supported": bool,
    "phase_switch_pause_s": _Number(),
    "undervoltage_stop_v": _Number(),
    "overvoltage_stop_v": _Number(low_open=True),
    "restart_delay_s": _Number(),
    "randomised_restart": _Parsed(parse_restart_law),
    "physics_step_s": _Number(0.0, 1.0, low_open=True),
    "charge_profile_max_stack_level": _Integer(0),
    "charging_schedule_max_periods": _Integer(1),
    "max_charging_profiles_installed": _Integer(1),
    "max_offline_duration_s": _Number(low_open=True, optional=True),
    "offline_fallback_limit_a": _Number(),
    "p1_load_balancing": bool,
    "p1_main_fuse_a": _Number(low_open=True),
    "p1_margin_a": _Number(),
    "p1_response_delay_s": _Number(),
    "p1_switches_phases": bool,
    "phase_switch_min_interval_s": _Number(),
    "phase_switch_single_phase": _Choice(PHASE_NAMES),
}

_KNOB_SPECS: dict[str, Any] = {
    "ignores_profiles": bool,
    "rejects_valid_profiles": bool,
    "wrong_unit_conversion": _Choice(UNIT_CONVERSION_FAULTS, optional=True),
    "wrong_stacking": _Choice(STACKING_FAULTS, optional=True),
    "composite_schedule_wrong": bool,
    "profile_lost_on_reconnect": bool,
    "profile_lost_on_reboot": bool,
    "unconstrained_offline": bool,
    "ignores_min_current": bool,
    "evse_response_delay_factor": _Number(),
    "overshoot_factor": _Number(1.0),
    "overshoot_duration_s": _Number(),
    "meter_error_factor": _Number(low_open=True),
    "closes_socket_on_unknown_message": bool,
    "accepts_any_server_certificate": bool,
    "drops_offline_transaction_messages": bool,
    "gives_up_after_refusal": bool,
    "meter_values_break_schema": bool,
    "ignores_p1": bool,
    "p1_reads_phase": _Choice(PHASE_NAMES, optional=True),
    "p1_response_delay_factor": _Number(),
    "phase_switch_too_fast": bool,
    "lands_on_wrong_phase": bool,
    "ignores_number_phases": bool,
    "randomised_restart_faults": _Parsed(parse_restart_faults),
}

_NAMEPLATE_USED = ("nominal_voltage_v", "phase_count", "phase_connection", "rated_power_w")


def _value(key: str, spec: Any, value: Any) -> Any:
    if isinstance(spec, _Parsed):
        return spec.parse(key, value)
    if spec is bool:
        if not isinstance(value, bool):
            raise SimSettingError(key, f"expected true/false, got {value!r}")
        return value
    if spec is str:
        if not isinstance(value, str) or not value:
            raise SimSettingError(key, f"expected a non-empty string, got {value!r}")
        return value
    if spec == "measurands":
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, (list, tuple)):
            raise SimSettingError(key, f"expected a list of measurands, got {value!r}")
        for index, item in enumerate(value):
            if item not in MEASURANDS:
                raise SimSettingError(f"{key}[{index}]", f"unknown measurand {item!r}; expected "
                                                         f"one of {', '.join(sorted(MEASURANDS))}")
        return tuple(value)
    if isinstance(spec, _Choice):
        if value is None and spec.optional:
            return None
        if isinstance(value, bool) or value not in spec.options:
            shown = ", ".join(repr(o) for o in spec.options) + (", null" if spec.optional else "")
            raise SimSettingError(key, f"expected one of {shown}, got {value!r}")
        return value
    if isinstance(spec, _Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SimSettingError(key, f"expected an integer, got {value!r}")
        if value < spec.low or (spec.high is not None and value > spec.high):
            high = "" if spec.high is None else f" and <= {spec.high}"
            raise SimSettingError(key, f"must be >= {spec.low}{high}, got {value!r}")
        return value
    if isinstance(spec, _Number):
        if value is None and spec.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise SimSettingError(key, f"expected a finite number, got {value!r}")
        if (value <= spec.low if spec.low_open else value < spec.low) or value > spec.high:
            low = f"> {spec.low:g}" if spec.low_open else f">= {spec.low:g}"
            high = "" if spec.high == math.inf else f" and <= {spec.high:g}"
            raise SimSettingError(key, f"must be {low}{high}, got {value!r}")
        return float(value)
    raise TypeError(f"no validation rule for {key}")  # pragma: no cover - table is complete


def _apply(target: Any, raw: dict[str, Any], specs: dict[str, Any]) -> None:
    for key, value in raw.items():
        if key not in specs:
            raise SimSettingError(str(key), "unknown key")
        setattr(target, key, _value(key, specs[key], value))


def parse_parameters(raw: dict[str, Any] | None,
                     nameplate: dict[str, Any] | None = None) -> EvChargerParameters:
    """Validate a parameter dict into :class:`EvChargerParameters`.

    ``nameplate`` (the lab's device nameplate, or a ``nameplate`` key inside ``raw``) supplies
    ``nominal_voltage_v``, ``phase_count`` and, through ``rated_power_w``, ``rated_current_a``
    (= rated_power_w / (nominal_voltage_v x phase_count)); flat keys in ``raw`` win. Other
    nameplate keys (manufacturer, model, ...) are for BootNotification and ignored here.
    """
    try:
        return _parse_parameters(raw, nameplate)
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "parameters") from None


def _parse_parameters(raw: dict[str, Any] | None,
                      nameplate: dict[str, Any] | None) -> EvChargerParameters:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SimSettingError("parameters", f"expected a mapping, got {raw!r}")
    raw = dict(raw)
    plate = raw.pop("nameplate", None) or nameplate or {}
    if not isinstance(plate, dict):
        raise SimSettingError("nameplate", f"expected a mapping, got {plate!r}")
    params = EvChargerParameters()
    for key in ("nominal_voltage_v", "phase_count", "phase_connection"):
        if plate.get(key) is not None and key not in raw:
            setattr(params, key, _value(f"nameplate.{key}", _PARAMETER_SPECS[key], plate[key]))
    _apply(params, raw, _PARAMETER_SPECS)
    if plate.get("rated_power_w") is not None and "rated_current_a" not in raw:
        power = _value("nameplate.rated_power_w", _Number(low_open=True), plate["rated_power_w"])
        amps = power / (params.nominal_voltage_v * params.phase_count)
        params.rated_current_a = _value("nameplate.rated_power_w", _Number(6.0, 80.0),
                                        round(amps, 3))
    _check_relations(params)
    return params


def _check_relations(params: EvChargerParameters) -> None:
    try:
        grid_phases_for(params.phase_count, params.phase_connection)
    except ValueError as error:
        raise SimSettingError("phase_connection", str(error)) from None
    if params.rated_current_a < params.min_current_a:
        raise SimSettingError("rated_current_a", f"must be >= min_current_a "
                                                 f"({params.min_current_a:g}), got "
                                                 f"{params.rated_current_a:g}")
    if not params.undervoltage_stop_v < params.nominal_voltage_v:
        raise SimSettingError("undervoltage_stop_v", f"must be below nominal_voltage_v "
                                                     f"({params.nominal_voltage_v:g}), got "
                                                     f"{params.undervoltage_stop_v:g}")
    if not params.overvoltage_stop_v > params.nominal_voltage_v:
        raise SimSettingError("overvoltage_stop_v", f"must be above nominal_voltage_v "
                                                    f"({params.nominal_voltage_v:g}), got "
                                                    f"{params.overvoltage_stop_v:g}")
    if params.reconnect_backoff_max_s < params.reconnect_backoff_min_s:
        raise SimSettingError("reconnect_backoff_max_s", "must be >= reconnect_backoff_min_s")


def parse_knobs(raw: dict[str, Any] | None) -> EvChargerKnobs:
    """Validate a knob dict into :class:`EvChargerKnobs` (unknown/wrong key -> SimSettingError)."""
    try:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise SimSettingError("knobs", f"expected a mapping, got {raw!r}")
        knobs = EvChargerKnobs()
        _apply(knobs, raw, _KNOB_SPECS)
        return knobs
    except SimSettingError as error:
        raise SimSettingError(error.key, error.problem, "knobs") from None


def _check_tables() -> None:
    """The spec tables cover every field (import-time guard against a forgotten entry)."""
    for cls, specs in ((EvChargerParameters, _PARAMETER_SPECS), (EvChargerKnobs, _KNOB_SPECS)):
        names = {f.name for f in fields(cls)}
        if names != set(specs):
            raise RuntimeError(f"{cls.__name__}: validation table out of step: "
                               f"{sorted(names ^ set(specs))}")


_check_tables()
