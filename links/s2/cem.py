"""The bench as S2 Customer Energy Manager (CEM): a WebSocket server on its own thread and loop.

The resource manager (RM) of the device under test dials ``ws://<host>:<port>/<rm_id>`` (S2 over
WebSocket, JSON messages of EN 50491-12-2 as modelled by s2-python 0.11.1; no subprotocol, no
pairing). The bench's thread stays synchronous: every public method is thread-safe and blocks with
an explicit timeout. Every frame in and out goes to ``trace``; broken, out-of-order and
unacknowledged messages become :class:`~links.violations.Violation` records, never crashes (the
rules are listed in links/s2/session.py). One RM session is active at a time; a new connection
replaces the old one, and histories (measurements, instructions, violations) span all sessions.

Typical use (the ``s2`` DUT-link opener does the first three steps)::

    cem = S2CemServer(CemConfig(port=0, rm_id="hp-1", now=clock.calendar), trace=record_frame)
    cem.start()
    cem.wait_for_rm(timeout_s=10)                    # Handshake + ResourceManagerDetails done
    cem.select_control_type("PEBC")
    iid = cem.pebc_limit_consumption_w(2000.0)       # PEBC.Instruction, one envelope, now
    cem.instruction_status(iid)                      # [ACCEPTED, STARTED, SUCCEEDED ...]
    cem.measurements()[-1].consumption_w
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http
import urllib.parse
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from s2python.version import S2_VERSION
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from bench.errors import LinkError
from links._threaded_server import ThreadedServer
from links.s2 import messages
from links.s2.codec import control_type_name, control_type_short
from links.s2.messages import EnvelopeElement, PowerEnvelope
from links.s2.records import (InstructionRecord, PowerSample, ReceivedMessage, RmDetails,
                              S2ControlTypeUnavailable, S2NotConnected, S2Rejected, S2Timeout,
                              StatusUpdate, TraceCallback)
from links.s2.session import RmSession, SessionState
from links.s2.store import CemStore
from links.violations import Violation

T = TypeVar("T")

#: Duration of the single envelope element of :meth:`S2CemServer.pebc_limit_consumption_w`.
DEFAULT_ENVELOPE_DURATION_S = 24 * 3600.0


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class CemConfig:
    """How the CEM listens and answers.

    ``rm_id``: when set, only ``/<rm_id>`` is accepted (HTTP 404 otherwise). ``versions``: the S2
    protocol versions the CEM may select, in order of preference (s2-python 0.11.1 models
    ``0.0.2-beta``). ``now``: the bench calendar, used for every timestamp the CEM writes.
    """

    host: str = "127.0.0.1"
    port: int = 0                              # 0: pick a free port
    rm_id: str | None = None
    versions: tuple[str, ...] = (S2_VERSION,)
    response_timeout_s: float = 5.0            # real time allowed for each ReceptionStatus
    now: Callable[[], dt.datetime] = _utc_now
    on_violation: Callable[[Violation], None] | None = None


@dataclass(frozen=True)
class DdbcMode:
    """One DDBC.OperationMode from the RM's latest DDBC.SystemDescription (ids as on the wire)."""

    actuator_id: str
    operation_mode_id: str
    label: str | None
    power_ranges_w: tuple[tuple[str, float, float], ...] = field(default=())


