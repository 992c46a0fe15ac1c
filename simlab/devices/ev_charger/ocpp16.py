"""OCPP 1.6J charge point of the simulated EV charger (the ``ocpp`` library's ChargePoint, client side).

The version-neutral behaviour (timers, outbox, transactions, reconnects, reboot) is in charger.py;
this module sends it as OCPP 1.6J messages and answers the Central System's requests, with the
version object :data:`~links.ocpp.versions.OCPP16J` for every name and wire form (profiles,
composite schedules, sampled values, configuration keys):

* charge point -> CSMS: BootNotification (§4.2), Heartbeat (§4.6), StatusNotification (§4.9) for
  connector 0 (main controller) and 1, StartTransaction (§4.8) / StopTransaction (§4.10),
  MeterValues (§4.7) with ``transactionId`` inside a transaction;
* CSMS -> charge point: SetChargingProfile (§5.16), ClearChargingProfile (§5.5),
  GetCompositeSchedule (§5.7), Reset (§5.14), ChangeConfiguration (§5.3), GetConfiguration (§5.8),
  TriggerMessage (§5.17), RemoteStartTransaction (§5.11), RemoteStopTransaction (§5.12),
  ChangeAvailability (§5.2). Any other action is answered by the library with CALLERROR
  NotImplemented (a 1.6 action) or NotSupported (not a 1.6 action) and the connection stays up,
  unless the knob ``closes_socket_on_unknown_message`` is set.

Configuration keys (§9.1 Core, §9.4 Smart Charging): see :data:`CONFIGURATION_KEYS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

from links.ocpp.smart_charging.model import ProfilePurpose
from links.ocpp.transactions import ConnectorState
from links.ocpp.versions import OCPP16J, OcppVersion, Setting
from simlab.devices.ev_charger.charger import CONNECTOR_ID, ChargingSession, MeterSampleValue, Outgoing
from simlab.devices.ev_charger.cp_common import ProtocolBase, SimChargePointMixin, apply_setting

if TYPE_CHECKING:
    from simlab.devices.ev_charger.charger import EvChargerSim

__all__ = ["Ocpp16Protocol", "ChargePoint16", "CONFIGURATION_KEYS"]


#: key -> readonly. Writable keys change the charger's behaviour; read-only keys describe it.
CONFIGURATION_KEYS: dict[str, bool] = {
    "HeartbeatInterval": False,
    "MeterValueSampleInterval": False,
    "MeterValuesSampledData": False,
    "ConnectionTimeOut": False,
    "ClockAlignedDataInterval": True,          # clock-aligned data is not implemented: fixed 0
    "NumberOfConnectors": True,
    "SupportedFeatureProfiles": True,
    "StopTransactionOnEVSideDisconnect": True,
    "LocalAuthorizeOffline": True,
    "AuthorizeRemoteTxRequests": True,
    "WebSocketPingInterval": True,
    "ChargeProfileMaxStackLevel": True,
    "ChargingScheduleAllowedChargingRateUnit": True,
    "ChargingScheduleMaxPeriods": True,
    "MaxChargingProfilesInstalled": True,
}

#: writable key -> the charger setting it writes
_WRITABLE: dict[str, Setting] = {key: setting for setting, key in OCPP16J.setting_keys.items()}


def _config_value(charger: EvChargerSim, key: str) -> str:
    config = charger.config
    limits = charger.smart_charging_limits()
    values = {
        "HeartbeatInterval": str(int(config.heartbeat_interval_s)),
        "MeterValueSampleInterval": str(int(config.meter_value_interval_s)),
        "MeterValuesSampledData": ",".join(config.measurands),
        "ConnectionTimeOut": str(int(config.connection_timeout_s)),
        "ClockAlignedDataInterval": "0",
        "NumberOfConnectors": "1",
        "SupportedFeatureProfiles": "Core,SmartCharging,RemoteTrigger",
        "StopTransactionOnEVSideDisconnect": "true",
        "LocalAuthorizeOffline": "true",
        "AuthorizeRemoteTxRequests": "false",
        "WebSocketPingInterval": "0",
        "ChargeProfileMaxStackLevel": str(limits.max_stack_level),
        "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
        "ChargingScheduleMaxPeriods": str(limits.max_periods),
        "MaxChargingProfilesInstalled": str(limits.max_profiles),
    }
    return values[key]


def _change_config(charger: EvChargerSim, key: str, value: str) -> str:
    """ChangeConfiguration.conf status for ``key`` = ``value`` (§5.3)."""
    if key not in CONFIGURATION_KEYS:
        return "NotSupported"
    if CONFIGURATION_KEYS[key]:
        return "Rejected"
    return apply_setting(charger, _WRITABLE[key], value)


class ChargePoint16(SimChargePointMixin, V16ChargePoint):
    """The library's 1.6 ChargePoint with the charge point's handlers of CSMS-initiated requests."""

    # ---- smart charging (§5.5, §5.7, §5.16) ---------------------------------------------------
    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict[str, Any]
                                ) -> call_result.SetChargingProfile:
        try:
            profile = OCPP16J.profile_from_wire(cs_charging_profiles, max_periods=self.charger.limits.max_periods)
        except ValueError:
            return call_result.SetChargingProfile(status="Rejected")
        return call_result.SetChargingProfile(status=self.charger.install_profile(profile, connector_id))

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, id: int | None = None, connector_id: int | None = None,  # noqa: A002
                                  charging_profile_purpose: str | None = None,
                                  stack_level: int | None = None) -> call_result.ClearChargingProfile:
        status = self.charger.clear_profiles(profile_id=id, connector_id=connector_id,
                                             purpose=charging_profile_purpose, stack_level=stack_level)
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, connector_id: int, duration: int,
                                  charging_rate_unit: str | None = None) -> call_result.GetCompositeSchedule:
        if connector_id not in (0, CONNECTOR_ID):
            return call_result.GetCompositeSchedule(status="Rejected")
        schedule = self.charger.composite_schedule(connector_id, self.charger.now(), duration, charging_rate_unit)
        return call_result.GetCompositeSchedule(**OCPP16J.composite_reply(schedule, connector_id))

    # ---- core (§5.2, §5.3, §5.8, §5.11, §5.12, §5.14, §5.17) ------------------------------------
    @on(Action.reset)
    def on_reset(self, type: str) -> call_result.Reset:  # noqa: A002 - the payload's field name
        return call_result.Reset(status="Accepted" if self.charger.request_reset(type) != "Rejected"
                                 else "Rejected")

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str) -> call_result.ChangeConfiguration:
        return call_result.ChangeConfiguration(status=_change_config(self.charger, key, value))

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None) -> call_result.GetConfiguration:
        wanted = key if key else list(CONFIGURATION_KEYS)
        known = [{"key": k, "readonly": CONFIGURATION_KEYS[k], "value": _config_value(self.charger, k)}
                 for k in wanted if k in CONFIGURATION_KEYS]
        unknown = [k for k in wanted if k not in CONFIGURATION_KEYS]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, connector_id: int | None = None
                           ) -> call_result.TriggerMessage:
        if connector_id not in (None, 0, CONNECTOR_ID):
            return call_result.TriggerMessage(status="Rejected")
        return call_result.TriggerMessage(status=self.charger.trigger(requested_message))

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag: str, connector_id: int | None = None,
                                    charging_profile: dict[str, Any] | None = None
                                    ) -> call_result.RemoteStartTransaction:
        profile = None
        if connector_id not in (None, CONNECTOR_ID):
            return call_result.RemoteStartTransaction(status="Rejected")
        if charging_profile is not None:
            try:
                profile = OCPP16J.profile_from_wire(charging_profile, path="charging_profile",
                                                    max_periods=self.charger.limits.max_periods)
            except ValueError:
                return call_result.RemoteStartTransaction(status="Rejected")
            if profile.purpose is not ProfilePurpose.TX:   # §5.11: only a TxProfile may come along
                return call_result.RemoteStartTransaction(status="Rejected")
        return call_result.RemoteStartTransaction(status=self.charger.remote_start(id_tag, profile, None))

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int) -> call_result.RemoteStopTransaction:
        status = self.charger.remote_stop(lambda tx: tx.csms_id == transaction_id)
        return call_result.RemoteStopTransaction(status=status)

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str  # noqa: A002
                               ) -> call_result.ChangeAvailability:
        if connector_id not in (0, CONNECTOR_ID):
            return call_result.ChangeAvailability(status="Rejected")
        return call_result.ChangeAvailability(status=self.charger.change_availability(type == "Operative"))


class Ocpp16Protocol(ProtocolBase):
    """OCPP 1.6J messages of the simulated charger (see :class:`charger.OcppProtocol`)."""

    version: OcppVersion = OCPP16J
    triggered_meter_values_in_transaction: bool = True

    def charge_point(self, charger: EvChargerSim, connection: Any) -> ChargePoint16:
        return ChargePoint16(charger, connection, self.settings.call_timeout_s)

    def boot_request(self, reason: str) -> call.BootNotification:
        ident = self.identity
        return call.BootNotification(charge_point_vendor=ident.vendor, charge_point_model=ident.model,
                                     charge_point_serial_number=ident.serial_number,
                                     firmware_version=ident.firmware_version)

    def heartbeat_request(self) -> call.Heartbeat:
        return call.Heartbeat()

    def _status(self, connector_id: int, state: str, t_s: float) -> Outgoing:
        request = call.StatusNotification(
            connector_id=connector_id, error_code="NoError" if state != ConnectorState.FAULTED else "OtherError",
            status=OCPP16J.connector_status(state), timestamp=self._ts(t_s))
        return Outgoing(t_s, "StatusNotification", lambda: request, False)

    def state_messages(self, old: str | None, new: str, tx: ChargingSession | None, t_s: float) -> list[Outgoing]:
        return [self._status(CONNECTOR_ID, new, t_s)]

    def boot_status_messages(self, state: str, t_s: float) -> list[Outgoing]:
        main = state if state in (ConnectorState.UNAVAILABLE, ConnectorState.FAULTED) else ConnectorState.AVAILABLE
        return [self._status(0, main, t_s), self._status(CONNECTOR_ID, state, t_s)]

    def transaction_started(self, tx: ChargingSession, t_s: float, trigger: str) -> list[Outgoing]:
        request = call.StartTransaction(connector_id=tx.connector_id, id_tag=tx.id_tag,
                                        meter_start=int(round(tx.meter_start_wh)), timestamp=self._ts(t_s))

        def on_result(result: Any) -> None:
            status = (result.id_tag_info or {}).get("status")
            if self.charger is not None:
                self.charger.transaction_started_result(tx, status == "Accepted", int(result.transaction_id))

        return [Outgoing(t_s, "StartTransaction", lambda: request, True, on_result)]

    def transaction_ended(self, tx: ChargingSession, t_s: float, reason: str,
                          meter_stop_wh: float) -> list[Outgoing]:
        timestamp = self._ts(t_s)

        def build() -> call.StopTransaction | None:
            if tx.csms_id is None:
                return None          # the CSMS never numbered this transaction
            return call.StopTransaction(meter_stop=int(round(meter_stop_wh)), timestamp=timestamp,
                                        transaction_id=tx.csms_id, id_tag=tx.id_tag,
                                        reason=OCPP16J.stop_reason(reason))

        return [Outgoing(t_s, "StopTransaction", build, True)]

    def meter_values(self, tx: ChargingSession | None, t_s: float, samples: list[MeterSampleValue],
                     context: str) -> list[Outgoing]:
        meter_value: list[dict[str, Any]] = [{"timestamp": self._ts(t_s), "sampled_value": [
            OCPP16J.sampled_value(s.measurand, s.value, s.unit, s.phase, context) for s in samples]}]
        if self.settings.meter_values_break_schema:     # fault knob: the required timestamp is missing
            del meter_value[0]["timestamp"]

        def build() -> call.MeterValues:
            return call.MeterValues(connector_id=CONNECTOR_ID, meter_value=meter_value,
                                    transaction_id=None if tx is None else tx.csms_id)

        return [Outgoing(t_s, "MeterValues", build, tx is not None)]
