"""Charge points for the CSMS tests, built from the ``ocpp`` library's own ChargePoint classes."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call as v16_call
from ocpp.v16 import call_result as v16_result
from ocpp.v16.enums import Action as V16Action
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call as v201_call
from ocpp.v201 import call_result as v201_result
from ocpp.v201.enums import Action as V201Action
from websockets.asyncio.client import connect

CALL_TIMEOUT_S = 5.0


class Charger16(V16ChargePoint):
    """A 1.6J charge point that accepts SetChargingProfile and has no ClearChargingProfile handler."""

    @on(V16Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict[str, Any]
                                ) -> v16_result.SetChargingProfile:
        self.received_profile = cs_charging_profiles
        return v16_result.SetChargingProfile(status="Accepted")


class Charger201(V201ChargePoint):
    """A 2.0.1 charging station that accepts SetChargingProfile."""

    @on(V201Action.set_charging_profile)
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any], **kwargs: Any
                                ) -> v201_result.SetChargingProfile:
        self.received_profile = charging_profile
        return v201_result.SetChargingProfile(status="Accepted")


def basic_auth_header(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def running(cp_cls: type, url: str, charger_id: str, subprotocol: str, *,
                  headers: dict[str, str] | None = None,
                  ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[Any]:
    """Connect, start the charge point's receive loop, and tear both down afterwards."""
    ws = await asyncio.wait_for(connect(f"{url}/{charger_id}", subprotocols=[subprotocol],  # type: ignore[list-item]
                                        additional_headers=headers, ssl=ssl_context,
                                        open_timeout=CALL_TIMEOUT_S), CALL_TIMEOUT_S)
    cp = cp_cls(charger_id, ws, response_timeout=CALL_TIMEOUT_S)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await ws.close()


async def boot16(cp: V16ChargePoint) -> Any:
    return await cp.call(v16_call.BootNotification(charge_point_vendor="Acme", charge_point_model="W11"),
                         suppress=False)


async def boot201(cp: V201ChargePoint) -> Any:
    return await cp.call(v201_call.BootNotification(
        charging_station={"vendor_name": "Acme", "model": "W11-2"}, reason="PowerUp"), suppress=False)


def sampled_values_16(power_w: float, amps: tuple[float, float, float]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = [{"value": f"{power_w:.1f}", "measurand": "Power.Active.Import", "unit": "W"}]
    for phase, amp in zip(("L1", "L2", "L3"), amps):
        values.append({"value": f"{amp:.2f}", "measurand": "Current.Import", "phase": phase, "unit": "A"})
    values.append({"value": "16", "measurand": "Current.Offered", "unit": "A"})
    values.append({"value": "230.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"})
    return values
