"""OCPP 2.0.1 (subprotocol ``ocpp2.0.1``, profile key ``ocpp201``): the version object.

Same shape as v16.py (:class:`~links.ocpp.versions.base.OcppVersion`). 2.0.1 addresses EVSEs
(``evse_id``; 0 = the whole station), names the station-wide maximum
``ChargingStationMaxProfile``, lets the charging station number its transactions
(TransactionEvent), reports connector status and charging state apart, and writes settings as
device-model variables (SetVariables, B05). ``ChargingStationExternalConstraints`` is set by an
external system, never by a CSMS, so a SetChargingProfile carrying it is refused. A profile may
carry up to three schedules (ISO 15118 offers for the EV to choose from); without ISO 15118 the
first one is used, as here.

Wire forms, as the ``ocpp`` library (2.1.0) hands them to / takes them from handlers (snake_case):
SetChargingProfileRequest ``chargingProfile`` (K01), GetCompositeScheduleResponse (K08),
MeterValues ``sampledValue`` (the value a number, ``unitOfMeasure {unit, multiplier}``).
"""

from __future__ import annotations

from typing import Any

from ocpp.v201 import call as v201_call
from ocpp.v201 import call_result as v201_result

from links.ocpp.frames import DEFAULT_MEASURAND, MeterSample
from links.ocpp.smart_charging.model import (ChargingProfile, CompositeSchedule, InvalidChargingProfile,
                                             ProfileError, ProfileKind, ProfilePurpose)
from links.ocpp.timestamps import format_schedule_time
from links.ocpp.transactions import ConnectorState
from links.ocpp.versions import _wire as w
from links.ocpp.versions.base import OcppVersion, Setting, setting_text

__all__ = ["OCPP201", "Ocpp201"]

_PURPOSES = {ProfilePurpose.STATION_MAX: "ChargingStationMaxProfile",
             ProfilePurpose.TX_DEFAULT: "TxDefaultProfile", ProfilePurpose.TX: "TxProfile"}
_PURPOSE_OF_NAME = {name: purpose for purpose, name in _PURPOSES.items()}
_PROFILE_KEYS = {"id", "stack_level", "charging_profile_purpose", "charging_profile_kind",
                 "recurrency_kind", "valid_from", "valid_to", "transaction_id",
                 "charging_schedule", "custom_data"}
_SCHEDULE_KEYS = {"id", "start_schedule", "duration", "charging_rate_unit",
                  "charging_schedule_period", "min_charging_rate", "sales_tariff", "custom_data"}
_PERIOD_KEYS = {"start_period", "limit", "number_phases", "phase_to_use", "custom_data"}

#: ConnectorState -> (ConnectorStatusEnumType, ChargingStateEnumType)
_STATE = {ConnectorState.AVAILABLE: ("Available", "Idle"),
          ConnectorState.PREPARING: ("Occupied", "EVConnected"),
          ConnectorState.CHARGING: ("Occupied", "Charging"),
          ConnectorState.SUSPENDED_EV: ("Occupied", "SuspendedEV"),
          ConnectorState.SUSPENDED_EVSE: ("Occupied", "SuspendedEVSE"),
          ConnectorState.FINISHING: ("Occupied", "EVConnected"),
          ConnectorState.UNAVAILABLE: ("Unavailable", "Idle"),
          ConnectorState.FAULTED: ("Faulted", "Idle")}

#: a charger's stop reason (1.6 words) -> (ReasonEnumType stoppedReason, TriggerReasonEnumType)
_STOP = {"EVDisconnected": ("EVDisconnected", "EVCommunicationLost"),
         "Remote": ("Remote", "RemoteStop"),
         "HardReset": ("ImmediateReset", "ResetCommand"),
         "SoftReset": ("ImmediateReset", "ResetCommand"),
         "DeAuthorized": ("DeAuthorized", "Deauthorized"),
         "Local": ("Local", "StopAuthorized")}


