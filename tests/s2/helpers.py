"""Test helpers: a background asyncio loop standing in for the lab's, virtual time, a fake backend."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

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
