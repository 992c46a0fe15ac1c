"""An S2 resource manager that offers FRBC only, built from s2-python 0.11.1's classes alone (no
flexbench imports, no simulated lab).

Run as a separate process: ``python tests/thirdparty/s2_frbc_rm.py ws://HOST:PORT/rm-id [seconds]``.
It dials the CEM (retrying while the bench is not listening yet), answers the handshake and sends
ResourceManagerDetails whose ``available_control_types`` list FILL_RATE_BASED_CONTROL only; it
accepts an FRBC.Instruction if one comes. It prints one JSON line per event on stdout and stops
after ``seconds`` (default 120) or when the CEM goes away.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import Any

from s2python.common import Commodity, CommodityQuantity, Duration, Role, RoleType
from s2python.connection.asset_details import AssetDetails
from s2python.connection.async_ import S2AsyncConnection
from s2python.connection.async_.control_type.class_based import FRBCControlType, ResourceManagerHandler
from s2python.connection.async_.medium.websocket import WebsocketClientMedium

RETRY_S = 0.2


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}, default=str), flush=True)


class FrbcOnly(FRBCControlType):
    """Fill-rate based control, the only control type this RM offers."""

    async def activate(self, connection: S2AsyncConnection) -> None:
        emit("frbc_activated")

    async def deactivate(self, connection: S2AsyncConnection) -> None:
        emit("frbc_deactivated")

    async def handle_instruction(self, connection: S2AsyncConnection, msg: Any, send_okay: Any) -> None:
        await send_okay()
        emit("frbc_instruction")


async def connect(url: str, deadline: float) -> WebsocketClientMedium:
    """Dial until the CEM answers or the deadline passes (the bench starts listening after us)."""
    while True:
        medium = WebsocketClientMedium(url=url, verify_certificate=False)
        try:
            await medium.connect()
            return medium
        except Exception as error:   # noqa: BLE001 - any dial failure: try again until the deadline
            if time.monotonic() > deadline:
                raise
            emit("retry", reason=f"{type(error).__name__}: {error}")
            await asyncio.sleep(RETRY_S)


async def main(url: str, run_s: float) -> int:
    deadline = time.monotonic() + run_s
    details = AssetDetails(resource_id=uuid.uuid4(), provides_forecast=False,
                           provides_power_measurements=[CommodityQuantity.ELECTRIC_POWER_L1],
                           instruction_processing_delay=Duration.from_milliseconds(1000),
                           roles=[Role(role=RoleType.ENERGY_CONSUMER, commodity=Commodity.ELECTRICITY)],
                           name="third-party FRBC heat pump", manufacturer="s2-python",
                           model="FRBC-only RM", firmware_version="0.11.1", serial_number="FRBC-1")
    medium = await connect(url, deadline)
    connection = S2AsyncConnection(medium, asyncio.get_running_loop())
    ResourceManagerHandler(control_types=[FrbcOnly()], asset_details=details).register_handlers(connection)
    emit("connected", resource_id=str(details.resource_id))
    try:
        await asyncio.wait_for(connection.run(), max(deadline - time.monotonic(), 0.1))
    except (asyncio.TimeoutError, TimeoutError):
        pass
    finally:
        await medium.disconnect()
    emit("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 120.0)))
