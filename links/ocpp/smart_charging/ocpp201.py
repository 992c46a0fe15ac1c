"""OCPP 2.0.1 wire forms: SetChargingProfileRequest ``chargingProfile`` (K01) and
GetCompositeScheduleResponse (K08), as the ``ocpp`` library (2.1.0) hands them to / takes them
from handlers (snake_case keys).

2.0.1 names the station-wide maximum ``ChargingStationMaxProfile`` (:attr:`Purpose.STATION_MAX`)
and addresses EVSEs (``evse_id``; 0 = the whole station) instead of connectors.
``ChargingStationExternalConstraints`` is set by an external system, never by a CSMS, so a
SetChargingProfile carrying it is refused. A profile may carry up to three schedules (ISO 15118
offers for the EV to choose from); without ISO 15118 the first one is used, as here.
"""

from __future__ import annotations

from typing import Any

from links.ocpp.smart_charging import _wire as w
from links.ocpp.smart_charging.model import (ChargingProfile, CompositeSchedule, ProfileError,
                                        ProfileKind, Purpose)

__all__ = ["from_ocpp201", "profile_to_ocpp201", "to_ocpp201", "composite_reply_ocpp201",
           "composite_from_ocpp201", "PURPOSES_201"]

PURPOSES_201 = {"ChargingStationMaxProfile": Purpose.STATION_MAX,
                "TxDefaultProfile": Purpose.TX_DEFAULT,
                "TxProfile": Purpose.TX}
_NAMES_201 = {purpose: name for name, purpose in PURPOSES_201.items()}

_PROFILE_KEYS = {"id", "stack_level", "charging_profile_purpose", "charging_profile_kind",
                 "recurrency_kind", "valid_from", "valid_to", "transaction_id",
                 "charging_schedule", "custom_data"}
_SCHEDULE_KEYS = {"id", "start_schedule", "duration", "charging_rate_unit",
                  "charging_schedule_period", "min_charging_rate", "sales_tariff", "custom_data"}
_PERIOD_KEYS = {"start_period", "limit", "number_phases", "phase_to_use", "custom_data"}
_COMPOSITE_KEYS = {"evse_id", "duration", "schedule_start", "charging_rate_unit",
                   "charging_schedule_period", "custom_data"}


def from_ocpp201(data: Any, *, path: str = "charging_profile",
                 max_periods: int | None = None) -> ChargingProfile:
    """Parse a 2.0.1 ChargingProfileType (``charging_profile`` of SetChargingProfileRequest).

    Beyond the JSON schema it checks (K01): stackLevel >= 0; Absolute and Recurring profiles
    carry startSchedule and Relative ones do not; Recurring needs recurrencyKind; a
    ChargingStationMaxProfile is not Relative; transactionId (at most 36 characters) only on a
    TxProfile; validTo after validFrom; 1..3 schedules; periods start at 0, strictly increase,
    limits >= 0, numberPhases 1..3, phaseToUse only with numberPhases 1. Raises
    :class:`ProfileError` naming the field path.
    """
    raw = w.as_mapping(data, path)
    w.check_keys(raw, path, _PROFILE_KEYS)
    profile_id = w.required_integer(raw, "id", path)
    stack_level = w.required_integer(raw, "stack_level", path, minimum=0)
    purpose_name = w.text(raw, "charging_profile_purpose", path, required=True)
    if purpose_name == "ChargePointMaxProfile":
        raise ProfileError(w.join(path, "charging_profile_purpose"),
                           "ChargePointMaxProfile is the OCPP 1.6 name; OCPP 2.0.1 uses "
                           "ChargingStationMaxProfile")
    if purpose_name == "ChargingStationExternalConstraints":
        raise ProfileError(w.join(path, "charging_profile_purpose"),
                           "ChargingStationExternalConstraints is set by an external system, "
                           "not by the CSMS")
    purpose = w.choice(raw, "charging_profile_purpose", path, PURPOSES_201, required=True)
    kind = w.choice(raw, "charging_profile_kind", path, w.KINDS, required=True)
    if purpose is Purpose.STATION_MAX and kind is ProfileKind.RELATIVE:
        raise ProfileError(w.join(path, "charging_profile_kind"),
                           "a ChargingStationMaxProfile cannot be Relative (there is no "
                           "transaction on EVSE 0 to start from)")
    recurrency, valid_from, valid_to = w.recurrency_and_validity(raw, path, kind)
    tx_id = w.text(raw, "transaction_id", path, required=False)
    if tx_id is not None:
        if purpose is not Purpose.TX:
            raise ProfileError(w.join(path, "transaction_id"),
                               "only allowed when charging_profile_purpose is TxProfile")
        if len(tx_id) > 36:
            raise ProfileError(w.join(path, "transaction_id"),
                               f"at most 36 characters, got {len(tx_id)}")
    schedules = w.get(raw, "charging_schedule", path, required=True)
    list_path = w.join(path, "charging_schedule")
    if not isinstance(schedules, (list, tuple)):
        raise ProfileError(list_path, f"expected a list of 1..3 schedules, got "
                                      f"{type(schedules).__name__}")
    if not 1 <= len(schedules) <= 3:
        raise ProfileError(list_path, f"expected 1..3 schedules, got {len(schedules)}")
    parsed = []
    for index, item in enumerate(schedules):
        where = f"{list_path}[{index}]"
        schedule = w.schedule(w.as_mapping(item, where), where, allowed=_SCHEDULE_KEYS,
                              period_keys=_PERIOD_KEYS, kind=kind,
                              recurrency=recurrency if kind is ProfileKind.RECURRING else None,
                              max_periods=max_periods)
        if kind is ProfileKind.RELATIVE and schedule.start_schedule is not None:
            raise ProfileError(w.join(where, "start_schedule"),
                               "must be absent for a Relative profile")
        if kind is not ProfileKind.RELATIVE and schedule.start_schedule is None:
            raise ProfileError(w.join(where, "start_schedule"),
                               f"required when charging_profile_kind is {kind.value}")
        parsed.append(schedule)
    return ChargingProfile(profile_id, stack_level, purpose, kind, parsed[0],
                           recurrency if kind is ProfileKind.RECURRING else None, valid_from,
                           valid_to, tx_id)


