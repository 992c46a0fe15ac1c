"""The PV inverter as the lab runs it: the simulated inverter (device.py) serving its SunSpec map
over Modbus TCP (its ``serve`` hook, simlab/devices/hooks.py) with the server of
links/sunspec_modbus/server.py, endpoint ``dut``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simlab.devices.hooks import DefaultLabHooks
from simlab.devices.pv_inverter.device import PvInverterSim, parse_parameters_and_knobs
from simlab.devices.registry import DeviceContext

if TYPE_CHECKING:
    from links.sunspec_modbus.server import SunSpecServerHandle

__all__ = ["LabPvInverter", "SunSpecMap", "lab_device"]


@dataclass(frozen=True)
class SunSpecMap:
    """Where and how the inverter's SunSpec map is served (profile ``simulation.map``, control link)."""

    port: int = 0                          # 0: any free port
    unit_id: int = 1
    base_address: int = 40000
    omit_models: tuple[int, ...] = ()


class LabPvInverter(PvInverterSim, DefaultLabHooks):
    """The simulated inverter with its SunSpec Modbus TCP server (started by ``serve``)."""

    sunspec_map: SunSpecMap = SunSpecMap()
    _server: "SunSpecServerHandle | None" = None

    async def serve(self, host: str) -> dict[str, int | str]:
        from links.sunspec_modbus.server import start_sunspec_server   # pymodbus: only where a lab runs
        from simlab.devices.pv_inverter.sunspec_image import SunSpecDeviceImage

        m = self.sunspec_map
        image = SunSpecDeviceImage(self, unit_id=m.unit_id, base_address=m.base_address, omit_models=m.omit_models)
        self._server, port = await start_sunspec_server(image, host=host, port=m.port, unit_id=m.unit_id)
        return {"dut": port}

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.close()


def lab_device(ctx: DeviceContext) -> LabPvInverter:
    """The lab's builder (simlab/devices/registry.py): the inverter of the profile's parameters and
    knobs, its SunSpec map laid out as ``simulation.map`` says."""
    params = dict(ctx.parameters)
    params.setdefault("nameplate", ctx.nameplate)
    device = LabPvInverter(*parse_parameters_and_knobs(params, ctx.knobs), seed=ctx.seed)
    device.sunspec_map = SunSpecMap(port=ctx.dut_port, unit_id=ctx.unit_id,
                                    base_address=int(ctx.map.get("base_address", 40000)),
                                    omit_models=tuple(ctx.map.get("omit_models", ())))
    return device
