"""Test helpers: a lab event loop on a background thread serving SunSpec, and a stub inverter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from background_loop import BackgroundLoop
from simlab.devices.pv_inverter.api import (
    OperatingState, PvInverterNameplate, PvInverterReadings, PvInverterSettings,
)
from links.sunspec_modbus.types import TripKind, TripStageSetting
from simlab.devices.pv_inverter.knobs import PvInverterKnobs
from links.sunspec_modbus.server import SunSpecServerHandle, start_sunspec_server
from simlab.devices.pv_inverter.sunspec_image import SunSpecDeviceImage


@dataclass
class StubInverter:
    """The members the SunSpec server uses, with fixed readings and compliant knobs."""

    nameplate: PvInverterNameplate = field(default_factory=PvInverterNameplate)
    settings: PvInverterSettings = field(default_factory=lambda: PvInverterSettings(trip_stages=[
        TripStageSetting(TripKind.OVER_VOLTAGE, 115.0, 0.2), TripStageSetting(TripKind.OVER_VOLTAGE, 120.0, 0.1),
        TripStageSetting(TripKind.UNDER_VOLTAGE, 70.0, 2.0), TripStageSetting(TripKind.OVER_FREQUENCY, 51.5, 0.1),
        TripStageSetting(TripKind.UNDER_FREQUENCY, 47.5, 0.1)]))
    current: PvInverterReadings = field(default_factory=lambda: PvInverterReadings(
        voltage_v=(230.4, 231.1, 229.7), current_a=(14.21, 14.18, 14.25), active_power_w=9812.0,
        reactive_power_var=-35.0, apparent_power_va=9830.0, frequency_hz=50.012,
        state=OperatingState.CONNECTED, last_trip=None))
    knobs: PvInverterKnobs = field(default_factory=PvInverterKnobs)
    changes: int = 0

    def readings(self) -> PvInverterReadings:
        return self.current

    def settings_changed(self) -> None:
        self.changes += 1


class LabLoop(BackgroundLoop):
    """The lab's single asyncio loop, run on a background thread for the (synchronous) link."""

    def serve(self, inverter: Any, *, unit_id: int = 1, **options: Any) -> tuple[SunSpecServerHandle, int]:
        """Serve ``inverter``'s SunSpec image (``options``: base_address, omit_models)."""
        image = SunSpecDeviceImage(inverter, unit_id=unit_id, **options)
        handle, port = self.run(start_sunspec_server(image, host="127.0.0.1", port=0, unit_id=unit_id))
        self.keep(handle)
        return handle, port


