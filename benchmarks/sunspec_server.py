"""Per-read cost of the simulated inverter's SunSpec Modbus TCP server (links/sunspec_modbus/server.py).

The server runs the lab's way (one asyncio loop, here on a background thread) and serves the
simulated inverter's register image (``SunSpecDeviceImage``) of a stub inverter with fixed readings.
Figures per read of a whole model (FC 03 requests of at most 125 registers, as pysunspec2 reads
a model):

* ``round trip``: a raw Modbus TCP client on loopback (TCP_NODELAY), request to reply;
* ``server data path``: the server's datastore call alone (what the request handler awaits for the
  registers), timed inside the loop. Model 701 (measurements) is read twice: with the inverter's
  readings unchanged, and with new readings before every read (as in a campaign, where the lab
  advances between two samples: the image re-encodes model 701); model 1 (common) is static.

    .venv/bin/python benchmarks/sunspec_server.py [--iterations 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from benchmarks_common import measure  # same folder
from links.sunspec_modbus.server import SunSpecServerHandle, start_sunspec_server
from simlab.devices.pv_inverter.api import (OperatingState, PvInverterNameplate, PvInverterReadings,
                                            PvInverterSettings)
from simlab.devices.pv_inverter.sunspec_image import SunSpecDeviceImage

UNIT_ID = 1
FC_READ_HOLDING = 3
MAX_READ = 125       # registers per FC 03 request (Modbus limit)


@dataclass
class _FixedInverter:
    """What the SunSpec image needs from an inverter, with fixed readings."""

    nameplate: PvInverterNameplate = field(default_factory=PvInverterNameplate)
    settings: PvInverterSettings = field(default_factory=PvInverterSettings)
    current: PvInverterReadings = field(default_factory=lambda: PvInverterReadings(
        voltage_v=(230.4, 231.1, 229.7), current_a=(14.21, 14.18, 14.25), active_power_w=9812.0,
        reactive_power_var=-35.0, apparent_power_va=9830.0, frequency_hz=50.012,
        state=OperatingState.CONNECTED, last_trip=None))

    def readings(self) -> PvInverterReadings:
        return self.current

    def step(self) -> None:
        """New readings, as when the lab advanced between two bench samples."""
        self.current = replace(self.current, active_power_w=self.current.active_power_w + 1.0)

    def settings_changed(self) -> None:
        pass


class _RawClient:
    """A minimal blocking Modbus TCP client: FC 03 only, no library in the way."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2.0)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tid = 0

    def read(self, address: int, count: int) -> bytes:
        self.tid = (self.tid + 1) & 0xFFFF
        self.sock.sendall(struct.pack(">HHHBBHH", self.tid, 0, 6, UNIT_ID, FC_READ_HOLDING, address, count))
        want = 9 + 2 * count
        reply = b""
        while len(reply) < want:
            chunk = self.sock.recv(want - len(reply))
            if not chunk:
                raise ConnectionError("server closed the connection")
            reply += chunk
            if len(reply) >= 8 and reply[7] & 0x80:
                break
        if reply[7] != FC_READ_HOLDING:
            raise RuntimeError(f"exception reply {reply.hex(' ')}")
        return reply[9:]

    def read_span(self, address: int, count: int) -> bytes:
        """``count`` registers from ``address`` in requests of at most :data:`MAX_READ` registers
        (as pysunspec2 reads a model)."""
        return b"".join(self.read(a, min(MAX_READ, address + count - a))
                        for a in range(address, address + count, MAX_READ))

    def close(self) -> None:
        self.sock.close()


def _model_span(image: SunSpecDeviceImage, model_id: int) -> tuple[int, int]:
    block = image.regmap.blocks[model_id]
    return block.address, block.length


def _datastore_cost(loop: asyncio.AbstractEventLoop, handle: SunSpecServerHandle, address: int, count: int,
                    iterations: int, before_read: Callable[[], None] = lambda: None) -> dict[str, float]:
    """Median / p90 of the server's datastore call for one read, timed inside the loop."""
    context: Any = handle._server.context   # the server's datastore (what its request handler awaits)

    spans = [(a, min(MAX_READ, address + count - a)) for a in range(address, address + count, MAX_READ)]

    async def read_model() -> None:
        for a, n in spans:
            values = await context.async_getValues(UNIT_ID, FC_READ_HOLDING, a, n)
            if not isinstance(values, list):
                raise RuntimeError(f"datastore refused the read at {a}: {values!r}")

    async def timed() -> list[float]:
        out: list[float] = []
        for _ in range(min(20, iterations)):
            await read_model()
        for _ in range(iterations):
            before_read()
            start = time.perf_counter_ns()
            await read_model()
            out.append((time.perf_counter_ns() - start) / 1000.0)
        return sorted(out)

    samples = asyncio.run_coroutine_threadsafe(timed(), loop).result(120)
    return {"iterations": iterations, "median_us": samples[len(samples) // 2],
            "p90_us": samples[int(0.9 * (len(samples) - 1))]}


def run(iterations: int) -> list[tuple[str, dict[str, float]]]:
    """The rows of the benchmark: (operation, timing stats)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="lab-loop", daemon=True)
    thread.start()
    inverter = _FixedInverter()
    image = SunSpecDeviceImage(inverter, unit_id=UNIT_ID)
    handle, port = asyncio.run_coroutine_threadsafe(
        start_sunspec_server(image, host="127.0.0.1", port=0, unit_id=UNIT_ID), loop).result(10)
    rows: list[tuple[str, dict[str, float]]] = []
    client = _RawClient(port)
    try:
        for model_id, changing in ((701, False), (701, True), (1, False)):
            address, count = _model_span(image, model_id)
            label = f"read model {model_id} ({count} registers){', new readings each read' if changing else ''}"

            def read(a: int = address, n: int = count, new: bool = changing) -> None:
                if new:
                    inverter.step()
                client.read_span(a, n)

            rows.append((f"round trip: {label}", measure(read, iterations)))
            rows.append((f"server data path: {label}",
                         _datastore_cost(loop, handle, address, count, iterations,
                                         inverter.step if changing else lambda: None)))
    finally:
        client.close()
        asyncio.run_coroutine_threadsafe(handle.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    print("| operation | n | median (µs) | p90 (µs) |")
    print("|---|---:|---:|---:|")
    for name, r in run(args.iterations):
        print(f"| {name} | {r['iterations']} | {r['median_us']:.1f} | {r['p90_us']:.1f} |")


if __name__ == "__main__":
    main()
