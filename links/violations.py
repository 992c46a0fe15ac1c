"""The protocol-violation record every DUT link collects (OCPP, S2).

A link never raises on an interoperability violation (a frame that breaks the protocol's schema,
RPC framing, message order or acknowledgement rules, or a frame that never came): it records a
:class:`Violation` for the suites to judge (DESIGN principle 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["Violation"]


@dataclass(frozen=True)
class Violation:
    """A frame (or a missing one) from the peer that broke its protocol's rules.

    ``peer_id`` is who sent it: the charging station identity (OCPP) or the resource manager id
    (S2). ``frame`` is the raw text frame as received ("" when the violation is an absence, e.g.
    no ReceptionStatus). Links that number their WebSocket sessions (S2, from 1) set ``session``;
    ``at`` is the bench calendar time the link saw it, where the link keeps it (S2).
    """

    peer_id: str
    frame: str
    reason: str
    session: int | None = None
    at: dt.datetime | None = None
