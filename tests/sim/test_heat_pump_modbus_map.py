"""The simulated heat pump behind a vendor register map: its ``MapBackend`` (point roles, enum
labels, scale-factor points, readback knob), the lab builder's map check, and the whole chain over
the real Modbus TCP server (links/modbus_map/server.py) and the bench's link
(links/modbus_map/link.py)."""

from __future__ import annotations

import asyncio
import copy
import threading
from typing import Any

import pytest

from bench.errors import ConfigError
from simlab.devices.heat_pump.lab_wiring import (
    HeatPumpMapBackend,
    HeatPumpMode,
    HeatPumpStatus,
    build_heat_pump,
    lab_device,
)
from links.sg_ready_contacts import SgReadyState
from simlab.devices.registry import DeviceContext
from simlab.physics import TerminalConditions
from links.modbus_map import ModbusExceptionReply, ModbusMapLink, TcpTransport, parse_register_map

DT_S = 0.02

#: a vendor map using the heat pump's roles (enum labels of its own, a sunssf-scaled power)
HP_MAP: dict[str, Any] = {
    "unit_id": 1,
    "watchdog": {"point": "watchdog", "timeout_s": 120, "period_s": 30},
    "points": [
        {"name": "power_limit_w", "address": 100, "type": "u16", "unit": "W", "access": "rw", "max": 20000},
        {"name": "watchdog", "address": 101, "access": "w"},
        {"name": "operating_mode", "address": 102, "access": "rw", "enum": {"heat_pump": 0, "gas": 1}},
        {"name": "sg_ready_mode", "address": 103, "access": "rw",
         "enum": {"blocked": 1, "normal": 2, "recommended_on": 3, "forced_on": 4}},
        {"name": "failsafe_limit_w", "address": 104, "type": "u16", "unit": "W", "access": "rw"},
        {"name": "active_power_w", "address": 0, "table": "input", "type": "s32", "scale": "power_sf", "unit": "W"},
        {"name": "power_sf", "address": 2, "table": "input", "type": "s16"},
        {"name": "heat_output_w", "address": 3, "table": "input", "type": "u32", "unit": "W"},
        {"name": "status", "address": 5, "table": "input", "enum": {"off": 0, "standby": 1, "heating": 2,
                                                                      "blocked": 3, "gas": 4, "undervoltage": 5}},
        {"name": "buffer_temperature_c", "address": 6, "table": "input", "type": "s16", "scale": -1},
        {"name": "effective_limit_w", "address": 7, "table": "input", "type": "u16"},
        {"name": "failsafe_active", "address": 0, "table": "discrete"},
    ],
}


def _map(data: dict[str, Any] | None = None) -> Any:
    return parse_register_map(data or HP_MAP, path="links.modbus.register_map")


def _step(hp: Any, t0_s: float, duration_s: float) -> float:
    term = TerminalConditions((230.0,) * 3, 50.0, 0.0)
    t_s = t0_s
    for _ in range(round(duration_s / DT_S)):
        t_s += DT_S
        hp.step(t_s, DT_S, term)
    return t_s


# --- backend ----------------------------------------------------------------------------------------

def test_backend_serves_every_role_of_the_map_and_translates_enum_labels():
    hp = build_heat_pump({"hybrid": True}, {})
    t_s = _step(hp, 0.0, 300)
    backend = HeatPumpMapBackend(hp, _map())
    assert backend.unknown_points() == []
    assert backend.read_point("active_power_w") == pytest.approx(-hp.consumption_w())
    assert backend.read_point("power_sf") == 0                       # sunssf point: values unscaled
    assert backend.read_point("operating_mode") == "heat_pump"       # the map's label of "electric"
    assert backend.read_point("sg_ready_mode") == "normal"
    assert backend.read_point("status") == "heating"
    assert backend.read_point("power_limit_w") == pytest.approx(3020.0)   # none written: the maximum
    backend.write_point("operating_mode", 1)                         # raw 1 = "gas" in this map
    assert hp.requested_mode == HeatPumpMode.GAS
    backend.write_point("sg_ready_mode", 1)
    assert hp.input_state == SgReadyState.BLOCKED
    _step(hp, t_s, 30)
    assert backend.read_point("status") == "gas"
    assert backend.read_point("heat_output_w") > 3000.0


