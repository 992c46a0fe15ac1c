"""OCPP 2.0.1 charging station of the simulated EV charger (the ``ocpp`` library's ChargePoint, client side).

Same shape as ocpp16.py; the version-neutral behaviour is in charger.py, every name and wire form
(profiles, composite schedules, statuses, stop reasons, sampled values, device-model variables) is
the version object's (:data:`~links.ocpp.versions.OCPP201`). One EVSE (id 1) with one connector
(id 1). Sources: OCPP 2.0.1 Part 2 (edition 3):

* station -> CSMS: BootNotification (B01), Heartbeat (G02), StatusNotification (G01; connector
  status Available / Occupied / Unavailable / Faulted), TransactionEvent Started / Updated / Ended
  (E01-E07: chargingState changes, periodic meter values with ``SampledDataCtrlr.TxUpdatedInterval``,
  ``offline = true`` for events generated while offline, seqNo per transaction), MeterValues
  outside transactions (J01);
* CSMS -> station: SetChargingProfile (K01), ClearChargingProfile (K10), GetCompositeSchedule (K08),
  Reset Immediate / OnIdle (B11, B12; an EVSE-level reset is Rejected), SetVariables (B05),
  GetVariables (B06), TriggerMessage (F06), RequestStartTransaction (F01),
  RequestStopTransaction (F03), ChangeAvailability (G03). Any other action: CALLERROR
  NotImplemented / NotSupported from the library, the connection stays up (unless the knob
  ``closes_socket_on_unknown_message``).

Device model: only the ``Actual`` attribute of the variables in :data:`VARIABLES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action

from links.ocpp.smart_charging.model import ProfilePurpose
from links.ocpp.versions import OCPP201, OcppVersion, Setting
from simlab.devices.ev_charger.charger import CONNECTOR_ID, ChargingSession, MeterSampleValue, Outgoing
from simlab.devices.ev_charger.cp_common import ProtocolBase, SimChargePointMixin, apply_setting

if TYPE_CHECKING:
    from simlab.devices.ev_charger.charger import EvChargerSim

__all__ = ["Ocpp201Protocol", "ChargePoint201", "VARIABLES"]

EVSE_ID = 1

#: (component, variable) -> read-only. Writable ones change the station's behaviour.
VARIABLES: dict[tuple[str, str], bool] = {
    ("OCPPCommCtrlr", "HeartbeatInterval"): False,
    ("SampledDataCtrlr", "TxUpdatedInterval"): False,
    ("SampledDataCtrlr", "TxUpdatedMeasurands"): False,
    ("SampledDataCtrlr", "Enabled"): True,
    ("TxCtrlr", "EVConnectionTimeOut"): False,
    ("SmartChargingCtrlr", "Enabled"): True,
    ("SmartChargingCtrlr", "RateUnit"): True,
    ("SmartChargingCtrlr", "PeriodsPerSchedule"): True,
    ("SmartChargingCtrlr", "ProfileStackLevel"): True,
    ("SmartChargingCtrlr", "Entries"): True,
    ("ChargingStation", "AvailabilityState"): True,
    ("SecurityCtrlr", "SecurityProfile"): True,
    ("SecurityCtrlr", "Identity"): True,
}

#: writable variable -> the charger setting it writes
_WRITABLE: dict[tuple[str, str], Setting] = {variable: setting
                                             for setting, variable in OCPP201.setting_variables.items()}


def _get_variable(charger: EvChargerSim, component: str, variable: str) -> str:
    config, limits = charger.config, charger.smart_charging_limits()
    endpoint = charger.endpoint
    values = {
        ("OCPPCommCtrlr", "HeartbeatInterval"): str(int(config.heartbeat_interval_s)),
        ("SampledDataCtrlr", "TxUpdatedInterval"): str(int(config.meter_value_interval_s)),
        ("SampledDataCtrlr", "TxUpdatedMeasurands"): ",".join(config.measurands),
        ("SampledDataCtrlr", "Enabled"): "true",
        ("TxCtrlr", "EVConnectionTimeOut"): str(int(config.connection_timeout_s)),
        ("SmartChargingCtrlr", "Enabled"): "true",
        ("SmartChargingCtrlr", "RateUnit"): "A,W",
        ("SmartChargingCtrlr", "PeriodsPerSchedule"): str(limits.max_periods),
        ("SmartChargingCtrlr", "ProfileStackLevel"): str(limits.max_stack_level),
        ("SmartChargingCtrlr", "Entries"): str(limits.max_profiles),
        ("ChargingStation", "AvailabilityState"): "Available" if config.operative else "Unavailable",
        ("SecurityCtrlr", "SecurityProfile"): str(endpoint.security_profile if endpoint else 0),
        ("SecurityCtrlr", "Identity"): endpoint.charger_id if endpoint else "",
    }
    return values[(component, variable)]


def _set_variable(charger: EvChargerSim, component: str, variable: str, value: str) -> str:
    """SetVariableStatusEnumType for one Actual value (B05)."""
    if (component, variable) not in VARIABLES:
        return "UnknownComponent" if component not in {c for c, _ in VARIABLES} else "UnknownVariable"
    if VARIABLES[(component, variable)]:
        return "Rejected"
    return apply_setting(charger, _WRITABLE[(component, variable)], value)


class ChargePoint201(SimChargePointMixin, V201ChargePoint):
    """The library's 2.0.1 ChargePoint with the station's handlers of CSMS-initiated requests."""

    # ---- smart charging (K01, K08, K10) -------------------------------------------------------
    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any], **_: Any
                                ) -> call_result.SetChargingProfile:
        try:
            profile = OCPP201.profile_from_wire(charging_profile, max_periods=self.charger.limits.max_periods)
        except ValueError as error:
            return call_result.SetChargingProfile(status="Rejected",
                                                  status_info={"reason_code": "InvalidProfile",
                                                               "additional_info": str(error)[:512]})
        return call_result.SetChargingProfile(status=self.charger.install_profile(profile, evse_id))

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, charging_profile_id: int | None = None,
                                  charging_profile_criteria: dict[str, Any] | None = None, **_: Any
                                  ) -> call_result.ClearChargingProfile:
        criteria = charging_profile_criteria or {}
        status = self.charger.clear_profiles(profile_id=charging_profile_id,
                                             connector_id=criteria.get("evse_id"),
                                             purpose=criteria.get("charging_profile_purpose"),
                                             stack_level=criteria.get("stack_level"))
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, duration: int, evse_id: int, charging_rate_unit: str | None = None,
                                  **_: Any) -> call_result.GetCompositeSchedule:
        if evse_id not in (0, EVSE_ID):
            return call_result.GetCompositeSchedule(status="Rejected")
        schedule = self.charger.composite_schedule(evse_id, self.charger.now(), duration, charging_rate_unit)
        return call_result.GetCompositeSchedule(**OCPP201.composite_reply(schedule, evse_id))

    # ---- provisioning, availability, transactions ----------------------------------------------
    @on(Action.reset)
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> call_result.Reset:  # noqa: A002
        if evse_id is not None:
            return call_result.Reset(status="Rejected")      # B12: EVSE reset not supported
        return call_result.Reset(status=self.charger.request_reset(type))

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> call_result.GetVariables:
        results = []
        for item in get_variable_data:
            component, variable = item["component"], item["variable"]
            key = (component["name"], variable["name"])
            result: dict[str, Any] = {"component": component, "variable": variable,
                                      "attribute_type": item.get("attribute_type", "Actual")}
            if item.get("attribute_type", "Actual") != "Actual" and key in VARIABLES:
                result["attribute_status"] = "NotSupportedAttributeType"
            elif key in VARIABLES:
                result["attribute_status"] = "Accepted"
                result["attribute_value"] = _get_variable(self.charger, *key)
            elif key[0] in {c for c, _ in VARIABLES}:
                result["attribute_status"] = "UnknownVariable"
            else:
                result["attribute_status"] = "UnknownComponent"
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> call_result.SetVariables:
        results = []
        for item in set_variable_data:
            component, variable = item["component"], item["variable"]
            if item.get("attribute_type", "Actual") != "Actual":
                status = "NotSupportedAttributeType"
            else:
                status = _set_variable(self.charger, component["name"], variable["name"],
                                       str(item["attribute_value"]))
            results.append({"attribute_type": item.get("attribute_type", "Actual"), "attribute_status": status,
                            "component": component, "variable": variable})
        return call_result.SetVariables(set_variable_result=results)

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
                           ) -> call_result.TriggerMessage:
        if evse is not None and evse.get("id") not in (0, EVSE_ID):
            return call_result.TriggerMessage(status="Rejected")
        if requested_message == "TransactionEvent" and self.charger.transaction is None:
            return call_result.TriggerMessage(status="Rejected")
        if requested_message == "BootNotification" and self.charger.booted:
            return call_result.TriggerMessage(status="Rejected")   # F06.FR.17: already accepted
        return call_result.TriggerMessage(status=self.charger.trigger(requested_message))

    @on(Action.request_start_transaction)
    def on_request_start_transaction(self, id_token: dict[str, Any], remote_start_id: int,
                                     evse_id: int | None = None, charging_profile: dict[str, Any] | None = None,
                                     **_: Any) -> call_result.RequestStartTransaction:
        if evse_id not in (None, EVSE_ID):
            return call_result.RequestStartTransaction(status="Rejected")
        profile = None
        if charging_profile is not None:
            try:
                profile = OCPP201.profile_from_wire(charging_profile, max_periods=self.charger.limits.max_periods)
            except ValueError:
                return call_result.RequestStartTransaction(status="Rejected")
            if profile.purpose is not ProfilePurpose.TX:      # F01.FR.12: only a TxProfile
                return call_result.RequestStartTransaction(status="Rejected")
        status = self.charger.remote_start(str(id_token["id_token"]), profile, remote_start_id,
                                           id_token_type=str(id_token.get("type", "Central")))
        return call_result.RequestStartTransaction(status=status)

    @on(Action.request_stop_transaction)
    def on_request_stop_transaction(self, transaction_id: str, **_: Any) -> call_result.RequestStopTransaction:
        status = self.charger.remote_stop(lambda tx: tx.local_id == transaction_id)
        return call_result.RequestStopTransaction(status=status)

    @on(Action.change_availability)
    def on_change_availability(self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
                               ) -> call_result.ChangeAvailability:
        if evse is not None and evse.get("id") not in (0, EVSE_ID):
            return call_result.ChangeAvailability(status="Rejected")
        return call_result.ChangeAvailability(
            status=self.charger.change_availability(operational_status == "Operative"))


class Ocpp201Protocol(ProtocolBase):
    """OCPP 2.0.1 messages of the simulated charging station (see :class:`charger.OcppProtocol`)."""

    version: OcppVersion = OCPP201
    triggered_meter_values_in_transaction: bool = False

    def _offline(self) -> bool | None:
        return None if self.charger is None or self.charger.online else True

    def charge_point(self, charger: EvChargerSim, connection: Any) -> ChargePoint201:
        return ChargePoint201(charger, connection, self.settings.call_timeout_s)

    def boot_request(self, reason: str) -> call.BootNotification:
        ident = self.identity
        station: dict[str, Any] = {"model": ident.model, "vendor_name": ident.vendor}
        if ident.serial_number:
            station["serial_number"] = ident.serial_number
        if ident.firmware_version:
            station["firmware_version"] = ident.firmware_version
        return call.BootNotification(charging_station=station, reason=reason)

    def heartbeat_request(self) -> call.Heartbeat:
        return call.Heartbeat()

    def _status(self, state: str, t_s: float) -> Outgoing:
        request = call.StatusNotification(timestamp=self._ts(t_s), connector_status=OCPP201.connector_status(state),
                                          evse_id=EVSE_ID, connector_id=CONNECTOR_ID)
        return Outgoing(t_s, "StatusNotification", lambda: request, False)

    def state_messages(self, old: str | None, new: str, tx: ChargingSession | None, t_s: float) -> list[Outgoing]:
        items = []
        if old is None or OCPP201.connector_status(old) != OCPP201.connector_status(new):
            items.append(self._status(new, t_s))
        if tx is not None and not tx.ended and tx.charging_state != OCPP201.charging_state(new):
            tx.charging_state = OCPP201.charging_state(new)
            items.append(self._event(tx, "Updated", "ChargingStateChanged", t_s, None))
        return items

    def boot_status_messages(self, state: str, t_s: float) -> list[Outgoing]:
        return [self._status(state, t_s)]

    def _event(self, tx: ChargingSession, event_type: str, trigger: str, t_s: float,
               meter_value: list[dict[str, Any]] | None, *, stopped_reason: str | None = None) -> Outgoing:
        info: dict[str, Any] = {"transaction_id": tx.local_id}
        if tx.charging_state is not None:
            info["charging_state"] = tx.charging_state
        if stopped_reason is not None:
            info["stopped_reason"] = stopped_reason
        if tx.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = tx.remote_start_id
        request = call.TransactionEvent(
            event_type=event_type, timestamp=self._ts(t_s), trigger_reason=trigger, seq_no=tx.next_seq_no(),
            transaction_info=info, meter_value=meter_value, offline=self._offline(),
            evse={"id": EVSE_ID, "connector_id": CONNECTOR_ID} if event_type == "Started" else None,
            id_token=({"id_token": tx.id_tag, "type": tx.id_token_type} if event_type == "Started" else None))
        return Outgoing(t_s, "TransactionEvent", lambda: request, True)

    def _meter_value(self, t_s: float, samples: list[MeterSampleValue], context: str) -> list[dict[str, Any]]:
        return [{"timestamp": self._ts(t_s), "sampled_value": [
            OCPP201.sampled_value(s.measurand, s.value, s.unit, s.phase, context) for s in samples]}]

    def transaction_started(self, tx: ChargingSession, t_s: float, trigger: str) -> list[Outgoing]:
        charger = self.charger
        if charger is not None:
            tx.charging_state = OCPP201.charging_state(charger.connector_state())
            samples = charger.meter_samples()
        else:
            samples = []
        energy = [s for s in samples if s.measurand == "Energy.Active.Import.Register"]
        return [self._event(tx, "Started", trigger, t_s,
                            self._meter_value(t_s, energy, "Transaction.Begin") if energy else None)]

    def transaction_ended(self, tx: ChargingSession, t_s: float, reason: str,
                          meter_stop_wh: float) -> list[Outgoing]:
        stopped, trigger = OCPP201.stop_reasons(reason)
        end_sample = [MeterSampleValue("Energy.Active.Import.Register", meter_stop_wh, "Wh")]
        tx.charging_state = "EVConnected" if self.charger is not None and \
            self.charger.electrical.cp_state in ("B", "C", "D") else "Idle"
        return [self._event(tx, "Ended", trigger, t_s, self._meter_value(t_s, end_sample, "Transaction.End"),
                            stopped_reason=stopped)]

    def meter_values(self, tx: ChargingSession | None, t_s: float, samples: list[MeterSampleValue],
                     context: str) -> list[Outgoing]:
        meter_value = self._meter_value(t_s, samples, context)
        if self.settings.meter_values_break_schema:     # fault knob: the required timestamp is missing
            for entry in meter_value:
                del entry["timestamp"]
        if tx is not None:
            trigger = "Trigger" if context == "Trigger" else "MeterValuePeriodic"
            return [self._event(tx, "Updated", trigger, t_s, meter_value)]
        request = call.MeterValues(evse_id=EVSE_ID, meter_value=meter_value)
        return [Outgoing(t_s, "MeterValues", lambda: request, False)]
