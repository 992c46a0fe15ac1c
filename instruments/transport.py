"""The one I/O seam between instrument drivers and the wire.

A driver only ever sees a :class:`Transport`: ``write`` a line, ``query`` a line and read one
line back, ``close``. The seam owns timeouts, line terminations, wire tracing (the trace becomes
evidence in the campaign record), reconnection after a dropped LAN connection, and the mapping of
transport failures onto the bench's exception tree::

    InstrumentError (bench.errors)
     ├── InstrumentTimeout          no answer within the explicit timeout, or the connection
     │                              dropped and every reconnection attempt failed (the instrument
     │                              is unreachable: the bench session stops, INCONCLUSIVE)
     └── ConnectionLost             the connection dropped and the message could not be completed
                                    although the link is back (the command is not idempotent and
                                    was not repeated, or it failed again): an ERROR for that step,
                                    the campaign goes on
    SafetyLimitError (bench.errors)
     └── WriteRefused               a read-only session refused a command before sending it

    pyvisa VisaIOError (timeout)   -> InstrumentTimeout
    pyvisa VisaIOError (other)     -> InstrumentError
    OSError / ValueError on open   -> InstrumentError
    a resource string no class fits -> bench.errors.ConfigError

Implementations:

* :class:`VisaTransport` - PyVISA with the pure-Python backend (``@py``), for every resource
  class in :data:`instruments.visa_resources.RESOURCE_CLASSES` (SOCKET, VXI-11, HiSLIP, USBTMC,
  GPIB, serial). For ``TCPIP::host::port::SOCKET`` sessions it sets ``TCP_NODELAY`` on the
  session's socket itself: pyvisa-py 0.8.1 ignores ``VI_ATTR_TCPIP_NODELAY`` for SOCKET sessions,
  and without it every write followed by a query waits for Nagle + delayed ACK (~40 ms).
* :class:`TranscriptTransport` - replays a list of ``(sent, reply)`` pairs for driver tests
  (in the spirit of pymeasure's ``expected_protocol``); any mismatch or leftover pair raises.
* :class:`ReadOnlyTransport` - wraps another transport and refuses every message that is not a
  query, except a few harmless ones (``*CLS``): ``flexbench instruments check`` uses it so that
  inspecting a bench can never energise anything.

Reconnection (LAN classes only, :class:`ReconnectPolicy`): pyvisa-py does not notice a SOCKET
peer that went away (the first write "succeeds" into the kernel buffer; a read spins until its
timeout), so before each message the transport peeks at the socket; a closed peer is reopened
*before* anything is sent, which is safe for every command. A connection that fails while a
message is under way is reopened too, then the driver's open sequence
(:attr:`VisaTransport.on_reconnect`, e.g. ``driver.open``) is re-run, and the message is repeated
only if it is a query or an idempotent setting (:func:`instruments.scpi_messages.is_idempotent_setting`);
otherwise :class:`ConnectionLost` is raised (a bench ERROR for that step; later steps use the new
connection, so the campaign goes on). Every loss, attempt, reconnection and repetition is traced
with direction ``"event"``.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from bench.deadlines import abort_socket, deadline, with_grace_s
from bench.errors import InstrumentError, InstrumentTimeout, SafetyLimitError

from instruments.scpi_messages import is_idempotent_setting, is_query_message, split_units
from instruments.visa_resources import ParsedResource, open_kwargs, parse_resource

Direction = Literal["out", "in", "event"]
TraceFn = Callable[[Direction, str], None]
"""``trace(direction, text)``: ``'out'`` a line sent, ``'in'`` a line received, ``'event'`` a
transport event (connection lost, reconnected, command repeated)."""

__all__ = ["Direction", "TraceFn", "Transport", "VisaTransport", "TranscriptTransport",
           "TranscriptMismatch", "ReadOnlyTransport", "UNSOLICITED_LINE", "WriteRefused", "HARMLESS_WRITES",
           "ConnectionLost", "ReconnectPolicy", "NO_RECONNECT", "DEFAULT_RECONNECT"]

_T = TypeVar("_T")


@runtime_checkable
class Transport(Protocol):
    """A line-oriented, request/response channel to one instrument."""

    def write(self, text: str) -> None:
        """Send one program message (without termination)."""

    def query(self, text: str) -> str:
        """Send one program message and return the one-line reply (termination stripped)."""

    def read_line(self) -> str:
        """The next line the instrument sends unasked (a continuous output it was told to start),
        termination stripped; the whole line within the transport's timeout, one deadline
        (bench/deadlines.py), else ``InstrumentTimeout``."""

    def close(self) -> None:
        """Release the channel; idempotent."""


class ConnectionLost(InstrumentError):
    """The connection to the instrument dropped and the message could not be completed."""


@dataclass(frozen=True)
class ReconnectPolicy:
    """Bounded reconnection: ``attempts`` reopen tries, waiting ``backoff_s[i]`` (wall clock,
    the last value repeating) before try ``i``. ``attempts=0`` disables reconnection."""

    attempts: int = 3
    backoff_s: tuple[float, ...] = (0.05, 0.5, 2.0)

    def __post_init__(self) -> None:
        if self.attempts < 0 or (self.attempts and not self.backoff_s):
            raise ValueError("attempts must be >= 0 and backoff_s non-empty")
        if any(wait < 0 for wait in self.backoff_s):
            raise ValueError("backoff_s must not be negative")

    def wait_before_s(self, attempt: int) -> float:
        """Wait before the 1-based ``attempt``."""
        return self.backoff_s[min(attempt, len(self.backoff_s)) - 1]


NO_RECONNECT = ReconnectPolicy(attempts=0, backoff_s=())
DEFAULT_RECONNECT = ReconnectPolicy()


class _LinkDown(Exception):
    """Internal: the connection is gone (not a timeout of a live connection)."""


_CONNECTION_ERRNOS = frozenset({errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED, errno.ENOTCONN,
                                errno.ECONNREFUSED, errno.ESHUTDOWN, errno.ENETDOWN,
                                errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ETIMEDOUT})


def _is_connection_oserror(exc: BaseException) -> bool:
    return isinstance(exc, (ConnectionError, EOFError)) or (
        isinstance(exc, OSError) and exc.errno in _CONNECTION_ERRNOS)


class VisaTransport:
    """A PyVISA session opened through the pure-Python backend (``ResourceManager('@py')``).

    ``resource`` is a VISA resource string (:mod:`instruments.visa_resources`), e.g.
    ``TCPIP::127.0.0.1::5025::SOCKET``. Terminations are ``'\\n'`` both ways unless ``options``
    say otherwise; ``timeout_ms`` is explicit (no library default) and also the open timeout
    (never below the class's floor, e.g. 5 s for VXI-11/HiSLIP). ``options`` carries the
    per-instrument settings of the resource class (serial: ``baud_rate``, ``data_bits``,
    ``parity``, ``stop_bits``, ``flow_control``; all: ``read_termination``,
    ``write_termination``). ``trace(direction, text)`` sees every line sent (``'out'``),
    received (``'in'``) and every transport event (``'event'``).

    ``reconnect`` defaults to :data:`DEFAULT_RECONNECT` for LAN classes and :data:`NO_RECONNECT`
    otherwise; ``on_reconnect`` (settable later, typically ``driver.open``) is re-run after a
    reconnection. ``sleep`` is the wall-clock wait used between reconnection attempts.
    """

    def __init__(self, resource: str, *, timeout_ms: int, trace: TraceFn | None = None,
                 tcp_nodelay: bool = True, options: Mapping[str, Any] | None = None,
                 reconnect: ReconnectPolicy | None = None,
                 on_reconnect: Callable[[], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import pyvisa  # local: keeps transcript-only users free of VISA start-up cost

        if timeout_ms <= 0:
            raise ValueError(f"timeout_ms must be positive, got {timeout_ms}")
        self.resource = resource
        self.timeout_ms = timeout_ms
        self.parsed: ParsedResource = parse_resource(resource)
        self._open_kwargs = open_kwargs(self.parsed, timeout_ms=int(timeout_ms), options=options)
        lan = self.parsed.resource_class.lan
        self.reconnect_policy = reconnect if reconnect is not None else (
            DEFAULT_RECONNECT if lan else NO_RECONNECT)
        self.on_reconnect = on_reconnect
        self.reconnections = 0
        """How many times the connection was re-established."""
        self._trace = trace
        self._pyvisa = pyvisa
        self._sleep = sleep
        self._want_nodelay = bool(tcp_nodelay)
        self._sock: socket.socket | None = None
        self._in_reconnect = False
        self._closed = False
        self._session: Any = None
        try:
            self._rm = pyvisa.ResourceManager("@py")
        except (OSError, ValueError) as exc:
            raise InstrumentError(f"{resource}: cannot start the VISA backend: {exc}") from exc
        try:
            self._connect()
        except BaseException:
            self._rm.close()
            raise
        self.tcp_nodelay = self._want_nodelay and self.parsed.resource_class.tcp_nodelay

    # -- connection -----------------------------------------------------------------------
    def _connect(self) -> None:
        pyvisa = self._pyvisa
        try:
            session = self._rm.open_resource(self.resource, **self._open_kwargs)
        except pyvisa.errors.VisaIOError as exc:
            raise self._map_error(exc, f"open {self.resource}") from exc
        except Exception as exc:  # pyvisa-py raises a bare Exception when a connect times out
            raise InstrumentError(f"{self.resource}: cannot open: {exc}") from exc
        self._session = session
        self._sock = None
        try:
            self._sock = self._lookup_socket()
            self._check_connected()
            self._set_tcp_nodelay(self._want_nodelay)
        except BaseException:
            self._drop_session()
            raise

    def _socket(self) -> socket.socket | None:
        """The open SOCKET session's socket (looked up once per connection)."""
        return self._sock if self._session is not None else None

    def _lookup_socket(self) -> socket.socket | None:
        """The SOCKET session's connected socket (pyvisa-py keeps its session objects in
        ``visalib.sessions[session]``; a ``TCPIPSocketSession`` holds it as ``.interface``)."""
        if self.parsed.resource_class.key != "TCPIP_SOCKET" or self._session is None:
            return None
        backend_session = self._session.visalib.sessions.get(self._session.session)
        sock = getattr(backend_session, "interface", None)
        if not isinstance(sock, socket.socket):
            raise InstrumentError(f"{self.resource}: pyvisa-py session has no socket")
        return sock

    def _check_connected(self) -> None:
        """pyvisa-py reports a refused SOCKET connect as opened; ask the socket itself."""
        sock = self._socket()
        if sock is None:
            return
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise InstrumentError(f"{self.resource}: cannot connect: {errno.errorcode.get(code, code)}")

    def _set_tcp_nodelay(self, on: bool) -> bool:
        """Set TCP_NODELAY on the SOCKET session's socket; return whether it was set."""
        sock = self._socket()
        if sock is None:
            return False
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if on else 0)
        return on

    def _peer_closed(self) -> bool:
        """True when a SOCKET peer has closed or reset the connection (a non-blocking peek)."""
        sock = self._socket()
        if sock is None:
            return False
        try:
            return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def _drop_session(self) -> None:
        session, self._session = self._session, None
        self._sock = None
        if session is not None:
            try:
                session.close()
            except Exception as exc:  # noqa: BLE001  the old session is gone either way; keep the evidence
                self._event(f"closing the old session failed: {exc}")

    def _event(self, text: str) -> None:
        if self._trace is not None:
            self._trace("event", text)

    def _reconnect(self, reason: str) -> None:
        """Reopen the session (bounded attempts), then re-run the open sequence."""
        policy = self.reconnect_policy
        self._event(f"connection lost: {reason}")
        self._drop_session()
        if self._in_reconnect:
            raise ConnectionLost(f"{self.resource}: connection lost again while re-running the open "
                                 f"sequence ({reason})")
        last: InstrumentError | None = None
        for attempt in range(1, policy.attempts + 1):
            self._sleep(policy.wait_before_s(attempt))
            try:
                self._connect()
            except InstrumentError as exc:
                last = exc
                self._event(f"reconnect attempt {attempt}/{policy.attempts} failed: {exc}")
                continue
            self.reconnections += 1
            self._event(f"reconnected (attempt {attempt}/{policy.attempts})")
            if self.on_reconnect is not None:
                self._in_reconnect = True
                try:
                    self.on_reconnect()
                except InstrumentError as exc:
                    self._drop_session()
                    raise ConnectionLost(f"{self.resource}: reconnected, but re-running the open "
                                         f"sequence failed: {exc}") from exc
                finally:
                    self._in_reconnect = False
                self._event("open sequence re-run after reconnection")
            return
        raise InstrumentTimeout(f"{self.resource}: connection lost ({reason}); "
                                f"{policy.attempts} reconnect attempt(s) failed"
                                + (f", last: {last}" if last else "")) from last

    def _run(self, text: str, operation: Callable[[], _T], *, repeatable: Callable[[], bool]) -> _T:
        """Run one message exchange, reconnecting around it as the policy allows."""
        if self._closed:
            raise InstrumentError(f"{self.resource}: transport is closed ({text!r} not sent)")
        can_reconnect = self.reconnect_policy.attempts > 0 and not self._in_reconnect
        if self._session is None:
            if not can_reconnect:
                raise ConnectionLost(f"{self.resource}: not connected ({text!r} not sent)")
            self._reconnect(f"no session after an earlier loss (before sending {text!r})")
        elif can_reconnect and self._peer_closed():
            self._reconnect(f"the instrument closed the connection (noticed before sending {text!r})")
        try:
            return operation()
        except _LinkDown as lost:
            if not can_reconnect:
                if not self._in_reconnect:
                    self._drop_session()
                raise ConnectionLost(f"{self.resource}: {lost}") from lost
            self._reconnect(str(lost))
        if not repeatable():
            raise ConnectionLost(
                f"{self.resource}: connection lost while sending {text!r}; reconnected, but the "
                "command is not idempotent, so it was not repeated (its effect is unknown)")
        self._event(f"repeating {text!r} after reconnection")
        try:
            return operation()
        except _LinkDown as lost:
            self._drop_session()
            raise ConnectionLost(f"{self.resource}: {lost} (again, after reconnecting)") from lost

    # -- errors ---------------------------------------------------------------------------
    def _is_link_error(self, exc: BaseException) -> bool:
        pyvisa = self._pyvisa
        if isinstance(exc, pyvisa.errors.VisaIOError):
            lost_codes = {pyvisa.constants.StatusCode.error_connection_lost,
                          pyvisa.constants.StatusCode.error_invalid_object}
            if self.parsed.resource_class.lan:
                lost_codes.add(pyvisa.constants.StatusCode.error_io)
            return exc.error_code in lost_codes
        return _is_connection_oserror(exc)

    def _map_error(self, exc: Exception, action: str) -> InstrumentError:
        pyvisa = self._pyvisa
        code = getattr(exc, "error_code", None)
        if code == pyvisa.constants.StatusCode.error_timeout:
            return InstrumentTimeout(
                f"{self.resource}: no answer within {self.timeout_ms} ms ({action})")
        return InstrumentError(f"{self.resource}: I/O error during {action}: {exc}")

    # -- raw exchanges --------------------------------------------------------------------
    def _write_raw(self, text: str) -> None:
        if self._trace is not None:
            self._trace("out", text)
        try:
            self._session.write(text)
        except self._pyvisa.errors.VisaIOError as exc:
            if self._is_link_error(exc):
                raise _LinkDown(f"connection lost writing {text!r}: {exc}") from exc
            raise self._map_error(exc, f"write {text!r}") from exc
        except OSError as exc:
            if self._is_link_error(exc):
                raise _LinkDown(f"connection lost writing {text!r}: {exc}") from exc
            raise InstrumentError(f"{self.resource}: I/O error writing {text!r}: {exc}") from exc

    def _query_raw(self, text: str) -> str:
        self._write_raw(text)
        return self._read_line_raw(text)

    def _read_line_raw(self, text: str) -> str:
        """The next line, in reply to ``text`` (or :data:`UNSOLICITED_LINE`)."""
        # the whole reply within timeout_ms (a deadline, not per byte): when it expires the socket is
        # shut down so the blocked read returns, and the session is dropped (its stream is out of step)
        with deadline(with_grace_s(self.timeout_ms / 1000.0), abort_socket(self._socket())) as reply_deadline:
            try:
                reply = self._read_reply(text)
            except (InstrumentError, _LinkDown):
                if not reply_deadline.expired:
                    raise
        if reply_deadline.expired:
            self._drop_session()
            raise InstrumentTimeout(f"{self.resource}: no complete reply to {text!r} within {self.timeout_ms} ms "
                                    "(deadline for the whole reply)")
        reply = reply.rstrip("\r\n")
        if self._trace is not None:
            self._trace("in", reply)
        return reply

    def _read_reply(self, text: str) -> str:
        try:
            reply: str = self._session.read()
        except self._pyvisa.errors.VisaIOError as exc:
            if self._is_link_error(exc) or self._peer_closed():
                raise _LinkDown(f"connection lost awaiting the reply to {text!r}: {exc}") from exc
            raise self._map_error(exc, f"reply to {text!r}") from exc
        except (OSError, EOFError) as exc:
            if self._is_link_error(exc):
                raise _LinkDown(f"connection lost awaiting the reply to {text!r}: {exc}") from exc
            raise InstrumentError(f"{self.resource}: I/O error reading reply to {text!r}: {exc}") \
                from exc
        except UnicodeDecodeError as exc:
            raise InstrumentError(f"{self.resource}: reply to {text!r} is not ASCII text (byte "
                                  f"{exc.object[exc.start:exc.start + 1]!r} at {exc.start})") from exc
        return reply

    # -- the Transport API ----------------------------------------------------------------
    def write(self, text: str, *, idempotent: bool | None = None) -> None:
        """Send one program message. ``idempotent`` (default: judged from the text) decides
        whether it is repeated after a reconnection."""
        self._run(text, lambda: self._write_raw(text),
                  repeatable=lambda: is_idempotent_setting(text) if idempotent is None else idempotent)

    def query(self, text: str) -> str:
        """Send one query and return its reply; repeated once after a reconnection."""
        return self._run(text, lambda: self._query_raw(text), repeatable=lambda: True)

    def read_line(self) -> str:
        """The next unsolicited line (continuous output); never repeated after a reconnection (the
        new connection has no continuous output running: ``ConnectionLost``)."""
        return self._run(UNSOLICITED_LINE, lambda: self._read_line_raw(UNSOLICITED_LINE),
                         repeatable=lambda: False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._drop_session()
        finally:
            self._rm.close()


UNSOLICITED_LINE = "<unsolicited line>"
"""What a transcript pair has as its sent text for a line the instrument sends unasked
(:meth:`Transport.read_line`), and how traces and errors name such a read."""


class TranscriptMismatch(AssertionError):
    """The driver under test did not send what the transcript expected."""


class TranscriptTransport:
    """Replays ``(sent, reply)`` pairs: ``reply is None`` marks a write, a string a query.

    Every ``write``/``query`` must match the next pair exactly; :meth:`verify` (also called by
    :meth:`close`) fails when pairs are left over. Nothing is sent anywhere.
    """

    def __init__(self, pairs: Iterable[tuple[str, str | None]], *,
                 trace: TraceFn | None = None) -> None:
        self._pairs = list(pairs)
        self._position = 0
        self._trace = trace
        self.closed = False

    @property
    def sent(self) -> list[str]:
        """Commands consumed so far (what the driver has sent)."""
        return [sent for sent, _ in self._pairs[:self._position]]

    def _next(self, text: str, is_query: bool) -> str | None:
        if self.closed:
            raise TranscriptMismatch(f"{text!r} sent after close()")
        if self._position >= len(self._pairs):
            raise TranscriptMismatch(f"unexpected {text!r}: transcript exhausted")
        expected, reply = self._pairs[self._position]
        kind = "query" if is_query else "write"
        expected_kind = "write" if reply is None else "query"
        if text != expected or kind != expected_kind:
            raise TranscriptMismatch(
                f"step {self._position}: expected {expected_kind} {expected!r}, got {kind} {text!r}")
        self._position += 1
        if self._trace is not None:
            self._trace("out", text)
            if reply is not None:
                self._trace("in", reply)
        return reply

    def write(self, text: str) -> None:
        self._next(text, is_query=False)

    def query(self, text: str) -> str:
        reply = self._next(text, is_query=True)
        return reply if reply is not None else ""  # _next only returns None for writes

    def read_line(self) -> str:
        """The next pair must be ``(UNSOLICITED_LINE, line)``."""
        return self.query(UNSOLICITED_LINE)

    def verify(self) -> None:
        """Raise when the transcript was not fully consumed."""
        left = self._pairs[self._position:]
        if left:
            raise TranscriptMismatch(f"{len(left)} transcript step(s) never sent, next: {left[0]!r}")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.verify()


class WriteRefused(SafetyLimitError):
    """A read-only session refused a message that could change the instrument's state."""


HARMLESS_WRITES = frozenset({"*CLS"})
"""Writes a read-only session lets through: ``*CLS`` clears the status structures and the
error queue (IEEE 488.2 10.3) and changes no output, range or protection setting."""


class ReadOnlyTransport:
    """Wraps a transport so that only queries (every unit's header ends in ``?``) and the
    :data:`HARMLESS_WRITES` pass; anything else raises :class:`WriteRefused` before it is sent.

    A compound query smuggling a setting (``OUTP ON;*OPC?``) is refused as a whole. Refused
    messages are kept in :attr:`refused` (what a check would have sent).
    """

    def __init__(self, inner: Transport, *, allowed_writes: Iterable[str] = HARMLESS_WRITES) -> None:
        self.inner = inner
        self._allowed = frozenset(_normalise(text) for text in allowed_writes)
        self.refused: list[str] = []

    def _refuse(self, text: str, why: str) -> WriteRefused:
        self.refused.append(text)
        return WriteRefused(f"read-only session: {text!r} refused ({why})")

    def write(self, text: str) -> None:
        if _normalise(text) not in self._allowed:
            raise self._refuse(text, "not a query and not a harmless write")
        self.inner.write(text)

    def query(self, text: str) -> str:
        if not is_query_message(text):
            settings = [unit for unit in split_units(text) if not unit.split(None, 1)[0].endswith("?")]
            raise self._refuse(text, f"contains the setting(s) {settings}")
        return self.inner.query(text)

    def read_line(self) -> str:
        return self.inner.read_line()     # reading what the instrument sends changes nothing

    def close(self) -> None:
        self.inner.close()


def _normalise(text: str) -> str:
    return " ".join(text.split()).upper().lstrip(":")
