"""A vendor's Modbus register map, declared in a device profile, parsed into frozen dataclasses.

A profile declares the map under ``links.<name>.register_map``::

    register_map:
      unit_id: 1                  # Modbus unit (slave) id, 0..247; the link key unit_id overrides it
      byte_order: big             # byte order inside one register (Modbus itself is big-endian)
      word_order: big             # register order of 32-bit values (big = high word first)
      single_register_function: 6 # 6 (write single register) or 16 (write multiple) for 1-register writes
      watchdog: {point: watchdog, timeout_s: 120, period_s: 30, value: counter}
      points:
        - {name: power_limit_w, address: 100, table: holding, type: u16, scale: 1, unit: W,
           access: rw, min: 0, max: 9000}
        - {name: active_power_w, address: 30, table: input, type: s32, scale: power_sf, unit: W}
        - {name: power_sf, address: 32, table: input, type: s16}

Addresses are 0-based PDU addresses (what goes on the wire), not the "4xxxx" register numbers of some
vendor manuals. Register-table points (``holding``/``input``) are ``u16``/``s16``/``bool`` (one
register) or ``u32``/``s32``/``f32`` (two registers, IEEE 754 for ``f32``); bit-table points
(``coil``/``discrete``) are ``bool``. ``scale`` is either a fixed power-of-ten exponent
(engineering value = raw x 10^scale) or the name of another point that holds the exponent, as a
SunSpec ``sunssf`` (an ``s16`` point, SunSpec Information Model Specification, "Scale Factors").
``min``/``max`` are engineering units and are checked before a write is sent.

This is the only parser of a register map: the link (:mod:`links.modbus_map.link`) and the simulated
lab's server (:mod:`links.modbus_map.server`) both use it. Every error is a
:class:`~bench.errors.ConfigError` naming the exact field, e.g.
``links.heat_pump.register_map.points[3].type``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any

from bench.errors import ConfigError

ErrorFactory = Callable[[str, str], ConfigError]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_SCALE_EXPONENT = 10                         # SunSpec sunssf range is -10..10
MAX_REGISTERS_PER_READ = 125                    # Modbus Application Protocol V1.1b3 §6.3 / §6.4
MAX_BITS_PER_READ = 2000                        # §6.1 / §6.2
MAX_REGISTERS_PER_WRITE = 123                   # §6.12


class Table(str, Enum):
    """The four Modbus data tables (Modbus Application Protocol V1.1b3 §4.3)."""

    HOLDING = "holding"
    INPUT = "input"
    COIL = "coil"
    DISCRETE = "discrete"

    @property
    def is_bit_table(self) -> bool:
        return self in (Table.COIL, Table.DISCRETE)

    @property
    def is_writable(self) -> bool:
        return self in (Table.HOLDING, Table.COIL)


class PointType(str, Enum):
    U16 = "u16"
    S16 = "s16"
    U32 = "u32"
    S32 = "s32"
    F32 = "f32"
    BOOL = "bool"

    @property
    def register_count(self) -> int:
        return 2 if self in (PointType.U32, PointType.S32, PointType.F32) else 1

    @property
    def is_integer(self) -> bool:
        return self in (PointType.U16, PointType.S16, PointType.U32, PointType.S32)


#: raw integer range of each integer type
INTEGER_RANGES: dict[PointType, tuple[int, int]] = {
    PointType.U16: (0, 0xFFFF), PointType.S16: (-0x8000, 0x7FFF),
    PointType.U32: (0, 0xFFFF_FFFF), PointType.S32: (-0x8000_0000, 0x7FFF_FFFF),
}


class Access(str, Enum):
    READ = "r"
    READ_WRITE = "rw"
    WRITE = "w"

    @property
    def readable(self) -> bool:
        return self is not Access.WRITE

    @property
    def writable(self) -> bool:
        return self is not Access.READ


class Order(str, Enum):
    BIG = "big"
    LITTLE = "little"


@dataclass(frozen=True)
class Point:
    """One declared point: where it lives on the wire and how raw values map to engineering units."""

    name: str
    address: int
    table: Table
    type: PointType
    access: Access
    word_order: Order = Order.BIG
    byte_order: Order = Order.BIG
    scale_exponent: int = 0                     # fixed exponent (ignored when scale_point is set)
    scale_point: str | None = None              # name of the sunssf point holding the exponent
    unit: str | None = None
    enum: tuple[tuple[str, int], ...] = ()      # (label, raw value) pairs, in declaration order
    min: float | None = None
    max: float | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        """Registers (register tables) or bits (bit tables) the point occupies."""
        return 1 if self.table.is_bit_table else self.type.register_count

    @property
    def end(self) -> int:
        """First address after the point."""
        return self.address + self.size

    @property
    def readable(self) -> bool:
        return self.access.readable

    @property
    def writable(self) -> bool:
        return self.access.writable

    @property
    def enum_values(self) -> dict[str, int]:
        return dict(self.enum)

    def label_of(self, value: int) -> str | None:
        """The enum label of a raw value, or None when the point has no such label."""
        for label, raw in self.enum:
            if raw == value:
                return label
        return None

    def describe_address(self) -> str:
        last = self.end - 1
        span = str(self.address) if last == self.address else f"{self.address}..{last}"
        return f"{self.table.value} {span}"


@dataclass(frozen=True)
class WatchdogSpec:
    """A heartbeat register the link writes every ``period_s``; the DUT falls back to its failsafe
    when nothing arrives for ``timeout_s`` (what it does then is the DUT's behaviour, not the link's).

    ``value`` is ``"counter"`` (write 1, 2, 3, ... wrapping at the type's maximum; a ``bool`` point
    toggles) or a constant raw integer written every time.
    """

    point: str
    timeout_s: float
    period_s: float
    value: int | str = "counter"


@dataclass(frozen=True)
class RegisterMap:
    """A parsed, validated register map. Look points up with :meth:`point`."""

    unit_id: int
    byte_order: Order
    word_order: Order
    points: tuple[Point, ...]
    watchdog: WatchdogSpec | None = None
    single_register_function: int = 6
    description: str | None = None

    @cached_property
    def _by_name(self) -> dict[str, Point]:
        return {p.name: p for p in self.points}

    def point(self, name: str) -> Point:
        """The point called ``name``; ValueError naming the declared points otherwise."""
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"no point named {name!r} in the register map "
                             f"(declared: {', '.join(self.names())})") from None

    def has(self, name: str) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        return [p.name for p in self.points]

    def in_table(self, table: Table) -> list[Point]:
        """The points of one table, by address."""
        return sorted((p for p in self.points if p.table is table), key=lambda p: p.address)

    def scale_points_of(self, names: list[str]) -> list[str]:
        """The sunssf points the given points need (to read or write them in engineering units)."""
        out: list[str] = []
        for name in names:
            sf = self.point(name).scale_point
            if sf is not None and sf not in out:
                out.append(sf)
        return out


# --- parsing -----------------------------------------------------------------------------------

_MAP_KEYS = {"unit_id", "byte_order", "word_order", "points", "watchdog", "single_register_function",
             "description"}
_POINT_KEYS = {"name", "address", "table", "type", "word_order", "byte_order", "scale", "unit", "access",
               "enum", "min", "max", "description"}
_WATCHDOG_KEYS = {"point", "timeout_s", "period_s", "value"}


class _Parser:
    def __init__(self, path: str, error: ErrorFactory) -> None:
        self.path = path
        self._error = error

    def fail(self, field: str, message: str) -> ConfigError:
        return self._error(f"{self.path}.{field}" if field else self.path, message)

    def mapping(self, value: Any, field: str, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"must be a mapping, found {type(value).__name__}")
        for key in value:
            if key not in allowed:
                raise self.fail(f"{field}.{key}" if field else str(key),
                                f"unknown field (allowed: {', '.join(sorted(allowed))})")
        return value

    def integer(self, value: Any, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"must be an integer, found {value!r}")
        if not low <= value <= high:
            raise self.fail(field, f"must be within {low}..{high}, found {value}")
        return value

    def number(self, value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(field, f"must be a finite number, found {value!r}")
        return float(value)

    def choice(self, value: Any, field: str, enum: type[Enum]) -> Any:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in enum)
            raise self.fail(field, f"must be one of {allowed}, found {value!r}") from None

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(field, f"must be a non-empty string, found {value!r}")
        return value


def parse_register_map(data: Any, *, path: str = "register_map", file: str | Path | None = None,
                       error: ErrorFactory | None = None) -> RegisterMap:
    """Parse and validate a declared register map (the plain dict from the profile YAML).

    ``path`` is the dotted field of the map in its file (``links.<name>.register_map``); errors name
    ``<path>.points[3].type`` etc. ``error`` builds the ConfigError (pass a loaded YAML document's
    ``doc.error`` to get the line too); by default a ConfigError naming ``file`` and the field.
    """
    factory: ErrorFactory = error or (lambda field, message: ConfigError(message, file=file, field=field))
    p = _Parser(path, factory)
    top = p.mapping(data, "", _MAP_KEYS)
    unit_id = p.integer(top.get("unit_id", 1), "unit_id", 0, 247)
    byte_order = p.choice(top.get("byte_order", "big"), "byte_order", Order)
    word_order = p.choice(top.get("word_order", "big"), "word_order", Order)
    single_fc = top.get("single_register_function", 6)
    if single_fc not in (6, 16) or isinstance(single_fc, bool):
        raise p.fail("single_register_function", f"must be 6 or 16, found {single_fc!r}")
    description = p.text(top["description"], "description") if "description" in top else None
    raw_points = top.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise p.fail("points", "required: a non-empty list of points")
    points = [_parse_point(p, raw, i, byte_order, word_order) for i, raw in enumerate(raw_points)]
    _check_names_and_overlaps(p, points)
    _check_scale_points(p, points)
    watchdog = _parse_watchdog(p, top["watchdog"], points) if "watchdog" in top else None
    return RegisterMap(unit_id=unit_id, byte_order=byte_order, word_order=word_order,
                       points=tuple(points), watchdog=watchdog, single_register_function=int(single_fc),
                       description=description)


def _parse_point(p: _Parser, raw: Any, index: int, byte_order: Order, word_order: Order) -> Point:
    f = f"points[{index}]"
    d = p.mapping(raw, f, _POINT_KEYS)
    if "name" not in d:
        raise p.fail(f"{f}.name", "required field is missing")
    name = p.text(d["name"], f"{f}.name")
    if not _NAME_RE.match(name):
        raise p.fail(f"{f}.name", f"{name!r} is not a role name (lower case letters, digits, '_')")
    if "address" not in d:
        raise p.fail(f"{f}.address", "required field is missing")
    address = p.integer(d["address"], f"{f}.address", 0, 0xFFFF)
    table = p.choice(d.get("table", "holding"), f"{f}.table", Table)
    ptype = p.choice(d.get("type", "bool" if table.is_bit_table else "u16"), f"{f}.type", PointType)
    if table.is_bit_table and ptype is not PointType.BOOL:
        raise p.fail(f"{f}.type", f"a {table.value} point is a single bit: type must be bool, found {ptype.value}")
    size = 1 if table.is_bit_table else ptype.register_count
    if address + size - 1 > 0xFFFF:
        raise p.fail(f"{f}.address", f"{ptype.value} at {address} runs past address 65535")
    access = p.choice(d.get("access", "r"), f"{f}.access", Access)
    if access.writable and not table.is_writable:
        raise p.fail(f"{f}.access", f"{table.value} points are read-only on the wire: access must be r")
    scale_exponent, scale_point = 0, None
    if "scale" in d:
        scale = d["scale"]
        if isinstance(scale, str):
            scale_point = scale
        else:
            scale_exponent = p.integer(scale, f"{f}.scale", -MAX_SCALE_EXPONENT, MAX_SCALE_EXPONENT)
        if ptype is PointType.BOOL and (scale_point or scale_exponent):
            raise p.fail(f"{f}.scale", "a bool point cannot be scaled")
    unit = p.text(d["unit"], f"{f}.unit") if "unit" in d else None
    enum = _parse_enum(p, d["enum"], f"{f}.enum", ptype) if "enum" in d else ()
    low = p.number(d["min"], f"{f}.min") if "min" in d else None
    high = p.number(d["max"], f"{f}.max") if "max" in d else None
    if ptype is PointType.BOOL and (low is not None or high is not None):
        raise p.fail(f"{f}.min" if low is not None else f"{f}.max", "a bool point has no range")
    if low is not None and high is not None and low > high:
        raise p.fail(f"{f}.max", f"max {high:g} is below min {low:g}")
    return Point(name=name, address=address, table=table, type=ptype, access=access,
                 word_order=p.choice(d.get("word_order", word_order.value), f"{f}.word_order", Order),
                 byte_order=p.choice(d.get("byte_order", byte_order.value), f"{f}.byte_order", Order),
                 scale_exponent=scale_exponent, scale_point=scale_point, unit=unit, enum=enum,
                 min=low, max=high,
                 description=p.text(d["description"], f"{f}.description") if "description" in d else None)


def _parse_enum(p: _Parser, raw: Any, field: str, ptype: PointType) -> tuple[tuple[str, int], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise p.fail(field, "must be a non-empty mapping {label: raw integer}")
    if not ptype.is_integer:
        raise p.fail(field, f"an enum needs an integer type, found {ptype.value}")
    low, high = INTEGER_RANGES[ptype]
    seen: dict[int, str] = {}
    out: list[tuple[str, int]] = []
    for label, value in raw.items():
        if not isinstance(label, str):
            raise p.fail(f"{field}.{label}", f"label {label!r} is not text: quote it (YAML reads on/off/yes/no "
                                             "as true/false and bare numbers as numbers)")
        raw_value = p.integer(value, f"{field}.{label}", low, high)
        if raw_value in seen:
            raise p.fail(f"{field}.{label}", f"value {raw_value} is already used by label {seen[raw_value]!r}")
        seen[raw_value] = label
        out.append((label, raw_value))
    return tuple(out)


def _check_names_and_overlaps(p: _Parser, points: list[Point]) -> None:
    first_index: dict[str, int] = {}
    for i, point in enumerate(points):
        if point.name in first_index:
            raise p.fail(f"points[{i}].name",
                         f"duplicate point name {point.name!r} (first at points[{first_index[point.name]}])")
        first_index[point.name] = i
        for j in range(i):
            other = points[j]
            if other.table is point.table and point.address < other.end and other.address < point.end:
                raise p.fail(f"points[{i}].address",
                             f"{point.name!r} ({point.describe_address()}) overlaps "
                             f"{other.name!r} ({other.describe_address()}, points[{j}])")


def _check_scale_points(p: _Parser, points: list[Point]) -> None:
    by_name = {pt.name: pt for pt in points}
    for i, point in enumerate(points):
        if point.scale_point is None:
            continue
        field = f"points[{i}].scale"
        sf = by_name.get(point.scale_point)
        if sf is None:
            raise p.fail(field, f"names no declared point: {point.scale_point!r} (a fixed exponent is an integer)")
        if sf.type is not PointType.S16 or sf.table.is_bit_table:
            raise p.fail(field, f"scale-factor point {sf.name!r} must be an s16 register (a SunSpec sunssf)")
        if sf.scale_point is not None or sf.scale_exponent:
            raise p.fail(field, f"scale-factor point {sf.name!r} must not be scaled itself")
        if not sf.readable:
            raise p.fail(field, f"scale-factor point {sf.name!r} must be readable")


def _parse_watchdog(p: _Parser, raw: Any, points: list[Point]) -> WatchdogSpec:
    d = p.mapping(raw, "watchdog", _WATCHDOG_KEYS)
    for key in ("point", "timeout_s", "period_s"):
        if key not in d:
            raise p.fail(f"watchdog.{key}", "required field is missing")
    name = p.text(d["point"], "watchdog.point")
    point = next((pt for pt in points if pt.name == name), None)
    if point is None:
        raise p.fail("watchdog.point", f"names no declared point: {name!r}")
    if not point.writable:
        raise p.fail("watchdog.point", f"point {name!r} is not writable (access {point.access.value})")
    if point.type is PointType.F32:
        raise p.fail("watchdog.point", f"point {name!r} is f32: a heartbeat needs an integer or bool point")
    timeout_s = p.number(d["timeout_s"], "watchdog.timeout_s")
    period_s = p.number(d["period_s"], "watchdog.period_s")
    if timeout_s <= 0:
        raise p.fail("watchdog.timeout_s", f"must be positive, found {timeout_s:g}")
    if not 0 < period_s < timeout_s:
        raise p.fail("watchdog.period_s", f"must be positive and below timeout_s ({timeout_s:g} s), "
                                          f"found {period_s:g}")
    value: int | str = d.get("value", "counter")
    if value != "counter":
        if point.type is PointType.BOOL:
            if value not in (0, 1) or isinstance(value, float):
                raise p.fail("watchdog.value", f"'counter' or 0/1 for bool point {name!r}, found {value!r}")
            value = int(value)
        else:
            low, high = INTEGER_RANGES[point.type]
            value = p.integer(value, "watchdog.value", low, high)
    return WatchdogSpec(point=name, timeout_s=timeout_s, period_s=period_s, value=value)
