"""The only lab-side module that imports pymodbus (3.16.1, pinned; its APIs move between minors).

Serves a SunSpec register image (:class:`RegisterImage`; the simulated inverter's is
simlab/devices/pv_inverter/sunspec_image.py) as a Modbus TCP server in the caller's asyncio loop
(no threads, nothing blocking), through pymodbus' ``SimDevice`` with an ``action`` hook that
runs before every register access. The image is the one copy of the registers: a read copies just
the requested block from it into pymodbus' store, a write (which may change other points too:
adoption result, active curve) copies the whole image back.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Protocol, cast

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simdevice import SimAction

_WRITE_FUNCTIONS = {6, 16}
_READ_FUNCTIONS = {3}


class RegisterImage(Protocol):
    """A device's holding registers from ``base_address`` on, with its behaviour on access."""

    @property
    def base_address(self) -> int: ...

    @property
    def registers(self) -> list[int]: ...

    def on_read(self, address: int, count: int) -> int | None:
        """Prepare the image for a read; a Modbus exception code, or None to answer."""

    def on_write(self, address: int, values: list[int]) -> int | None:
        """Apply a register write; a Modbus exception code (image unchanged), or None."""


@dataclass
class SunSpecServerHandle:
    """A running SunSpec Modbus TCP server; ``await handle.close()`` stops it."""

    image: RegisterImage
    port: int
    _server: ModbusTcpServer

    async def close(self) -> None:
        await self._server.shutdown()

    async def __aenter__(self) -> SunSpecServerHandle:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


def _make_action(image: RegisterImage) -> SimAction:
    async def action(func_code: int, start_address: int, address: int, count: int,
                     registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        if func_code not in _READ_FUNCTIONS | _WRITE_FUNCTIONS:
            return ExcCodes.ILLEGAL_FUNCTION
        first = address - image.base_address           # index of ``address`` in the image
        if set_values is None:
            code = image.on_read(address, count)
            if code is not None:
                return ExcCodes(code)
            offset = address - start_address
            registers[offset:offset + count] = image.registers[first:first + count]
            return None
        code = image.on_write(address, [int(v) for v in set_values])
        if code is not None:
            return ExcCodes(code)
        regs = image.registers
        offset = image.base_address - start_address
        registers[offset:offset + len(regs)] = regs
        cast("list[int]", set_values)[:] = regs[first:first + len(set_values)]   # registers, never coils
        return None
    return action


async def start_sunspec_server(image: RegisterImage, *, host: str, port: int,
                               unit_id: int = 1) -> tuple[SunSpecServerHandle, int]:
    """Serve ``image`` as Modbus unit ``unit_id``; returns (handle, bound port).

    ``port=0`` binds a free ephemeral port. Must be awaited in the lab's running event loop.
    """
    device = SimDevice(
        id=unit_id,
        simdata=[SimData(address=image.base_address, values=list(image.registers),
                         count=1, datatype=DataType.REGISTERS)],
        action=_make_action(image),
    )
    server = ModbusTcpServer(device, address=(host, port))
    await server.serve_forever(background=True)
    sockets = getattr(server.transport, "sockets", None) or ()
    bound = next((s.getsockname()[1] for s in sockets if s.family in (socket.AF_INET, socket.AF_INET6)),
                 port)
    return SunSpecServerHandle(image, int(bound), server), int(bound)
