"""What an OCPP version object answers: the one place where 1.6J and 2.0.1 differ.

Code on either side of the wire (the bench's CSMS, the simulated charger, the suites) asks the
version object of the connection; it never compares version strings. Both versions implement
:class:`OcppVersion` with the same shape (v16.py, v201.py), as the ``ocpp`` library's own
``ocpp.v16`` / ``ocpp.v201`` packages do: names (subprotocol, purposes, reset kinds, statuses,
configuration keys or device-model variables), charging profiles to and from the wire, the
requests the CSMS sends and how their answers read, meter values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Literal

from links.ocpp.frames import MeterSample
from links.ocpp.smart_charging.model import ChargingProfile, CompositeSchedule, ProfilePurpose

__all__ = ["OcppVersion", "Setting", "setting_text"]

#: a charger setting a CSMS may write, whatever the version calls it (1.6 configuration key,
#: 2.0.1 component.variable)
Setting = Literal["measurands", "heartbeat_interval", "meter_interval", "connection_timeout"]


def setting_text(value: str | int | float | bool) -> str:
    """A configuration value as OCPP carries it: text, booleans as ``true`` / ``false``."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class OcppVersion(ABC):
    """One OCPP version (a singleton per version: compare with ``is``, print as its name)."""

    #: "1.6" / "2.0.1"
    name: str
    #: how a simulated charger's device parameter ``ocpp_version`` names it: "1.6J" / "2.0.1"
    label: str
    #: the link protocol key of a device profile: "ocpp16j" / "ocpp201"
    protocol: str
    #: the WebSocket subprotocol (OCPP-J 1.6 §3.1.2, 2.0.1 Part 4 §3.1.2)
    subprotocol: str
    #: the library's request and response dataclasses (``ocpp.v16.call`` ...)
    call: ModuleType
    call_result: ModuleType
    #: where a request addresses a connector ("connector_id") or an EVSE ("evse_id")
    connector_field: str
    #: the SetChargingProfile field holding the profile, and the profile's id field in it
    profile_field: str
    profile_id_field: str
    #: ChargingProfilePurposeType names
    purpose_names: Mapping[ProfilePurpose, str]
    #: Reset kind, of either version, -> this version's (Hard <-> Immediate, Soft <-> OnIdle)
    reset_kinds: Mapping[str, str]
    #: the BootNotification identity fields' maximum lengths (manufacturer, model, serial, firmware)
    boot_field_limits: Mapping[str, int]
    #: SetChargingProfile with the purpose and stack level of an installed profile on the same
    #: connector replaces it (1.6 §5.16); False: refused when their validity overlaps (2.0.1 K01)
    replaces_same_stack_level: bool
    #: a TxProfile sent by SetChargingProfile must name its transaction (2.0.1 K01.FR.03)
    tx_profile_names_transaction: bool
    #: the charger makes the transaction id (2.0.1); False: the CSMS gives it (1.6 StartTransaction.conf)
    charger_assigns_transaction_id: bool
    #: the Reset kind that reboots at once ("Hard" / "Immediate")
    immediate_reset: str
    #: the action a charger reports a transaction's start with, and its meter values during one
    #: (1.6 StartTransaction / MeterValues with transactionId; 2.0.1 TransactionEvent Started / Updated)
    transaction_start_action: str
    transaction_sample_action: str

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<OCPP {self.name}>"

    # ---- names -----------------------------------------------------------------------------------
    def purpose_name(self, purpose: ProfilePurpose | str) -> str:
        """The wire name of a charging-profile purpose."""
        return self.purpose_names[ProfilePurpose.parse(purpose)]

    def purpose_of(self, wire_name: str) -> ProfilePurpose | None:
        """The purpose this version calls ``wire_name`` (None: not one of its names)."""
        return next((p for p, name in self.purpose_names.items() if name == wire_name), None)

    def field_path(self, key: str) -> str:
        """The path of a charging-profile field in SetChargingProfile (``stack_level`` ->
        ``cs_charging_profiles.stack_level``; the id field is the version's own)."""
        return f"{self.profile_field}.{self.profile_id_field if key == 'profile_id' else key}"

    @abstractmethod
    def connector_status(self, state: str) -> str:
        """The StatusNotification status of a :class:`~links.ocpp.transactions.ConnectorState`."""

    # ---- charging profiles ---------------------------------------------------------------------------
    @abstractmethod
    def profile_from_wire(self, data: Any, *, path: str | None = None,
                          max_periods: int | None = None) -> ChargingProfile:
        """Read and check a received charging profile (snake_case, as the library hands it over);
        :class:`~links.ocpp.smart_charging.model.ProfileError` names the bad field."""

    @abstractmethod
    def profile_to_wire(self, profile: ChargingProfile) -> dict[str, Any]:
        """The profile object of a SetChargingProfile (snake_case); refuses what the version cannot
        carry (:class:`~links.ocpp.smart_charging.model.InvalidChargingProfile`)."""

    @abstractmethod
    def set_charging_profile_request(self, profile: ChargingProfile, connector_id: int) -> Any:
        """SetChargingProfile for connector/EVSE ``connector_id`` (0 = the whole station)."""

    @abstractmethod
    def clear_charging_profile_request(self, *, profile_id: int | None, connector_id: int | None,
                                       purpose: ProfilePurpose | None, stack_level: int | None) -> Any:
        """ClearChargingProfile by id and/or criteria (none: clear all)."""

    @abstractmethod
    def composite_schedule_request(self, connector_id: int, duration_s: int, unit: str | None) -> Any:
        """GetCompositeSchedule for ``duration_s`` from now."""

    @abstractmethod
    def composite_from_reply(self, result: Any) -> CompositeSchedule:
        """A GetCompositeSchedule answer as given (status, and the schedule when there is one)."""

    @abstractmethod
    def composite_reply(self, schedule: CompositeSchedule, connector_id: int) -> dict[str, Any]:
        """The keyword arguments of an Accepted GetCompositeSchedule answer (every period needs a
        limit)."""

    # ---- provisioning ----------------------------------------------------------------------------
    @abstractmethod
    def reset_request(self, kind: str) -> Any:
        """Reset of this version's ``kind`` (see :attr:`reset_kinds`)."""

    @abstractmethod
    def trigger_message_request(self, message: str, connector_id: int | None) -> Any:
        """TriggerMessage for ``message`` (on connector/EVSE ``connector_id`` when given)."""

    @abstractmethod
    def configure_request(self, setting: Setting, value: str | int | float | bool) -> Any:
        """Write a charger setting: 1.6 ChangeConfiguration of its key, 2.0.1 SetVariables of its
        variable."""

    @abstractmethod
    def configure_status(self, result: Any) -> str:
        """The status of a :meth:`configure_request` answer ("Accepted", "Rejected", ...)."""

    # ---- meter values ------------------------------------------------------------------------------
    @abstractmethod
    def meter_samples(self, charger_id: str, connector_id: int,
                      meter_value: list[dict[str, Any]]) -> list[MeterSample]:
        """Flatten a (snake_case) ``meter_value`` list into samples, values scaled to their unit
        (``Wh`` when absent). Raises ValueError on a value that is not a number."""

    @abstractmethod
    def sampled_value(self, measurand: str, value: float, unit: str, phase: str | None,
                      context: str) -> dict[str, Any]:
        """One SampledValue (snake_case) as a charger writes it (location Outlet; EV for SoC)."""
