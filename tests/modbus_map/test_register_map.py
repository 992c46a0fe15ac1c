"""Parsing a declared register map: typed points, defaults, and errors that name the exact field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bench.errors import ConfigError
from bench.yamlconf import load_yaml
from links.modbus_map import Access, Order, PointType, Table, parse_register_map

from .helpers import HEAT_PUMP_MAP

PATH = "links.heat_pump.register_map"


def test_heat_pump_map_parses_into_typed_points() -> None:
    rm = parse_register_map(HEAT_PUMP_MAP, path=PATH)
    assert rm.unit_id == 3
    assert rm.names()[:3] == ["power_limit_w", "operating_mode", "sg_ready_mode"]
    limit = rm.point("power_limit_w")
    assert (limit.address, limit.table, limit.type, limit.access) == (100, Table.HOLDING, PointType.U16,
                                                                     Access.READ_WRITE)
    assert (limit.scale_exponent, limit.scale_point, limit.unit, limit.min, limit.max) == (1, None, "W", 0.0, 9000.0)
    mode = rm.point("operating_mode")      # defaults: holding, u16, big-endian
    assert (mode.table, mode.type, mode.word_order, mode.byte_order) == (Table.HOLDING, PointType.U16,
                                                                        Order.BIG, Order.BIG)
    assert mode.enum_values == {"off": 0, "heating": 1, "cooling": 2, "hot_water": 3}
    assert mode.label_of(3) == "hot_water" and mode.label_of(9) is None
    power = rm.point("active_power_w")
    assert (power.type, power.size, power.end, power.scale_point, power.access) == (
        PointType.S32, 2, 2, "power_sf", Access.READ)
    assert rm.point("flow_temp_c").word_order is Order.LITTLE
    assert rm.point("compressor_enable").type is PointType.BOOL     # a coil defaults to bool
    assert rm.watchdog is not None and (rm.watchdog.point, rm.watchdog.timeout_s, rm.watchdog.period_s,
                                        rm.watchdog.value) == ("watchdog", 120.0, 30.0, "counter")
    assert rm.scale_points_of(["active_power_w", "setpoint_c", "power_limit_w"]) == ["power_sf", "setpoint_sf"]
    with pytest.raises(ValueError, match="no point named 'nope'.*power_limit_w"):
        rm.point("nope")


def test_map_level_orders_are_the_points_defaults() -> None:
    data = {"word_order": "little", "byte_order": "little",
            "points": [{"name": "a", "address": 0, "type": "u32"},
                       {"name": "b", "address": 2, "type": "u32", "word_order": "big"}]}
    rm = parse_register_map(data)
    assert (rm.point("a").word_order, rm.point("a").byte_order) == (Order.LITTLE, Order.LITTLE)
    assert (rm.point("b").word_order, rm.point("b").byte_order) == (Order.BIG, Order.LITTLE)


def _mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(HEAT_PUMP_MAP)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()

CASES = [
    (("points", 3, "type"), "u64", "points[3].type", "must be one of u16, s16, u32, s32, f32, bool"),
    (("points", 0, "table"), "holdings", "points[0].table", "must be one of holding"),
    (("points", 1, "scal"), 2, "points[1].scal", "unknown field"),
    (("points", 2, "name"), "power_limit_w", "points[2].name", "duplicate point name 'power_limit_w'"),
    (("points", 2, "name"), "SG Mode", "points[2].name", "not a role name"),
    (("points", 1, "address"), 70000, "points[1].address", "within 0..65535"),
    (("points", 1, "address"), "101", "points[1].address", "must be an integer"),
    (("points", 0, "address"), _DELETE, "points[0].address", "required"),
    (("points", 0, "type"), "u32", "points[1].address", "overlaps 'power_limit_w' (holding 100..101"),
    (("points", 6, "scale"), "pwr_sf", "points[6].scale", "names no declared point: 'pwr_sf'"),
    (("points", 6, "scale"), "power_limit_w", "points[6].scale", "must be an s16 register"),
    (("points", 0, "scale"), 11, "points[0].scale", "within -10..10"),
    (("points", 10, "type"), "u16", "points[10].type", "type must be bool"),
    (("points", 6, "access"), "rw", "points[6].access", "read-only on the wire"),
    (("points", 0, "min"), 10000, "points[0].max", "below min"),
    (("points", 1, "enum"), {"off": 0, "on": 70000}, "points[1].enum.on", "within 0..65535"),
    (("points", 1, "enum"), {"off": 0, "idle": 0}, "points[1].enum.idle", "already used by label 'off'"),
    (("points", 10, "scale"), 1, "points[10].scale", "a bool point cannot be scaled"),
    (("points", 1, "enum"), {False: 0, True: 1}, "points[1].enum.False", "quote it"),   # YAML `off:`/`on:`
    (("watchdog", "point"), "watchdg", "watchdog.point", "names no declared point"),
    (("watchdog", "point"), "active_power_w", "watchdog.point", "not writable"),
    (("watchdog", "period_s"), 120, "watchdog.period_s", "below timeout_s"),
    (("watchdog", "timeout_s"), _DELETE, "watchdog.timeout_s", "required"),
    (("unit_id",), 300, "unit_id", "within 0..247"),
    (("word_order",), "middle", "word_order", "must be one of big, little"),
    (("single_register_function",), 5, "single_register_function", "must be 6 or 16"),
    (("points",), [], "points", "non-empty list"),
    (("registers",), [], "registers", "unknown field"),
]


@pytest.mark.parametrize(("path", "value", "field", "message"), CASES,
                         ids=[c[2] + ":" + c[3][:20] for c in CASES])
def test_errors_name_the_exact_field(path: tuple[Any, ...], value: Any, field: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_register_map(_mutated(path, value), path=PATH, file="device_profiles/hp.yaml")
    assert info.value.field == f"{PATH}.{field}"
    assert info.value.file == "device_profiles/hp.yaml"
    assert message in info.value.detail


def test_a_point_past_the_last_address_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        parse_register_map({"points": [{"name": "x", "address": 65535, "type": "s32"}]})
    assert info.value.field == "register_map.points[0].address"
    assert "runs past address 65535" in info.value.detail


def test_loaded_yaml_errors_carry_the_line(tmp_path: Path) -> None:
    profile = tmp_path / "hp.yaml"
    profile.write_text(
        "links:\n"
        "  heat_pump:\n"
        "    protocol: modbus_map_tcp\n"
        "    register_map:\n"
        "      points:\n"
        "        - {name: power_limit_w, address: 100, access: rw}\n"
        "        - name: operating_mode\n"
        "          address: 101\n"
        "          type: u8\n", encoding="utf-8")
    doc = load_yaml(profile)
    with pytest.raises(ConfigError) as info:
        parse_register_map(doc.data["links"]["heat_pump"]["register_map"], path=PATH, error=doc.error)
    assert info.value.field == f"{PATH}.points[1].type"
    assert info.value.line == 9
    assert str(info.value).startswith(f"{profile}:9, field '{PATH}.points[1].type'")
