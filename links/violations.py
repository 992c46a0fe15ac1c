"""The protocol-violation record every DUT link collects (OCPP, S2).

A link never raises on an interoperability violation (a frame that breaks the protocol's schema,
RPC framing, message order or acknowledgement rules, or a frame that never came): it records a
:class:`Violation` for the suites to judge (DESIGN principle 5).

A violation's text is the DUT's to choose in part (a 200 KB BootNotification field once became a
400 KB reason, the library quoting the payload twice), so it is bounded where it is built: a link
quotes a peer's value with :func:`quote` (at most :data:`QUOTE_CHARS` characters and the total
length), and :class:`Violation` itself keeps at most :data:`MAX_REASON_CHARS` of a reason (its head
and tail, which name the cause) and of a peer id. The frame stays whole: it is the evidence, and the
recorder moves any text over its limit to ``raw/`` (bench/recorder.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["MAX_REASON_CHARS", "QUOTE_CHARS", "Violation", "bounded", "quote"]

#: a value from the peer quoted in a reason: at most this many characters of it
QUOTE_CHARS = 200
#: a reason (and a peer id) is cut to this many characters, keeping head and tail
MAX_REASON_CHARS = 1_000


def quote(value: str, limit_chars: int = QUOTE_CHARS) -> str:
    """``value`` for a reason: its repr (control characters escaped), cut to ``limit_chars``
    characters of the value with the total length when longer."""
    if len(value) <= limit_chars:
        return repr(value)
    return f"{value[:limit_chars]!r}... ({len(value)} characters)"


def bounded(text: str, limit_chars: int = MAX_REASON_CHARS) -> str:
    """``text`` itself when short enough, else its head and tail around a note of the cut length."""
    if len(text) <= limit_chars:
        return text
    half = max(limit_chars // 2 - 40, 1)
    return f"{text[:half]} ... [{len(text) - 2 * half} of {len(text)} characters cut] ... {text[-half:]}"


@dataclass(frozen=True)
class Violation:
    """A frame (or a missing one) from the peer that broke its protocol's rules.

    ``peer_id`` is who sent it: the charging station identity (OCPP) or the resource manager id
    (S2). ``frame`` is the raw text frame as received ("" when the violation is an absence, e.g.
    no ReceptionStatus). Links that number their WebSocket sessions (S2, from 1) set ``session``;
    ``at`` is the bench calendar time the link saw it, where the link keeps it (S2). ``reason`` and
    ``peer_id`` are cut to :data:`MAX_REASON_CHARS` (:func:`bounded`).
    """

    peer_id: str
    frame: str
    reason: str
    session: int | None = None
    at: dt.datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", bounded(self.reason))
        object.__setattr__(self, "peer_id", bounded(self.peer_id))
