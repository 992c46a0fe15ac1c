"""Engineering value <-> raw value <-> registers, for one declared point.

Shared by the link and the simulated server, so both sides agree bit for bit. Pure functions, no I/O.

* Register layout: Modbus sends each register big-endian (Modbus Application Protocol V1.1b3 §4.2);
  ``byte_order: little`` swaps the two bytes of every register, ``word_order: little`` puts the
  low word of a 32-bit value first. ``f32`` is IEEE 754 binary32.
* Scaling: engineering = raw x 10^exponent (SunSpec scale-factor convention). Writing divides and,
  for integer types, **rounds to the nearest raw integer, ties away from zero** (12.35 with exponent
  -1 is sent as 124 = 12.4); a value the type cannot hold raises ValueError naming the point and is
  never sent.
* Range and enum checks (:func:`check_writable_value`) run on engineering values before any encoding.
"""

from __future__ import annotations

import math
import struct

from links.modbus_map.register_map import INTEGER_RANGES, MAX_SCALE_EXPONENT, Order, Point, PointType

Value = float | int | bool

#: SunSpec "not implemented" value of an s16 scale factor (sunssf)
SUNSSF_NOT_IMPLEMENTED = -0x8000

_STRUCT = {PointType.U16: ">H", PointType.S16: ">h", PointType.U32: ">I", PointType.S32: ">i",
           PointType.F32: ">f", PointType.BOOL: ">H"}


def _with_unit(point: Point, value: Value) -> str:
    return f"{value:g} {point.unit}" if point.unit and not isinstance(value, bool) else f"{value!r}"


def check_writable_value(point: Point, value: Value | str) -> Value:
    """Validate an engineering value for a write (enum label, type, declared min/max).

    Returns the engineering value to encode (an enum label becomes its raw integer). Raises
    ValueError naming the point; nothing has been sent.
    """
    if not point.writable:
        raise ValueError(f"point {point.name!r} is read-only (access {point.access.value}): not written")
    if isinstance(value, str):
        if not point.enum:
            raise ValueError(f"point {point.name!r} has no enum: cannot write label {value!r}")
        values = point.enum_values
        if value not in values:
            raise ValueError(f"point {point.name!r}: {value!r} is not one of its labels "
                             f"({', '.join(values)}): not written")
        value = values[value]
    if point.type is PointType.BOOL:
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        raise ValueError(f"point {point.name!r} is bool: {value!r} is not true/false/0/1: not written")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"point {point.name!r}: {value!r} is not a finite number: not written")
    if point.enum and value not in point.enum_values.values():
        raise ValueError(f"point {point.name!r}: {value!r} is not one of its enum values "
                         f"{dict(point.enum)}: not written")
    if (point.min is not None and value < point.min) or (point.max is not None and value > point.max):
        low = "-inf" if point.min is None else f"{point.min:g}"
        high = "+inf" if point.max is None else f"{point.max:g}"
        raise ValueError(f"point {point.name!r}: {_with_unit(point, value)} is outside its declared "
                         f"range [{low}, {high}]: not written")
    return value


def check_exponent(point: Point, exponent: int) -> int:
    """A scale-factor value read from the device must be a usable exponent (-10..10)."""
    if exponent == SUNSSF_NOT_IMPLEMENTED or not -MAX_SCALE_EXPONENT <= exponent <= MAX_SCALE_EXPONENT:
        raise ValueError(f"scale factor {point.scale_point!r} of point {point.name!r} reads {exponent}, "
                         f"not an exponent within -{MAX_SCALE_EXPONENT}..{MAX_SCALE_EXPONENT}")
    return exponent


def to_raw(point: Point, value: Value, exponent: int) -> int | float | bool:
    """Engineering value -> raw value (scaled, rounded ties away from zero, range-checked)."""
    if point.type is PointType.BOOL:
        return bool(value)
    scaled = float(value) * 10 ** -exponent if exponent < 0 else float(value) / 10 ** exponent
    if point.type is PointType.F32:
        try:
            struct.pack(">f", scaled)
        except (OverflowError, struct.error):
            raise ValueError(f"point {point.name!r}: {_with_unit(point, value)} does not fit an f32") from None
        return scaled
    raw = int(math.copysign(math.floor(abs(scaled) + 0.5), scaled))
    low, high = INTEGER_RANGES[point.type]
    if not low <= raw <= high:
        raise ValueError(f"point {point.name!r}: {_with_unit(point, value)} needs raw {raw} "
                         f"(exponent {exponent}), beyond {point.type.value} range {low}..{high}: not written")
    return raw


def to_engineering(point: Point, raw: int | float | bool, exponent: int) -> Value:
    """Raw value -> engineering value: int for unscaled/positively scaled integers, float otherwise."""
    if point.type is PointType.BOOL:
        return bool(raw)
    if point.type is PointType.F32:
        return float(raw) / 10 ** -exponent if exponent < 0 else float(raw) * 10 ** exponent
    if exponent >= 0:
        return int(raw) * 10 ** exponent
    return int(raw) / 10 ** -exponent


def encode_registers(point: Point, raw: int | float | bool) -> list[int]:
    """Raw value -> the point's registers as sent on the wire (register tables only)."""
    data = struct.pack(_STRUCT[point.type], int(raw) if point.type is PointType.BOOL else raw)
    regs = [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
    if point.byte_order is Order.LITTLE:
        regs = [((r & 0xFF) << 8) | (r >> 8) for r in regs]
    if point.word_order is Order.LITTLE:
        regs.reverse()
    return regs


def decode_registers(point: Point, registers: list[int]) -> int | float | bool:
    """The point's registers as received -> raw value (register tables only)."""
    if len(registers) != point.type.register_count:
        raise ValueError(f"point {point.name!r} ({point.type.value}) needs {point.type.register_count} "
                         f"registers, got {len(registers)}")
    regs = list(registers)
    if point.word_order is Order.LITTLE:
        regs.reverse()
    if point.byte_order is Order.LITTLE:
        regs = [((r & 0xFF) << 8) | (r >> 8) for r in regs]
    data = b"".join(r.to_bytes(2, "big") for r in regs)
    raw = struct.unpack(_STRUCT[point.type], data)[0]
    return bool(raw) if point.type is PointType.BOOL else raw


def format_value(point: Point, value: Value) -> str:
    """``power_limit_w=5000 W`` / ``operating_mode=2 (heating)`` for traces and messages."""
    text = _with_unit(point, value) if not isinstance(value, float) or point.unit else f"{value:g}"
    label = point.label_of(int(value)) if point.enum and not isinstance(value, bool) else None
    return f"{point.name}={text}" + (f" ({label})" if label else "")
