"""The CSMS's WebSocket upgrade gate: who may connect, and with which OCPP subprotocol.

In this order (first match answers):

1. an identity outside the OCPP identifier set -> HTTP 400 and a Violation (:func:`identity_problem`);
2. a charger the bench refuses (``refuse_connections``, a communication-loss test) -> HTTP 503;
3. security profile 3 (mutual TLS): the client certificate's subject CN must be the charging station
   identity in the URL (OCPP 2.0.1 Part 2 A00 "Charging Station certificate", OCPP 1.6 Security
   Whitepaper §3.1.3) -> HTTP 403 and a Violation otherwise;
4. security profiles 1 and 2: HTTP Basic authentication, user = identity, password as configured
   (OCPP 1.6 Security Whitepaper §2.3, 2.0.1 A00) -> HTTP 401 otherwise;
5. an identity that already has an open session -> HTTP 409 and a Violation: the newcomer is
   refused and the established session kept. The established session is the one the running test
   is judging (its BootNotification, transactions, meter values); letting a second connection take
   it over would let any peer that knows (or guesses) the identity hijack the evidence, and closing
   the first would turn an impostor into a communication loss of the real charger. A charger that
   really restarted while its old socket still looks open here is refused until that socket closes,
   and each refusal is recorded, so the cause is visible. (The CSMS re-checks when the session
   starts, for two handshakes racing each other.)

Subprotocol: the first of the CSMS's subprotocols the charger offers; when it offers none of them
the handshake completes without one and the connection is then closed (OCPP-J 1.6 §3.1.2, OCPP 2.0.1
Part 4 §3.1.2).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import http
import re
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from links.ocpp.frames import Violation
from links.violations import QUOTE_CHARS, bounded, quote

#: the charging station identity's longest form (OCPP 2.0.1 Part 4 §3.1.1: at most 48 characters)
MAX_IDENTITY_CHARS = 48
#: OCPP 2.0.1 Part 2 ``identifierString``: the characters an identity may use (1.6 has no narrower set)
IDENTITY = re.compile(r"[A-Za-z0-9*\-_=:+|@.]{1,%d}" % MAX_IDENTITY_CHARS)

#: ``on_refused(charger_id, "HTTP 401: ...")`` — the gate turned a charger away.
RefusedCallback = Callable[[str, str], None]


def charger_id_of(path: str) -> str:
    """The charging station identity: the last segment of the request path, URL-decoded."""
    return urllib.parse.unquote(urllib.parse.urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])


def identity_problem(charger_id: str) -> str | None:
    """Why ``charger_id`` (URL-decoded) is no OCPP charging station identity, None when it is one."""
    if IDENTITY.fullmatch(charger_id):
        return None
    if not charger_id:
        return "no charging station identity in the URL path"
    if len(charger_id) > MAX_IDENTITY_CHARS:
        return f"identity of {len(charger_id)} characters (at most {MAX_IDENTITY_CHARS})"
    bad = sorted({c for c in charger_id if not IDENTITY.fullmatch(c)})
    return f"identity with characters outside the OCPP identifierString set: {quote(''.join(bad), 20)}"


def shown_id(charger_id: str) -> str:
    """The identity as events and violations name it: itself when valid, else escaped and bounded."""
    return charger_id if identity_problem(charger_id) is None else quote(charger_id, MAX_IDENTITY_CHARS)


def certificate_cn(peercert: dict[str, Any] | None) -> str | None:
    """The subject commonName of a certificate as ``ssl.SSLSocket.getpeercert()`` returns it."""
    for rdn in (peercert or {}).get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic ...`` header value, None if absent or garbled."""
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode("latin-1").partition(":")
    except (binascii.Error, ValueError):
        return None
    return user, password


class HandshakeGate:
    """``select_subprotocol`` and ``process_request`` hooks of the websockets server."""

    def __init__(self, *, security_profile: int, password_of: Callable[[str], str | None],
                 subprotocols: Sequence[str], is_refused: Callable[[str], bool], on_refused: RefusedCallback,
                 on_violation: Callable[[Violation], None],
                 is_connected: Callable[[str], bool] = lambda charger_id: False) -> None:
        self._profile, self._password_of, self._subprotocols = security_profile, password_of, tuple(subprotocols)
        self._is_refused, self._on_refused, self._on_violation = is_refused, on_refused, on_violation
        self._is_connected = is_connected

    def select_subprotocol(self, connection: ServerConnection, offered: Sequence[str]) -> Subprotocol | None:
        for subprotocol in self._subprotocols:
            if subprotocol in offered:
                return Subprotocol(subprotocol)
        return None

    def _refuse(self, connection: ServerConnection, charger_id: str, status: http.HTTPStatus,
                text: str) -> Response:
        self._on_refused(charger_id, f"HTTP {status.value}: {text}")
        return connection.respond(status, text + "\n")

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        charger_id = charger_id_of(request.path)
        problem = identity_problem(charger_id)
        if problem is not None:
            shown = shown_id(charger_id)
            self._on_violation(Violation(shown, f"GET {bounded(request.path, QUOTE_CHARS)}",
                                         f"{problem} (OCPP 2.0.1 Part 2 identifierString, Part 4 §3.1.1)"))
            return self._refuse(connection, shown, http.HTTPStatus.BAD_REQUEST, "Invalid charging station identity")
        response = self._authenticate(connection, request, charger_id)
        if response is not None:
            return response
        if self._is_connected(charger_id):
            self._on_violation(duplicate_violation(charger_id, request.path))
            return self._refuse(connection, charger_id, http.HTTPStatus.CONFLICT,
                                "This charging station identity already has an open connection")
        return None

    def _authenticate(self, connection: ServerConnection, request: Request, charger_id: str) -> Response | None:
        """Steps 2-4 of the order above: None lets the handshake go on."""
        if self._is_refused(charger_id):
            return self._refuse(connection, charger_id, http.HTTPStatus.SERVICE_UNAVAILABLE,
                                "CSMS unavailable (the bench refuses this charger)")
        if self._profile == 3:
            cn = certificate_cn(connection.transport.get_extra_info("peercert"))
            if cn == charger_id:
                return None
            self._on_violation(Violation(
                charger_id, f"GET {request.path}",
                f"security profile 3: client certificate CN {cn!r} is not the charging station identity "
                f"{charger_id!r} (OCPP 2.0.1 A00 / 1.6 Security Whitepaper)"))
            return self._refuse(connection, charger_id, http.HTTPStatus.FORBIDDEN,
                                "Client certificate does not match the charging station identity")
        if self._profile not in (1, 2):
            return None
        expected = self._password_of(charger_id)
        given = basic_credentials(request.headers.get("Authorization", ""))
        if (expected is None or given is None or given[0] != charger_id
                or not hmac.compare_digest(given[1].encode("latin-1"), expected.encode("latin-1"))):
            response = self._refuse(connection, charger_id, http.HTTPStatus.UNAUTHORIZED, "Invalid credentials")
            response.headers["WWW-Authenticate"] = 'Basic realm="flexbench-csms"'
            return response
        return None


def duplicate_violation(charger_id: str, path: str) -> Violation:
    """The record of a second connection under the identity of an open session."""
    return Violation(charger_id, f"GET {bounded(path, QUOTE_CHARS)}",
                     "a second connection with the identity of an open session: refused, the established "
                     "session kept (one connection per charging station identity)")


__all__ = ["HandshakeGate", "IDENTITY", "MAX_IDENTITY_CHARS", "basic_credentials", "certificate_cn",
           "charger_id_of", "duplicate_violation", "identity_problem", "shown_id"]
