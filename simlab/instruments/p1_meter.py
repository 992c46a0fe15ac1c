"""Simulated DSMR 5 smart meter at the DUT's connection point, its P1 port served over TCP as a
serial-over-TCP port (like ser2net; pyserial opens it as ``socket://host:port``).

Every second of lab time (``interval_s``) while anyone listens — a TCP client, or a device in the lab
that reads the port (``SiteState.p1_readers``, e.g. a load-balancing EV charger) — the meter
takes the physics at the connection point (the DUT plus the household load, simlab/site.py),
encodes a telegram (links/p1/telegram.py, CRC-16) and sends it to every client and publishes it on the
lab's :class:`~simlab.site.SiteState` for in-lab readers. Nobody listening: no telegrams, so the meter
costs nothing in campaigns that do not use it. Energy registers integrate the import and export.

The telegram's time is the meter's own clock: 2026-06-21 12:00 Europe/Amsterdam at lab time 0 (no
requirement judges it). Fault knob (bench config ``lab.instrument_faults.<role>``):
``corrupt_crc_after_telegrams: N`` sends every telegram from the N-th on with a wrong CRC.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from links.p1.telegram import encode_telegram
from simlab.site import SiteState, connection_point

__all__ = ["SimP1Meter"]

METER_EPOCH = dt.datetime(2026, 6, 21, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
EQUIPMENT_ID = "SIMP1METER0000000001"


class SimP1Meter:
    """The lab's P1 meter (a :class:`simlab.lab.LabObserver` with a streaming TCP server)."""

    interval_s = 1.0

    def __init__(self, physics: Any, site: SiteState, *, faults: Mapping[str, int] | None = None) -> None:
        faults = dict(faults or {})
        unknown = set(faults) - {"corrupt_crc_after_telegrams"}
        if unknown:
            raise ValueError(f"unknown fault knobs: {sorted(unknown)}")
        self.physics = physics
        self.site = site
        self.corrupt_after = faults.get("corrupt_crc_after_telegrams")
        self._writers: list[asyncio.StreamWriter] = []
        self._next_s: float | None = None
        self._last_s: float | None = None
        self.sent = 0
        self.energy_import_kwh = 0.0
        self.energy_export_kwh = 0.0

    # -- listeners --------------------------------------------------------------------------------
    def _wake(self) -> None:
        if self._next_s is None:
            self._next_s = math.floor(self.physics.t_s / self.interval_s + 1e-9) * self.interval_s + self.interval_s

    def _listened(self) -> bool:
        return self.site.p1_readers > 0 or bool(self._writers)

    # -- LabObserver ------------------------------------------------------------------------------
    def next_due_s(self) -> float | None:
        if not self._listened():
            return None
        self._wake()
        return self._next_s

    def observe(self, t_s: float) -> None:
        phases = connection_point(self.physics)
        if self._last_s is not None:
            hours = (t_s - self._last_s) / 3600.0
            total_w = sum(p.import_w for p in phases)
            self.energy_import_kwh += max(total_w, 0.0) * hours / 1000.0
            self.energy_export_kwh += max(-total_w, 0.0) * hours / 1000.0
        self._last_s = t_s
        telegram = encode_telegram(
            timestamp=METER_EPOCH + dt.timedelta(seconds=round(t_s)), equipment_id=EQUIPMENT_ID,
            voltage_v=tuple(p.voltage_v for p in phases), current_a=tuple(p.current_a for p in phases),
            power_w=tuple(p.import_w for p in phases), energy_import_kwh=self.energy_import_kwh,
            energy_export_kwh=self.energy_export_kwh)
        self.sent += 1
        if self.corrupt_after is not None and self.sent >= self.corrupt_after:
            crc = telegram[-6:-2]
            telegram = telegram[:-6] + f"{(int(crc, 16) ^ 0x5A5A):04X}\r\n"
        self.site.publish(telegram)
        data = telegram.encode("ascii")
        for writer in list(self._writers):
            if writer.is_closing():
                self._writers.remove(writer)
            else:
                writer.write(data)
        self._next_s = (self._next_s or t_s) + self.interval_s

    # -- the port ---------------------------------------------------------------------------------
    async def serve(self, host: str, port: int) -> tuple[asyncio.AbstractServer, int]:
        """Serve the P1 port on ``host:port`` (0: any); what a client sends is ignored (P1 is
        one-way: the data-request line is always raised here)."""

        async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)
            self._wake()
            try:
                while await reader.read(1024):
                    pass
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                if writer in self._writers:
                    self._writers.remove(writer)
                writer.close()

        server = await asyncio.start_server(session, host, port)
        return server, server.sockets[0].getsockname()[1]
