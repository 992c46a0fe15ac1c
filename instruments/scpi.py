"""A small declarative SCPI framework: drivers are tables of :class:`Setting` rows.

A :class:`Setting` names one instrument parameter: how to set it (a format string with
``{value}`` and optional fields such as ``{channel}``), how to query it, its unit, and a
*strict* validator. Validators raise :class:`SettingOutOfRange` before anything is sent; they
never clip (clipping turns a bench mistake into a silently different test).

:class:`ScpiDriver` is the base of every model driver. Its rule: **every setting command is
followed by an error-queue read** (:meth:`ScpiDriver.write`), and a non-empty queue raises
:class:`bench.errors.InstrumentReportedError` naming the command. Queries are not followed by an
error read (speed), but a reply that does not parse raises :class:`bench.errors.InstrumentError`.

A ``Setting`` placed on a driver class also works as a descriptor (``src.frequency_hz = 50``)
when its command needs no extra fields.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, overload

from bench.errors import InstrumentError, InstrumentReportedError, SafetyLimitError

from instruments.command_sources import CommandRow
from instruments.transport import Transport

__all__ = ["SettingOutOfRange", "Validator", "strict_range", "strict_choice", "Setting",
           "ScpiDriver", "parse_error_reply", "parse_float", "parse_on_off"]


class SettingOutOfRange(SafetyLimitError, ValueError):
    """A value outside the instrument's documented range was refused before it was sent."""


Validator = Callable[[Any, str], str]
"""``validator(value, what) -> wire text``; raises :class:`SettingOutOfRange`."""


def strict_range(minimum: float, maximum: float, unit: str = "") -> Validator:
    """Accept a real number in ``[minimum, maximum]`` and render it for the wire (``%.10g``)."""

    def validate(value: Any, what: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingOutOfRange(f"{what}: {value!r} is not a number")
        if math.isnan(value) or not minimum <= value <= maximum:
            raise SettingOutOfRange(
                f"{what}: {value:g} {unit} is outside {minimum:g}..{maximum:g} {unit}".strip())
        return f"{float(value):.10g}"

    return validate


def strict_choice(values: Mapping[Any, str]) -> Validator:
    """Accept only the keys of ``values``; render the mapped wire text (e.g. True -> 'ON')."""

    def validate(value: Any, what: str) -> str:
        for key, text in values.items():
            if value == key and type(value) is type(key):
                return text
        raise SettingOutOfRange(f"{what}: {value!r} is not one of {list(values)}")

    return validate


SCPI_NAN = 9.91e37
"""SCPI-99's "not a number" marker (also ``+/-9.9E37`` for infinity): an instrument's way of saying
it has no valid value, never a measurement."""


def parse_float(reply: str) -> float:
    """Parse an NR1/NR2/NR3 reply; raise ``ValueError`` on anything else, on NaN/infinity and on the
    SCPI not-a-number / infinity markers (9.91E37, +/-9.9E37)."""
    value = float(reply.strip())
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"not a finite number: {reply!r}")
    if abs(value) >= 9.9e37:
        raise ValueError(f"the SCPI not-a-number / infinity marker, not a value: {reply!r}")
    return value


def parse_on_off(reply: str) -> bool:
    """Parse a boolean reply: ``1``/``ON`` -> True, ``0``/``OFF`` -> False."""
    text = reply.strip().upper()
    if text in ("1", "ON"):
        return True
    if text in ("0", "OFF"):
        return False
    raise ValueError(f"not a boolean: {reply!r}")


_ERROR_REPLY = re.compile(r'^\s*([+-]?\d+)\s*(?:,\s*(.*))?$')


def parse_error_reply(reply: str) -> tuple[int, str]:
    """Split ``-222,"Data out of range"`` into ``(-222, 'Data out of range')``.

    Accepts both IEEE 488.2 style ``+0,"No error"`` and Yokogawa's ``0,"No error"``.
    """
    match = _ERROR_REPLY.match(reply)
    if match is None:
        raise ValueError(f"not an error-queue reply: {reply!r}")
    return int(match.group(1)), (match.group(2) or "").strip().strip('"')


