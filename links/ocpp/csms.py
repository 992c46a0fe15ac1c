"""The bench as CSMS: an OCPP 1.6J / 2.0.1 WebSocket server on its own thread and asyncio loop.

The bench's main thread stays synchronous; every public method here is thread-safe and blocks with
an explicit timeout. Chargers connect to ``ws[s]://host:port/<charger_id>`` offering subprotocol
``ocpp1.6`` or ``ocpp2.0.1`` (OCPP-J 1.6 §3.1.2; OCPP 2.0.1 Part 4 §3.1). Every frame in and out goes
to ``trace``; schema, framing and order breaches become :class:`Violation` records, never crashes.
Every CSMS-initiated call uses the library's ``call(..., suppress=False)``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hmac
import http
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.messages import MessageType
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bench.errors import ConfigError, LinkError
from links.ocpp.charge_points import CsmsChargePoint16, CsmsChargePoint201, SessionHooks
from links.ocpp.frames import (MeterSample, OcppCallError, OcppCallTimeout, OcppConnectionClosed,
                               OcppInvalidResponse, OcppNotConnected, TraceCallback, Violation)
from links.ocpp.security import TlsServerFiles, server_ssl_context

SUBPROTOCOLS = ("ocpp2.0.1", "ocpp1.6")


@dataclass
class CsmsConfig:
    """How the CSMS listens. ``passwords`` maps charger id -> Basic-auth password (profiles 1, 2)."""

    host: str = "127.0.0.1"
    port: int = 0                                    # 0: pick a free port
    security_profile: int = 0                        # 0 none, 1 basic, 2 TLS+basic, 3 mutual TLS
    passwords: Mapping[str, str] = field(default_factory=dict)
    tls: TlsServerFiles | None = None
    heartbeat_interval_s: int = 300
    response_timeout_s: float = 10.0
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)


class _TracedConnection:
    """The WebSocket as the ChargePoint sees it: recv/send with every text frame traced."""

    def __init__(self, ws: ServerConnection, charger_id: str, trace: TraceCallback,
                 on_binary: Callable[[str], None]) -> None:
        self._ws, self._id, self._trace, self._on_binary = ws, charger_id, trace, on_binary

    async def recv(self) -> str:
        while True:
            frame = await self._ws.recv()
            if isinstance(frame, bytes):   # OCPP-J uses text frames only (OCPP-J 1.6 §4.1.1)
                text = frame.decode("utf-8", errors="replace")
                self._trace(f"in:{self._id}", text)
                self._on_binary(text)
                continue
            self._trace(f"in:{self._id}", frame)
            return frame

    async def send(self, text: str) -> None:
        self._trace(f"out:{self._id}", text)
        await self._ws.send(text)


class CsmsServer:
    """OCPP CSMS with a synchronous, thread-safe API (start/stop/wait_for_charger/call/meter_values)."""

    def __init__(self, config: CsmsConfig, trace: TraceCallback | None = None) -> None:
        if config.security_profile in (1, 2) and not config.passwords:
            raise ConfigError("security profiles 1 and 2 need charger passwords", field="passwords")
        self._config = config
        self._ssl = server_ssl_context(config.security_profile, config.tls)
        self._trace: TraceCallback = trace or (lambda direction, text: None)
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        self._charge_points: dict[str, CsmsChargePoint16 | CsmsChargePoint201] = {}
        self._violations: list[Violation] = []
        self._samples: dict[str, list[MeterSample]] = {}
        self._boot: dict[str, dict[str, Any]] = {}
        self._status: dict[str, dict[int, str]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self.port: int | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout_s: float = 5.0) -> int:
        """Start the loop thread and the listener; return the bound TCP port."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(self._listen())
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as error:  # noqa: BLE001 - handed to the starting thread
                errors.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="flexbench-csms", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise LinkError(f"CSMS did not start within {timeout_s} s")
        if errors:
            raise LinkError(f"CSMS could not listen on {self._config.host}:{self._config.port}: "
                            f"{errors[0]}") from errors[0]
        assert self.port is not None
        return self.port

    async def _listen(self) -> Server:
        return await serve(self._on_connection, self._config.host, self._config.port,
                           subprotocols=list(SUBPROTOCOLS),  # type: ignore[arg-type]
                           process_request=self._authorize, ssl=self._ssl,
                           ping_interval=None)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close every connection and the listener, then end the loop thread."""
        loop, server = self._loop, self._server
        if loop is None or server is None or not loop.is_running():
            return

        async def shutdown() -> None:
            server.close()
            await server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout_s)
        except FutureTimeout:
            pass
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout_s)

    def __enter__(self) -> CsmsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- handshake ---------------------------------------------------------------------------
    @staticmethod
    def _charger_id(path: str) -> str:
        return urllib.parse.unquote(urllib.parse.urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])

    def _authorize(self, connection: ServerConnection, request: Request) -> Response | None:
        """HTTP Basic auth for profiles 1 and 2: user = charger id, password as configured (401 else)."""
        if self._config.security_profile not in (1, 2):
            return None
        charger_id = self._charger_id(request.path)
        expected = self._config.passwords.get(charger_id)
        given: tuple[str, str] | None = None
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:], validate=True).decode("latin-1").partition(":")
                given = (user, password)
            except (binascii.Error, ValueError):
                given = None
        if (expected is None or given is None or given[0] != charger_id
                or not hmac.compare_digest(given[1].encode("latin-1"), expected.encode("latin-1"))):
            response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Invalid credentials\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="flexbench-csms"'
            return response
        return None

    # ---- one connection ----------------------------------------------------------------------
    async def _on_connection(self, ws: ServerConnection) -> None:
        charger_id = self._charger_id(ws.request.path if ws.request else "/")
        hooks = SessionHooks(heartbeat_interval_s=self._config.heartbeat_interval_s,
                             now=self._config.now, on_violation=self._add_violation,
                             on_samples=self._add_samples, on_boot=self._on_boot,
                             on_status=self._on_status)
        connection = _TracedConnection(
            ws, charger_id, self._trace,
            lambda text: self._add_violation(Violation(charger_id, text, "binary WebSocket frame")))
        cls = CsmsChargePoint16 if ws.subprotocol == "ocpp1.6" else CsmsChargePoint201
        cp = cls(charger_id, connection, hooks, self._config.response_timeout_s)
        with self._connected:
            self._charge_points[charger_id] = cp
            self._connected.notify_all()
        try:
            await cp.start()
        except ConnectionClosed:
            pass
        except Exception as error:  # noqa: BLE001 - a charger must never crash the CSMS
            self._add_violation(Violation(charger_id, cp.last_raw_in, f"connection ended: {error!r}"))
        finally:
            with self._connected:
                if self._charge_points.get(charger_id) is cp:
                    del self._charge_points[charger_id]

    def _add_violation(self, violation: Violation) -> None:
        with self._lock:
            self._violations.append(violation)

    def _add_samples(self, samples: list[MeterSample]) -> None:
        with self._lock:
            for sample in samples:
                self._samples.setdefault(sample.charger_id, []).append(sample)

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

    def call(self, charger_id: str, request: Any, timeout_s: float) -> Any:
        """Send ``request`` (an ``ocpp.v16.call`` / ``ocpp.v201.call`` dataclass) and return the response.

        Raises OcppNotConnected, OcppCallTimeout, OcppCallError (CALLERROR), OcppInvalidResponse
        (schema breach, also recorded as a Violation) or OcppConnectionClosed.
        """
        with self._lock:
            cp = self._charge_points.get(charger_id)
        if cp is None or self._loop is None:
            raise OcppNotConnected(f"charger {charger_id} is not connected to the CSMS")
        action = type(request).__name__

        async def run() -> Any:
            cp.last_response_type = None
            try:
                return await asyncio.wait_for(cp.call(request, suppress=False), timeout_s)
            except (asyncio.TimeoutError, TimeoutError) as error:
                raise OcppCallTimeout(f"{charger_id} did not answer {action} within {timeout_s} s") from error
            except ConnectionClosed as error:
                raise OcppConnectionClosed(f"{charger_id} closed the connection during {action}") from error
            except OCPPError as error:
                if cp.last_response_type == MessageType.CallError:
                    raise OcppCallError(charger_id, action, error.code, error.description,
                                        error.details) from error
                if cp.last_response_type is None:
                    raise LinkError(f"the bench's own {action} request breaks the schema: {error}") from error
                reason = f"{action} CALLRESULT breaks the schema: {error}"
                self._add_violation(Violation(charger_id, cp.last_raw_in, reason))
                raise OcppInvalidResponse(f"{charger_id}: {reason}") from error
            except TypeError as error:
                reason = f"{action} CALLRESULT has unexpected fields: {error}"
                self._add_violation(Violation(charger_id, cp.last_raw_in, reason))
                raise OcppInvalidResponse(f"{charger_id}: {reason}") from error

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        try:
            return future.result(timeout_s + 1.0)
        except FutureTimeout as error:
            future.cancel()
            raise OcppCallTimeout(f"{charger_id} did not answer {action} within {timeout_s} s") from error

    def connected_chargers(self) -> list[str]:
        with self._lock:
            return sorted(self._charge_points)

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
            samples = list(self._samples.get(charger_id, []))
        return [s for s in samples if (connector_id is None or s.connector_id == connector_id)
                and (measurand is None or s.measurand == measurand)]

    def violations(self, charger_id: str | None = None) -> list[Violation]:
        """Interoperability violations recorded so far (all chargers, or one)."""
        with self._lock:
            return [v for v in self._violations if charger_id is None or v.charger_id == charger_id]


__all__ = ["CsmsConfig", "CsmsServer", "SUBPROTOCOLS"]
