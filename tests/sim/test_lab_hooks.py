"""The lab hooks (simlab/devices/hooks.py): every device kind has them, and the PV inverter serves
its SunSpec map through ``serve`` like the other devices."""

from __future__ import annotations

import asyncio

import pytest

from simlab import SIM_DEVICES
from simlab.devices.hooks import DefaultLabHooks
from simlab.devices.registry import DeviceContext, build_device


@pytest.mark.parametrize("kind", SIM_DEVICES.keys())
def test_every_device_kind_has_the_lab_hooks(kind: str) -> None:
    device = build_device(DeviceContext(kind=kind))        # no lab: nothing starts
    assert isinstance(device, DefaultLabHooks)
    assert device.physics_step_s is None or device.physics_step_s > 0
    asyncio.run(device.aclose())                             # closing what never served is fine


def test_the_pv_inverter_serves_sunspec_at_dut_and_stops_on_aclose() -> None:
    device = build_device(DeviceContext(kind="pv_inverter", map={"base_address": 40000}))

    async def scenario() -> tuple[dict[str, int | str], bytes]:
        endpoints = await device.serve("127.0.0.1")
        reader, writer = await asyncio.open_connection("127.0.0.1", int(endpoints["dut"]))
        # Modbus TCP: read holding registers 40000..40001 of unit 1, the 'SunS' marker
        writer.write(bytes([0, 1, 0, 0, 0, 6, 1, 3]) + (40000).to_bytes(2, "big") + (2).to_bytes(2, "big"))
        await writer.drain()
        reply = await asyncio.wait_for(reader.readexactly(13), 5.0)
        writer.close()
        await device.aclose()
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", int(endpoints["dut"]))
        return endpoints, reply

    endpoints, reply = asyncio.run(scenario())
    assert list(endpoints) == ["dut"]
    assert reply[7] == 3 and reply[9:13] == b"SunS"


@pytest.mark.parametrize(("kind", "step_s"), [("heat_pump", 0.1), ("ev_charger", 0.1), ("pv_inverter", None)])
def test_slow_devices_declare_a_coarser_physics_step(kind: str, step_s: float | None) -> None:
    device = build_device(DeviceContext(kind=kind))
    assert device.physics_step_s == step_s
    if kind == "heat_pump":
        device = build_device(DeviceContext(kind=kind, parameters={"physics_step_s": 0.02}))
        assert device.physics_step_s == 0.02
        with pytest.raises(ValueError, match="physics_step_s"):
            build_device(DeviceContext(kind=kind, parameters={"physics_step_s": 2.0}))
    asyncio.run(device.aclose())
