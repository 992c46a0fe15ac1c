"""Test helpers: the lab's event loop on a background thread, a dict-backed device, a heat-pump map."""

from __future__ import annotations

import copy
from typing import Any

from links.modbus_map.server import (
    ExceptionReply, ModbusMapServerHandle, start_modbus_map_rtu, start_modbus_map_tcp,
)
from background_loop import BackgroundLoop
from links.modbus_map import RegisterMap, parse_register_map

TraceLog = list[tuple[str, str]]
"""The (direction, text) frames a link traced, in order."""

#: a heat pump's vendor map: control registers, SG-Ready mode, watchdog, readbacks (sunssf-scaled)
HEAT_PUMP_MAP: dict[str, Any] = {
    "unit_id": 3,
    "watchdog": {"point": "watchdog", "timeout_s": 120, "period_s": 30},
    "points": [
        {"name": "power_limit_w", "address": 100, "type": "u16", "scale": 1, "unit": "W", "access": "rw",
         "min": 0, "max": 9000},
        {"name": "operating_mode", "address": 101, "access": "rw",
         "enum": {"off": 0, "heating": 1, "cooling": 2, "hot_water": 3}},
        {"name": "sg_ready_mode", "address": 102, "access": "rw",
         "enum": {"blocked": 1, "normal": 2, "recommended": 3, "forced": 4}},
        {"name": "watchdog", "address": 103, "access": "w"},
        {"name": "setpoint_c", "address": 104, "type": "s16", "scale": "setpoint_sf", "unit": "degC",
         "access": "rw", "min": 10, "max": 65},
        {"name": "setpoint_sf", "address": 105, "type": "s16"},
        {"name": "active_power_w", "address": 0, "table": "input", "type": "s32", "scale": "power_sf", "unit": "W"},
        {"name": "power_sf", "address": 2, "table": "input", "type": "s16"},
        {"name": "flow_temp_c", "address": 3, "table": "input", "type": "f32", "word_order": "little",
         "unit": "degC"},
        {"name": "energy_wh", "address": 5, "table": "input", "type": "u32", "scale": 2, "unit": "Wh"},
        {"name": "compressor_enable", "address": 5, "table": "coil", "access": "rw"},
        {"name": "defrost_active", "address": 7, "table": "discrete"},
    ],
}

DEFAULT_VALUES: dict[str, Any] = {
    "power_limit_w": 5000, "operating_mode": 1, "sg_ready_mode": 2, "watchdog": 0, "setpoint_c": 45.5,
    "setpoint_sf": -1, "active_power_w": -1234.5, "power_sf": -1, "flow_temp_c": 35.25, "energy_wh": 1_234_500,
    "compressor_enable": True, "defrost_active": False,
}


def heat_pump_map(**changes: Any) -> RegisterMap:
    data = copy.deepcopy(HEAT_PUMP_MAP)
    data.update(changes)
    return parse_register_map(data, path="links.heat_pump.register_map")


class DictBackend:
    """A MapBackend over a dict; refuses power limits above ``max_limit_w`` (-> exception 03)."""

    def __init__(self, values: dict[str, Any] | None = None, *, max_limit_w: float = 8000.0) -> None:
        self.values = dict(DEFAULT_VALUES if values is None else values)
        self.writes: list[tuple[str, Any]] = []
        self.max_limit_w = max_limit_w
        self.busy = False

    def read_point(self, name: str) -> float | int | bool:
        if self.busy:
            raise ExceptionReply(0x06)
        return self.values[name]  # type: ignore[no-any-return]

    def write_point(self, name: str, value: float | int | bool) -> None:
        if name == "power_limit_w" and value > self.max_limit_w:
            raise ValueError(f"limit {value} W above {self.max_limit_w} W")
        self.writes.append((name, value))
        self.values[name] = value


class NoWatchdogBackend(DictBackend):
    """A heat pump whose firmware has no watchdog register: writing it answers exception 02."""

    def write_point(self, name: str, value: float | int | bool) -> None:
        if name == "watchdog":
            raise KeyError(name)
        super().write_point(name, value)


class LabLoop(BackgroundLoop):
    """The lab's single asyncio loop, on a background thread for the synchronous link."""

    def serve_tcp(self, register_map: RegisterMap, backend: Any, port: int = 0,
                  unit_id: int | None = None) -> tuple[ModbusMapServerHandle, int]:
        handle, bound = self.run(start_modbus_map_tcp(register_map, backend, "127.0.0.1", port, unit_id=unit_id))
        self.keep(handle)
        return handle, bound

    def serve_rtu(self, register_map: RegisterMap, backend: Any) -> tuple[ModbusMapServerHandle, str]:
        handle, path = self.run(start_modbus_map_rtu(register_map, backend))
        self.keep(handle)
        return handle, path
