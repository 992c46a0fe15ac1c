"""The simulated heat pump over S2: its lab builder starts the simulated resource manager
(simlab/s2) dialing the bench's CEM (links/s2), in virtual time as the lab runs it; PEBC
envelopes limit it, a lost connection puts it in failsafe, DDBC switches the hybrid to gas."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from simlab.devices.heat_pump.lab_wiring import LabHeatPump, lab_device
from simlab.devices.registry import DeviceContext
from simlab.physics import GridSourceState, Physics
from links.s2 import CemConfig, S2CemServer

START = "2026-01-15T06:00:00+01:00"


@dataclass
class Rig:
    hp: LabHeatPump
    physics: Physics
    cem: S2CemServer
    ctx: DeviceContext
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20.0)

    def advance(self, to_s: float) -> None:
        """What simlab/lab.py's ``Lab.advance`` does: physics, stopping at every due S2 event."""
        async def go() -> None:
            for _ in range(100_000):
                due = self.hp.next_event_s()
                if due is None or due > to_s + 1e-9:
                    self.physics.advance_to(to_s)
                    break
                self.physics.advance_to(max(due, self.physics.t_s))
                await self.hp.on_time(self.physics.t_s)
            await asyncio.sleep(0.01)
        self.run(go())

    def at(self, t_s: float) -> Any:
        return self.ctx.calendar(t_s)


@contextmanager
def make_rig(parameters: dict[str, Any], knobs: dict[str, Any] | None = None) -> Iterator[Rig]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    physics = Physics(GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True), None)
    holder: dict[str, Any] = {}
    cem = S2CemServer(CemConfig(rm_id="hp", now=lambda: holder["ctx"].calendar(physics.t_s), response_timeout_s=3.0))
    cem.start()
    ctx = DeviceContext(kind="heat_pump", parameters=parameters, knobs=knobs or {},
                        nameplate={"manufacturer": "flexbench", "model": "SIM-HP", "phase_count": 3},
                        links={"s2": {"protocol": "s2", "cem_url": cem.url, "rm_id": "hp"}},
                        start_calendar=START, physics=physics)
    holder["ctx"] = ctx
    hp = lab_device(ctx)
    physics.device = hp
    rig = Rig(hp, physics, cem, ctx, loop)
    try:
        physics.advance_to(300.0)
        assert rig.run(hp.serve("127.0.0.1")) == {}
        cem.wait_for_rm(5.0)
        yield rig
    finally:
        rig.run(hp.aclose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5.0)
        loop.close()
        cem.stop()


@pytest.fixture
def rig() -> Iterator[Rig]:
    with make_rig({"failsafe_limit_w": 500.0, "s2_failsafe_timeout_s": 60.0}) as made:
        yield made


def test_pebc_envelope_limits_and_measurements_follow_the_consumption(rig: Rig):
    assert rig.cem.details().available_control_types == ("POWER_ENVELOPE_BASED_CONTROL",)
    rig.cem.select_control_type("PEBC")
    rig.advance(301.0)
    rig.cem.pebc_limit_consumption_w(800.0, execution_time=rig.at(302.0), duration_s=600.0)
    rig.advance(330.0)
    assert rig.hp.consumption_w() <= 800.0 + 1e-6
    assert rig.hp.s2_upper_w == 800.0
    last = rig.cem.measurements()[-1]
    assert last.consumption_w == pytest.approx(rig.hp.consumption_w(), abs=50.0)
    assert rig.cem.violations() == []


def test_lost_connection_enters_failsafe_and_a_new_envelope_leaves_it(rig: Rig):
    rig.cem.select_control_type("PEBC")
    rig.advance(301.0)
    rig.cem.drop_connection(refuse_reconnect=True)
    rig.advance(350.0)
    assert not rig.hp.failsafe_active
    rig.advance(380.0)                                          # 60 s timeout
    assert rig.hp.failsafe_active
    assert rig.hp.consumption_w() == pytest.approx(20.0)
    rig.cem.allow_reconnect()
    rig.advance(400.0)                                          # the RM redials every 10 s
    rig.cem.wait_for_rm(5.0, session_after=1)
    assert rig.hp.failsafe_active                               # reconnecting alone does not leave
    rig.cem.select_control_type("PEBC")
    rig.cem.pebc_limit_consumption_w(3000.0, execution_time=rig.at(401.0), duration_s=600.0)
    rig.advance(410.0)
    assert not rig.hp.failsafe_active


def test_ddbc_gas_mode_switches_the_hybrid_off_the_compressor():
    with make_rig({"hybrid": True}) as rig:
        details = rig.cem.details()
        assert "DEMAND_DRIVEN_BASED_CONTROL" in details.available_control_types
        rig.cem.select_control_type("DDBC")
        rig.advance(301.0)
        modes = {m.label: m for m in rig.cem.ddbc_modes()}
        assert set(modes) == {"heat pump", "gas boiler"}
        gas = modes["gas boiler"]
        rig.cem.send_ddbc_instruction(gas.actuator_id, gas.operation_mode_id, rig.at(302.0))
        rig.advance(330.0)
        assert rig.hp.consumption_w() == pytest.approx(20.0)
        assert rig.hp.heat_output_w() > 3000.0
        assert rig.cem.violations() == []
