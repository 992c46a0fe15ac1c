"""A SunSpec device built only from field libraries: a pysunspec2 JSON device image (e.g. the
IEEE 1547 image ``sunspec2/tests/test_data/device_1547.json`` shipped inside pysunspec2) served as
plain holding-register memory over pymodbus Modbus TCP. No simulator behind it: writes land in
the registers and nothing else changes (no adoption, no physics).

Run as a process: ``python tests/thirdparty/sunspec_json_device.py [--json PATH] [--port N]``;
prints ``PORT <n>`` once the server listens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import sunspec2
import sunspec2.file.client as file_client

if __package__ in (None, ""):       # run as a script: the project root on the path for links/
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from links.sunspec_modbus.server import start_sunspec_server   # noqa: E402  (pymodbus only, no simlab)

BASE_ADDRESS = 40000
NOT_IMPLEMENTED_U16 = 0xFFFF
DEVICE_1547_JSON = Path(os.path.dirname(sunspec2.__file__)) / "tests" / "test_data" / "device_1547.json"


def image_registers(json_path: Path = DEVICE_1547_JSON) -> list[int]:
    """'SunS', every model of the JSON image as pysunspec2 encodes it, then the end model."""
    device = file_client.FileClientDevice(str(json_path))
    device.scan()
    registers = [0x5375, 0x6E53]                       # 'SunS'
    for model in device.model_list:
        data = model.get_mb()
        regs = [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
        if regs[1] == NOT_IMPLEMENTED_U16:            # L left out of the JSON: the encoded length
            regs[1] = len(regs) - 2
        registers += regs
    return registers + [NOT_IMPLEMENTED_U16, 0]


class MemoryImage:
    """Holding registers from :data:`BASE_ADDRESS`: reads answer them, writes store into them."""

    def __init__(self, registers: list[int], base_address: int = BASE_ADDRESS) -> None:
        self.base_address = base_address
        self.registers = registers

    def on_read(self, address: int, count: int) -> int | None:
        return None

    def on_write(self, address: int, values: list[int]) -> int | None:
        first = address - self.base_address
        self.registers[first:first + len(values)] = values
        return None


async def _serve(json_path: Path, host: str, port: int) -> None:
    handle, bound = await start_sunspec_server(MemoryImage(image_registers(json_path)), host=host, port=port)
    print(f"PORT {bound}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await handle.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=DEVICE_1547_JSON)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args.json, args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
