"""What a SCPI program message *does*, judged from its text alone (no instrument needed).

Two transport decisions depend on it:

* a read-only session (``flexbench instruments check``) lets through only messages whose every
  program message unit is a query (its header ends in ``?``, IEEE 488.2 7.3.3 / SCPI-99 6.2);
* after a dropped LAN connection a command is repeated only when repeating it cannot change
  the outcome: a query, or a setting to an absolute value (``VOLT 230``). Triggers, initiations,
  relative steps (``UP``/``DOWN``) and argument-less actions are never repeated.

Units of a compound message are separated by ``;`` outside quoted strings (IEEE 488.2 7.3.3).
"""

from __future__ import annotations

import re

__all__ = ["split_units", "unit_header", "is_query_message", "is_idempotent_setting",
           "NON_IDEMPOTENT_HEADERS", "IDEMPOTENT_COMMON_COMMANDS"]

NON_IDEMPOTENT_HEADERS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^:?\*TRG$",                          # IEEE 488.2 10.37 group execute trigger
    r"^:?\*RST$",                          # IEEE 488.2 10.32: repeated, it would undo the open sequence
    r"^:?INIT(IATE)?(:.*)?$",              # SCPI-99 INITiate subsystem: starts a trigger cycle
    r"^:?TRIG(GER)?(:SEQ(UENCE)?\d*)?(:IMM(EDIATE)?)?$",   # TRIGger[:IMMediate] fires now
    r"^.*:(RUN|STAR(T)?|EXEC(UTE)?|FIRE)$",  # list/sequence/program starts (vendor subsystems)
))
"""Headers whose repetition would repeat an action (trigger, start of a program)."""

IDEMPOTENT_COMMON_COMMANDS = frozenset({"*CLS", "*ESE", "*SRE", "*OPC", "*WAI"})
"""Argument-less common commands that leave the same state however often they are sent."""

_RELATIVE_ARGUMENTS = frozenset({"UP", "DOWN", "INC", "INCR", "INCREMENT", "DEC", "DECR",
                                 "DECREMENT", "TOGG", "TOGGLE"})


def split_units(message: str) -> list[str]:
    """Split a program message on ``;`` outside ``"..."`` / ``'...'`` strings; strip blanks."""
    units: list[str] = []
    quote: str | None = None
    start = 0
    for index, char in enumerate(message):
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == ";":
            units.append(message[start:index].strip())
            start = index + 1
    units.append(message[start:].strip())
    return [unit for unit in units if unit]


def unit_header(unit: str) -> tuple[str, str]:
    """``'SOUR:VOLT 230'`` -> ``('SOUR:VOLT', '230')`` (header, argument text); a comma right
    after the header (the Pacific UPC convention) separates it too."""
    parts = unit.strip().split(None, 1)
    if not parts:
        return "", ""
    if len(parts) == 1 and "," in parts[0] and not parts[0].endswith("?"):
        header, argument = parts[0].split(",", 1)  # Pacific UPC: ':SOURce:VOLTage1,120'
        return header, argument.strip()
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def is_query_message(message: str) -> bool:
    """True when every unit of ``message`` is a query (its header ends in ``?``)."""
    units = split_units(message)
    return bool(units) and all(unit_header(unit)[0].endswith("?") for unit in units)


def is_idempotent_setting(message: str) -> bool:
    """True when sending ``message`` twice leaves the instrument as sending it once.

    Queries count as idempotent (the transport repeats them anyway). A setting unit is
    idempotent when it carries an absolute argument and its header is no trigger / start;
    argument-less units are actions, except the common commands in
    :data:`IDEMPOTENT_COMMON_COMMANDS`.
    """
    units = split_units(message)
    if not units:
        return False
    for unit in units:
        header, argument = unit_header(unit)
        if header.endswith("?"):
            continue
        if any(pattern.match(header) for pattern in NON_IDEMPOTENT_HEADERS):
            return False
        if not argument:
            if header.lstrip(":").upper() not in IDEMPOTENT_COMMON_COMMANDS:
                return False
            continue
        words = {word.strip().upper() for word in re.split(r"[,\s]+", argument) if word.strip()}
        if words & _RELATIVE_ARGUMENTS:
            return False
    return True
