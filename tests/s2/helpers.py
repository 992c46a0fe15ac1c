"""Test helpers: a background asyncio loop standing in for the lab's, virtual time, a fake backend, a
hand-driven resource manager (raw frames)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import uuid
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from websockets.sync.client import ClientConnection

from simlab.devices.s2_resource_manager import DdbcDescription, DdbcModeSpec, SimResourceManager

T = TypeVar("T")
START = dt.datetime.fromisoformat("2026-06-21T12:00:00+02:00")


class VirtualTime:
    """Bench time in seconds and its calendar, as the lab and the bench clock share them."""

    def __init__(self) -> None:
        self.t_s = 0.0

    def calendar(self, t_s: float | None = None) -> dt.datetime:
        return START + dt.timedelta(seconds=self.t_s if t_s is None else t_s)


class LabLoop:
    """An asyncio loop on its own thread (the lab's loop); ``run`` awaits a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-lab-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def close(self) -> None:
        async def cancel_leftovers() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(cancel_leftovers())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)
        self.loop.close()


async def advance(rm: SimResourceManager, time: VirtualTime, to_s: float) -> None:
    """What simlab/lab.py's ``Lab.advance`` does: stop at every due protocol event."""
    for _ in range(10_000):
        due = rm.next_event_s()
        if due is None or due > to_s + 1e-9:
            time.t_s = to_s
            break
        time.t_s = max(due, time.t_s)
        await rm.on_time(time.t_s)
        assert (rm.next_event_s() or float("inf")) > due, "the RM kept work due"
    await rm.flush()


class FakeBackend:
    """A 3 kW heat pump that follows envelopes at once, with two DDBC modes (electric / gas)."""

    def __init__(self, control_types: Sequence[str] = ("PEBC", "DDBC")) -> None:
        self.types = list(control_types)
        self.free_running_w = 2500.0
        self.limit_w: float | None = None
        self.envelopes: list[tuple[float | None, float | None]] = []
        self.modes: list[tuple[str, float]] = []
        self.mode = ("electric", 1.0)
        self.events: list[str] = []

    def control_types(self) -> Sequence[str]:
        return self.types

    def power_w(self) -> float:
        return self.free_running_w if self.limit_w is None else min(self.free_running_w, self.limit_w)

    def pebc_upper_limit_range_w(self) -> tuple[float, float]:
        return (0.0, 3000.0)

    def apply_pebc_envelope(self, upper_w: float | None, lower_w: float | None) -> None:
        self.envelopes.append((upper_w, lower_w))
        self.limit_w = upper_w

    def ddbc_description(self) -> DdbcDescription:
        return DdbcDescription(
            modes=(DdbcModeSpec("electric", "heat pump", (500.0, 3000.0), (0.0, 9000.0)),
                   DdbcModeSpec("gas", "gas boiler", (50.0, 80.0), (0.0, 20000.0), gas_flow_l_per_s=(0.0, 0.6))),
            present_demand_rate=(4000.0, 6000.0))

    def ddbc_active_mode(self) -> tuple[str, float]:
        return self.mode

    def apply_ddbc_mode(self, mode_id: str, factor: float) -> None:
        self.modes.append((mode_id, factor))
        self.mode = (mode_id, factor)

    def on_connection_lost(self) -> None:
        self.events.append("lost")

    def on_connection_restored(self) -> None:
        self.events.append("restored")


RESOURCE_ID = "9f3c9a43-3a2f-4bb4-8d2e-6c7d7f3f1a10"


def msg(message_type: str, **fields: Any) -> dict[str, Any]:
    return {"message_type": message_type, "message_id": str(uuid.uuid4()), **fields}


def details(resource_id: str = RESOURCE_ID, **fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "resource_id": resource_id, "name": "raw RM",
        "roles": [{"role": "ENERGY_CONSUMER", "commodity": "ELECTRICITY"}],
        "instruction_processing_delay": 1500, "available_control_types": ["POWER_ENVELOPE_BASED_CONTROL"],
        "provides_forecast": False, "provides_power_measurement_types": ["ELECTRIC.POWER.L1"]}
    return msg("ResourceManagerDetails", **(defaults | fields))


class RawRm:
    """A resource manager that sends exactly the frames a test gives it."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def send(self, frame: dict[str, Any] | str) -> None:
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def recv(self) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=2.0))

    def exchange(self, frame: dict[str, Any] | str) -> dict[str, Any]:
        self.send(frame)
        return self.recv()

    def ack(self, message: dict[str, Any], status: str = "OK") -> None:
        self.send({"message_type": "ReceptionStatus", "subject_message_id": message["message_id"],
                   "status": status})

    def handshake(self, versions: list[str] | None = None) -> list[dict[str, Any]]:
        hello = msg("Handshake", role="RM", supported_protocol_versions=versions or ["0.0.2-beta"])
        self.send(hello)
        frames = [self.recv(), self.recv(), self.recv()]
        for frame in frames[1:]:
            self.ack(frame)
        return frames

    def connect_fully(self) -> None:
        self.handshake()
        assert self.exchange(details())["status"] == "OK"
