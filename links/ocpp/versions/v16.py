"""OCPP 1.6J (OCPP-J 1.6, subprotocol ``ocpp1.6``, profile key ``ocpp16j``): the version object.

Same shape as v201.py (:class:`~links.ocpp.versions.base.OcppVersion`). 1.6 addresses connectors
(``connector_id``; 0 = the main controller), names the station-wide maximum
``ChargePointMaxProfile``, lets the CSMS number transactions (StartTransaction.conf) and writes
charger settings as configuration keys (ChangeConfiguration, §9.1 Core).

Wire forms, as the ``ocpp`` library (2.1.0) hands them to / takes them from handlers (snake_case):
SetChargingProfile.req ``csChargingProfiles`` (§5.16, §7.8-7.10), GetCompositeSchedule.conf (§5.7),
MeterValues ``sampledValue`` (§7.43, the value as text).
"""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call as v16_call
from ocpp.v16 import call_result as v16_result

from links.ocpp.frames import DEFAULT_MEASURAND, MeterSample
from links.ocpp.smart_charging.model import (ChargingProfile, CompositeSchedule, InvalidChargingProfile,
                                             ProfileError, ProfileKind, ProfilePurpose)
from links.ocpp.timestamps import format_schedule_time, format_timestamp
from links.ocpp.versions import _wire as w
from links.ocpp.versions.base import OcppVersion, Setting, setting_text

__all__ = ["OCPP16J", "Ocpp16J"]

_PURPOSES = {ProfilePurpose.STATION_MAX: "ChargePointMaxProfile", ProfilePurpose.TX_DEFAULT: "TxDefaultProfile",
             ProfilePurpose.TX: "TxProfile"}
_PURPOSE_OF_NAME = {name: purpose for purpose, name in _PURPOSES.items()}
_PROFILE_KEYS = {"charging_profile_id", "transaction_id", "stack_level", "charging_profile_purpose",
                 "charging_profile_kind", "recurrency_kind", "valid_from", "valid_to",
                 "charging_schedule"}
_SCHEDULE_KEYS = {"duration", "start_schedule", "charging_rate_unit", "charging_schedule_period",
                  "min_charging_rate"}
_PERIOD_KEYS = {"start_period", "limit", "number_phases"}
#: StopTransaction.req reasons (§7.39 Reason); any other goes on the wire as "Other"
_STOP_REASONS = frozenset({"EVDisconnected", "HardReset", "SoftReset", "Remote", "DeAuthorized", "Local", "Other",
                           "PowerLoss", "Reboot", "EmergencyStop", "UnlockCommand"})