@dataclass(frozen=True)
class Setting:
    """One row of a driver's command table.

    ``set_format`` uses ``{value}`` for the validated value and any extra ``{fields}``;
    ``query`` (optional) uses the same extra fields; ``parse`` turns the reply into a value.
    """

    set_format: str
    query: str | None
    unit: str
    validator: Validator
    doc: str = ""
    parse: Callable[[str], Any] = parse_float
    name: str = field(default="", compare=False)

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def command(self, value: Any, **fields: Any) -> str:
        """The validated set command; raises :class:`SettingOutOfRange` on a bad value."""
        what = self.name or self.set_format.split(" ")[0]
        return self.set_format.format(value=self.validator(value, what), **fields)

    def query_command(self, **fields: Any) -> str:
        if self.query is None:
            raise TypeError(f"{self.name or self.set_format}: the instrument has no query for it")
        return self.query.format(**fields)

    @overload
    def __get__(self, obj: ScpiDriver, owner: type | None = None) -> Any: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Setting: ...

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        """On a driver: query the instrument. On a class or a plain table (a dataclass of rows):
        the row itself."""
        if isinstance(obj, ScpiDriver):
            return obj.fetch(self)
        return self

    def __set__(self, obj: ScpiDriver, value: Any) -> None:
        obj.apply(self, value)


class ScpiDriver:
    """Base of all SCPI model drivers: identify, checked settings, error-queue reading."""

    error_query: ClassVar[str] = "SYSTem:ERRor?"
    """The model's error-queue query (override per manual)."""
    commands: ClassVar[tuple[CommandRow, ...]] = ()
    """Every command header the driver sends, each with its source or an unconfirmed mark
    (instruments/command_sources.py; tests/instruments/test_command_sources.py checks them)."""
    max_error_reads: ClassVar[int] = 32
    """Safety net: an error queue that never empties is itself an instrument error."""

    def __init__(self, transport: Transport, *, name: str) -> None:
        self.transport = transport
        self.name = name

    # -- life cycle -----------------------------------------------------------------------
    def open(self) -> None:
        """One-time configuration after connecting (nothing by default)."""

    def close(self) -> None:
        self.transport.close()

    # -- primitives -----------------------------------------------------------------------
    def identify(self) -> str:
        """The instrument's ``*IDN?`` answer (IEEE 488.2 10.14)."""
        return self.query("*IDN?")

    def query(self, command: str) -> str:
        return self.transport.query(command)

    def query_value(self, command: str, parse: Callable[[str], Any] = parse_float) -> Any:
        reply = self.transport.query(command)
        try:
            return parse(reply)
        except ValueError as exc:
            raise InstrumentError(f"{self.name}: cannot parse reply {reply!r} to {command!r}") \
                from exc

    def write(self, command: str) -> None:
        """Send a setting command, then read the error queue (raises if it held errors)."""
        self.transport.write(command)
        self.check_errors(command)

    def check_errors(self, after: str = "(error queue check)") -> None:
        """Read the error queue until it reports 0; raise ``InstrumentReportedError`` if any."""
        errors: list[str] = []
        for _ in range(self.max_error_reads):
            reply = self.transport.query(self.error_query)
            try:
                code, message = parse_error_reply(reply)
            except ValueError as exc:
                raise InstrumentError(
                    f"{self.name}: garbled reply {reply!r} to {self.error_query!r}") from exc
            if code == 0:
                break
            errors.append(f"{code},{message}")
        else:
            raise InstrumentError(
                f"{self.name}: error queue still not empty after {self.max_error_reads} reads")
        if errors:
            raise InstrumentReportedError(self.name, after, errors)

    # -- table rows -----------------------------------------------------------------------
    def apply(self, setting: Setting, value: Any, **fields: Any) -> None:
        """Validate, send and check one setting row."""
        self.write(setting.command(value, **fields))

    def fetch(self, setting: Setting, **fields: Any) -> Any:
        """Query one setting row and parse its reply."""
        return self.query_value(setting.query_command(**fields), setting.parse)
