"""The simulated lab's S2 resource manager (RM, device side of EN 50491-12-2), in virtual time.

Built on s2-python 0.11.1's message models and a websockets client running in the lab's event loop.
It dials the bench's CEM, completes the handshake, announces its ResourceManagerDetails (declared
``instruction_processing_delay``, control types of the device), answers SelectControlType with the
control type's description (PEBC.PowerConstraints; DDBC.SystemDescription + DDBC.ActuatorStatus),
sends PowerMeasurement every ``measurement_interval_s`` of bench time, and executes instructions
through an :class:`~simlab.devices.s2_resource_manager.backend.S2DeviceBackend`.

Timing: nothing here uses the wall clock for protocol time. Every timestamp is ``calendar(t_s)`` of
the bench time the event happens at; RM-initiated messages (measurements, instruction status
changes, reconnect attempts) are sent from :meth:`SimResourceManager.on_time` at the bench time
:meth:`SimResourceManager.next_event_s` announced. Only waiting for a ReceptionStatus and a
connection attempt are bounded in real time (``reply_timeout_s``).

Instruction life cycle (compliant reference): on receipt ReceptionStatus OK and
InstructionStatusUpdate ACCEPTED; at ``execution_time`` (or at once if it is past) the backend gets
the instruction and STARTED is sent; at ``execution_time + instruction_processing_delay`` SUCCEEDED.
A PEBC envelope's later elements are applied at their start, and the limit is lifted when the last
element ends or a newer PEBC instruction starts. An instruction outside the declared constraints gets
REJECTED; one that refers to unknown ids (power constraints, actuator, mode) or arrives for a control
type that is not selected gets ReceptionStatus INVALID_CONTENT. When the connection is lost, pending
instruction steps are dropped (they belong to the session), the backend is told
(``on_connection_lost``) and the RM redials every ``reconnect_interval_s`` of bench time.

Fault hooks (:class:`RmFaults`, set by the device from its knobs): ``ignores_instruction``
(acknowledges and reports SUCCEEDED but never applies), ``rejects_valid`` (ReceptionStatus
INVALID_CONTENT for every instruction), ``malformed_frame`` (the first PowerMeasurement of each
session breaks the schema). A missing failsafe is the backend's business.

Usage from a simulated device (its lab hooks, simlab/devices/hooks.py)::

    from simlab.devices.s2_resource_manager import RmConfig, RmFaults, SimResourceManager

    class HeatPumpS2Backend:                      # implements S2DeviceBackend on the device
        def __init__(self, device): self.device = device
        def control_types(self): return ["PEBC"]
        def power_w(self): return -self.device.output().p_w    # lab is export positive
        def pebc_upper_limit_range_w(self): return (0.0, self.device.rated_power_w)
        def apply_pebc_envelope(self, upper_w, lower_w): self.device.s2_limit_w = upper_w
        def ddbc_description(self): raise NotImplementedError
        def ddbc_active_mode(self): raise NotImplementedError
        def apply_ddbc_mode(self, mode_id, factor): raise NotImplementedError
        def on_connection_lost(self): self.device.enter_failsafe()
        def on_connection_restored(self): self.device.leave_failsafe()

    # in lab_device(ctx) / the device's __init__:
    found = ctx.link_with_protocol("s2")
    if found is not None and ctx.physics is not None:
        name, link = found
        self.s2 = SimResourceManager(
            RmConfig.from_link(link, ctx.nameplate, instruction_processing_delay_s=10.0,
                               measurement_interval_s=5.0),
            HeatPumpS2Backend(self), now_s=lambda: ctx.physics.t_s, calendar=ctx.calendar,
            faults=RmFaults(ignores_instruction=knobs.s2_ignores_instruction))

    async def serve(self, host):  return await self.s2.start() or {}
    def next_event_s(self):       return self.s2.next_event_s()
    async def on_time(self, t_s): await self.s2.on_time(t_s)
    async def aclose(self):       await self.s2.aclose()
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from s2python.common import (Commodity, CommodityQuantity, ControlType, Duration, EnergyManagementRole,
                             Handshake, InstructionStatus, InstructionStatusUpdate, NumberRange,
                             PowerMeasurement, PowerValue, ReceptionStatus, ReceptionStatusValues,
                             ResourceManagerDetails, Role, RoleType)
from s2python.ddbc import DDBCInstruction
from s2python.generated import gen_s2
from s2python.pebc import (PEBCAllowedLimitRange, PEBCInstruction, PEBCPowerConstraints,
                           PEBCPowerEnvelopeConsequenceType, PEBCPowerEnvelopeLimitType)
from s2python.s2_parser import S2Parser
from s2python.s2_validation_error import S2ValidationError
from s2python.version import S2_VERSION
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from simlab.devices.s2_resource_manager.backend import DdbcDescription, S2DeviceBackend

_EPS_S = 1e-9
_SHORT_TO_FULL = {"PEBC": ControlType.POWER_ENVELOPE_BASED_CONTROL,
                  "DDBC": ControlType.DEMAND_DRIVEN_BASED_CONTROL}
_NAMESPACE = uuid.UUID("0b7f6f8e-52a1-4c55-9a0e-5f3d7c2b1e90")


def wire_id(value: Any) -> str:
    """An S2 id as sent: s2-python types some ids as UUID, others as its ``ID`` root model."""
    return str(getattr(value, "root", value))


def stable_uuid(*parts: str) -> uuid.UUID:
    """Deterministic ids (campaigns repeat exactly): uuid5 over the parts."""
    return uuid.uuid5(_NAMESPACE, "/".join(parts))


@dataclass
class RmConfig:
    """What the RM declares and how it behaves in time (bench seconds unless said otherwise)."""

    cem_url: str
    rm_id: str = "rm"
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    roles: tuple[tuple[str, str], ...] = (("ENERGY_CONSUMER", "ELECTRICITY"),)
    phase_count: int = 3
    instruction_processing_delay_s: float = 5.0
    measurement_interval_s: float = 5.0
    reconnect_interval_s: float = 10.0
    reply_timeout_s: float = 5.0                  # real time, for a ReceptionStatus / a connection
    pebc_consequence: str = "DEFER"               # PEBC.PowerConstraints consequence_type
    versions: tuple[str, ...] = (S2_VERSION,)
    resource_id: str = ""                         # default: a stable UUID from rm_id

    def __post_init__(self) -> None:
        if not self.resource_id:
            self.resource_id = str(stable_uuid("resource", self.rm_id))
        if self.measurement_interval_s <= 0 or self.reconnect_interval_s <= 0:
            raise ValueError("measurement_interval_s and reconnect_interval_s must be positive")
        if self.instruction_processing_delay_s < 0:
            raise ValueError("instruction_processing_delay_s cannot be negative")

    @classmethod
    def from_link(cls, link: Mapping[str, Any], nameplate: Mapping[str, Any] | None = None,
                  **behaviour: Any) -> RmConfig:
        """From ``ctx.links[name]`` (``cem_url``, ``rm_id``) and ``ctx.nameplate`` (identity,
        ``phase_count``); ``behaviour`` sets the remaining fields (delays, intervals...)."""
        plate = dict(nameplate or {})
        identity: dict[str, Any] = {key: plate.get(key) for key in ("manufacturer", "model", "serial_number",
                                                     "firmware_version") if plate.get(key) is not None}
        identity.update({"phase_count": int(plate.get("phase_count", 3))} if "phase_count" in plate else {})
        identity.update(behaviour)
        return cls(cem_url=str(link["cem_url"]), rm_id=str(link.get("rm_id", "rm")), **identity)


@dataclass
class RmFaults:
    """Defects the device can switch on (see the module docstring)."""

    ignores_instruction: bool = False
    rejects_valid: bool = False
    malformed_frame: bool = False


@dataclass(order=True)
class _Step:
    t_s: float
    seq: int
    kind: str = field(compare=False)                 # "start", "element", "succeed"
    instruction: dict[str, Any] = field(compare=False)
    index: int = field(compare=False, default=0)
    session: int = field(compare=False, default=0)


class SimResourceManager:
    """S2 resource manager for a simulated device (see the module docstring)."""

    def __init__(self, config: RmConfig, backend: S2DeviceBackend, *, now_s: Callable[[], float],
                 calendar: Callable[[float], dt.datetime], faults: RmFaults | None = None,
                 trace: Callable[[str, str], None] | None = None) -> None:
        self.config, self.backend, self.faults = config, backend, faults or RmFaults()
        self._now_s, self._calendar = now_s, calendar
        self._trace = trace or (lambda direction, text: None)
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._pending: dict[str, asyncio.Future[str]] = {}
        self._session = 0
        self._ready = False                      # HandshakeResponse received, details sent
        self._ready_event = asyncio.Event()
        self._control_type: ControlType | None = None
        self._constraints_ids: set[str] = set()
        self._steps: list[_Step] = []
        self._seq = 0
        self._pebc_active: str | None = None     # id of the PEBC instruction in force
        self._next_measurement_s: float | None = None
        self._reconnect_s: float | None = None
        self._malformed_sent = False
        self._closed = False
        self.rejections: list[str] = []          # non-OK ReceptionStatus the CEM sent (diagnostics)
        self.internal_errors: list[str] = []     # exceptions in this simulator's own handlers

    # ---- state for the device and tests --------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._ws is not None

    @property
    def ready(self) -> bool:
        """Handshake done and ResourceManagerDetails sent in the present session."""
        return self._ready

    @property
    def control_type(self) -> str | None:
        """Short name of the selected control type ("PEBC", "DDBC") or None."""
        short = {v: k for k, v in _SHORT_TO_FULL.items()}
        return short.get(self._control_type) if self._control_type else None

    @property
    def quantity(self) -> CommodityQuantity:
        return (CommodityQuantity.ELECTRIC_POWER_3_PHASE_SYMMETRIC if self.config.phase_count == 3
                else CommodityQuantity.ELECTRIC_POWER_L1)

    # ---- lab hooks -------------------------------------------------------------------------------
    async def start(self) -> dict[str, int | str]:
        """Dial the CEM and wait (real time) for the handshake; on failure retry in bench time.
        The RM publishes no endpoint: it is the client."""
        await self._connect()
        return {}

    def next_event_s(self) -> float | None:
        if self._closed:
            return None
        due: list[float] = []
        if self._ws is None:
            if self._reconnect_s is not None:
                due.append(self._reconnect_s)
        else:
            if self._steps:
                due.append(self._steps[0].t_s)
            if self._ready and self._next_measurement_s is not None:
                due.append(self._next_measurement_s)
        return min(due) if due else None

    async def on_time(self, t_s: float) -> None:
        """Do everything due at bench time ``t_s``: reconnect, instruction steps, measurements."""
        for _ in range(64):
            if not await self._run_due(t_s):
                return

    async def flush(self) -> None:
        """Wait (real time, at most ``reply_timeout_s``) until every message sent so far has its
        ReceptionStatus, e.g. the ACCEPTED status of an instruction just received."""
        await self._await_all(list(self._pending.values()))

    async def aclose(self) -> None:
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # ---- connection ------------------------------------------------------------------------------
    async def _connect(self) -> None:
        self._reconnect_s = None
        timeout = self.config.reply_timeout_s
        try:
            ws = await asyncio.wait_for(connect(self.config.cem_url, open_timeout=timeout,
                                                ping_interval=None, close_timeout=1.0), timeout)
        except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError, TimeoutError) as error:
            self._trace("event", f"connection to {self.config.cem_url} failed: {error!r}")
            self._reconnect_s = self._now_s() + self.config.reconnect_interval_s
            return
        self._ws = ws
        self._session += 1
        self._ready = False
        self._ready_event = asyncio.Event()
        self._malformed_sent = False
        self._outbox = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self._writer = loop.create_task(self._write(ws, self._outbox))
        self._reader = loop.create_task(self._read(ws, self._session))
        handshake = Handshake(message_id=uuid.uuid4(), role=EnergyManagementRole.RM,
                              supported_protocol_versions=list(self.config.versions))
        self._send(handshake.to_json(), str(handshake.message_id))
        try:
            await asyncio.wait_for(self._ready_event.wait(), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            self._trace("event", "the CEM did not complete the handshake in time")

    async def _read(self, ws: ClientConnection, session: int) -> None:
        try:
            async for frame in ws:
                text = frame if isinstance(frame, str) else frame.decode("utf-8", errors="replace")
                self._trace("in", text)
                self._on_frame(text)
        except ConnectionClosed:
            pass
        finally:
            if self._session == session and self._ws is ws:
                self._on_lost()

    def _on_lost(self) -> None:
        self._ws = None
        if self._writer is not None:
            self._writer.cancel()
        self._ready = False
        self._control_type = None
        self._constraints_ids.clear()
        self._steps.clear()
        self._pebc_active = None
        self._next_measurement_s = None
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()
        if not self._closed:
            self._reconnect_s = self._now_s() + self.config.reconnect_interval_s
            self._trace("event", "S2 connection lost")
            self.backend.on_connection_lost()

    def _send(self, text: str, message_id: str | None) -> asyncio.Future[str] | None:
        """Queue a frame for the session's writer (order kept): returns the future of its
        ReceptionStatus (None for a frame that gets none, or when not connected)."""
        if self._ws is None:
            return None
        future: asyncio.Future[str] | None = None
        if message_id is not None:
            future = asyncio.get_running_loop().create_future()
            self._pending[message_id] = future
        self._trace("out", text)
        self._outbox.put_nowait(text)
        return future

    async def _write(self, ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        try:
            while True:
                await ws.send(await outbox.get())
        except ConnectionClosed:
            pass

    def _send_model(self, model: Any) -> asyncio.Future[str] | None:
        return self._send(model.model_dump_json(by_alias=True, exclude_none=True), wire_id(model.message_id))

    def _reply(self, subject: str, status: ReceptionStatusValues, label: str | None = None) -> None:
        self._send(ReceptionStatus(subject_message_id=uuid.UUID(subject), status=status,
                                   diagnostic_label=label).to_json(), None)

    async def _await_all(self, futures: list[asyncio.Future[str] | None]) -> None:
        waiting = [f for f in futures if f is not None]
        if waiting:
            await asyncio.wait(waiting, timeout=self.config.reply_timeout_s)

    # ---- incoming --------------------------------------------------------------------------------
    def _on_frame(self, text: str) -> None:
        try:
            message = S2Parser.parse_as_any_message(text)
        except (json.JSONDecodeError, S2ValidationError) as error:
            self._trace("event", f"invalid frame from the CEM: {error!r}")
            return
        if isinstance(message, ReceptionStatus):
            future = self._pending.pop(wire_id(message.subject_message_id), None)
            if message.status != ReceptionStatusValues.OK:
                self.rejections.append(f"{message.status.value}: {message.diagnostic_label}")
            if future is not None and not future.done():
                future.set_result(message.status.value)
            return
        subject = wire_id(message.message_id)
        handler = {"Handshake": self._on_handshake, "HandshakeResponse": self._on_handshake_response,
                   "SelectControlType": self._on_select, "PEBC.Instruction": self._on_pebc,
                   "DDBC.Instruction": self._on_ddbc}.get(message.message_type)
        if handler is None:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT,
                        f"{message.message_type} is not handled by this resource manager")
            return
        try:
            handler(message)
        except Exception as error:  # noqa: BLE001 - a simulator bug must not silently end the session
            self.internal_errors.append(f"{message.message_type}: {error!r}")
            self._trace("event", f"internal error handling {message.message_type}: {error!r}")

    def _on_handshake(self, message: Any) -> None:
        self._reply(wire_id(message.message_id), ReceptionStatusValues.OK)

    def _on_handshake_response(self, message: Any) -> None:
        self._reply(wire_id(message.message_id), ReceptionStatusValues.OK)
        c = self.config
        details = ResourceManagerDetails(
            message_id=uuid.uuid4(), resource_id=uuid.UUID(c.resource_id), name=c.name,
            roles=[Role(role=RoleType(r), commodity=Commodity(k)) for r, k in c.roles],
            manufacturer=c.manufacturer, model=c.model, serial_number=c.serial_number,
            firmware_version=c.firmware_version,
            instruction_processing_delay=Duration.from_milliseconds(round(c.instruction_processing_delay_s * 1000)),
            available_control_types=[_SHORT_TO_FULL[s] for s in self.backend.control_types()],
            provides_forecast=False, provides_power_measurement_types=[self.quantity], currency=None)
        self._send_model(details)
        restored = self._session > 1 and not self._ready
        self._ready = True
        self._next_measurement_s = self._now_s()
        self._ready_event.set()
        if restored:
            self.backend.on_connection_restored()

    def _on_select(self, message: Any) -> None:
        wanted: ControlType = message.control_type
        offered = [_SHORT_TO_FULL[s] for s in self.backend.control_types()]
        if wanted not in offered and wanted != ControlType.NO_SELECTION:
            self._reply(wire_id(message.message_id), ReceptionStatusValues.INVALID_CONTENT,
                        f"control type {wanted.value} is not offered")
            return
        self._reply(wire_id(message.message_id), ReceptionStatusValues.OK)
        if self._control_type == ControlType.POWER_ENVELOPE_BASED_CONTROL:
            self._steps = [s for s in self._steps if s.instruction.get("message_type") != "PEBC.Instruction"]
            heapq.heapify(self._steps)
            self._pebc_active = None
            self.backend.apply_pebc_envelope(None, None)
        self._control_type = None if wanted == ControlType.NO_SELECTION else wanted
        now = self._calendar(self._now_s())
        if wanted == ControlType.POWER_ENVELOPE_BASED_CONTROL:
            self._send_model(self._power_constraints(now))
        elif wanted == ControlType.DEMAND_DRIVEN_BASED_CONTROL:
            self._send_model(self._ddbc_system_description(now))
            self._send_model(self._ddbc_actuator_status())

    def _power_constraints(self, now: dt.datetime) -> PEBCPowerConstraints:
        low_w, high_w = self.backend.pebc_upper_limit_range_w()
        constraints_id = stable_uuid(self.config.rm_id, "pebc-constraints", str(self._session))
        self._constraints_ids.add(str(constraints_id))

        def limit(kind: PEBCPowerEnvelopeLimitType, start: float, end: float) -> PEBCAllowedLimitRange:
            return PEBCAllowedLimitRange(commodity_quantity=self.quantity, limit_type=kind,
                                         range_boundary=NumberRange(start_of_range=start, end_of_range=end),
                                         abnormal_condition_only=False)

        return PEBCPowerConstraints(
            message_id=uuid.uuid4(), id=constraints_id, valid_from=now, valid_until=None,
            consequence_type=PEBCPowerEnvelopeConsequenceType(self.config.pebc_consequence),
            allowed_limit_ranges=[limit(PEBCPowerEnvelopeLimitType.UPPER_LIMIT, low_w, high_w),
                                  limit(PEBCPowerEnvelopeLimitType.LOWER_LIMIT, 0.0, 0.0)])

    # ---- DDBC descriptions (schema-faithful generated models: s2-python's DDBC wrapper deviates) ---
    def _actuator_id(self) -> str:
        return str(stable_uuid(self.config.rm_id, "ddbc-actuator"))

    def _mode_uuid(self, mode_id: str) -> str:
        return str(stable_uuid(self.config.rm_id, "ddbc-mode", mode_id))

    def _ddbc_system_description(self, now: dt.datetime) -> gen_s2.DDBCSystemDescription:
        description: DdbcDescription = self.backend.ddbc_description()
        modes = []
        for mode in description.modes:
            ranges = [{"start_of_range": mode.power_w[0], "end_of_range": mode.power_w[1],
                       "commodity_quantity": self.quantity.value}]
            if mode.gas_flow_l_per_s is not None:
                ranges.append({"start_of_range": mode.gas_flow_l_per_s[0],
                               "end_of_range": mode.gas_flow_l_per_s[1],
                               "commodity_quantity": CommodityQuantity.NATURAL_GAS_FLOW_RATE.value})
            modes.append({"Id": self._mode_uuid(mode.mode_id), "diagnostic_label": mode.label,
                          "power_ranges": ranges,
                          "supply_range": {"start_of_range": mode.supply_rate[0],
                                           "end_of_range": mode.supply_rate[1]},
                          "abnormal_condition_only": mode.abnormal_condition_only})
        commodities = ["ELECTRICITY"] + (["GAS"] if any(m.gas_flow_l_per_s for m in description.modes) else [])
        return gen_s2.DDBCSystemDescription.model_validate({
            "message_type": "DDBC.SystemDescription", "message_id": str(uuid.uuid4()),
            "valid_from": now.isoformat(),
            "actuators": [{"id": self._actuator_id(), "diagnostic_label": description.actuator_label,
                           "supported_commodites": commodities, "operation_modes": modes,
                           "transitions": [], "timers": []}],
            "present_demand_rate": {"start_of_range": description.present_demand_rate[0],
                                    "end_of_range": description.present_demand_rate[1]},
            "provides_average_demand_rate_forecast": False})

    def _ddbc_actuator_status(self) -> gen_s2.DDBCActuatorStatus:
        mode_id, factor = self.backend.ddbc_active_mode()
        return gen_s2.DDBCActuatorStatus.model_validate({
            "message_type": "DDBC.ActuatorStatus", "message_id": str(uuid.uuid4()),
            "actuator_id": self._actuator_id(), "active_operation_mode_id": self._mode_uuid(mode_id),
            "operation_mode_factor": factor})

    # ---- instructions ----------------------------------------------------------------------------
    def _on_pebc(self, message: PEBCInstruction) -> None:
        subject = wire_id(message.message_id)
        if self._control_type != ControlType.POWER_ENVELOPE_BASED_CONTROL:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT, "PEBC is not the selected control type")
            return
        if wire_id(message.power_constraints_id) not in self._constraints_ids:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT,
                        f"unknown power_constraints_id {message.power_constraints_id}")
            return
        envelope = next((e for e in message.power_envelopes if e.commodity_quantity == self.quantity), None)
        if envelope is None:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT,
                        f"no power envelope on {self.quantity.value}")
            return
        low_w, high_w = self.backend.pebc_upper_limit_range_w()
        in_range = all(low_w <= el.upper_limit <= high_w and el.lower_limit == 0.0
                       for el in envelope.power_envelope_elements)
        elements = [(el.duration.root / 1000.0, el.upper_limit, el.lower_limit)
                    for el in envelope.power_envelope_elements]
        self._accept_instruction(message, {"message_type": "PEBC.Instruction", "elements": elements},
                                 valid=in_range, why_not="envelope outside the PEBC.PowerConstraints")

    def _on_ddbc(self, message: DDBCInstruction) -> None:
        subject = wire_id(message.message_id)
        if self._control_type != ControlType.DEMAND_DRIVEN_BASED_CONTROL:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT, "DDBC is not the selected control type")
            return
        modes = {self._mode_uuid(m.mode_id): m.mode_id for m in self.backend.ddbc_description().modes}
        mode_id = modes.get(wire_id(message.operation_mode_id))
        if wire_id(message.actuator_id) != self._actuator_id() or mode_id is None:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT, "unknown actuator or operation mode")
            return
        self._accept_instruction(message, {"message_type": "DDBC.Instruction", "mode_id": mode_id,
                                           "factor": message.operation_mode_factor},
                                 valid=0.0 <= message.operation_mode_factor <= 1.0,
                                 why_not="operation_mode_factor outside 0..1")

    def _status(self, instruction_id: str, status: InstructionStatus, t_s: float) -> asyncio.Future[str] | None:
        return self._send_model(InstructionStatusUpdate(
            message_id=uuid.uuid4(), instruction_id=uuid.UUID(instruction_id), status_type=status,
            timestamp=self._calendar(t_s)))

    def _accept_instruction(self, message: Any, plan: dict[str, Any], *, valid: bool, why_not: str) -> None:
        subject, instruction_id = wire_id(message.message_id), wire_id(message.id)
        if self.faults.rejects_valid:
            self._reply(subject, ReceptionStatusValues.INVALID_CONTENT, "instruction refused")
            return
        self._reply(subject, ReceptionStatusValues.OK)
        now_s = self._now_s()
        if not valid:
            self._trace("event", f"instruction {instruction_id} rejected: {why_not}")
            self._status(instruction_id, InstructionStatus.REJECTED, now_s)
            return
        self._status(instruction_id, InstructionStatus.ACCEPTED, now_s)
        start_s = max(now_s, (message.execution_time - self._calendar(0.0)).total_seconds())
        plan.update(id=instruction_id, start_s=start_s)
        self._schedule(start_s, "start", plan)
        self._schedule(start_s + self.config.instruction_processing_delay_s, "succeed", plan)

    def _schedule(self, t_s: float, kind: str, plan: dict[str, Any], index: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._steps, _Step(t_s, self._seq, kind, plan, index, self._session))

    # ---- the work behind on_time -----------------------------------------------------------------
    async def _run_due(self, t_s: float) -> bool:
        if self._ws is None:
            if self._reconnect_s is not None and self._reconnect_s <= t_s + _EPS_S and not self._closed:
                await self._connect()
                return True
            return False
        sent: list[asyncio.Future[str] | None] = []
        did = False
        while self._steps and self._steps[0].t_s <= t_s + _EPS_S:
            sent += self._run_step(heapq.heappop(self._steps))
            did = True
        if self._ready and self._next_measurement_s is not None and self._next_measurement_s <= t_s + _EPS_S:
            sent.append(self._measure(t_s))
            while self._next_measurement_s <= t_s + _EPS_S:
                self._next_measurement_s += self.config.measurement_interval_s
            did = True
        await self._await_all(sent)
        return did

    def _run_step(self, step: _Step) -> list[asyncio.Future[str] | None]:
        plan = step.instruction
        if step.session != self._session:
            return []
        pebc = plan["message_type"] == "PEBC.Instruction"
        if step.kind == "start":
            if pebc:
                self._pebc_active = plan["id"]
            if not self.faults.ignores_instruction:
                if pebc:
                    self._apply_element(plan, 0)
                    offset = 0.0
                    for index, (duration_s, _, _) in enumerate(plan["elements"]):
                        offset += duration_s
                        self._schedule(plan["start_s"] + offset, "element", plan, index + 1)
                else:
                    self.backend.apply_ddbc_mode(plan["mode_id"], plan["factor"])
            sent = [self._status(plan["id"], InstructionStatus.STARTED, step.t_s)]
            if not pebc and not self.faults.ignores_instruction:
                sent.append(self._send_model(self._ddbc_actuator_status()))
            return sent
        if step.kind == "element":
            if self._pebc_active == plan["id"]:
                self._apply_element(plan, step.index)
            return []
        return [self._status(plan["id"], InstructionStatus.SUCCEEDED, step.t_s)]

    def _apply_element(self, plan: dict[str, Any], index: int) -> None:
        elements = plan["elements"]
        if index >= len(elements):
            self._pebc_active = None
            self.backend.apply_pebc_envelope(None, None)
        else:
            _, upper_w, lower_w = elements[index]
            self.backend.apply_pebc_envelope(upper_w, lower_w)

    def _measure(self, t_s: float) -> asyncio.Future[str] | None:
        timestamp = self._calendar(t_s)
        if self.faults.malformed_frame and not self._malformed_sent:
            self._malformed_sent = True
            message_id = str(uuid.uuid4())
            frame = json.dumps({"message_type": "PowerMeasurement", "message_id": message_id,
                                "measurement_timestamp": timestamp.isoformat(),
                                "values": [{"commodity_quantity": self.quantity.value, "value": "n/a"}]})
            return self._send(frame, message_id)
        return self._send_model(PowerMeasurement(
            message_id=uuid.uuid4(), measurement_timestamp=timestamp,
            values=[PowerValue(commodity_quantity=self.quantity, value=float(self.backend.power_w()))]))


__all__ = ["RmConfig", "RmFaults", "SimResourceManager", "stable_uuid", "wire_id"]