class Ocpp16J(OcppVersion):
    """OCPP 1.6J."""

    name = "1.6"
    label = "1.6J"
    protocol = "ocpp16j"
    subprotocol = "ocpp1.6"
    call = v16_call
    call_result = v16_result
    connector_field = "connector_id"
    profile_field = "cs_charging_profiles"
    profile_id_field = "charging_profile_id"
    purpose_names = _PURPOSES
    reset_kinds = {"Hard": "Hard", "Soft": "Soft", "Immediate": "Hard", "OnIdle": "Soft"}
    #: §6.2 BootNotification.req: CiString20 / 20 / 25 / 50
    boot_field_limits = {"manufacturer": 20, "model": 20, "serial_number": 25, "firmware_version": 50}
    replaces_same_stack_level = True
    tx_profile_names_transaction = False
    charger_assigns_transaction_id = False
    immediate_reset = "Hard"
    transaction_start_action = "StartTransaction"
    transaction_sample_action = "MeterValues"
    #: charger setting -> configuration key (§9.1)
    setting_keys: dict[Setting, str] = {"heartbeat_interval": "HeartbeatInterval",
                                        "meter_interval": "MeterValueSampleInterval",
                                        "measurands": "MeterValuesSampledData",
                                        "connection_timeout": "ConnectionTimeOut"}

    # ---- names -----------------------------------------------------------------------------------
    def connector_status(self, state: str) -> str:
        return state                              # ConnectorState uses the 1.6 names

    def stop_reason(self, reason: str) -> str:
        """StopTransaction.req ``reason`` for a charger's stop reason (1.6 words; others: Other)."""
        return reason if reason in _STOP_REASONS else "Other"

    # ---- charging profiles ---------------------------------------------------------------------------
    def profile_from_wire(self, data: Any, *, path: str | None = None,
                          max_periods: int | None = None) -> ChargingProfile:
        """Parse a 1.6 ChargingProfile (``cs_charging_profiles`` of SetChargingProfile, or
        ``charging_profile`` of RemoteStartTransaction with ``path`` set accordingly).

        Beyond the JSON schema it checks: stackLevel >= 0, Recurring needs recurrencyKind and
        startSchedule, transactionId only on a TxProfile, validTo after validFrom, periods start at
        0 and strictly increase (and stay inside the recurrence), limits >= 0, numberPhases 1..3,
        at most ``max_periods`` periods (ChargingScheduleMaxPeriods). A Relative profile's
        startSchedule is ignored. Raises :class:`ProfileError` naming the field path.
        """
        path = self.profile_field if path is None else path
        raw = w.as_mapping(data, path)
        w.check_keys(raw, path, _PROFILE_KEYS)
        profile_id = w.required_integer(raw, "charging_profile_id", path)
        stack_level = w.required_integer(raw, "stack_level", path, minimum=0)
        purpose_name = w.text(raw, "charging_profile_purpose", path, required=True)
        if purpose_name == "ChargingStationMaxProfile":
            raise ProfileError(w.join(path, "charging_profile_purpose"),
                               "ChargingStationMaxProfile is the OCPP 2.0.1 name; OCPP 1.6 uses "
                               "ChargePointMaxProfile")
        purpose = w.choice(raw, "charging_profile_purpose", path, _PURPOSE_OF_NAME, required=True)
        kind = w.choice(raw, "charging_profile_kind", path, w.KINDS, required=True)
        recurrency, valid_from, valid_to = w.recurrency_and_validity(raw, path, kind)
        tx_id = w.integer(raw, "transaction_id", path, required=False)
        if tx_id is not None and purpose is not ProfilePurpose.TX:
            raise ProfileError(w.join(path, "transaction_id"),
                               "only allowed when charging_profile_purpose is TxProfile")
        schedule_path = w.join(path, "charging_schedule")
        schedule_raw = w.as_mapping(w.get(raw, "charging_schedule", path, required=True), schedule_path)
        schedule = w.schedule(schedule_raw, schedule_path, allowed=_SCHEDULE_KEYS,
                              period_keys=_PERIOD_KEYS, kind=kind,
                              recurrency=recurrency if kind is ProfileKind.RECURRING else None,
                              max_periods=max_periods)
        if kind is ProfileKind.RECURRING and schedule["start_schedule"] is None:
            raise ProfileError(w.join(schedule_path, "start_schedule"),
                               "required for a Recurring profile (the recurrence starts there)")
        if kind is ProfileKind.RELATIVE:
            schedule["start_schedule"] = None
        return ChargingProfile(profile_id=profile_id, purpose=purpose, stack_level=stack_level, kind=kind,
                               recurrency=recurrency if kind is ProfileKind.RECURRING else None,
                               valid_from=valid_from, valid_to=valid_to,
                               transaction_id=str(tx_id) if tx_id is not None else None, **schedule)

    def profile_to_wire(self, profile: ChargingProfile) -> dict[str, Any]:
        """``cs_charging_profiles`` of a SetChargingProfile.req (a transaction id must be an integer)."""
        profile.check_sendable()
        transaction_id = None
        if profile.transaction_id is not None:
            try:
                transaction_id = int(profile.transaction_id)
            except ValueError:
                raise InvalidChargingProfile(f"OCPP 1.6 transaction ids are integers, "
                                             f"got {profile.transaction_id!r}") from None
        schedule = w.without_nones({
            "duration": profile.duration_s, "start_schedule": w.time_or_none(profile.start_schedule),
            "charging_rate_unit": profile.unit.value,
            "charging_schedule_period": w.period_dicts(profile.periods, with_phase_to_use=False),
            "min_charging_rate": w.optional_limit(profile.min_charging_rate)})
        return w.without_nones({
            "charging_profile_id": profile.profile_id, "transaction_id": transaction_id,
            "stack_level": profile.stack_level, "charging_profile_purpose": self.purpose_name(profile.purpose),
            "charging_profile_kind": profile.kind.value, **w.validity(profile), "charging_schedule": schedule})

    def set_charging_profile_request(self, profile: ChargingProfile,
                                     connector_id: int) -> v16_call.SetChargingProfile:
        return v16_call.SetChargingProfile(connector_id=connector_id,
                                           cs_charging_profiles=self.profile_to_wire(profile))

    def clear_charging_profile_request(self, *, profile_id: int | None, connector_id: int | None,
                                       purpose: ProfilePurpose | None,
                                       stack_level: int | None) -> v16_call.ClearChargingProfile:
        return v16_call.ClearChargingProfile(id=profile_id, connector_id=connector_id, stack_level=stack_level,
                                         charging_profile_purpose=None if purpose is None
                                         else self.purpose_name(purpose))

    def composite_schedule_request(self, connector_id: int, duration_s: int,
                                   unit: str | None) -> v16_call.GetCompositeSchedule:
        return v16_call.GetCompositeSchedule(connector_id=connector_id, duration=duration_s, charging_rate_unit=unit)

    def composite_from_reply(self, result: Any) -> CompositeSchedule:
        """From a GetCompositeSchedule.conf (the library's dataclass or its snake_case dict): the start
        is ``schedule_start``, else ``charging_schedule.start_schedule``."""
        data = w.as_mapping(result, "")
        schedule = data.get("charging_schedule") or {}
        unit = schedule.get("charging_rate_unit")
        return CompositeSchedule(
            start=w.composite_start(data.get("schedule_start"), schedule.get("start_schedule")),
            duration_s=schedule.get("duration"), unit=None if unit is None else w.UNITS.get(unit),
            periods=w.composite_periods(schedule.get("charging_schedule_period")),
            status=str(data.get("status")), connector_id=data.get("connector_id"),
            min_charging_rate=schedule.get("min_charging_rate"))

    def composite_reply(self, schedule: CompositeSchedule, connector_id: int) -> dict[str, Any]:
        """status, connector_id, schedule_start (a timestamp, with milliseconds) and the
        ``charging_schedule``: duration, start_schedule, charging_rate_unit, the periods."""
        if schedule.start is None or schedule.unit is None:
            raise ValueError("a composite schedule without start or unit cannot be reported")
        return {"status": "Accepted", "connector_id": connector_id,
                "schedule_start": format_timestamp(schedule.start),
                "charging_schedule": {"duration": schedule.duration_s,
                                      "start_schedule": format_schedule_time(schedule.start),
                                      "charging_rate_unit": schedule.unit.value,
                                      "charging_schedule_period": w.period_dicts(schedule.periods,
                                                                                 with_phase_to_use=False)}}

    # ---- provisioning ----------------------------------------------------------------------------
    def reset_request(self, kind: str) -> v16_call.Reset:
        return v16_call.Reset(type=kind)

    def trigger_message_request(self, message: str, connector_id: int | None) -> v16_call.TriggerMessage:
        return v16_call.TriggerMessage(requested_message=message, connector_id=connector_id)

    def configure_request(self, setting: Setting, value: str | int | float | bool) -> v16_call.ChangeConfiguration:
        return v16_call.ChangeConfiguration(key=self.setting_keys[setting], value=setting_text(value))

    def configure_status(self, result: Any) -> str:
        return str(result.status)

    # ---- meter values ------------------------------------------------------------------------------
    def meter_samples(self, charger_id: str, connector_id: int,
                      meter_value: list[dict[str, Any]]) -> list[MeterSample]:
        """1.6 carries ``value`` as text and ``unit`` directly."""
        samples: list[MeterSample] = []
        for entry in meter_value:
            timestamp = str(entry.get("timestamp", ""))
            for sv in entry.get("sampled_value", []):
                samples.append(MeterSample(charger_id, connector_id, timestamp,
                                           sv.get("measurand") or DEFAULT_MEASURAND, sv.get("phase"),
                                           float(sv["value"]), sv.get("unit") or "Wh", sv.get("context")))
        return samples

    def sampled_value(self, measurand: str, value: float, unit: str, phase: str | None,
                      context: str) -> dict[str, Any]:
        """The value as text with at most three decimals (trailing zeros dropped)."""
        out: dict[str, Any] = {"value": f"{value:.3f}".rstrip("0").rstrip(".") or "0",
                               "context": context, "measurand": measurand, "unit": unit}
        if phase is not None:
            out["phase"] = phase
        out["location"] = "EV" if measurand == "SoC" else "Outlet"
        return out


OCPP16J = Ocpp16J()