class Ocpp201(OcppVersion):
    """OCPP 2.0.1."""

    name = "2.0.1"
    label = "2.0.1"
    protocol = "ocpp201"
    subprotocol = "ocpp2.0.1"
    call = v201_call
    call_result = v201_result
    connector_field = "evse_id"
    profile_field = "charging_profile"
    profile_id_field = "id"
    purpose_names = _PURPOSES
    reset_kinds = {"Immediate": "Immediate", "OnIdle": "OnIdle", "Hard": "Immediate", "Soft": "OnIdle"}
    #: ChargingStationType: vendorName 50, model 20, serialNumber 25, firmwareVersion 50
    boot_field_limits = {"manufacturer": 50, "model": 20, "serial_number": 25, "firmware_version": 50}
    replaces_same_stack_level = False
    tx_profile_names_transaction = True
    charger_assigns_transaction_id = True
    immediate_reset = "Immediate"
    transaction_start_action = "TransactionEvent"
    transaction_sample_action = "TransactionEvent"
    #: charger setting -> (component, variable) of the device model
    setting_variables: dict[Setting, tuple[str, str]] = {
        "heartbeat_interval": ("OCPPCommCtrlr", "HeartbeatInterval"),
        "meter_interval": ("SampledDataCtrlr", "TxUpdatedInterval"),
        "measurands": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
        "connection_timeout": ("TxCtrlr", "EVConnectionTimeOut")}

    # ---- names -----------------------------------------------------------------------------------
    def connector_status(self, state: str) -> str:
        return _STATE[state][0]

    def charging_state(self, state: str) -> str:
        """The TransactionEvent ``chargingState`` of a :class:`ConnectorState`."""
        return _STATE[state][1]

    def stop_reasons(self, reason: str) -> tuple[str, str]:
        """(stoppedReason, triggerReason) of a TransactionEvent Ended for a charger's stop reason."""
        return _STOP.get(reason, ("Other", "AbnormalCondition"))

    # ---- charging profiles ---------------------------------------------------------------------------
    def profile_from_wire(self, data: Any, *, path: str | None = None,
                          max_periods: int | None = None) -> ChargingProfile:
        """Parse a 2.0.1 ChargingProfileType (``charging_profile`` of SetChargingProfileRequest).

        Beyond the JSON schema it checks (K01): stackLevel >= 0; Absolute and Recurring profiles
        carry startSchedule and Relative ones do not; Recurring needs recurrencyKind; a
        ChargingStationMaxProfile is not Relative; transactionId (at most 36 characters) only on a
        TxProfile; validTo after validFrom; 1..3 schedules; periods start at 0, strictly increase,
        limits >= 0, numberPhases 1..3, phaseToUse only with numberPhases 1. Raises
        :class:`ProfileError` naming the field path.
        """
        path = self.profile_field if path is None else path
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
        purpose = w.choice(raw, "charging_profile_purpose", path, _PURPOSE_OF_NAME, required=True)
        kind = w.choice(raw, "charging_profile_kind", path, w.KINDS, required=True)
        if purpose is ProfilePurpose.STATION_MAX and kind is ProfileKind.RELATIVE:
            raise ProfileError(w.join(path, "charging_profile_kind"),
                               "a ChargingStationMaxProfile cannot be Relative (there is no "
                               "transaction on EVSE 0 to start from)")
        recurrency, valid_from, valid_to = w.recurrency_and_validity(raw, path, kind)
        tx_id = w.text(raw, "transaction_id", path, required=False)
        if tx_id is not None:
            if purpose is not ProfilePurpose.TX:
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
            if kind is ProfileKind.RELATIVE and schedule["start_schedule"] is not None:
                raise ProfileError(w.join(where, "start_schedule"),
                                   "must be absent for a Relative profile")
            if kind is not ProfileKind.RELATIVE and schedule["start_schedule"] is None:
                raise ProfileError(w.join(where, "start_schedule"),
                                   f"required when charging_profile_kind is {kind.value}")
            parsed.append(schedule)
        return ChargingProfile(profile_id=profile_id, purpose=purpose, stack_level=stack_level, kind=kind,
                               recurrency=recurrency if kind is ProfileKind.RECURRING else None,
                               valid_from=valid_from, valid_to=valid_to, transaction_id=tx_id, **parsed[0])

    def profile_to_wire(self, profile: ChargingProfile) -> dict[str, Any]:
        """``charging_profile`` of a SetChargingProfileRequest (one schedule, id 1 unless the profile
        names one); a TxProfile must name its transaction (K01.FR.03)."""
        profile.check_sendable()
        if profile.purpose is ProfilePurpose.TX and profile.transaction_id is None:
            raise InvalidChargingProfile("a 2.0.1 TxProfile needs transaction_id (K01.FR.03)")
        schedule = w.without_nones({
            "id": 1 if profile.schedule_id is None else profile.schedule_id,
            "start_schedule": w.time_or_none(profile.start_schedule), "duration": profile.duration_s,
            "charging_rate_unit": profile.unit.value,
            "charging_schedule_period": w.period_dicts(profile.periods, with_phase_to_use=True),
            "min_charging_rate": w.optional_limit(profile.min_charging_rate)})
        return w.without_nones({
            "id": profile.profile_id, "stack_level": profile.stack_level,
            "charging_profile_purpose": self.purpose_name(profile.purpose),
            "charging_profile_kind": profile.kind.value, **w.validity(profile),
            "transaction_id": profile.transaction_id, "charging_schedule": [schedule]})

    def set_charging_profile_request(self, profile: ChargingProfile,
                                     connector_id: int) -> v201_call.SetChargingProfile:
        return v201_call.SetChargingProfile(evse_id=connector_id, charging_profile=self.profile_to_wire(profile))

    def clear_charging_profile_request(self, *, profile_id: int | None, connector_id: int | None,
                                       purpose: ProfilePurpose | None,
                                       stack_level: int | None) -> v201_call.ClearChargingProfile:
        criteria = w.without_nones({"evse_id": connector_id,
                                    "charging_profile_purpose": None if purpose is None
                                    else self.purpose_name(purpose),
                                    "stack_level": stack_level})
        return v201_call.ClearChargingProfile(charging_profile_id=profile_id,
                                              charging_profile_criteria=criteria or None)

    def composite_schedule_request(self, connector_id: int, duration_s: int,
                                   unit: str | None) -> v201_call.GetCompositeSchedule:
        return v201_call.GetCompositeSchedule(duration=duration_s, evse_id=connector_id, charging_rate_unit=unit)

    def composite_from_reply(self, result: Any) -> CompositeSchedule:
        """From a GetCompositeScheduleResponse (the library's dataclass or its snake_case dict)."""
        data = w.as_mapping(result, "")
        schedule = data.get("schedule") or {}
        unit = schedule.get("charging_rate_unit")
        return CompositeSchedule(
            start=w.composite_start(schedule.get("schedule_start")), duration_s=schedule.get("duration"),
            unit=None if unit is None else w.UNITS.get(unit),
            periods=w.composite_periods(schedule.get("charging_schedule_period")),
            status=str(data.get("status")), connector_id=schedule.get("evse_id"))

    def composite_reply(self, schedule: CompositeSchedule, connector_id: int) -> dict[str, Any]:
        """status and the ``schedule`` (CompositeScheduleType): evse_id, duration, schedule_start,
        charging_rate_unit, the periods."""
        if schedule.start is None or schedule.unit is None:
            raise ValueError("a composite schedule without start or unit cannot be reported")
        return {"status": "Accepted",
                "schedule": {"evse_id": connector_id, "duration": schedule.duration_s,
                             "schedule_start": format_schedule_time(schedule.start),
                             "charging_rate_unit": schedule.unit.value,
                             "charging_schedule_period": w.period_dicts(schedule.periods,
                                                                        with_phase_to_use=False)}}

    # ---- provisioning ----------------------------------------------------------------------------
    def reset_request(self, kind: str) -> v201_call.Reset:
        return v201_call.Reset(type=kind)

    def trigger_message_request(self, message: str, connector_id: int | None) -> v201_call.TriggerMessage:
        return v201_call.TriggerMessage(requested_message=message,
                                   evse=None if connector_id is None else {"id": connector_id})

    def configure_request(self, setting: Setting, value: str | int | float | bool) -> v201_call.SetVariables:
        component, variable = self.setting_variables[setting]
        return v201_call.SetVariables(set_variable_data=[{"attribute_value": setting_text(value),
                                                     "component": {"name": component},
                                                     "variable": {"name": variable}}])

    def configure_status(self, result: Any) -> str:
        entries = result.set_variable_result or []
        return str(entries[0].get("attribute_status")) if entries else "no result"

    # ---- meter values ------------------------------------------------------------------------------
    def meter_samples(self, charger_id: str, connector_id: int,
                      meter_value: list[dict[str, Any]]) -> list[MeterSample]:
        """2.0.1 carries the value as a number and ``unit_of_measure {unit, multiplier}``
        (value x 10^multiplier)."""
        samples: list[MeterSample] = []
        for entry in meter_value:
            timestamp = str(entry.get("timestamp", ""))
            for sv in entry.get("sampled_value", []):
                value = float(sv["value"])
                uom = sv.get("unit_of_measure") or {}
                value *= 10.0 ** int(uom.get("multiplier", 0))
                samples.append(MeterSample(charger_id, connector_id, timestamp,
                                           sv.get("measurand") or DEFAULT_MEASURAND, sv.get("phase"),
                                           value, uom.get("unit") or "Wh", sv.get("context")))
        return samples

    def sampled_value(self, measurand: str, value: float, unit: str, phase: str | None,
                      context: str) -> dict[str, Any]:
        """The value rounded to three decimals, its unit in ``unit_of_measure``."""
        out: dict[str, Any] = {"value": round(value, 3), "context": context, "measurand": measurand,
                               "location": "EV" if measurand == "SoC" else "Outlet",
                               "unit_of_measure": {"unit": unit}}
        if phase is not None:
            out["phase"] = phase
        return out


OCPP201 = Ocpp201()
