"""Charge points for the CSMS tests, built from the ``ocpp`` library's own ChargePoint classes."""

from __future__ import annotations

import asyncio
import base64
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
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

from bench.recorder import Recorder

CALL_TIMEOUT_S = 5.0
START = "2026-06-21T12:00:00+02:00"


def dut_session(tmp_path: Path, functions: dict[str, bool]) -> SimpleNamespace:
    """What an opener needs of a bench session: a recorder in ``tmp_path``, virtual clock mode, a
    profile declaring ``functions``."""
    return SimpleNamespace(recorder=Recorder(tmp_path / "record.jsonl", lambda: 0.0), out_dir=tmp_path, clock=None,
                           simulated=True, clock_mode="virtual", config=SimpleNamespace(start_calendar=START),
                           profile=SimpleNamespace(identity={}, doc=None, functions=functions))


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


class FullCharger16(Charger16):
    """A 1.6J charge point answering the CSMS operations the bench's commands use."""

    schedule_limit_a = 10.0

    @on(V16Action.get_composite_schedule)
    def on_get_composite_schedule(self, connector_id: int, duration: int, **kwargs: Any
                                  ) -> v16_result.GetCompositeSchedule:
        return v16_result.GetCompositeSchedule(
            status="Accepted", connector_id=connector_id, schedule_start="2026-06-21T10:00:00Z",
            charging_schedule={"duration": duration, "charging_rate_unit": kwargs.get("charging_rate_unit", "A"),
                               "charging_schedule_period": [{"start_period": 0, "limit": self.schedule_limit_a},
                                                            {"start_period": 600, "limit": 6.0, "number_phases": 1}]})

    @on(V16Action.clear_charging_profile)
    def on_clear_charging_profile(self, **kwargs: Any) -> v16_result.ClearChargingProfile:
        self.cleared = kwargs
        return v16_result.ClearChargingProfile(status="Accepted")

    @on(V16Action.reset)
    def on_reset(self, type: str) -> v16_result.Reset:
        self.reset_type = type
        return v16_result.Reset(status="Accepted")

    @on(V16Action.change_configuration)
    def on_change_configuration(self, key: str, value: str) -> v16_result.ChangeConfiguration:
        self.configuration = {**getattr(self, "configuration", {}), key: value}
        status = "Accepted" if key == "MeterValueSampleInterval" else "NotSupported"
        return v16_result.ChangeConfiguration(status=status)

    @on(V16Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None) -> v16_result.GetConfiguration:
        known = {"MeterValueSampleInterval": "10", **getattr(self, "configuration", {})}
        asked = key or list(known)
        return v16_result.GetConfiguration(
            configuration_key=[{"key": k, "value": known[k], "readonly": False} for k in asked if k in known],
            unknown_key=[k for k in asked if k not in known] or None)

    @on(V16Action.trigger_message)
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> v16_result.TriggerMessage:
        self.triggered = (requested_message, kwargs.get("connector_id"))
        return v16_result.TriggerMessage(status="Accepted")


class FullCharger201(Charger201):
    """A 2.0.1 charging station answering the CSMS operations the bench's commands use."""

    @on(V201Action.get_composite_schedule)
    def on_get_composite_schedule(self, duration: int, evse_id: int, **kwargs: Any
                                  ) -> v201_result.GetCompositeSchedule:
        return v201_result.GetCompositeSchedule(status="Accepted", schedule={
            "evse_id": evse_id, "duration": duration, "schedule_start": "2026-06-21T10:00:00Z",
            "charging_rate_unit": kwargs.get("charging_rate_unit") or "W",
            "charging_schedule_period": [{"start_period": 0, "limit": 4200.0}]})

    @on(V201Action.clear_charging_profile)
    def on_clear_charging_profile(self, **kwargs: Any) -> v201_result.ClearChargingProfile:
        self.cleared = kwargs
        return v201_result.ClearChargingProfile(status="Unknown")

    @on(V201Action.reset)
    def on_reset(self, type: str, **kwargs: Any) -> v201_result.Reset:
        self.reset_type = type
        return v201_result.Reset(status="Scheduled")

    @on(V201Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> v201_result.SetVariables:
        self.variables = set_variable_data
        return v201_result.SetVariables(set_variable_result=[
            {"attribute_status": "Accepted" if d["variable"]["name"] == "TxUpdatedInterval" else "UnknownVariable",
             "component": d["component"], "variable": d["variable"]} for d in set_variable_data])

    @on(V201Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> v201_result.GetVariables:
        return v201_result.GetVariables(get_variable_result=[
            {"attribute_status": "Accepted", "attribute_value": "15", "component": d["component"],
             "variable": d["variable"]} for d in get_variable_data])

    @on(V201Action.trigger_message)
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> v201_result.TriggerMessage:
        self.triggered = (requested_message, kwargs.get("evse"))
        return v201_result.TriggerMessage(status="Accepted")


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
    for phase, amp in zip(("L1", "L2", "L3"), amps, strict=True):
        values.append({"value": f"{amp:.2f}", "measurand": "Current.Import", "phase": phase, "unit": "A"})
    values.append({"value": "16", "measurand": "Current.Offered", "unit": "A"})
    values.append({"value": "230.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"})
    return values


class ChargerThread:
    """A charge point on its own thread and loop: for code under test that blocks (an opener's open())."""

    def __init__(self, cp_cls: type, url: str, charger_id: str, subprotocol: str,
                 boot: Callable[[Any], Awaitable[Any]], *, headers: dict[str, str] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._args = (cp_cls, url, charger_id, subprotocol)
        self._boot, self._headers, self._ssl = boot, headers, ssl_context
        self.cp: Any = None
        self.error: BaseException | None = None
        self.booted = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # noqa: BLE001 - reported to the test through .error
            self.error = error
            self.booted.set()

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with running(*self._args, headers=self._headers, ssl_context=self._ssl) as cp:
            self.cp = cp
            await self._boot(cp)
            self.booted.set()
            await self._stop.wait()

    def __enter__(self) -> ChargerThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.booted.wait(CALL_TIMEOUT_S)
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:        # the loop ended meanwhile (the charger was turned away)
                pass
        self._thread.join(CALL_TIMEOUT_S)
