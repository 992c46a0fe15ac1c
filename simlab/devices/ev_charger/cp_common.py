"""Charge-point plumbing shared by the OCPP 1.6J (ocpp16.py) and 2.0.1 (ocpp201.py) sides of the sim.

What is the same in both versions lives here: the ChargePoint mix-in (identity, response timeout,
the ``closes_socket_on_unknown_message`` fault knob), the protocol base (identity, settings,
calendar, timestamps) and the writable-setting rules shared by ChangeConfiguration (OCPP 1.6 §5.3)
and SetVariables (OCPP 2.0.1 B05); which key or variable names a setting is the version object's
(:mod:`links.ocpp.versions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import NotSupportedError

from links.ocpp import fast_paths
from links.ocpp.timestamps import format_timestamp
from links.ocpp.versions import Setting
from simlab.devices.ev_charger.charger import SUPPORTED_MEASURANDS, ChargerIdentity, OcppSettings

if TYPE_CHECKING:
    from simlab.devices.ev_charger.charger import EvChargerSim

__all__ = ["SimChargePointMixin", "ProtocolBase", "apply_setting"]


class SimChargePointMixin:
    """Put before the library's ChargePoint class: the sim's identity and unknown-action handling.

    An action the library answers with CALLERROR NotImplemented / NotSupported closes the socket
    instead when the knob ``closes_socket_on_unknown_message`` is set.
    """

    def __init__(self, charger: EvChargerSim, connection: Any, response_timeout_s: float) -> None:
        super().__init__(charger.endpoint.charger_id if charger.endpoint else "ev_charger",  # type: ignore[call-arg]
                         connection, response_timeout=response_timeout_s)
        self.charger = charger
        fast_paths.install()   # as the bench's CSMS: same results, validation on the loop, no thread per message

    async def _handle_call(self, msg: Any) -> Any:
        try:
            return await super()._handle_call(msg)  # type: ignore[misc]
        except (OcppNotImplemented, NotSupportedError):
            if self.charger.settings.closes_socket_on_unknown_message:
                await self.charger.close_on_protocol_error()
                return None
            raise


class ProtocolBase:
    """State and helpers common to :class:`Ocpp16Protocol` and :class:`Ocpp201Protocol`."""

    def __init__(self, identity: ChargerIdentity, settings: OcppSettings,
                 calendar: Callable[[float], dt.datetime]) -> None:
        self.identity = identity
        self.settings = settings
        self.calendar = calendar
        self.charger: EvChargerSim | None = None

    def attach(self, charger: EvChargerSim) -> None:
        self.charger = charger

    def _ts(self, t_s: float) -> str:
        return format_timestamp(self.calendar(t_s))


def apply_setting(charger: EvChargerSim, setting: Setting, value: str) -> str:
    """Write one writable setting: ``"Accepted"``, or ``"Rejected"`` for an unsupported measurand
    or a time that is not a non-negative whole number of seconds."""
    if setting == "measurands":
        measurands = tuple(m.strip() for m in value.split(",") if m.strip())
        if not measurands or any(m not in SUPPORTED_MEASURANDS for m in measurands):
            return "Rejected"
        charger.config.measurands = measurands
        return "Accepted"
    try:
        seconds = int(value)
    except ValueError:
        return "Rejected"
    if seconds < 0:
        return "Rejected"
    if setting == "heartbeat_interval":
        charger.set_heartbeat_interval(float(seconds))
    elif setting == "meter_interval":
        charger.set_meter_interval(float(seconds))
    elif setting == "connection_timeout":
        charger.config.connection_timeout_s = float(seconds)
    return "Accepted"