class S2CemServer(ThreadedServer):
    """S2 CEM with a synchronous, thread-safe API (see the module docstring)."""

    _service_name = "S2 CEM"
    _thread_name = "flexbench-s2-cem"

    def __init__(self, config: CemConfig, trace: TraceCallback | None = None) -> None:
        self._config = config
        self._trace: TraceCallback = trace or (lambda direction, text: None)
        self._store = CemStore(config.on_violation)
        self._session: RmSession | None = None
        self._session_count = 0
        self._refusing = False
        self._init_thread_state()

    # ---- lifecycle ---------------------------------------------------------------------------
    async def _listen(self) -> Server:
        # ping_interval=None: liveness is the S2 session's business; pings would add wall-time
        # behaviour to a virtual-time campaign.
        return await serve(self._on_connection, self._config.host, self._config.port,
                           process_request=self._admit, ping_interval=None, close_timeout=1.0)

    def _listen_address(self) -> tuple[str, int]:
        return self._config.host, self._config.port

    @property
    def url(self) -> str:
        """The URL an RM dials: ``ws://host:port/<rm_id>`` (``/`` + any id when rm_id is unset)."""
        if self.port is None:
            raise LinkError("the S2 CEM is not started")
        host = self._config.host if self._config.host not in ("0.0.0.0", "::") else "127.0.0.1"
        return f"ws://{host}:{self.port}/{urllib.parse.quote(self._config.rm_id or 'rm')}"

    # ---- connections -------------------------------------------------------------------------
    @staticmethod
    def _rm_id_of(path: str) -> str:
        return urllib.parse.unquote(urllib.parse.urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        rm_id = self._rm_id_of(request.path)
        if self._refusing:
            self._trace(f"event:{rm_id}", "connection refused (bench refuses reconnects)")
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "S2 CEM refuses connections\n")
        if self._config.rm_id is not None and rm_id != self._config.rm_id:
            self._trace(f"event:{rm_id}", f"connection to unknown path {request.path} refused")
            return connection.respond(http.HTTPStatus.NOT_FOUND, "unknown resource manager id\n")
        return None

    async def _on_connection(self, ws: ServerConnection) -> None:
        rm_id = self._rm_id_of(ws.request.path if ws.request else "/")
        with self._store.changed:
            self._session_count += 1
            number = self._session_count
            previous = self._session
        if previous is not None and previous.state is not SessionState.CLOSED:
            self._trace(f"event:{previous.rm_id}", f"session {previous.number} replaced by a new connection")
            await previous.ws.close(1000, "replaced by a new S2 connection")
        session = RmSession(ws, rm_id, number, self._store, versions=self._config.versions,
                            response_timeout_s=self._config.response_timeout_s,
                            now=self._config.now, trace=self._trace)
        with self._store.changed:
            self._session = session
            self._store.changed.notify_all()
        self._trace(f"event:{rm_id}", f"session {number} connected from {ws.remote_address}")
        try:
            await session.run()
        finally:
            self._trace(f"event:{rm_id}", f"session {number} closed "
                                          f"({ws.close_code}: {ws.close_reason or '-'})")
            with self._store.changed:
                self._store.changed.notify_all()

    def drop_connection(self, refuse_reconnect: bool, *, abrupt: bool = False,
                        timeout_s: float = 5.0) -> None:
        """Lose the S2 connection, as a failsafe test needs: close it (``abrupt``: drop the TCP
        connection without a close frame) and, if ``refuse_reconnect``, answer every new attempt
        with HTTP 503 until :meth:`allow_reconnect`."""
        self._refusing = refuse_reconnect
        with self._store.lock:
            session = self._session
        if session is None or session.state is SessionState.CLOSED:
            return

        async def drop() -> None:
            if abrupt:
                session.ws.transport.abort()
            else:
                await session.ws.close(1001, "bench dropped the S2 connection")
            await session.ws.wait_closed()

        self._trace(f"event:{session.rm_id}", f"bench drops session {session.number}"
                                              f"{' abruptly' if abrupt else ''}")
        self._run(drop(), timeout_s, "closing the S2 connection")

    def allow_reconnect(self) -> None:
        """Accept RM connections again after ``drop_connection(refuse_reconnect=True)``."""
        self._refusing = False

    # ---- waiting -----------------------------------------------------------------------------
    def wait_for_rm(self, timeout_s: float, *, session_after: int = 0) -> int:
        """Block until an RM session numbered above ``session_after`` has completed the handshake
        and sent its ResourceManagerDetails; return that session's number."""
        def ready() -> bool:
            s = self._session
            return s is not None and s.number > session_after and s.state is SessionState.READY

        with self._store.changed:
            if not self._store.changed.wait_for(ready, timeout_s):
                raise S2Timeout(f"no S2 resource manager completed Handshake and "
                                f"ResourceManagerDetails within {timeout_s} s")
            assert self._session is not None
            return self._session.number

    def connected(self) -> bool:
        with self._store.lock:
            return self._session is not None and self._session.state is not SessionState.CLOSED

    def ready(self) -> bool:
        """True when the present session is past Handshake and ResourceManagerDetails (poll this
        between ``clock.sleep`` calls in virtual time: the simulated RM redials in bench time)."""
        with self._store.lock:
            return self._session is not None and self._session.state is SessionState.READY

    def session_number(self) -> int:
        """Number of the latest session (0 before the first connection)."""
        with self._store.lock:
            return self._session_count

    # ---- sending -----------------------------------------------------------------------------
    def _run(self, coro: Coroutine[Any, Any, T], timeout_s: float, what: str) -> T:
        if self._loop is None:
            coro.close()
            raise S2NotConnected("the S2 CEM is not started")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout_s + 1.0)
        except FutureTimeout as error:
            future.cancel()
            raise S2Timeout(f"{what} did not finish within {timeout_s} s") from error

    def _ready_session(self) -> RmSession:
        with self._store.lock:
            session = self._session
        if session is None or session.state is not SessionState.READY:
            raise S2NotConnected("no S2 resource manager session past Handshake and "
                                 "ResourceManagerDetails")
        return session

    def select_control_type(self, control_type: str, timeout_s: float | None = None) -> None:
        """SelectControlType and await its ReceptionStatus (S2Rejected unless OK).

        ``control_type`` is a short ("PEBC", "FRBC", "DDBC", ...) or full S2 name; it must be one of
        the RM's available_control_types (else S2ControlTypeUnavailable).
        """
        full = control_type_name(control_type)
        session = self._ready_session()
        details = self._store.details()
        if details is not None and full not in details.available_control_types and full != "NO_SELECTION":
            raise S2ControlTypeUnavailable(
                f"the RM offers {', '.join(details.available_control_types)}, not {full}")
        message_id, text = messages.select_control_type(full)
        timeout = timeout_s or self._config.response_timeout_s

        async def select() -> None:
            previous = session.selected_control_type
            session.selected_control_type = full     # RM messages of it may follow the OK at once
            try:
                future = await session.send(message_id, "SelectControlType", text)
                record = await session.wait_reception(message_id, "SelectControlType", future, timeout)
                if record.status != "OK":
                    raise S2Rejected("SelectControlType", record.status, record.diagnostic_label)
            except BaseException:
                session.selected_control_type = previous
                raise

        self._run(select(), timeout, "SelectControlType")

    def selected_control_type(self) -> str | None:
        """Short name of the control type selected in the present session, or None."""
        with self._store.lock:
            session = self._session
        if session is None or session.selected_control_type is None:
            return None
        return control_type_short(session.selected_control_type)

    def _send_instruction(self, control_type: str, instruction_id: str, message_type: str,
                          execution_time: dt.datetime, built: tuple[str, str],
                          timeout_s: float | None) -> str:
        session = self._require_control_type(control_type, message_type)
        message_id, text = built
        timeout = timeout_s or self._config.response_timeout_s
        self._store.add_instruction(InstructionRecord(instruction_id, message_id, message_type,
                                                      execution_time, self._config.now(), session.number))

        async def send() -> None:
            future = await session.send(message_id, message_type, text)
            record = await session.wait_reception(message_id, message_type, future, timeout)
            self._store.set_reception(instruction_id, record)

        self._run(send(), timeout, message_type)
        return instruction_id

    def send_pebc_instruction(self, power_envelopes: Sequence[PowerEnvelope],
                              execution_time: dt.datetime | None = None, *,
                              power_constraints_id: str | None = None,
                              abnormal_condition: bool = False,
                              timeout_s: float | None = None) -> str:
        """PEBC.Instruction (EN 50491-12-2 PEBC); returns the instruction id.

        ``power_constraints_id`` defaults to the RM's latest PEBC.PowerConstraints of this session
        (waited for up to the timeout; their absence is recorded as a violation and a fresh id is
        used). A non-OK ReceptionStatus is not raised: see :meth:`instruction`.
        """
        timeout = timeout_s or self._config.response_timeout_s
        self._require_control_type("PEBC", "PEBC.Instruction")
        if power_constraints_id is None:
            constraints = self._power_constraints(timeout)
            power_constraints_id = str(constraints.raw["id"]) if constraints else messages.new_id()
        instruction_id = messages.new_id()
        when = execution_time or self._config.now()
        built = messages.pebc_instruction(instruction_id, power_constraints_id, power_envelopes, when,
                                          abnormal_condition)
        return self._send_instruction("PEBC", instruction_id, "PEBC.Instruction", when, built, timeout)

    def pebc_limit_consumption_w(self, upper_w: float, lower_w: float = 0.0,
                                 execution_time: dt.datetime | None = None, *,
                                 duration_s: float = DEFAULT_ENVELOPE_DURATION_S,
                                 commodity_quantity: str | None = None,
                                 timeout_s: float | None = None) -> str:
        """Limit consumption to ``upper_w`` (S2 sign: consumption positive) with one power envelope
        of one element lasting ``duration_s``, on the commodity quantity of the RM's PEBC upper-limit
        constraint (else the electric quantity it measures: ELECTRIC.POWER.3_PHASE_SYMMETRIC for a
        three-phase device, ELECTRIC.POWER.L1 for a single-phase one)."""
        timeout = timeout_s or self._config.response_timeout_s
        self._require_control_type("PEBC", "PEBC.Instruction")
        constraints = self._power_constraints(timeout)
        quantity = commodity_quantity or self._electric_quantity(constraints)
        envelope = PowerEnvelope(quantity, (EnvelopeElement(duration_s, upper_w, lower_w),))
        constraints_id = str(constraints.raw["id"]) if constraints else messages.new_id()
        return self.send_pebc_instruction([envelope], execution_time, power_constraints_id=constraints_id,
                                          timeout_s=timeout)

    def send_ddbc_instruction(self, actuator_id: str, operation_mode_id: str,
                              execution_time: dt.datetime | None = None, *,
                              operation_mode_factor: float = 1.0, abnormal_condition: bool = False,
                              timeout_s: float | None = None) -> str:
        """DDBC.Instruction: activate an operation mode of an actuator; returns the instruction id."""
        instruction_id = messages.new_id()
        when = execution_time or self._config.now()
        built = messages.ddbc_instruction(instruction_id, actuator_id, operation_mode_id, when,
                                          operation_mode_factor, abnormal_condition)
        return self._send_instruction("DDBC", instruction_id, "DDBC.Instruction", when, built, timeout_s)

    def send_frbc_instruction(self, actuator_id: str, operation_mode_id: str,
                              execution_time: dt.datetime | None = None, *,
                              operation_mode_factor: float = 1.0, abnormal_condition: bool = False,
                              timeout_s: float | None = None) -> str:
        """FRBC.Instruction: run an actuator's operation mode at a factor; returns the instruction id."""
        instruction_id = messages.new_id()
        when = execution_time or self._config.now()
        built = messages.frbc_instruction(instruction_id, actuator_id, operation_mode_id, when,
                                          operation_mode_factor, abnormal_condition)
        return self._send_instruction("FRBC", instruction_id, "FRBC.Instruction", when, built, timeout_s)

    def _latest_in_session(self, message_type: str, timeout_s: float) -> ReceivedMessage | None:
        return self._store.wait_received(message_type, self._ready_session().number, timeout_s)

    def _require_control_type(self, control_type: str, message_type: str) -> RmSession:
        session = self._ready_session()
        if session.selected_control_type != control_type_name(control_type):
            raise S2NotConnected(f"{message_type} needs control type {control_type} selected; "
                                 f"selected: {self.selected_control_type() or 'none'}")
        return session

    def _power_constraints(self, timeout_s: float) -> ReceivedMessage | None:
        """This session's latest PEBC.PowerConstraints, waited for; absence is a violation."""
        latest = self._latest_in_session("PEBC.PowerConstraints", timeout_s)
        if latest is None:
            self._session_violation(f"no PEBC.PowerConstraints within {timeout_s} s after PEBC was "
                                    "selected (a PEBC.Instruction must refer to the RM's power constraints)")
        return latest

    def _session_violation(self, reason: str) -> None:
        session = self._ready_session()
        self._store.add_violation(Violation(session.rm_id, "", reason, session=session.number,
                                            at=self._config.now()))

    def _electric_quantity(self, constraints: ReceivedMessage | None) -> str:
        if constraints is not None:
            for limit in constraints.raw.get("allowed_limit_ranges", []):
                if limit.get("limit_type") == "UPPER_LIMIT" and \
                        limit.get("commodity_quantity") in messages.ELECTRIC_POWER_QUANTITIES:
                    return str(limit["commodity_quantity"])
        details = self._store.details()
        measured = details.provides_power_measurement_types if details else ()
        for quantity in ("ELECTRIC.POWER.3_PHASE_SYMMETRIC", "ELECTRIC.POWER.L1"):
            if quantity in measured:
                return quantity
        return "ELECTRIC.POWER.L1"

    # ---- what was received -------------------------------------------------------------------
    def details(self) -> RmDetails | None:
        """The RM's latest ResourceManagerDetails (any session)."""
        return self._store.details()

    def measurements(self) -> list[PowerSample]:
        """Every PowerMeasurement received, in arrival order, with the RM's timestamps."""
        return self._store.measurements()

    def instruction(self, instruction_id: str) -> InstructionRecord | None:
        """What the CEM sent under this id, its ReceptionStatus and its status history."""
        return self._store.instruction(instruction_id)

    def instructions(self) -> list[InstructionRecord]:
        return self._store.instructions()

    def instruction_status(self, instruction_id: str) -> list[StatusUpdate]:
        """The InstructionStatusUpdate history of one instruction, in arrival order."""
        record = self._store.instruction(instruction_id)
        if record is None:
            raise KeyError(f"the CEM never sent instruction {instruction_id}")
        return record.updates

    def received(self, message_type: str | None = None, *, session: int | None = None) -> list[ReceivedMessage]:
        """Every valid message the RM sent (optionally one type / one session), e.g.
        ``received("PEBC.PowerConstraints")`` or ``received("DDBC.SystemDescription")``."""
        return self._store.received(message_type, session)

    def ddbc_modes(self, timeout_s: float | None = None) -> list[DdbcMode]:
        """Operation modes of the RM's latest DDBC.SystemDescription. With DDBC selected, waits up
        to the timeout for this session's description (its absence is recorded as a violation)."""
        found = self._store.received("DDBC.SystemDescription")
        if self.selected_control_type() == "DDBC":
            timeout = timeout_s or self._config.response_timeout_s
            latest = self._latest_in_session("DDBC.SystemDescription", timeout)
            if latest is None:
                self._session_violation(f"no DDBC.SystemDescription within {timeout} s after DDBC "
                                        "was selected")
                return []
            found = [latest]
        if not found:
            return []
        modes: list[DdbcMode] = []
        for actuator in found[-1].raw["actuators"]:
            for mode in actuator["operation_modes"]:
                ranges = tuple((r["commodity_quantity"], float(r["start_of_range"]), float(r["end_of_range"]))
                               for r in mode["power_ranges"])
                modes.append(DdbcMode(str(actuator["id"]), str(mode.get("Id", mode.get("id"))),
                                      mode.get("diagnostic_label"), ranges))
        return modes

    def violations(self) -> list[Violation]:
        """Interoperability violations recorded so far (all sessions)."""
        return self._store.violations()


__all__ = ["CemConfig", "DdbcMode", "S2CemServer", "DEFAULT_ENVELOPE_DURATION_S"]
