"""What the CSMS keeps from the wire: violations, meter samples, and the link's exceptions.

Exception tree (all under flexbench's ``LinkError``, so a failed call is INCONCLUSIVE, never FAIL)::

    LinkError
     ├── OcppNotConnected      no charger with that identity is connected
     ├── OcppCallTimeout       (LinkTimeout) no CALLRESULT/CALLERROR within the timeout
     ├── OcppCallError         the charger answered with a CALLERROR (code, description, details)
     ├── OcppInvalidResponse   the CALLRESULT broke the schema (also recorded as a Violation)
     ├── OcppConnectionClosed  the WebSocket closed while the call was outstanding
     └── OcppWrongVersion      (links.ocpp.commands) the operation is of the other OCPP version

Interoperability violations (schema, message order, JSON framing) are *not* raised: they are
collected as :class:`Violation` records for the suites to judge (DESIGN principle 5).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.errors import LinkError, LinkTimeout
from links.violations import Violation  # noqa: F401  (the OCPP modules import it from here)

#: ``trace(direction, text)``: direction is ``"in:<charger_id>"`` (charger -> CSMS) or
#: ``"out:<charger_id>"`` (CSMS -> charger) with the raw WebSocket text frame as text, or
#: ``"event:<charger_id>"`` with a one-line description of a connection event (connected, closed,
#: refused, disconnected by the bench). Called on the CSMS thread; it must be quick and thread-safe
#: (the recorder's append is).
TraceCallback = Callable[[str, str], None]


class OcppNotConnected(LinkError):
    """No charger with this identity is connected to the CSMS."""


class OcppCallTimeout(LinkTimeout):
    """The charger did not answer a CALL within the timeout (OCPP-J RPC framework, timeouts)."""


class OcppCallError(LinkError):
    """The charger answered a CALL with a CALLERROR."""

    def __init__(self, charger_id: str, action: str, code: str, description: str,
                 details: dict[str, Any] | None, frame: str = "") -> None:
        self.charger_id, self.action, self.code = charger_id, action, code
        self.description, self.details = description, details or {}
        self.frame = frame                      # the CALLERROR as received (evidence)
        super().__init__(f"{charger_id} answered {action} with CALLERROR {code}: {description} "
                         f"{self.details}")


class OcppInvalidResponse(LinkError):
    """The charger's CALLRESULT does not match the OCPP schema of the action."""

    def __init__(self, message: str, *, action: str = "", frame: str = "") -> None:
        super().__init__(message)
        self.action, self.frame = action, frame    # the request's action, the reply as received


class OcppConnectionClosed(LinkError):
    """The charger's WebSocket closed while a call was outstanding."""


@dataclass(frozen=True)
class ConnectionEvent:
    """A charger's connection came or went. ``kind``: "connected", "closed", "refused" (handshake
    refused: refuse_connections, authentication or certificate), "disconnected" (the bench closed it).
    ``calendar`` is the CSMS's ``now()`` (the bench calendar in a campaign)."""

    charger_id: str
    kind: str
    calendar: dt.datetime
    detail: str


@dataclass(frozen=True)
class RawReply:
    """What came back for a frame sent with ``send_raw``.

    ``kind``: "result" (CALLRESULT), "error" (CALLERROR), "invalid" (the charger answered with a frame
    that is not OCPP-J RPC; also recorded as a Violation), "closed" (the charger closed the
    WebSocket instead of answering) or "silent" (no answer within the timeout). ``frame`` is the raw
    reply text (None when closed or silent).
    """

    kind: str
    frame: str | None
    unique_id: str | None = None
    payload: Any = None                  # CALLRESULT payload, or CALLERROR errorDetails
    error_code: str | None = None
    error_description: str | None = None

    @classmethod
    def from_frame(cls, frame: str | None) -> RawReply:
        if frame is None:
            return cls("closed", None)
        try:
            message = json.loads(frame)
        except ValueError:
            return cls("invalid", frame)
        if isinstance(message, list) and len(message) == 3 and message[0] == 3:
            return cls("result", frame, str(message[1]), message[2])
        if isinstance(message, list) and len(message) == 5 and message[0] == 4:
            return cls("error", frame, str(message[1]), message[4], str(message[2]), str(message[3]))
        return cls("invalid", frame)


@dataclass(frozen=True)
class MeterSample:
    """One sampled value of a MeterValues / TransactionEvent frame, value scaled to ``unit``.

    ``connector_id`` is the 1.6 connectorId, or the 2.0.1 evseId. ``phase`` is None when the
    charger gave none (e.g. a total). Unit defaults to "Wh" when absent, as both schemas define.
    """

    charger_id: str
    connector_id: int
    timestamp: str
    measurand: str
    phase: str | None
    value: float
    unit: str
    context: str | None


#: The measurands the charger suites read (OCPP 1.6 §7.31 Measurand, OCPP 2.0.1 MeasurandEnumType).
SUITE_MEASURANDS = ("Power.Active.Import", "Current.Import", "Voltage", "Current.Offered")
DEFAULT_MEASURAND = "Energy.Active.Import.Register"
