"""OCPP 1.6J wire forms: SetChargingProfile.req ``csChargingProfiles`` and
GetCompositeSchedule.conf, as the ``ocpp`` library (2.1.0) hands them to / takes them from
handlers (snake_case keys, see ``ocpp.charge_point.camel_to_snake_case``).

* :func:`from_ocpp16` parses and validates a ``cs_charging_profiles`` object (1.6 ChargingProfile:
  chargingProfileId, transactionId, stackLevel, chargingProfilePurpose, chargingProfileKind,
  recurrencyKind, validFrom, validTo, chargingSchedule).
* :func:`profile_to_ocpp16` is the inverse (what a CSMS sends).
* :func:`to_ocpp16` gives the ``charging_schedule`` of a GetCompositeSchedule.conf
  (:func:`composite_reply_ocpp16` the whole reply); :func:`composite_from_ocpp16` reads a reply.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from links.ocpp.smart_charging import _wire as w
from links.ocpp.smart_charging.model import (ChargingProfile, CompositeSchedule, ProfileError,
                                        ProfileKind, Purpose)

__all__ = ["from_ocpp16", "profile_to_ocpp16", "to_ocpp16", "composite_reply_ocpp16",
           "composite_from_ocpp16", "PURPOSES_16"]

PURPOSES_16 = {"ChargePointMaxProfile": Purpose.STATION_MAX,
               "TxDefaultProfile": Purpose.TX_DEFAULT,
               "TxProfile": Purpose.TX}
_NAMES_16 = {purpose: name for name, purpose in PURPOSES_16.items()}

_PROFILE_KEYS = {"charging_profile_id", "transaction_id", "stack_level", "charging_profile_purpose",
                 "charging_profile_kind", "recurrency_kind", "valid_from", "valid_to",
                 "charging_schedule"}
_SCHEDULE_KEYS = {"duration", "start_schedule", "charging_rate_unit", "charging_schedule_period",
                  "min_charging_rate"}
_PERIOD_KEYS = {"start_period", "limit", "number_phases"}


def from_ocpp16(data: Any, *, path: str = "cs_charging_profiles",
                max_periods: int | None = None) -> ChargingProfile:
    """Parse a 1.6 ChargingProfile (``cs_charging_profiles`` of SetChargingProfile, or
    ``charging_profile`` of RemoteStartTransaction with ``path`` set accordingly).

    Beyond the JSON schema it checks: stackLevel >= 0, Recurring needs recurrencyKind and
    startSchedule, transactionId only on a TxProfile, validTo after validFrom, periods start at
    0 and strictly increase (and stay inside the recurrence), limits >= 0, numberPhases 1..3,
    at most ``max_periods`` periods (ChargingScheduleMaxPeriods). A Relative profile's
    startSchedule is ignored. Raises :class:`ProfileError` naming the field path.
    """
    raw = w.as_mapping(data, path)
    w.check_keys(raw, path, _PROFILE_KEYS)
    profile_id = w.required_integer(raw, "charging_profile_id", path)
    stack_level = w.required_integer(raw, "stack_level", path, minimum=0)
    purpose_name = w.text(raw, "charging_profile_purpose", path, required=True)
    if purpose_name == "ChargingStationMaxProfile":
        raise ProfileError(w.join(path, "charging_profile_purpose"),
                           "ChargingStationMaxProfile is the OCPP 2.0.1 name; OCPP 1.6 uses "
                           "ChargePointMaxProfile")
    purpose = w.choice(raw, "charging_profile_purpose", path, PURPOSES_16, required=True)
    kind = w.choice(raw, "charging_profile_kind", path, w.KINDS, required=True)
    recurrency, valid_from, valid_to = w.recurrency_and_validity(raw, path, kind)
    tx_id = w.integer(raw, "transaction_id", path, required=False)
    if tx_id is not None and purpose is not Purpose.TX:
        raise ProfileError(w.join(path, "transaction_id"),
                           "only allowed when charging_profile_purpose is TxProfile")
    schedule_path = w.join(path, "charging_schedule")
    schedule_raw = w.as_mapping(w.get(raw, "charging_schedule", path, required=True), schedule_path)
    schedule = w.schedule(schedule_raw, schedule_path, allowed=_SCHEDULE_KEYS,
                          period_keys=_PERIOD_KEYS, kind=kind,
                          recurrency=recurrency if kind is ProfileKind.RECURRING else None,
                          max_periods=max_periods)
    if kind is ProfileKind.RECURRING and schedule.start_schedule is None:
        raise ProfileError(w.join(schedule_path, "start_schedule"),
                           "required for a Recurring profile (the recurrence starts there)")
    if kind is ProfileKind.RELATIVE and schedule.start_schedule is not None:
        schedule = replace(schedule, start_schedule=None)
    return ChargingProfile(profile_id, stack_level, purpose, kind, schedule,
                           recurrency if kind is ProfileKind.RECURRING else None, valid_from,
                           valid_to, str(tx_id) if tx_id is not None else None)


def profile_to_ocpp16(profile: ChargingProfile) -> dict[str, Any]:
    """The ``cs_charging_profiles`` object (snake_case) of a SetChargingProfile.req."""
    schedule = profile.schedule
    body: dict[str, Any] = {"charging_rate_unit": schedule.unit.value,
                            "charging_schedule_period":
                                w.schedule_period_dicts(schedule.periods, with_phase_to_use=False)}
    body.update(w.schedule_optional_dict(schedule))
    out: dict[str, Any] = {"charging_profile_id": profile.profile_id,
                           "stack_level": profile.stack_level,
                           "charging_profile_purpose": _NAMES_16[profile.purpose],
                           "charging_profile_kind": profile.kind.value,
                           "charging_schedule": body}
    if profile.transaction_id is not None:
        out["transaction_id"] = int(profile.transaction_id)
    out.update(w.profile_optional_dict(profile))
    return out


def to_ocpp16(composite: CompositeSchedule) -> dict[str, Any]:
    """The ``charging_schedule`` (snake_case ChargingSchedule) of a GetCompositeSchedule.conf:
    duration, start_schedule (= the composite's start, also the conf's scheduleStart),
    charging_rate_unit and the periods, limits with one decimal (schema multipleOf 0.1).
    Every period needs a limit (see :func:`~links.ocpp.smart_charging.compute.composite`'s
    ``max_current_a``)."""
    return {"duration": composite.duration_s,
            "start_schedule": w.format_time(composite.start),
            "charging_rate_unit": composite.unit.value,
            "charging_schedule_period": w.period_dicts(composite)}


def composite_reply_ocpp16(composite: CompositeSchedule, connector_id: int) -> dict[str, Any]:
    """All keyword arguments of an Accepted ``ocpp.v16.call_result.GetCompositeSchedule``."""
    return {"status": "Accepted", "connector_id": connector_id,
            "schedule_start": w.format_time(composite.start),
            "charging_schedule": to_ocpp16(composite)}


def composite_from_ocpp16(reply: Any, *, duration_s: int | None = None) -> CompositeSchedule:
    """Read a GetCompositeSchedule.conf (the ``ocpp`` result dataclass or its snake_case dict).

    The start is ``schedule_start`` (else ``charging_schedule.start_schedule``); the duration is
    ``charging_schedule.duration`` (else ``duration_s``, the requested one). Raises
    :class:`ProfileError` for a status other than Accepted or a malformed schedule."""
    data = w.as_mapping(reply, "")
    status = w.text(data, "status", "", required=True)
    if status != "Accepted":
        raise ProfileError("status", f"the charger answered {status!r}, not 'Accepted'")
    schedule = w.as_mapping(w.get(data, "charging_schedule", "", required=True),
                            "charging_schedule")
    w.check_keys(schedule, "charging_schedule", _SCHEDULE_KEYS)
    start = (w.timestamp(data, "schedule_start", "", required=False)
             or w.timestamp(schedule, "start_schedule", "charging_schedule", required=True))
    duration = w.integer(schedule, "duration", "charging_schedule", required=False, minimum=1)
    if duration is None:
        duration = duration_s
    if duration is None:
        raise ProfileError("charging_schedule.duration",
                           "missing, and no requested duration was given")
    unit = w.choice(schedule, "charging_rate_unit", "charging_schedule", w.UNITS, required=True)
    periods = w.composite_periods(w.get(schedule, "charging_schedule_period", "charging_schedule",
                                        required=True),
                                  "charging_schedule.charging_schedule_period")
    if start is None:  # unreachable: timestamp(required=True) raises
        raise ProfileError("schedule_start", "required field is missing")
    return CompositeSchedule(start, duration, unit, periods)