def test_backend_without_enum_uses_device_codes_and_refuses_bad_writes():
    hp = build_heat_pump({}, {})
    backend = HeatPumpMapBackend(hp)
    assert backend.read_point("operating_mode") == int(HeatPumpMode.ELECTRIC)
    assert backend.read_point("status") == int(HeatPumpStatus.OFF)
    with pytest.raises(ValueError, match="hybrid"):
        backend.write_point("operating_mode", 2)                     # gas on a non-hybrid unit
    with pytest.raises(ValueError):
        backend.write_point("sg_ready_mode", 7)
    with pytest.raises(ValueError, match="read-only"):
        backend.write_point("active_power_w", 5)
    with pytest.raises(ValueError, match="negative"):
        backend.write_point("power_limit_w", -10)
    with pytest.raises(KeyError):
        backend.read_point("no_such_role")
    backend.write_point("heartbeat", 7)
    assert backend.read_point("heartbeat") == 7
    assert hp.modbus_watchdog.armed


def test_knob_readback_power_factor_scales_the_reported_power_only():
    hp = build_heat_pump({}, {"readback_power_factor": 0.8})
    _step(hp, 0.0, 300)
    backend = HeatPumpMapBackend(hp)
    assert backend.read_point("consumption_w") == pytest.approx(0.8 * hp.consumption_w())
    assert backend.read_point("active_power_w") == pytest.approx(-0.8 * hp.consumption_w())
    assert hp.output().active_power_w[0] * 3 == pytest.approx(-hp.consumption_w())


@pytest.mark.parametrize(("change", "problem"), [
    ({"name": "frobnicator_w"}, "no point role 'frobnicator_w'"),
    ({"name": "consumption_w", "table": "holding", "access": "rw"}, "read-only on the simulated device"),
])
def test_lab_builder_refuses_a_map_the_device_cannot_serve(change, problem):
    data = copy.deepcopy(HP_MAP)
    data["points"].append({"address": 200, "table": "holding", **change})
    ctx = DeviceContext(kind="heat_pump", links={"modbus": {"protocol": "modbus_map_tcp", "register_map": data}})
    with pytest.raises(ConfigError, match=problem) as exc:
        lab_device(ctx)
    assert exc.value.field == f"links.modbus.register_map.points[{len(data['points']) - 1}].name"


def test_lab_builder_takes_the_time_of_day_from_the_calendar():
    ctx = DeviceContext(kind="heat_pump", parameters={"outdoor_daily_amplitude_k": 5.0, "outdoor_coldest_hour": 5.0},
                        start_calendar="2026-01-15T17:00:00+01:00")
    hp = lab_device(ctx)
    assert hp.outdoor_c == pytest.approx(5.0)                        # warmest 12 h after the coldest
    assert hp.outdoor_temperature_c(12 * 3600.0) == pytest.approx(-5.0)


# --- over the real server -------------------------------------------------------------------------------

class _Loop:
    """The lab's asyncio loop on a thread (the link is synchronous)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10.0)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)
        self.loop.close()


def test_limit_failsafe_and_readbacks_over_modbus_tcp():
    ctx = DeviceContext(kind="heat_pump", parameters={"failsafe_limit_w": 500.0},
                        links={"modbus": {"protocol": "modbus_map_tcp", "register_map": HP_MAP}})
    hp = lab_device(ctx)
    loop = _Loop()
    try:
        endpoints = loop.run(hp.serve("127.0.0.1"))
        assert set(endpoints) == {"dut_modbus"}
        t_s = _step(hp, 0.0, 300)
        with ModbusMapLink(_map(), TcpTransport("127.0.0.1", int(endpoints["dut_modbus"]))) as link:
            assert link.read("active_power_w") == pytest.approx(-hp.consumption_w(), abs=1.0)
            assert link.read_label("status") == "heating"
            assert link.read("buffer_temperature_c") == pytest.approx(hp.t_buffer_c, abs=0.05)
            link.heartbeat()
            link.write("power_limit_w", 800)
            t_s = _step(hp, t_s, 10)
            assert -link.read("active_power_w") <= 800.0 + 1.0
            assert link.read("effective_limit_w") == 800
            with pytest.raises(ModbusExceptionReply) as refused:
                link.write("operating_mode", "gas")                  # not a hybrid: exception 03
            assert refused.value.exception_code == 3
            t_s = _step(hp, t_s, 130)                                # no heartbeat for 130 s
            assert link.read("failsafe_active") is True
            assert -link.read("active_power_w") == pytest.approx(20.0, abs=1.0)
            link.heartbeat()
            link.write("power_limit_w", 3000)
            _step(hp, t_s, 1)
            assert link.read("failsafe_active") is False
    finally:
        loop.run(hp.aclose())
        loop.close()
