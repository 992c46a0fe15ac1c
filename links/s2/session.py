"""One S2 session between the bench (CEM) and a resource manager, run on the CEM's event loop.

Message flow enforced here (EN 50491-12-2, S2 JSON over WebSocket)::

    RM  -> CEM  Handshake (role RM, supported_protocol_versions)
    CEM -> RM   ReceptionStatus OK, Handshake (role CEM), HandshakeResponse (selected version)
    RM  -> CEM  ResourceManagerDetails                      -> ReceptionStatus OK
    CEM -> RM   SelectControlType                           <- ReceptionStatus
    RM  -> CEM  <control type>.SystemDescription / PowerConstraints / status, PowerMeasurement ...
    CEM -> RM   <control type>.Instruction                  <- ReceptionStatus
    RM  -> CEM  InstructionStatusUpdate (ACCEPTED, STARTED, SUCCEEDED, ...)

Every message except a ReceptionStatus is acknowledged with a ReceptionStatus. What the bench answers
when the RM breaks the flow, and records as a :class:`~links.violations.Violation`:

* not JSON, no readable message_id, binary frame      -> INVALID_DATA (subject: the nil UUID)
* unknown message_type, schema or s2-python rule breach -> INVALID_MESSAGE
* valid message at the wrong moment (before Handshake or ResourceManagerDetails, a CEM-only
  message, a control type that is not selected, a status for an unknown instruction, a second
  ResourceManagerDetails with another resource_id, a second Handshake)  -> INVALID_CONTENT
* a ReceptionStatus for no message the CEM sent, a duplicate one, or none within the timeout:
  recorded, never answered (a ReceptionStatus is never acknowledged).

A bench call waiting for the RM's ReceptionStatus gets :class:`~bench.errors.ProtocolFrameError`
naming the message it sent and the RM's frame when that ReceptionStatus breaks the schema, or when
nothing valid came back but the RM sent frames that could not be read meanwhile (the device
answered, garbled); :class:`~links.s2.records.S2Timeout` when no answer came and no unreadable
frame either; :class:`~links.s2.records.S2ConnectionClosed` when the connection is lost. No
s2-python, pydantic or websockets exception leaves the session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from bench.errors import ProtocolFrameError
from links.s2.codec import (CEM_ONLY_TYPES, NIL_ID, ParsedFrame, control_type_of, id_key,
                            parse_frame, reception_status_json)
from links.s2.messages import handshake_cem, handshake_response
from links.s2.records import (PowerSample, ReceivedMessage, ReceptionRecord, RmDetails,
                              S2ConnectionClosed, S2Timeout, StatusUpdate, TraceCallback)
from links.s2.store import CemStore
from links.violations import Violation


#: how many of the latest unreadable frames a session keeps to name in a failed wait
UNREADABLE_KEPT = 100


class SessionState(Enum):
    AWAIT_HANDSHAKE = "await_handshake"
    AWAIT_DETAILS = "await_details"
    READY = "ready"
    CLOSED = "closed"


class RmSession:
    """The CEM side of one WebSocket connection. All methods run on the CEM's event loop."""

    def __init__(self, ws: ServerConnection, rm_id: str, number: int, store: CemStore, *,
                 versions: tuple[str, ...], response_timeout_s: float,
                 now: Callable[[], dt.datetime], trace: TraceCallback) -> None:
        self.ws, self.rm_id, self.number, self.store = ws, rm_id, number, store
        self._versions, self._timeout_s = versions, response_timeout_s
        self._now, self._trace = now, trace
        self.state = SessionState.AWAIT_HANDSHAKE
        self.selected_control_type: str | None = None    # full name, set when SelectControlType is sent
        self.selected_version: str | None = None
        self._pending: dict[str, asyncio.Future[ReceptionRecord]] = {}
        self._sent: dict[str, str] = {}                   # id_key(message_id) -> message_type
        self._answered: set[str] = set()
        self._watchers: set[asyncio.Task[None]] = set()
        #: (loop time, frame, problem) of the latest frames that could not be read (all are violations)
        self._unreadable: deque[tuple[float, str, str]] = deque(maxlen=UNREADABLE_KEPT)

    # ---- wire -------------------------------------------------------------------------------
    async def run(self) -> None:
        """Read frames until the connection closes; outstanding sends fail with S2ConnectionClosed."""
        try:
            async for frame in self.ws:
                await self._on_frame(frame)
        except ConnectionClosed:
            pass
        finally:
            self.state = SessionState.CLOSED
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(S2ConnectionClosed(
                        f"RM {self.rm_id} closed the S2 connection (session {self.number})"))
            self._pending.clear()
            for task in self._watchers:
                task.cancel()

    async def _send_text(self, text: str) -> None:
        self._trace(f"out:{self.rm_id}", text)
        await self.ws.send(text)

    async def send(self, message_id: str, message_type: str, text: str) -> asyncio.Future[ReceptionRecord]:
        """Send a CEM message and return the future of its ReceptionStatus."""
        key = id_key(message_id)
        future: asyncio.Future[ReceptionRecord] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        self._sent[key] = message_type
        try:
            await self._send_text(text)
        except ConnectionClosed as error:
            self._pending.pop(key, None)
            raise S2ConnectionClosed(f"RM {self.rm_id} closed the connection before "
                                     f"{message_type} could be sent") from error
        return future

    async def wait_reception(self, message_id: str, message_type: str,
                             future: asyncio.Future[ReceptionRecord], timeout_s: float) -> ReceptionRecord:
        """Await a ReceptionStatus; a missing one is recorded as a violation and raises S2Timeout."""
        since = asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except (asyncio.TimeoutError, TimeoutError) as error:
            self._pending.pop(id_key(message_id), None)
            self._violation("", f"no ReceptionStatus for {message_type} {message_id} within "
                                f"{timeout_s} s (every S2 message is acknowledged)")
            garbled = [(frame, problem) for at, frame, problem in self._unreadable if at >= since]
            if garbled:
                frame, problem = garbled[-1]
                raise ProtocolFrameError(
                    f"RM {self.rm_id} sent no valid ReceptionStatus for {message_type} within {timeout_s} s; "
                    f"it sent {len(garbled)} unreadable frame(s), the last: {problem}: frame {frame[:500]}"
                ) from error
            raise S2Timeout(f"RM {self.rm_id} did not acknowledge {message_type} within "
                            f"{timeout_s} s") from error

    def _watch(self, message_id: str, message_type: str, future: asyncio.Future[ReceptionRecord]) -> None:
        """Check in the background that a handshake message is acknowledged with OK."""
        async def watch() -> None:
            try:
                record = await self.wait_reception(message_id, message_type, future, self._timeout_s)
            except (S2Timeout, S2ConnectionClosed, ProtocolFrameError):
                return                                # already recorded as a violation
            if record.status != "OK":
                self._violation("", f"the RM answered the CEM's {message_type} with "
                                    f"ReceptionStatus {record.status}: {record.diagnostic_label}")

        task = asyncio.get_running_loop().create_task(watch())
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _reply(self, subject_id: str | None, status: str, label: str | None = None) -> None:
        try:
            await self._send_text(reception_status_json(subject_id or NIL_ID, status, label))
        except ConnectionClosed:
            pass

    def _violation(self, frame: str, reason: str) -> None:
        self.store.add_violation(Violation(self.rm_id, frame, reason, session=self.number, at=self._now()))

    # ---- incoming ---------------------------------------------------------------------------
    async def _on_frame(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):   # S2 JSON uses text frames only
            text = frame.decode("utf-8", errors="replace")
            self._trace(f"in:{self.rm_id}", text)
            self._violation(text, "binary WebSocket frame (S2 messages are JSON text frames)")
            await self._reply(None, "INVALID_DATA", "binary frame")
            return
        self._trace(f"in:{self.rm_id}", frame)
        parsed = parse_frame(frame)
        if parsed.problem is not None:
            self._violation(frame, parsed.problem)
            self._unreadable.append((asyncio.get_running_loop().time(), frame, parsed.problem))
            if parsed.message_type != "ReceptionStatus":
                subject = parsed.message_id if parsed.reply_status == "INVALID_MESSAGE" else None
                await self._reply(subject, parsed.reply_status or "INVALID_DATA", parsed.problem[:200])
            else:
                self._fail_pending(parsed, frame, parsed.problem)
            return
        assert parsed.raw is not None and parsed.message_type is not None
        if parsed.message_type == "ReceptionStatus":
            self._on_reception_status(frame, parsed.raw)
            return
        problem = self._order_problem(parsed)
        if problem is not None:
            self._violation(frame, problem)
            await self._reply(parsed.message_id, "INVALID_CONTENT", problem[:200])
            return
        try:
            await self._accept(frame, parsed)
        except (KeyError, TypeError, ValueError, AttributeError) as error:   # pydantic's errors are ValueErrors
            problem = f"{parsed.message_type} cannot be interpreted: {type(error).__name__}: {error}"
            self._violation(frame, problem)
            await self._reply(parsed.message_id, "INVALID_CONTENT", problem[:200])

    def _fail_pending(self, parsed: ParsedFrame, frame: str, problem: str) -> None:
        """A schema-breaking ReceptionStatus for a message the CEM awaits: that wait fails now."""
        subject = (parsed.raw or {}).get("subject_message_id")
        future = self._pending.pop(id_key(subject), None) if isinstance(subject, str) else None
        if future is None or future.done():
            return
        self._answered.add(id_key(str(subject)))
        message_type = self._sent.get(id_key(str(subject)), "message")
        future.set_exception(ProtocolFrameError(
            f"RM {self.rm_id} answered the CEM's {message_type} with a broken ReceptionStatus: "
            f"{problem}: frame {frame[:500]}"))

    def _on_reception_status(self, frame: str, raw: dict[str, Any]) -> None:
        subject = str(raw["subject_message_id"])
        key = id_key(subject)
        record = ReceptionRecord(subject, str(raw["status"]), raw.get("diagnostic_label"), self._now())
        future = self._pending.pop(key, None)
        if future is not None and not future.done():
            self._answered.add(key)
            future.set_result(record)
        elif key in self._answered:
            self._violation(frame, f"second ReceptionStatus for the CEM's {self._sent[key]} {subject}")
        elif key in self._sent:
            self._answered.add(key)     # late: its absence was already recorded at the timeout
        else:
            self._violation(frame, f"ReceptionStatus for {subject}, a message the CEM never sent")

    def _order_problem(self, parsed: ParsedFrame) -> str | None:
        """Why this valid message is out of order in the session's present state, or None."""
        mt, raw = parsed.message_type, parsed.raw
        assert mt is not None and raw is not None
        if mt == "Handshake":
            if self.state is not SessionState.AWAIT_HANDSHAKE:
                return "second Handshake in one session"
            if raw.get("role") != "RM":
                return f"Handshake from the RM with role {raw.get('role')!r} (must be RM)"
            if not raw.get("supported_protocol_versions"):
                return "the RM's Handshake lacks supported_protocol_versions (mandatory for an RM)"
            return None
        if self.state is SessionState.AWAIT_HANDSHAKE:
            return f"{mt} before the RM's Handshake"
        if mt in CEM_ONLY_TYPES:
            return f"{mt} is sent by a CEM, never by an RM"
        if mt == "ResourceManagerDetails":
            first = self.store.first_resource_id()
            if first is not None and id_key(str(raw["resource_id"])) != id_key(first):
                return (f"ResourceManagerDetails with resource_id {raw['resource_id']} after "
                        f"resource_id {first} (an RM keeps its resource_id)")
            return None
        if self.state is not SessionState.READY:
            return f"{mt} before ResourceManagerDetails"
        control_type = control_type_of(mt)
        if control_type is not None and control_type != self.selected_control_type:
            return (f"{mt} while the selected control type is "
                    f"{self.selected_control_type or 'none (no SelectControlType yet)'}")
        if mt == "InstructionStatusUpdate" and not self.store.has_instruction(str(raw["instruction_id"])):
            return f"InstructionStatusUpdate for {raw['instruction_id']}, an instruction the CEM never sent"
        return None

    async def _accept(self, frame: str, parsed: ParsedFrame) -> None:
        mt, raw = parsed.message_type, parsed.raw
        model: Any = parsed.model                  # the s2-python message of type ``mt``
        assert mt is not None and raw is not None
        now = self._now()
        if mt == "Handshake":
            await self._on_handshake(frame, parsed)
            return
        if mt == "ResourceManagerDetails":
            self.state = SessionState.READY        # before the store notifies waiters
            self.store.set_details(RmDetails.from_wire(raw))
        elif mt == "PowerMeasurement":
            values = {str(v.commodity_quantity.value): float(v.value) for v in model.values}
            self.store.add_measurement(PowerSample(model.measurement_timestamp, now, values))
        elif mt == "InstructionStatusUpdate":
            self.store.add_status(StatusUpdate(str(raw["instruction_id"]), model.status_type.value,
                                               model.timestamp, now))
        self.store.add_received(ReceivedMessage(mt, raw, now, self.number))
        await self._reply(parsed.message_id, "OK")

    async def _on_handshake(self, frame: str, parsed: ParsedFrame) -> None:
        assert parsed.raw is not None
        offered = [str(v) for v in parsed.raw["supported_protocol_versions"]]
        common = [v for v in self._versions if v in offered]
        if not common:
            reason = (f"no common S2 protocol version: the RM offers {offered}, "
                      f"the CEM supports {list(self._versions)}")
            self._violation(frame, reason)
            await self._reply(parsed.message_id, "INVALID_CONTENT", reason[:200])
            await self.ws.close(1000, "no common S2 protocol version")
            return
        await self._reply(parsed.message_id, "OK")
        self.selected_version = common[0]
        self.state = SessionState.AWAIT_DETAILS
        for message_type, (message_id, text) in (("Handshake", handshake_cem(self._versions)),
                                                 ("HandshakeResponse", handshake_response(common[0]))):
            try:
                future = await self.send(message_id, message_type, text)
            except S2ConnectionClosed:
                return
            self._watch(message_id, message_type, future)


__all__ = ["RmSession", "SessionState"]
