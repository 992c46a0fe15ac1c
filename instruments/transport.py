"""The one I/O seam between instrument drivers and the wire.

A driver only ever sees a :class:`Transport`: ``write`` a line, ``query`` a line and read one
line back, ``close``. The seam owns timeouts, line terminations, wire tracing (the trace becomes
evidence in the campaign record) and the mapping of transport failures onto the bench's
exception tree::

    pyvisa VisaIOError (timeout)  -> bench.errors.InstrumentTimeout
    pyvisa VisaIOError (other)    -> bench.errors.InstrumentError
    OSError / ValueError on open  -> bench.errors.InstrumentError

Implementations:

* :class:`VisaTransport` - PyVISA with the pure-Python backend (``@py``). For
  ``TCPIP::host::port::SOCKET`` sessions it sets ``TCP_NODELAY`` on the session's socket itself:
  pyvisa-py 0.8.1 ignores ``VI_ATTR_TCPIP_NODELAY`` for SOCKET sessions, and without it every
  write followed by a query waits for Nagle + delayed ACK (~40 ms).
* :class:`TranscriptTransport` - replays a list of ``(sent, reply)`` pairs for driver tests
  (in the spirit of pymeasure's ``expected_protocol``); any mismatch or leftover pair raises.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import Literal, Protocol, runtime_checkable

from bench.errors import InstrumentError, InstrumentTimeout

Direction = Literal["out", "in"]
TraceFn = Callable[[Direction, str], None]

__all__ = ["Direction", "TraceFn", "Transport", "VisaTransport", "TranscriptTransport",
           "TranscriptMismatch"]


@runtime_checkable
class Transport(Protocol):
    """A line-oriented, request/response channel to one instrument."""

    def write(self, text: str) -> None:
        """Send one program message (without termination)."""

    def query(self, text: str) -> str:
        """Send one program message and return the one-line reply (termination stripped)."""

    def close(self) -> None:
        """Release the channel; idempotent."""


class VisaTransport:
    """A PyVISA session opened through the pure-Python backend (``ResourceManager('@py')``).

    ``resource`` is a VISA resource string such as ``TCPIP::127.0.0.1::5025::SOCKET``.
    Terminations are ``'\\n'`` both ways; ``timeout_ms`` is explicit (no library default).
    ``trace(direction, text)`` is called for every line sent (``'out'``) and received (``'in'``).
    """

    def __init__(self, resource: str, *, timeout_ms: int, trace: TraceFn | None = None,
                 tcp_nodelay: bool = True) -> None:
        import pyvisa  # local: keeps transcript-only users free of VISA start-up cost

        if timeout_ms <= 0:
            raise ValueError(f"timeout_ms must be positive, got {timeout_ms}")
        self.resource = resource
        self.timeout_ms = timeout_ms
        self._trace = trace
        self._pyvisa = pyvisa
        try:
            self._rm = pyvisa.ResourceManager("@py")
            self._session = self._rm.open_resource(
                resource, open_timeout=timeout_ms, timeout=timeout_ms,
                read_termination="\n", write_termination="\n")
        except pyvisa.errors.VisaIOError as exc:
            raise self._map_error(exc, f"open {resource}") from exc
        except (OSError, ValueError) as exc:
            raise InstrumentError(f"{resource}: cannot open: {exc}") from exc
        self.tcp_nodelay = bool(tcp_nodelay) and self._set_tcp_nodelay(tcp_nodelay)

    def _set_tcp_nodelay(self, on: bool) -> bool:
        """Set TCP_NODELAY on the SOCKET session's socket; return whether it was set.

        pyvisa-py keeps its session objects in ``visalib.sessions[session]``; a
        ``TCPIPSocketSession`` holds the connected ``socket.socket`` as ``.interface``.
        """
        if not self.resource.upper().endswith("::SOCKET"):
            return False
        backend_session = self._session.visalib.sessions.get(self._session.session)
        sock = getattr(backend_session, "interface", None)
        if not isinstance(sock, socket.socket):
            raise InstrumentError(
                f"{self.resource}: pyvisa-py session has no socket to set TCP_NODELAY on")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if on else 0)
        return on

    def _map_error(self, exc: Exception, action: str) -> InstrumentError:
        pyvisa = self._pyvisa
        code = getattr(exc, "error_code", None)
        if code == pyvisa.constants.StatusCode.error_timeout:
            return InstrumentTimeout(
                f"{self.resource}: no answer within {self.timeout_ms} ms ({action})")
        return InstrumentError(f"{self.resource}: I/O error during {action}: {exc}")

    def write(self, text: str) -> None:
        if self._trace is not None:
            self._trace("out", text)
        try:
            self._session.write(text)
        except self._pyvisa.errors.VisaIOError as exc:
            raise self._map_error(exc, f"write {text!r}") from exc
        except OSError as exc:
            raise InstrumentError(f"{self.resource}: I/O error writing {text!r}: {exc}") from exc

    def query(self, text: str) -> str:
        self.write(text)
        try:
            reply = self._session.read()
        except self._pyvisa.errors.VisaIOError as exc:
            raise self._map_error(exc, f"reply to {text!r}") from exc
        except OSError as exc:
            raise InstrumentError(f"{self.resource}: I/O error reading reply to {text!r}: {exc}") \
                from exc
        reply = reply.rstrip("\r\n")
        if self._trace is not None:
            self._trace("in", reply)
        return reply

    def close(self) -> None:
        session, self._session = getattr(self, "_session", None), None
        if session is not None:
            try:
                session.close()
            finally:
                self._rm.close()


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

    def verify(self) -> None:
        """Raise when the transcript was not fully consumed."""
        left = self._pairs[self._position:]
        if left:
            raise TranscriptMismatch(f"{len(left)} transcript step(s) never sent, next: {left[0]!r}")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.verify()
