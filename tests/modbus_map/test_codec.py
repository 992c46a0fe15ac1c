"""Scaling (fixed exponent and sunssf), rounding, word/byte order and pre-write checks."""

from __future__ import annotations

import pytest

from links.modbus_map import parse_register_map
from links.modbus_map.codec import (
    check_exponent, check_writable_value, decode_registers, encode_registers, format_value, to_engineering,
    to_raw,
)

RM = parse_register_map({"points": [
    {"name": "limit_w", "address": 0, "type": "u16", "scale": 2, "unit": "W", "access": "rw", "min": 0, "max": 9000},
    {"name": "setpoint_c", "address": 1, "type": "s16", "scale": -1, "unit": "degC", "access": "rw"},
    {"name": "energy_wh", "address": 2, "type": "u32"},
    {"name": "energy_le_wh", "address": 4, "type": "u32", "word_order": "little"},
    {"name": "energy_swapped_wh", "address": 6, "type": "u32", "byte_order": "little"},
    {"name": "temp_c", "address": 8, "type": "f32", "access": "rw"},
    {"name": "power_w", "address": 10, "type": "s32", "scale": "power_sf", "access": "rw"},
    {"name": "power_sf", "address": 12, "type": "s16"},
    {"name": "mode", "address": 13, "access": "rw", "enum": {"off": 0, "on": 1}},
    {"name": "enable", "address": 14, "type": "bool", "access": "rw"},
]})


def test_fixed_positive_exponent_scales_to_integers() -> None:
    p = RM.point("limit_w")
    assert to_raw(p, 4200, 2) == 42
    assert to_engineering(p, 42, 2) == 4200 and isinstance(to_engineering(p, 42, 2), int)
    assert to_raw(p, 4249, 2) == 42 and to_raw(p, 4250, 2) == 43      # ties away from zero


def test_fixed_negative_exponent_gives_floats_and_rounds_ties_away_from_zero() -> None:
    p = RM.point("setpoint_c")
    assert to_raw(p, 45.5, -1) == 455
    assert to_engineering(p, 455, -1) == pytest.approx(45.5)
    assert to_raw(p, 0.25, -1) == 3 and to_raw(p, -0.25, -1) == -3
    assert to_raw(p, 12.3, -1) == 123          # 12.3 * 10 = 123.00000000000001, not 124


def test_sunssf_exponent_applies_like_a_fixed_one_and_is_range_checked() -> None:
    p = RM.point("power_w")
    assert to_raw(p, -1234.5, check_exponent(p, -1)) == -12345
    assert to_engineering(p, -12345, -1) == pytest.approx(-1234.5)
    with pytest.raises(ValueError, match="'power_sf' of point 'power_w' reads -32768"):
        check_exponent(p, -0x8000)             # SunSpec "not implemented"
    with pytest.raises(ValueError, match="reads 11"):
        check_exponent(p, 11)


def test_a_value_the_type_cannot_hold_is_refused_naming_the_point() -> None:
    with pytest.raises(ValueError, match=r"point 'setpoint_c': 4000 degC needs raw 40000 .*s16 range"):
        to_raw(RM.point("setpoint_c"), 4000, -1)
    with pytest.raises(ValueError, match="'temp_c'.*does not fit an f32"):
        to_raw(RM.point("temp_c"), 1e39, 0)


@pytest.mark.parametrize(("name", "raw", "registers"), [
    ("energy_wh", 0x12345678, [0x1234, 0x5678]),
    ("energy_le_wh", 0x12345678, [0x5678, 0x1234]),
    ("energy_swapped_wh", 0x12345678, [0x3412, 0x7856]),
    ("power_w", -2, [0xFFFF, 0xFFFE]),
    ("temp_c", 35.25, [0x420D, 0x0000]),
    ("setpoint_c", -5, [0xFFFB]),
    ("enable", True, [1]),
])
def test_register_layouts(name: str, raw: int | float | bool, registers: list[int]) -> None:
    p = RM.point(name)
    assert encode_registers(p, raw) == registers
    assert decode_registers(p, registers) == raw


def test_decode_refuses_the_wrong_register_count() -> None:
    with pytest.raises(ValueError, match="'energy_wh' \\(u32\\) needs 2 registers, got 1"):
        decode_registers(RM.point("energy_wh"), [1])


def test_pre_write_checks() -> None:
    assert check_writable_value(RM.point("mode"), "on") == 1
    assert check_writable_value(RM.point("enable"), 1) is True
    assert check_writable_value(RM.point("limit_w"), 9000) == 9000
    with pytest.raises(ValueError, match=r"'limit_w': 9000.5 W is outside its declared range \[0, 9000\]"):
        check_writable_value(RM.point("limit_w"), 9000.5)
    with pytest.raises(ValueError, match="'limit_w': -1 W is outside"):
        check_writable_value(RM.point("limit_w"), -1)
    with pytest.raises(ValueError, match="'mode': 'boost' is not one of its labels"):
        check_writable_value(RM.point("mode"), "boost")
    with pytest.raises(ValueError, match="'mode': 7 is not one of its enum values"):
        check_writable_value(RM.point("mode"), 7)
    with pytest.raises(ValueError, match="'energy_wh' is read-only"):
        check_writable_value(RM.point("energy_wh"), 1)
    with pytest.raises(ValueError, match="'enable' is bool"):
        check_writable_value(RM.point("enable"), 2)
    with pytest.raises(ValueError, match="not a finite number"):
        check_writable_value(RM.point("temp_c"), float("nan"))


def test_format_value_names_unit_and_label() -> None:
    assert format_value(RM.point("limit_w"), 4200) == "limit_w=4200 W"
    assert format_value(RM.point("mode"), 1) == "mode=1 (on)"
    assert format_value(RM.point("enable"), True) == "enable=True"
