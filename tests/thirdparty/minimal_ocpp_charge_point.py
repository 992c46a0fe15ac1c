"""A minimal OCPP charge point built only from the ``ocpp`` library's classes and ``websockets``: it
implements BootNotification, Heartbeat and StatusNotification and nothing else (the library answers
every other CSMS call with CALLERROR NotImplemented). No flexbench code: run as its own process,

    python minimal_ocpp_charge_point.py 1.6|2.0.1 ws://host:port CHARGER-ID

it dials until the CSMS answers, boots, reports its connector Available, sends Heartbeats at the
interval the CSMS gives, and dials again whenever the connection ends, until it is terminated.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from typing import Any

from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from websockets.asyncio.client import connect

RETRY_S = 0.5


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _life_16(cp: ChargePoint16) -> None:
    boot = await cp.call(call16.BootNotification(charge_point_vendor="MinimalCP", charge_point_model="Boot-HB-SN",
                                                 charge_point_serial_number="MIN16-1", firmware_version="0.1"),
                         suppress=False)
    for connector_id in (0, 1):
        await cp.call(call16.StatusNotification(connector_id=connector_id, error_code="NoError",
                                                status="Available", timestamp=_now()), suppress=False)
    while True:
        await asyncio.sleep(max(1, int(boot.interval)))
        await cp.call(call16.Heartbeat(), suppress=False)


async def _life_201(cp: ChargePoint201) -> None:
    boot = await cp.call(call201.BootNotification(
        charging_station={"vendor_name": "MinimalCS", "model": "Boot-HB-SN", "serial_number": "MIN201-1",
                          "firmware_version": "0.1"}, reason="PowerUp"), suppress=False)
    await cp.call(call201.StatusNotification(timestamp=_now(), connector_status="Available", evse_id=1,
                                             connector_id=1), suppress=False)
    while True:
        await asyncio.sleep(max(1, int(boot.interval)))
        await cp.call(call201.Heartbeat(), suppress=False)


#: Per OCPP version (the command-line argument): the library's ChargePoint class, its life, its subprotocol.
FLAVOURS: dict[str, tuple[Any, Any, Any]] = {"1.6": (ChargePoint16, _life_16, "ocpp1.6"),
                                             "2.0.1": (ChargePoint201, _life_201, "ocpp2.0.1")}


async def main(version: str, url: str, charger_id: str) -> None:
    cls, life, subprotocol = FLAVOURS[version]
    while True:
        try:
            async with connect(f"{url}/{charger_id}", subprotocols=[subprotocol], open_timeout=5) as ws:
                cp = cls(charger_id, ws)
                tasks = [asyncio.ensure_future(cp.start()), asyncio.ensure_future(life(cp))]
                done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
        except Exception as error:  # noqa: BLE001 - any failure: dial again, like a real charger
            print(f"{charger_id}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        await asyncio.sleep(RETRY_S)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in FLAVOURS:
        sys.exit("usage: minimal_ocpp_charge_point.py 1.6|2.0.1 ws://host:port CHARGER-ID")
    asyncio.run(main(*sys.argv[1:]))