def profile_to_ocpp201(profile: ChargingProfile) -> dict[str, Any]:
    """The ``charging_profile`` object (snake_case) of a SetChargingProfileRequest."""
    schedule = profile.schedule
    body: dict[str, Any] = {"id": schedule.schedule_id if schedule.schedule_id is not None
                            else profile.profile_id,
                            "charging_rate_unit": schedule.unit.value,
                            "charging_schedule_period":
                                w.schedule_period_dicts(schedule.periods, with_phase_to_use=True)}
    body.update(w.schedule_optional_dict(schedule))
    out: dict[str, Any] = {"id": profile.profile_id,
                           "stack_level": profile.stack_level,
                           "charging_profile_purpose": _NAMES_201[profile.purpose],
                           "charging_profile_kind": profile.kind.value,
                           "charging_schedule": [body]}
    if profile.transaction_id is not None:
        out["transaction_id"] = profile.transaction_id
    out.update(w.profile_optional_dict(profile))
    return out


def to_ocpp201(composite: CompositeSchedule, evse_id: int) -> dict[str, Any]:
    """The ``schedule`` (snake_case CompositeScheduleType) of a GetCompositeScheduleResponse:
    evse_id, duration, schedule_start, charging_rate_unit, charging_schedule_period (limits with
    one decimal). Every period needs a limit."""
    return {"evse_id": evse_id,
            "duration": composite.duration_s,
            "schedule_start": w.format_time(composite.start),
            "charging_rate_unit": composite.unit.value,
            "charging_schedule_period": w.period_dicts(composite)}


def composite_reply_ocpp201(composite: CompositeSchedule, evse_id: int) -> dict[str, Any]:
    """All keyword arguments of an Accepted ``ocpp.v201.call_result.GetCompositeSchedule``."""
    return {"status": "Accepted", "schedule": to_ocpp201(composite, evse_id)}


def composite_from_ocpp201(reply: Any) -> CompositeSchedule:
    """Read a GetCompositeScheduleResponse (the ``ocpp`` result dataclass or its snake_case
    dict). Raises :class:`ProfileError` for a status other than Accepted or a malformed
    schedule."""
    data = w.as_mapping(reply, "")
    status = w.text(data, "status", "", required=True)
    if status != "Accepted":
        raise ProfileError("status", f"the charging station answered {status!r}, not 'Accepted'")
    schedule = w.as_mapping(w.get(data, "schedule", "", required=True), "schedule")
    w.check_keys(schedule, "schedule", _COMPOSITE_KEYS)
    w.required_integer(schedule, "evse_id", "schedule", minimum=0)
    start = w.timestamp(schedule, "schedule_start", "schedule", required=True)
    duration = w.required_integer(schedule, "duration", "schedule", minimum=1)
    unit = w.choice(schedule, "charging_rate_unit", "schedule", w.UNITS, required=True)
    periods = w.composite_periods(w.get(schedule, "charging_schedule_period", "schedule",
                                        required=True), "schedule.charging_schedule_period")
    if start is None:  # unreachable: timestamp(required=True) raises
        raise ProfileError("schedule.schedule_start", "required field is missing")
    return CompositeSchedule(start, duration, unit, periods)
