"""Shared machinery of the simulated SCPI instruments.

* header matching by the SCPI rules (long or short form, case-insensitive, ``[optional]`` nodes,
  numeric suffixes ``<n>``), see IEEE 488.2 / SCPI-99 vol. 1 ch. 6;
* compound program messages (``A:B 1;C 2;:D 3``) with the implied-path rule of SCPI-99 6.2.4;
* an error queue (SCPI-99 21.8) answered by the model's error query;
* the IEEE 488.2 common commands ``*IDN? *RST *CLS *OPC? *OPC *ESR?``;
* fault injection: ``error_after_commands`` and ``hang_after_commands``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ERROR_MESSAGES: dict[int, str] = {
    -100: "Command error", -102: "Syntax error", -104: "Data type error",
    -108: "Parameter not allowed", -109: "Missing parameter", -113: "Undefined header",
    -114: "Header suffix out of range", -200: "Execution error", -221: "Settings conflict",
    -222: "Data out of range", -224: "Illegal parameter value", -300: "Device-specific error",
    -350: "Queue overflow",
}
ERROR_QUEUE_LENGTH = 30


class SimScpiError(Exception):
    """Raised by a command handler; becomes an entry in the error queue."""

    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code} {detail}")


SetHandler = Callable[[list[str], int | None], None]
QueryHandler = Callable[[list[str], int | None], str]


@dataclass(frozen=True)
class SimCommand:
    """One header: its SCPI pattern and what a setting / a query does."""

    pattern: str
    on_set: SetHandler | None = None
    on_query: QueryHandler | None = None


def header_regex(pattern: str) -> re.Pattern[str]:
    """Compile ``[SOURce:]VOLTage:AC`` or ``NUMeric:NORMal:ITEM<n>`` into a matcher."""
    out: list[str] = []
    for token in re.findall(r"\[|\]|:|<n>|[A-Za-z]+|\*|\d+", pattern):
        if token == "[":
            out.append("(?:")
        elif token == "]":
            out.append(")?")
        elif token == "<n>":
            out.append(r"(\d*)")
        elif token.isalpha():
            short = "".join(ch for ch in token if ch.isupper())
            if short == token.upper() or not short:
                out.append(re.escape(token))
            else:
                out.append(f"(?:{re.escape(token)}|{re.escape(short)})")
        else:
            out.append(re.escape(token))
    return re.compile(":?" + "".join(out), re.IGNORECASE)


def split_arguments(text: str) -> list[str]:
    """Split parameters on commas outside parentheses (channel lists like ``(@1,2)``)."""
    args: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail or args:
        args.append(tail)
    return args


def number(args: list[str], index: int = 0) -> float:
    """Numeric parameter ``index``; -109 when missing, -104 when not numeric."""
    if index >= len(args) or args[index] == "":
        raise SimScpiError(-109)
    try:
        return float(args[index])
    except ValueError:
        raise SimScpiError(-104, args[index]) from None


def choice(args: list[str], options: Mapping[str, object], index: int = 0) -> object:
    """Character parameter matched by long or short form (``ON``/``OFF``/``1``/``0`` ...)."""
    if index >= len(args) or args[index] == "":
        raise SimScpiError(-109)
    for pattern, value in options.items():
        if header_regex(pattern).fullmatch(args[index]):
            return value
    raise SimScpiError(-224, args[index])


ON_OFF: dict[str, object] = {"ON": True, "OFF": False, "1": True, "0": False}


def in_range(value: float, low: float, high: float) -> float:
    if not low <= value <= high:
        raise SimScpiError(-222, f"{value:g} not in {low:g}..{high:g}")
    return value


class SimScpiDevice:
    """Base of one simulated instrument; subclasses provide ``identity`` and ``commands()``."""

    identity = "SIMULATED,GENERIC,SIMULATED-0000,0.0"
    error_query = "SYSTem:ERRor[:NEXT]"
    compound_messages = True
    """Whether ``;`` separates program message units (IEEE 488.2 7.3.3)."""
    positive_error_codes = False
    """Yokogawa reports ``113,"Undefined header"`` where SCPI uses -113."""
    no_error_reply = '+0,"No error"'

    def __init__(self, faults: Mapping[str, int] | None = None) -> None:
        faults = dict(faults or {})
        unknown = set(faults) - {"error_after_commands", "hang_after_commands"}
        if unknown:
            raise ValueError(f"unknown fault knobs: {sorted(unknown)}")
        self.faults = faults
        self.command_count = 0
        self.errors: list[tuple[int, str]] = []
        self._error_query = header_regex(self.error_query)
        self._table = [(header_regex(c.pattern), c) for c in self.commands()]

    # -- subclass API -----------------------------------------------------------------------
    def commands(self) -> list[SimCommand]:
        return []

    def reset(self) -> None:
        """``*RST``: return the state to the model's reset values."""

    # -- error queue ------------------------------------------------------------------------
    def push_error(self, code: int, detail: str = "") -> None:
        message = ERROR_MESSAGES.get(code, "Device-specific error")
        if detail:
            message = f"{message}; {detail}"
        if len(self.errors) >= ERROR_QUEUE_LENGTH:
            self.errors[-1] = (-350, ERROR_MESSAGES[-350])
            return
        self.errors.append((code, message))

    def _pop_error(self) -> str:
        if not self.errors:
            return self.no_error_reply
        code, message = self.errors.pop(0)
        if self.positive_error_codes:
            code = abs(code)
        shown = f"{code:+d}" if not self.positive_error_codes else str(code)
        return f'{shown},"{message}"'

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, line: str) -> str | None:
        """Execute one line (one program message); return the reply line or None."""
        self.command_count += 1
        hang_after = self.faults.get("hang_after_commands")
        if hang_after is not None and self.command_count >= hang_after:
            return None
        units = self._units(line)
        error_after = self.faults.get("error_after_commands")
        if error_after is not None and self.command_count >= error_after and not all(
                self._is_error_query(u) for u in units):
            self.push_error(-300, "injected fault")
        replies: list[str] = []
        self.begin_message()
        ok = True
        for unit in units:
            try:
                reply = self._execute(unit)
            except SimScpiError as exc:
                self.push_error(exc.code, exc.detail)
                ok = False
                continue
            if reply is not None:
                replies.append(reply)
        try:
            self.end_message(ok)
        except SimScpiError as exc:
            self.push_error(exc.code, exc.detail)
        return ";".join(replies) if replies else None

    def begin_message(self) -> None:
        """Hook: called before the units of one program message run."""

    def end_message(self, ok: bool) -> None:
        """Hook: called after them (``ok`` is False if any unit failed)."""

    def _is_error_query(self, unit: str) -> bool:
        header = unit.strip().split(" ", 1)[0]
        return header.endswith("?") and bool(self._error_query.fullmatch(header[:-1]))

    def _units(self, line: str) -> list[str]:
        line = line.strip()
        if not self.compound_messages:
            return [line] if line else []
        units: list[str] = []
        prefix = ""
        for raw in line.split(";"):
            unit = raw.strip()
            if not unit:
                continue
            if unit.startswith("*"):
                units.append(unit)
                continue
            if unit.startswith(":"):
                prefix = ""
                unit = unit[1:]
            full = prefix + unit
            header = full.split(" ", 1)[0].rstrip("?")
            prefix = header[:header.rfind(":") + 1] if ":" in header else ""
            units.append(full)
        return units

    def _execute(self, unit: str) -> str | None:
        header, _, rest = unit.partition(" ")
        header = header.strip()
        is_query = header.endswith("?")
        if is_query:
            header = header[:-1]
        args = split_arguments(rest)
        if header.startswith("*"):
            return self._common(header.upper(), is_query)
        if is_query and self._error_query.fullmatch(header):
            return self._pop_error()
        for regex, command in self._table:
            match = regex.fullmatch(header)
            if match is None:
                continue
            suffix_text = next((g for g in match.groups() if g), None)
            suffix = int(suffix_text) if suffix_text else None
            handler = command.on_query if is_query else command.on_set
            if handler is None:
                raise SimScpiError(-113, f"{header}{'?' if is_query else ''}")
            if is_query:
                return handler(args, suffix)
            handler(args, suffix)
            return None
        raise SimScpiError(-113, header)

    def _common(self, header: str, is_query: bool) -> str | None:
        if header == "*IDN" and is_query:
            return self.identity
        if header == "*OPC":
            return "1" if is_query else None
        if header == "*ESR" and is_query:
            return "0"
        if header == "*RST" and not is_query:
            self.reset()
            return None
        if header == "*CLS" and not is_query:
            self.errors.clear()
            return None
        raise SimScpiError(-113, header)
