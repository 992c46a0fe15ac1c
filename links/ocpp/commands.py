"""CSMS-initiated operations in one shape for OCPP 1.6J and 2.0.1 (mixed into :class:`CsmsServer`).

Each method builds the request of the connected charger's version, sends it with
``call(..., suppress=False)`` and turns the answer into a plain value. A CALLERROR raises
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

from ocpp.v16 import call as v16_call
from ocpp.v201 import call as v201_call

from bench.errors import BenchError, LinkError
from links.ocpp.profiles import (ChargingProfileSpec, CompositeSchedule, ProfilePurpose, composite_schedule_16,
                                 composite_schedule_201, set_charging_profile_request)

#: Reset kinds: 1.6 ResetType and 2.0.1 ResetEnumType; the other version's name is mapped
#: (Hard <-> Immediate, Soft <-> OnIdle).
RESET_KINDS = {"1.6": {"Hard": "Hard", "Soft": "Soft", "Immediate": "Hard", "OnIdle": "Soft"},
               "2.0.1": {"Immediate": "Immediate", "OnIdle": "OnIdle", "Hard": "Immediate", "Soft": "OnIdle"}}


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
    """Operations over :meth:`call`; the host class provides ``call``, ``ocpp_version`` and a default timeout."""

    def call_checked(self, charger_id: str, request: Any, timeout_s: float) -> Any:  # pragma: no cover - host
        raise NotImplementedError

    def ocpp_version(self, charger_id: str) -> str:  # pragma: no cover - host
        raise NotImplementedError

    def _timeout(self, timeout_s: float | None) -> float:  # pragma: no cover - host
        raise NotImplementedError

    def _require(self, charger_id: str, version: str, operation: str) -> None:
        found = self.ocpp_version(charger_id)
        if found != version:
            raise OcppWrongVersion(f"{operation} is OCPP {version}; charger {charger_id} speaks OCPP {found}")

    # ---- smart charging ----------------------------------------------------------------------
    def set_charging_profile(self, charger_id: str, profile: ChargingProfileSpec, connector_id: int,
                             *, timeout_s: float | None = None) -> str:
        """Send SetChargingProfile; return the status ("Accepted" / "Rejected").

        ``connector_id`` is the 1.6 connectorId or the 2.0.1 evseId (0 = the whole station).
        """
        request = set_charging_profile_request(profile, self.ocpp_version(charger_id), connector_id)
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    def get_composite_schedule(self, charger_id: str, connector_id: int, duration_s: int,
                               unit: str | None = None, *, timeout_s: float | None = None) -> CompositeSchedule:
        """GetCompositeSchedule for ``duration_s`` from now on connector/EVSE ``connector_id``."""
        version = self.ocpp_version(charger_id)
        if version == "1.6":
            result = self.call_checked(charger_id, v16_call.GetCompositeSchedule(
                connector_id=connector_id, duration=duration_s, charging_rate_unit=unit), self._timeout(timeout_s))
            return composite_schedule_16(result)
        result = self.call_checked(charger_id, v201_call.GetCompositeSchedule(
            duration=duration_s, evse_id=connector_id, charging_rate_unit=unit), self._timeout(timeout_s))
        return composite_schedule_201(result)

    def clear_charging_profile(self, charger_id: str, *, profile_id: int | None = None,
                               connector_id: int | None = None, purpose: ProfilePurpose | str | None = None,
                               stack_level: int | None = None, timeout_s: float | None = None) -> str:
        """ClearChargingProfile by id and/or criteria (none given: clear all); return the status
        ("Accepted" / "Unknown")."""
        version = self.ocpp_version(charger_id)
        wire_purpose = None if purpose is None else ProfilePurpose.parse(purpose).wire_name(version)
        request: Any
        if version == "1.6":
            request = v16_call.ClearChargingProfile(id=profile_id, connector_id=connector_id,
                                                    charging_profile_purpose=wire_purpose, stack_level=stack_level)
        else:
            criteria = {k: v for k, v in {"evse_id": connector_id, "charging_profile_purpose": wire_purpose,
                                          "stack_level": stack_level}.items() if v is not None}
            request = v201_call.ClearChargingProfile(charging_profile_id=profile_id,
                                                     charging_profile_criteria=criteria or None)
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    # ---- provisioning ------------------------------------------------------------------------
    def reset(self, charger_id: str, kind: str, *, timeout_s: float | None = None) -> str:
        """Reset: "Hard"/"Soft" (1.6) or "Immediate"/"OnIdle" (2.0.1), mapped across versions;
        return the status."""
        version = self.ocpp_version(charger_id)
        wire_kind = RESET_KINDS[version].get(kind)
        if wire_kind is None:
            raise OcppBadArgument(f"reset kind must be one of {sorted(RESET_KINDS[version])}, got {kind!r}")
        request = v16_call.Reset(type=wire_kind) if version == "1.6" else v201_call.Reset(type=wire_kind)
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    def trigger_message(self, charger_id: str, message: str, connector_id: int | None = None,
                        *, timeout_s: float | None = None) -> str:
        """TriggerMessage (e.g. "MeterValues", "StatusNotification", "Heartbeat"); return the status."""
        request: Any
        if self.ocpp_version(charger_id) == "1.6":
            request = v16_call.TriggerMessage(requested_message=message, connector_id=connector_id)
        else:
            request = v201_call.TriggerMessage(requested_message=message,
                                               evse=None if connector_id is None else {"id": connector_id})
        return str(self.call_checked(charger_id, request, self._timeout(timeout_s)).status)

    def change_configuration(self, charger_id: str, key: str, value: str | int | float | bool,
                             *, timeout_s: float | None = None) -> str:
        """1.6 ChangeConfiguration (values go on the wire as strings; booleans as "true"/"false");
        return the status ("Accepted", "Rejected", "RebootRequired", "NotSupported")."""
        self._require(charger_id, "1.6", "ChangeConfiguration")
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return str(self.call_checked(charger_id, v16_call.ChangeConfiguration(key=key, value=text),
                             self._timeout(timeout_s)).status)

    def get_configuration(self, charger_id: str, keys: Sequence[str] | None = None,
                          *, timeout_s: float | None = None) -> tuple[list[ConfigurationKey], list[str]]:
        """1.6 GetConfiguration; return (known keys, unknown key names)."""
        self._require(charger_id, "1.6", "GetConfiguration")
        result = self.call_checked(charger_id, v16_call.GetConfiguration(key=list(keys) if keys else None),
                           self._timeout(timeout_s))
        known = [ConfigurationKey(str(entry["key"]), entry.get("value"), bool(entry.get("readonly")))
                 for entry in result.configuration_key or []]
        return known, [str(k) for k in result.unknown_key or []]

    def set_variables(self, charger_id: str, values: Sequence[tuple[str, str, str | int | float | bool]],
                      *, evse_id: int | None = None, timeout_s: float | None = None) -> list[VariableResult]:
        """2.0.1 SetVariables for ``[(component, variable, value), ...]`` (attribute Actual)."""
        self._require(charger_id, "2.0.1", "SetVariables")
        data = [{"attribute_value": ("true" if v else "false") if isinstance(v, bool) else str(v),
                 "component": _component(c, evse_id), "variable": {"name": n}} for c, n, v in values]
        result = self.call_checked(charger_id, v201_call.SetVariables(set_variable_data=data), self._timeout(timeout_s))
        return [_variable_result(entry) for entry in result.set_variable_result]

    def get_variables(self, charger_id: str, names: Sequence[tuple[str, str]], *, evse_id: int | None = None,
                      timeout_s: float | None = None) -> list[VariableResult]:
        """2.0.1 GetVariables for ``[(component, variable), ...]`` (attribute Actual)."""
        self._require(charger_id, "2.0.1", "GetVariables")
        data = [{"component": _component(c, evse_id), "variable": {"name": n}} for c, n in names]
        result = self.call_checked(charger_id, v201_call.GetVariables(get_variable_data=data), self._timeout(timeout_s))
        return [_variable_result(entry) for entry in result.get_variable_result]


__all__ = ["ConfigurationKey", "CsmsCommandsMixin", "OcppBadArgument", "OcppWrongVersion", "RESET_KINDS", "VariableResult"]
