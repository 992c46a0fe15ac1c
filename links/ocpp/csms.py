"""The bench as CSMS: an OCPP 1.6J / 2.0.1 WebSocket server on its own thread and asyncio loop.

The bench's main thread stays synchronous; every public method here is thread-safe and blocks with
an explicit timeout. Chargers connect to ``ws[s]://host:port/<charger_id>`` offering subprotocol
``ocpp1.6`` or ``ocpp2.0.1`` (OCPP-J 1.6 §3.1.2; OCPP 2.0.1 Part 4 §3.1). Every frame in and out goes
to ``trace``; schema, framing and order breaches become :class:`Violation` records, never crashes.
Every CSMS-initiated call uses the library's ``call(..., suppress=False)``; the version-neutral
operations (SetChargingProfile, GetCompositeSchedule, Reset, ...) come from
:class:`~links.ocpp.commands.CsmsCommandsMixin`.

For communication-loss tests the bench can drop a charger (:meth:`CsmsServer.disconnect`) and keep
it out (:meth:`CsmsServer.refuse_connections`: the WebSocket upgrade is answered with HTTP 503), which
is what a charger sees when its CSMS goes away. Every connection event is traced and kept
(:meth:`CsmsServer.connection_events`) with the CSMS's ``now()``.

Who may connect (identities of the OCPP identifier set only, refused chargers, Basic auth for
profiles 1-2, certificate CN = identity for profile 3, one connection per identity: a duplicate is
refused and the established session kept) and with which subprotocol is decided by
:class:`~links.ocpp.handshake.HandshakeGate`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from ocpp.exceptions import OCPPError, UnknownCallErrorCodeError
from ocpp.exceptions import ValidationError as OcppValidationError
from ocpp.messages import MessageType
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from bench.errors import ConfigError, LinkError
from links._threaded_server import ThreadedServer
from links.ocpp import fast_paths
from links.ocpp.charge_points import CHARGE_POINT_CLASSES, CsmsChargePoint16, CsmsChargePoint201, SessionHooks
from links.ocpp.commands import CsmsCommandsMixin
from links.ocpp.frames import (ConnectionEvent, MeterSample, OcppCallError, OcppCallTimeout, OcppConnectionClosed,
                               OcppInvalidResponse, OcppNotConnected, RawReply, TraceCallback, Violation)
from links.ocpp.handshake import HandshakeGate, charger_id_of, duplicate_violation
from links.ocpp.security import TlsServerFiles, server_ssl_context
from links.ocpp.transactions import Transaction
from links.ocpp.versions import OCPP16J, OCPP201, OcppVersion, by_subprotocol

#: the subprotocols a CSMS offers by default, the preferred first
SUBPROTOCOLS = (OCPP201.subprotocol, OCPP16J.subprotocol)
#: the ocpp library's own response timeout, only a backstop: every call() enforces its timeout_s
LIBRARY_RESPONSE_TIMEOUT_S = 24 * 3600.0


@dataclass
class CsmsConfig:
    """How the CSMS listens. ``passwords`` maps charger id -> Basic-auth password (profiles 1, 2)."""

    host: str = "127.0.0.1"
    port: int = 0                                    # 0: pick a free port
    security_profile: int = 0                        # 0 none, 1 basic, 2 TLS+basic, 3 mutual TLS
    passwords: Mapping[str, str] = field(default_factory=dict)
    tls: TlsServerFiles | None = None
    #: profiles 2/3, optional: a server chain from a CA the charger does not trust (security tests:
    #: ``use_untrusted_server_certificate``, and ``trust_client_certificates(False)`` verifies client
    #: certificates against this CA instead)
    untrusted_tls: TlsServerFiles | None = None
    heartbeat_interval_s: int = 300
    response_timeout_s: float = 10.0
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    #: the subprotocols offered in the handshake (a bench that expects one version offers only it)
    subprotocols: tuple[str, ...] = SUBPROTOCOLS
    #: subprotocol assumed for a charger that offers none (still recorded as a Violation);
    #: None: such a charger is closed with code 1002 (OCPP-J 1.6 §3.1.2, 2.0.1 Part 4 §3.1.2)
    default_subprotocol: str | None = None


class _TracedConnection:
    """The WebSocket as the ChargePoint sees it: recv/send with every text frame traced."""

    def __init__(self, ws: ServerConnection, charger_id: str, trace: TraceCallback,
                 on_binary: Callable[[str], None]) -> None:
        self._ws, self._id, self._trace, self._on_binary = ws, charger_id, trace, on_binary
        self._in, self._out = f"in:{charger_id}", f"out:{charger_id}"

    async def recv(self) -> str:
        while True:
            frame = await self._ws.recv()
            if isinstance(frame, bytes):   # OCPP-J uses text frames only (OCPP-J 1.6 §4.1.1)
                text = frame.decode("utf-8", errors="replace")
                self._trace(self._in, text)
                self._on_binary(text)
                continue
            self._trace(self._in, frame)
            return frame

    async def send(self, text: str) -> None:
        self._trace(self._out, text)
        await self._ws.send(text)


def astuple_sample(sample: MeterSample) -> tuple[Any, ...]:
    """A MeterSample as a tuple in field order (``MeterSample(*row)`` rebuilds it)."""
    return (sample.charger_id, sample.connector_id, sample.timestamp, sample.measurand, sample.phase,
            sample.value, sample.unit, sample.context)


class CsmsServer(ThreadedServer, CsmsCommandsMixin):
    """OCPP CSMS with a synchronous, thread-safe API (start/stop/wait_for_charger/call/meter_values,
    the operations of CsmsCommandsMixin, disconnect/refuse_connections/send_raw)."""

    _service_name = "CSMS"
    _thread_name = "flexbench-csms"

    def __init__(self, config: CsmsConfig, trace: TraceCallback | None = None,
                 on_violation: Callable[[Violation], None] | None = None) -> None:
        """``trace`` gets every frame and connection event; ``on_violation`` every Violation as it is
        recorded (both on the CSMS thread: quick and thread-safe)."""
        if config.security_profile in (1, 2) and not config.passwords:
            raise ConfigError("security profiles 1 and 2 need charger passwords", field="passwords")
        unknown = [p for p in config.subprotocols if p not in SUBPROTOCOLS]
        if unknown or not config.subprotocols:
            raise ConfigError(f"subprotocols must be some of {SUBPROTOCOLS}, got {config.subprotocols}",
                              field="subprotocols")
        self._config = config
        self._ssl = server_ssl_context(config.security_profile, config.tls)
        self._rogue_ssl = self._distrust_ssl = None
        if self._ssl is not None and config.untrusted_tls is not None:
            self._rogue_ssl = server_ssl_context(config.security_profile, config.untrusted_tls,
                                                 verify_ca_path=config.tls.ca_cert_path if config.tls else None)
            self._distrust_ssl = server_ssl_context(config.security_profile, config.tls,
                                                    verify_ca_path=config.untrusted_tls.ca_cert_path)
            self._ssl.sni_callback = self._pick_tls_context
        self._present_untrusted = False
        self._trust_clients = True
        self._password_overrides: dict[str, str | None] = {}
        self._trace: TraceCallback = trace or (lambda direction, text: None)
        self._on_violation = on_violation
        self._gate = HandshakeGate(security_profile=config.security_profile, password_of=self._password_of,
                                   subprotocols=config.subprotocols, is_refused=self._is_refused,
                                   on_refused=lambda charger_id, detail: self._event(charger_id, "refused", detail),
                                   on_violation=self._add_violation, is_connected=self.is_connected)
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        self._charge_points: dict[str, CsmsChargePoint16 | CsmsChargePoint201] = {}
        self._violations: list[Violation] = []
        # samples kept as plain tuples of str/int/float/None: the garbage collector untracks such
        # tuples, so a long campaign or a fleet's meter values do not lengthen full collections
        self._samples: dict[str, list[tuple[Any, ...]]] = {}
        self._boot: dict[str, dict[str, Any]] = {}
        self._status: dict[str, dict[int, str]] = {}
        self._transactions: dict[str, dict[int, Transaction]] = {}   # charger -> connector/EVSE -> open one
        self._versions: dict[str, OcppVersion] = {}
        self._sockets: dict[str, ServerConnection] = {}
        self._refused: set[str] = set()
        self._events: list[ConnectionEvent] = []
        self._init_thread_state()

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout_s: float = 5.0) -> int:
        """Start the loop thread and the listener; return the bound TCP port."""
        fast_paths.install()       # same verdicts and results, less CPU per message (fast_paths.py)
        return super().start(timeout_s)

    async def _listen(self) -> Server:
        return await serve(self._on_connection, self._config.host, self._config.port,
                           subprotocols=list(self._config.subprotocols),  # type: ignore[arg-type]
                           select_subprotocol=self._gate.select_subprotocol,
                           process_request=self._gate.process_request, ssl=self._ssl,
                           ping_interval=None)

    def _listen_address(self) -> tuple[str, int]:
        return self._config.host, self._config.port

    # ---- one connection ----------------------------------------------------------------------
    async def _on_connection(self, ws: ServerConnection) -> None:
        charger_id = charger_id_of(ws.request.path if ws.request else "/")
        subprotocol: str | None = ws.subprotocol
        if subprotocol is None:
            offered = ", ".join(ws.request.headers.get_all("Sec-WebSocket-Protocol")) if ws.request else ""
            self._add_violation(Violation(
                charger_id, f"GET {ws.request.path if ws.request else '/'}",
                f"no OCPP subprotocol offered that the CSMS accepts (offered: {offered or 'none'}; accepted: "
                f"{', '.join(self._config.subprotocols)}; OCPP-J 1.6 §3.1.2, 2.0.1 Part 4 §3.1.2)"))
            if self._config.default_subprotocol is None:
                self._event(charger_id, "refused", "no OCPP subprotocol offered: closed with 1002")
                await ws.close(code=1002, reason="no OCPP subprotocol")
                return
            subprotocol = self._config.default_subprotocol
        hooks = SessionHooks(heartbeat_interval_s=self._config.heartbeat_interval_s,
                             now=self._config.now, on_violation=self._add_violation,
                             on_samples=self._add_samples, on_boot=self._on_boot,
                             on_status=self._on_status, on_transaction_started=self._on_transaction_started,
                             on_transaction_ended=self._on_transaction_ended)
        connection = _TracedConnection(
            ws, charger_id, self._trace,
            lambda text: self._add_violation(Violation(charger_id, text, "binary WebSocket frame")))
        cp = CHARGE_POINT_CLASSES[by_subprotocol(subprotocol)](charger_id, connection, hooks,
                                                                LIBRARY_RESPONSE_TIMEOUT_S)
        with self._connected:
            duplicate = charger_id in self._charge_points   # two handshakes raced past the gate
            if not duplicate:
                self._charge_points[charger_id] = cp
                self._sockets[charger_id] = ws
                self._versions[charger_id] = cp.version
                self._connected.notify_all()
        if duplicate:
            self._add_violation(duplicate_violation(charger_id, ws.request.path if ws.request else "/"))
            self._event(charger_id, "refused", "identity already connected: closed with 1008")
            await ws.close(code=1008, reason="identity already connected")
            return
        tls = ws.transport.get_extra_info("ssl_object") if ws.transport else None
        self._event(charger_id, "connected", f"subprotocol {subprotocol}"
                    + (f", {tls.version()}" if tls is not None else ""))
        try:
            await cp.start()
        except ConnectionClosed:
            pass
        except Exception as error:  # noqa: BLE001 - a charger must never crash the CSMS
            self._add_violation(Violation(charger_id, cp.last_raw_in, f"connection ended: {error!r}"))
        finally:
            cp.closed.set()
            code, reason = ws.close_code, ws.close_reason
            detail = "no close frame" if code is None else f"code {code}" + (f" {reason!r}" if reason else "")
            self._event(charger_id, "closed", detail, gone=cp)

    def _event(self, charger_id: str, kind: str, detail: str, *,
               gone: CsmsChargePoint16 | CsmsChargePoint201 | None = None) -> None:
        """Record (and trace) a connection event; with ``gone``, forget that charge point in the same
        step, so whoever sees the charger disconnected also sees its ``closed`` event."""
        event = ConnectionEvent(charger_id, kind, self._config.now(), detail)
        with self._connected:
            self._events.append(event)
            if gone is not None:
                if self._charge_points.get(charger_id) is gone:
                    del self._charge_points[charger_id]
                    del self._sockets[charger_id]
                self._connected.notify_all()
        self._trace(f"event:{charger_id}", f"{kind}: {detail}")

    def _add_violation(self, violation: Violation) -> None:
        with self._lock:
            self._violations.append(violation)
        if self._on_violation is not None:
            self._on_violation(violation)

    def _add_samples(self, samples: list[MeterSample]) -> None:
        with self._lock:
            for sample in samples:
                self._samples.setdefault(sample.charger_id, []).append(astuple_sample(sample))

    def _on_boot(self, charger_id: str, identity: dict[str, Any]) -> None:
        with self._connected:
            self._boot[charger_id] = identity
            self._connected.notify_all()

    def _on_status(self, charger_id: str, connector_id: int, status: str) -> None:
        with self._lock:
            self._status.setdefault(charger_id, {})[connector_id] = status

    # ---- synchronous API ---------------------------------------------------------------------
    def wait_for_charger(self, charger_id: str, timeout_s: float, *, booted: bool = True) -> None:
        """Block until ``charger_id`` is connected (and, by default, its BootNotification accepted)."""
        def ready() -> bool:
            cp = self._charge_points.get(charger_id)
            return cp is not None and (not booted or cp.boot_accepted)

        with self._connected:
            if not self._connected.wait_for(ready, timeout_s):
                raise OcppCallTimeout(f"charger {charger_id} did not connect"
                                      f"{' and boot' if booted else ''} within {timeout_s} s")

    def wait_for_disconnect(self, charger_id: str, timeout_s: float) -> None:
        """Block until ``charger_id`` has no open connection (its ``closed`` event is then recorded):
        after the charger hung up, before reading what the CSMS saw of it."""
        with self._connected:
            if not self._connected.wait_for(lambda: charger_id not in self._charge_points, timeout_s):
                raise OcppCallTimeout(f"charger {charger_id} still connected after {timeout_s} s")

    def call_checked(self, charger_id: str, request: Any, timeout_s: float) -> Any:
        """Send ``request`` (an ``ocpp.v16.call`` / ``ocpp.v201.call`` dataclass) with the library's
        ``call(..., suppress=False)`` and return the response (never None for an error reply).

        Raises OcppNotConnected, OcppCallTimeout, OcppCallError (CALLERROR), OcppInvalidResponse
        (schema breach, or a CALLERROR whose code OCPP does not define; also recorded as a
        Violation) or OcppConnectionClosed; no ``ocpp`` or ``websockets`` exception leaves it.
        """
        with self._lock:
            cp = self._charge_points.get(charger_id)
        if cp is None or self._loop is None:
            raise OcppNotConnected(f"charger {charger_id} is not connected to the CSMS")
        action = type(request).__name__

        async def run() -> Any:
            cp.last_response_type = None
            pending = asyncio.ensure_future(cp.call(request, suppress=False))
            closed = asyncio.ensure_future(cp.closed.wait())
            try:
                await asyncio.wait({pending, closed}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                closed.cancel()
            if not pending.done():
                pending.cancel()
                if cp.closed.is_set():
                    raise OcppConnectionClosed(f"{charger_id} closed the connection during {action}")
                raise OcppCallTimeout(f"{charger_id} did not answer {action} within {timeout_s} s")
            try:
                return pending.result()
            except (asyncio.TimeoutError, TimeoutError) as error:
                raise OcppCallTimeout(f"{charger_id} did not answer {action} within {timeout_s} s") from error
            except ConnectionClosed as error:
                raise OcppConnectionClosed(f"{charger_id} closed the connection during {action}") from error
            except OCPPError as error:
                if cp.last_response_type == MessageType.CallError:
                    raise OcppCallError(charger_id, action, error.code, error.description,
                                        error.details, frame=cp.last_response_raw) from error
                if cp.last_response_type is None:
                    raise LinkError(f"the bench's own {action} request breaks the schema: {error}") from error
                reason = f"{action} CALLRESULT breaks the schema: {error}"
                self._add_violation(Violation(charger_id, cp.last_raw_in, reason))
                raise OcppInvalidResponse(f"{charger_id}: {reason}", action=action,
                                          frame=cp.last_response_raw) from error
            except TypeError as error:
                reason = f"{action} CALLRESULT has unexpected fields: {error}"
                self._add_violation(Violation(charger_id, cp.last_raw_in, reason))
                raise OcppInvalidResponse(f"{charger_id}: {reason}", action=action,
                                          frame=cp.last_response_raw) from error
            except (UnknownCallErrorCodeError, OcppValidationError, KeyError, ValueError) as error:
                if cp.last_response_type is None:
                    raise LinkError(f"the ocpp library failed on the bench's own {action} request: "
                                    f"{type(error).__name__}: {error}") from error
                kind = "CALLERROR" if cp.last_response_type == MessageType.CallError else "CALLRESULT"
                reason = f"{action} {kind} is not a valid OCPP answer: {type(error).__name__}: {error}"
                self._add_violation(Violation(charger_id, cp.last_raw_in, reason))
                raise OcppInvalidResponse(f"{charger_id}: {reason}", action=action,
                                          frame=cp.last_response_raw) from error

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        try:
            return future.result(timeout_s + 1.0)
        except FutureTimeout as error:
            future.cancel()
            raise OcppCallTimeout(f"{charger_id} did not answer {action} within {timeout_s} s") from error

    @property
    def response_timeout_s(self) -> float:
        """The default timeout of CSMS-initiated calls (CsmsConfig.response_timeout_s)."""
        return self._config.response_timeout_s

    def _timeout(self, timeout_s: float | None) -> float:
        return self._config.response_timeout_s if timeout_s is None else timeout_s

    def version(self, charger_id: str) -> OcppVersion:
        """The OCPP version ``charger_id`` connected with (last connection)."""
        with self._lock:
            version = self._versions.get(charger_id)
        if version is None:
            raise OcppNotConnected(f"charger {charger_id} has never connected to the CSMS")
        return version

    def _run(self, coroutine: Any, timeout_s: float) -> Any:
        if self._loop is None:
            coroutine.close()
            raise LinkError("the CSMS is not running")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout_s)
        except FutureTimeout as error:
            future.cancel()
            raise OcppCallTimeout(f"CSMS operation did not finish within {timeout_s} s") from error

    def send_raw(self, charger_id: str, frame_text: str, timeout_s: float | None = None) -> RawReply:
        """Send ``frame_text`` unchanged (an unknown action, a malformed CALL...) and return the reply.

        The reply is the CALLRESULT/CALLERROR with the frame's message id, or, when the frame has no
        readable id, the next CALLRESULT/CALLERROR or non-RPC frame; ``RawReply.kind == "closed"`` when
        the charger closed the connection instead, ``"silent"`` when nothing came back within the
        timeout (OCPP-J 1.6 §4.2.3 / 2.0.1 Part 4 §4.2.3 expect a CALLERROR: silence is the charger's
        answer to judge, not a link failure). Raises OcppNotConnected.
        """
        timeout = self._timeout(timeout_s)
        with self._lock:
            cp = self._charge_points.get(charger_id)
        if cp is None:
            raise OcppNotConnected(f"charger {charger_id} is not connected to the CSMS")
        unique_id: str | None = None
        try:
            message = json.loads(frame_text)
            if isinstance(message, list) and len(message) >= 2 and isinstance(message[1], str):
                unique_id = message[1]
        except ValueError:
            pass

        async def run() -> RawReply:
            try:
                return RawReply.from_frame(await cp.send_raw(frame_text, unique_id, timeout))
            except ConnectionClosed:
                return RawReply("closed", None)
            except (asyncio.TimeoutError, TimeoutError):
                return RawReply("silent", None)

        reply: RawReply = self._run(run(), timeout + 1.0)
        return reply

    def disconnect(self, charger_id: str, timeout_s: float = 5.0) -> bool:
        """Close ``charger_id``'s WebSocket (code 1001 "going away", as when a CSMS shuts down) and
        wait until it is gone; False when it was not connected."""
        with self._lock:
            ws, cp = self._sockets.get(charger_id), self._charge_points.get(charger_id)
        if ws is None or cp is None:
            return False
        self._event(charger_id, "disconnected", "closed by the bench (1001)")

        async def run() -> None:
            await ws.close(code=1001, reason="CSMS going away")
            await cp.closed.wait()

        self._run(run(), timeout_s)
        return True

    def refuse_connections(self, charger_id: str, refuse: bool) -> None:
        """While ``refuse`` is True, answer ``charger_id``'s WebSocket upgrades with HTTP 503, so it
        stays offline; an open connection is kept (call :meth:`disconnect` to drop it)."""
        with self._lock:
            if refuse:
                self._refused.add(charger_id)
            else:
                self._refused.discard(charger_id)

    # ---- security controls (what the CSMS expects / presents on NEW handshakes) ----------------
    def _password_of(self, charger_id: str) -> str | None:
        with self._lock:
            if charger_id in self._password_overrides:
                return self._password_overrides[charger_id]
        return self._config.passwords.get(charger_id)

    def set_expected_password(self, charger_id: str, password: str | None) -> None:
        """Profiles 1/2: expect ``password`` from ``charger_id`` from now on (None: the configured one
        again). Open connections stay; new handshakes with another password get HTTP 401."""
        if password is not None and self._config.security_profile not in (1, 2):
            raise LinkError(f"security profile {self._config.security_profile} uses no Basic-auth password")
        with self._lock:
            if password is None:
                self._password_overrides.pop(charger_id, None)
            else:
                self._password_overrides[charger_id] = password

    def use_untrusted_server_certificate(self, use: bool) -> None:
        """Profiles 2/3: present the chain of ``CsmsConfig.untrusted_tls`` (a CA the charger does not
        know, as a rogue CSMS would) on new handshakes while ``use`` is True."""
        if use and self._rogue_ssl is None:
            raise LinkError("no untrusted server certificate: security profile 2/3 and CsmsConfig.untrusted_tls needed")
        self._present_untrusted = use

    def trust_client_certificates(self, trust: bool) -> None:
        """Profile 3: while ``trust`` is False, verify client certificates against the untrusted CA
        instead of the chargers' CA, so every charger certificate fails the TLS handshake."""
        if not trust and (self._distrust_ssl is None or self._config.security_profile != 3):
            raise LinkError("distrusting client certificates needs security profile 3 and CsmsConfig.untrusted_tls")
        self._trust_clients = trust

    def _pick_tls_context(self, ssl_object: Any, server_name: str | None, context: Any) -> None:
        """SNI callback (called for every ClientHello, with or without SNI): swap the context."""
        if self._present_untrusted and self._rogue_ssl is not None:
            ssl_object.context = self._rogue_ssl
        elif not self._trust_clients and self._distrust_ssl is not None:
            ssl_object.context = self._distrust_ssl

    def _is_refused(self, charger_id: str) -> bool:
        with self._lock:
            return charger_id in self._refused

    def is_connected(self, charger_id: str) -> bool:
        with self._lock:
            return charger_id in self._charge_points

    def connection_events(self, charger_id: str | None = None) -> list[ConnectionEvent]:
        """Connections made, closed and refused so far (all chargers, or one), oldest first."""
        with self._lock:
            return [e for e in self._events if charger_id is None or e.charger_id == charger_id]

    def connected_chargers(self) -> list[str]:
        with self._lock:
            return sorted(self._charge_points)

    def _on_transaction_started(self, charger_id: str, transaction: Transaction) -> None:
        with self._lock:
            open_ = self._transactions.setdefault(charger_id, {})
            known = open_.get(transaction.connector_id)
            if known is None or known.transaction_id != transaction.transaction_id:
                open_[transaction.connector_id] = transaction     # an Updated keeps the first start

    def _on_transaction_ended(self, charger_id: str, transaction_id: str) -> None:
        with self._lock:
            open_ = self._transactions.setdefault(charger_id, {})
            for connector, transaction in list(open_.items()):
                if transaction.transaction_id == transaction_id:
                    del open_[connector]

    def active_transaction(self, charger_id: str, connector_id: int = 1) -> Transaction | None:
        """The transaction the charger has open on a connector (1.6) / EVSE (2.0.1): from
        StartTransaction (the id the CSMS gave in its .conf) until StopTransaction, or from the
        TransactionEvent Started/Updated until Ended; None when there is none."""
        with self._lock:
            return self._transactions.get(charger_id, {}).get(connector_id)

    def active_transaction_id(self, charger_id: str, connector_id: int = 1) -> str | None:
        """The id of :meth:`active_transaction` (None when there is none)."""
        transaction = self.active_transaction(charger_id, connector_id)
        return None if transaction is None else transaction.transaction_id

    def boot_info(self, charger_id: str) -> dict[str, Any] | None:
        with self._lock:
            return dict(self._boot[charger_id]) if charger_id in self._boot else None

    def connector_status(self, charger_id: str) -> dict[int, str]:
        with self._lock:
            return dict(self._status.get(charger_id, {}))

    def meter_values(self, charger_id: str, *, connector_id: int | None = None,
                     measurand: str | None = None) -> list[MeterSample]:
        """Samples received so far from ``charger_id``, in arrival order, optionally filtered."""
        with self._lock:
            samples = [MeterSample(*row) for row in self._samples.get(charger_id, [])]
        return [s for s in samples if (connector_id is None or s.connector_id == connector_id)
                and (measurand is None or s.measurand == measurand)]

    def violations(self, charger_id: str | None = None) -> list[Violation]:
        """Interoperability violations recorded so far (all chargers, or one)."""
        with self._lock:
            return [v for v in self._violations if charger_id is None or v.peer_id == charger_id]


__all__ = ["CsmsConfig", "CsmsServer", "SUBPROTOCOLS"]
