"""What the CEM keeps from the wire, and the S2 link's exceptions.

Exception tree (all under flexbench's ``LinkError``, so a failed exchange is INCONCLUSIVE, never
FAIL)::

    LinkError
     ├── S2NotConnected            no resource manager session is up (or not yet past the handshake)
     ├── S2Timeout                 (LinkTimeout) no ReceptionStatus / RM within the timeout
     ├── S2Rejected                the RM answered a CEM message with a ReceptionStatus other than OK
     ├── S2ControlTypeUnavailable  the RM does not offer the control type the bench needs
     ├── S2ConnectionClosed        the WebSocket closed while a message was outstanding
     └── ProtocolFrameError        (bench.errors) the RM answered a CEM message with a frame that
                                   breaks the schema or cannot be read (names message and frame)

Interoperability violations (unparseable JSON, schema breaches, out-of-order messages, missing
acknowledgements) are *not* raised: they are collected as :class:`links.violations.Violation` records for the
suites to judge (DESIGN principle 5). A rejected *instruction* is not raised either: its
ReceptionStatus is kept in its :class:`InstructionRecord` (a rejection is data about the DUT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.errors import LinkError, LinkTimeout

#: ``trace(direction, text)``: direction is ``"in:<rm_id>"`` (RM -> CEM), ``"out:<rm_id>"``
#: (CEM -> RM) or ``"event:<rm_id>"`` (connection opened / closed / refused, violations); text is
#: the raw WebSocket text frame (or the event). Called on the CEM thread: quick and thread-safe.
TraceCallback = Callable[[str, str], None]


class S2NotConnected(LinkError):
    """No resource manager is connected, or its session has not reached the needed state."""


class S2Timeout(LinkTimeout):
    """The RM did not acknowledge a message (or did not connect) within the timeout."""


class S2Rejected(LinkError):
    """The RM answered a CEM message with a ReceptionStatus other than OK (EN 50491-12-2)."""

    def __init__(self, message_type: str, status: str, diagnostic_label: str | None) -> None:
        self.message_type, self.status, self.diagnostic_label = message_type, status, diagnostic_label
        super().__init__(f"the RM answered {message_type} with ReceptionStatus {status}"
                         f"{f': {diagnostic_label}' if diagnostic_label else ''}")


class S2ControlTypeUnavailable(LinkError):
    """The RM's ResourceManagerDetails do not list the control type the bench needs."""


class S2ConnectionClosed(LinkError):
    """The RM's WebSocket closed while a message was outstanding."""


@dataclass(frozen=True)
class ReceptionRecord:
    """A ReceptionStatus the RM sent for one of the CEM's messages."""

    subject_message_id: str
    status: str              # ReceptionStatusValues: OK, INVALID_DATA, INVALID_MESSAGE, ...
    diagnostic_label: str | None
    received_at: dt.datetime


@dataclass(frozen=True)
class StatusUpdate:
    """One InstructionStatusUpdate (EN 50491-12-2 InstructionStatus: NEW, ACCEPTED, REJECTED,
    REVOKED, STARTED, SUCCEEDED, ABORTED)."""

    instruction_id: str
    status: str
    timestamp: dt.datetime   # the RM's own timestamp of the change
    received_at: dt.datetime  # bench calendar time the CEM received it


@dataclass
class InstructionRecord:
    """An instruction the CEM sent: what, when, how the RM acknowledged it and its status history."""

    instruction_id: str
    message_id: str
    message_type: str        # "PEBC.Instruction", "DDBC.Instruction", "FRBC.Instruction"
    execution_time: dt.datetime
    sent_at: dt.datetime
    session: int
    reception: ReceptionRecord | None = None
    updates: list[StatusUpdate] = field(default_factory=list)

    @property
    def accepted_on_wire(self) -> bool:
        """True when the RM acknowledged the instruction with ReceptionStatus OK."""
        return self.reception is not None and self.reception.status == "OK"


@dataclass(frozen=True)
class PowerSample:
    """One PowerMeasurement. ``values_w`` maps the CommodityQuantity to its value (S2 sign
    convention: consumption positive). ``consumption_w`` is the electric total: the sum of
    ELECTRIC.POWER.L1/L2/L3, or the ELECTRIC.POWER.3_PHASE_SYMMETRIC value, which this bench reads as
    the total over the three phases (see docs/s2.md)."""

    timestamp: dt.datetime   # the RM's measurement_timestamp
    received_at: dt.datetime
    values_w: dict[str, float]

    @property
    def consumption_w(self) -> float | None:
        if "ELECTRIC.POWER.3_PHASE_SYMMETRIC" in self.values_w:
            return self.values_w["ELECTRIC.POWER.3_PHASE_SYMMETRIC"]
        phases = [self.values_w[q] for q in ("ELECTRIC.POWER.L1", "ELECTRIC.POWER.L2",
                                             "ELECTRIC.POWER.L3") if q in self.values_w]
        return sum(phases) if phases else None


@dataclass(frozen=True)
class RmDetails:
    """The RM's ResourceManagerDetails (EN 50491-12-2 common messages), ids as sent on the wire."""

    resource_id: str
    name: str | None
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    roles: tuple[tuple[str, str], ...]                # (RoleType, Commodity)
    instruction_processing_delay_ms: int
    available_control_types: tuple[str, ...]          # full S2 names, e.g. POWER_ENVELOPE_BASED_CONTROL
    provides_forecast: bool
    provides_power_measurement_types: tuple[str, ...]
    currency: str | None
    raw: dict[str, Any]

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> RmDetails:
        return cls(resource_id=str(raw["resource_id"]), name=raw.get("name"),
                   manufacturer=raw.get("manufacturer"), model=raw.get("model"),
                   serial_number=raw.get("serial_number"),
                   firmware_version=raw.get("firmware_version"),
                   roles=tuple((r["role"], r["commodity"]) for r in raw["roles"]),
                   instruction_processing_delay_ms=int(raw["instruction_processing_delay"]),
                   available_control_types=tuple(raw["available_control_types"]),
                   provides_forecast=bool(raw["provides_forecast"]),
                   provides_power_measurement_types=tuple(raw["provides_power_measurement_types"]),
                   currency=raw.get("currency"), raw=raw)


@dataclass(frozen=True)
class ReceivedMessage:
    """Any valid message the RM sent, as parsed JSON (ids exactly as on the wire)."""

    message_type: str
    raw: dict[str, Any]
    received_at: dt.datetime
    session: int


__all__ = ["TraceCallback", "S2NotConnected", "S2Timeout", "S2Rejected",
           "S2ControlTypeUnavailable", "S2ConnectionClosed", "ReceptionRecord",
           "StatusUpdate", "InstructionRecord", "PowerSample", "RmDetails", "ReceivedMessage"]
