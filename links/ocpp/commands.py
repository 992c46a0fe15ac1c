"""CSMS-initiated operations in one shape for OCPP 1.6J and 2.0.1 (mixed into :class:`CsmsServer`).

Each method has the connected charger's version object (:mod:`links.ocpp.versions`) build the
request, sends it with ``call(..., suppress=False)`` and turns the answer into a plain value. A CALLERROR raises
``OcppCallError``; an answer that breaks the schema raises ``OcppInvalidResponse`` (and is recorded
as a Violation); no answer raises ``OcppCallTimeout`` (all ``LinkError``: inconclusive, never FAIL).
Calling a version-specific operation on a charger of the other version raises ``OcppWrongVersion``.

Sources: OCPP 1.6 §5.3 ChangeConfiguration, §5.5 ClearChargingProfile, §5.7 GetCompositeSchedule,
§5.8 GetConfiguration, §5.14 Reset, §5.16 SetChargingProfile, §5.17 TriggerMessage; OCPP 2.0.1
Part 2 B06 GetVariables, B05 SetVariables, B11/B12 Reset, K01 SetChargingProfile, K10
ClearChargingProfile, K08 GetCompositeSchedule, F06 TriggerMessage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.errors import BenchError, LinkError
from links.ocpp.smart_charging.model import ChargingProfile, CompositeSchedule, ProfilePurpose
from links.ocpp.versions import OCPP16J, OCPP201, OcppVersion, Setting, setting_text


class OcppWrongVersion(LinkError):
    """The operation exists only in the other OCPP version than the charger speaks."""


class OcppBadArgument(BenchError, ValueError):
    """The bench asked for an operation with an argument OCPP does not define (a bench-side error)."""


@dataclass(frozen=True)
class ConfigurationKey:
    """One entry of a 1.6 GetConfiguration.conf (§7.29 KeyValue)."""

    key: str
    value: str | None
    readonly: bool


@dataclass(frozen=True)
class VariableResult:
    """One entry of a 2.0.1 Get/SetVariables response.

    ``status`` is the attributeStatus; ``value`` is the attributeValue (GetVariables only).
    """

    component: str
    variable: str
    status: str
    value: str | None = None
    attribute_type: str | None = None
    evse_id: int | None = None


def _name(entry: dict[str, Any], key: str) -> str:
    return str((entry.get(key) or {}).get("name", ""))


def _variable_result(entry: dict[str, Any]) -> VariableResult:
    evse = (entry.get("component") or {}).get("evse") or {}
    return VariableResult(component=_name(entry, "component"), variable=_name(entry, "variable"),
                          status=str(entry.get("attribute_status")), value=entry.get("attribute_value"),
                          attribute_type=entry.get("attribute_type"),
                          evse_id=None if evse.get("id") is None else int(evse["id"]))


def _component(component: str, evse_id: int | None) -> dict[str, Any]:
    return {"name": component, **({"evse": {"id": evse_id}} if evse_id is not None else {})}


class CsmsCommandsMixin:
    """Operations over :meth:`call_checked`; the host class provides ``call_checked``, ``version`` and a
    default timeout."""

    def call_checked(self, charger_id: str, request: Any, timeout_s: float) -> Any:  # pragma: no cover - host
        raise NotImplementedError

    def version(self, charger_id: str) -> OcppVersion:  # pragma: no cover - host
        raise NotImplementedError

    def _timeout(self, timeout_s: float | None) -> float:  # pragma: no cover - host
        raise NotImplementedError

    def _require(self, charger_id: str, version: OcppVersion, operation: str) -> None:
        found = self.version(charger_id)
        if found is not version:
            raise OcppWrongVersion(f"{operation} is OCPP {version}; charger {charger_id} speaks OCPP {found}")

    # ---- smart charging ----------------------------------------------------------------------
    def set_charging_profile(self, charger_id: str, profile: ChargingProfile, connector_id: int,
                             *, timeout_s: float | None = None) -> str:
        """Send SetChargingProfile; return the status ("Accepted" / "Rejected").

        ``connector_id`` is the 1.6 connectorId or the 2.0.1 evseId (0 = the whole station).
        """
        request = self.version(charger_id).set_charging_profile_request(profile, connector_id)
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    def get_composite_schedule(self, charger_id: str, connector_id: int, duration_s: int,
                               unit: str | None = None, *, timeout_s: float | None = None) -> CompositeSchedule:
        """GetCompositeSchedule for ``duration_s`` from now on connector/EVSE ``connector_id``: the
        charger's answer with its status (no periods when it gave no schedule)."""
        version = self.version(charger_id)
        result = self.call_checked(charger_id, version.composite_schedule_request(connector_id, duration_s, unit),
                                   self._timeout(timeout_s))
        return version.composite_from_reply(result)

    def clear_charging_profile(self, charger_id: str, *, profile_id: int | None = None,
                               connector_id: int | None = None, purpose: ProfilePurpose | str | None = None,
                               stack_level: int | None = None, timeout_s: float | None = None) -> str:
        """ClearChargingProfile by id and/or criteria (none given: clear all); return the status
        ("Accepted" / "Unknown")."""
        request = self.version(charger_id).clear_charging_profile_request(
            profile_id=profile_id, connector_id=connector_id, stack_level=stack_level,
            purpose=None if purpose is None else ProfilePurpose.parse(purpose))
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    # ---- provisioning ------------------------------------------------------------------------
    def reset(self, charger_id: str, kind: str, *, timeout_s: float | None = None) -> str:
        """Reset: "Hard"/"Soft" (1.6) or "Immediate"/"OnIdle" (2.0.1), mapped across versions;
        return the status."""
        version = self.version(charger_id)
        wire_kind = version.reset_kinds.get(kind)
        if wire_kind is None:
            raise OcppBadArgument(f"reset kind must be one of {sorted(version.reset_kinds)}, got {kind!r}")
        return str(self.call_checked(charger_id, version.reset_request(wire_kind), self._timeout(timeout_s)).status)

    def trigger_message(self, charger_id: str, message: str, connector_id: int | None = None,
                        *, timeout_s: float | None = None) -> str:
        """TriggerMessage (e.g. "MeterValues", "StatusNotification", "Heartbeat"); return the status."""
        request = self.version(charger_id).trigger_message_request(message, connector_id)
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    def configure(self, charger_id: str, setting: Setting, value: str | int | float | bool,
                  *, timeout_s: float | None = None) -> str:
        """Write a charger setting by its neutral name ("meter_interval", "measurands",
        "heartbeat_interval", "connection_timeout"): 1.6 ChangeConfiguration of its key, 2.0.1
        SetVariables of its variable; return the status ("Accepted", "Rejected", ...)."""
        version = self.version(charger_id)
        result = self.call_checked(charger_id, version.configure_request(setting, value), self._timeout(timeout_s))
        return version.configure_status(result)

    def change_configuration(self, charger_id: str, key: str, value: str | int | float | bool,
                             *, timeout_s: float | None = None) -> str:
        """1.6 ChangeConfiguration (values go on the wire as strings; booleans as "true"/"false");
        return the status ("Accepted", "Rejected", "RebootRequired", "NotSupported")."""
        self._require(charger_id, OCPP16J, "ChangeConfiguration")
        request = OCPP16J.call.ChangeConfiguration(key=key, value=setting_text(value))
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    def get_configuration(self, charger_id: str, keys: Sequence[str] | None = None,
                          *, timeout_s: float | None = None) -> tuple[list[ConfigurationKey], list[str]]:
        """1.6 GetConfiguration; return (known keys, unknown key names)."""
        self._require(charger_id, OCPP16J, "GetConfiguration")
        result = self.call_checked(charger_id, OCPP16J.call.GetConfiguration(key=list(keys) if keys else None),
                                   self._timeout(timeout_s))
        known = [ConfigurationKey(str(entry["key"]), entry.get("value"), bool(entry.get("readonly")))
                 for entry in result.configuration_key or []]
        return known, [str(k) for k in result.unknown_key or []]

    def set_variables(self, charger_id: str, values: Sequence[tuple[str, str, str | int | float | bool]],
                      *, evse_id: int | None = None, timeout_s: float | None = None) -> list[VariableResult]:
        """2.0.1 SetVariables for ``[(component, variable, value), ...]`` (attribute Actual)."""
        self._require(charger_id, OCPP201, "SetVariables")
        data = [{"attribute_value": setting_text(v), "component": _component(c, evse_id), "variable": {"name": n}}
                for c, n, v in values]
        result = self.call_checked(charger_id, OCPP201.call.SetVariables(set_variable_data=data),
                                   self._timeout(timeout_s))
        return [_variable_result(entry) for entry in result.set_variable_result]

    def get_variables(self, charger_id: str, names: Sequence[tuple[str, str]], *, evse_id: int | None = None,
                      timeout_s: float | None = None) -> list[VariableResult]:
        """2.0.1 GetVariables for ``[(component, variable), ...]`` (attribute Actual)."""
        self._require(charger_id, OCPP201, "GetVariables")
        data = [{"component": _component(c, evse_id), "variable": {"name": n}} for c, n in names]
        result = self.call_checked(charger_id, OCPP201.call.GetVariables(get_variable_data=data),
                                   self._timeout(timeout_s))
        return [_variable_result(entry) for entry in result.get_variable_result]


__all__ = ["ConfigurationKey", "CsmsCommandsMixin", "OcppBadArgument", "OcppWrongVersion", "VariableResult"]
