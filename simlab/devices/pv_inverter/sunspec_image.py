"""The SunSpec face of a simulated PV inverter, independent of any Modbus library.

:class:`SunSpecDeviceImage` answers register reads and writes on its register image:
a read of model 701 refreshes it from ``inverter.readings()`` first; a write is checked
(02 for read-only / unknown / unimplemented addresses, 03 for out-of-range values, the image
left unchanged), decoded with pysunspec2 and applied to ``inverter.settings`` (then
``inverter.settings_changed()``).
"""

from __future__ import annotations

import logging
from typing import Protocol

from simlab.devices.pv_inverter.api import PvInverterNameplate, PvInverterReadings, PvInverterSettings
from simlab.devices.pv_inverter.knobs import PvInverterKnobs
from simlab.devices.pv_inverter import sunspec_codec as codec
from links.sunspec_modbus.register_image import ILLEGAL_ADDRESS, SunSpecRegisterMap

log = logging.getLogger(__name__)


class SunSpecInverter(Protocol):
    """What the SunSpec server needs from a simulated inverter (``PvInverterSim`` fits)."""

    nameplate: PvInverterNameplate
    settings: PvInverterSettings
    knobs: PvInverterKnobs

    def readings(self) -> PvInverterReadings: ...

    def settings_changed(self) -> None: ...


class SunSpecDeviceImage:
    """Register image + behaviour of one simulated SunSpec inverter."""

    def __init__(self, inverter: SunSpecInverter, *, unit_id: int = 1, base_address: int = 40000,
                 omit_models: tuple[int, ...] = ()) -> None:
        self.inverter = inverter
        self.regmap = SunSpecRegisterMap(base_address, omit_models=omit_models)
        codec.encode_nameplate(self.regmap, inverter.nameplate, unit_id)
        codec.encode_settings(self.regmap, inverter.settings)
        if 701 in self.regmap.blocks:
            codec.encode_readings(self.regmap, inverter.readings())
        self.regmap.freeze_implemented()
        self.last_rejection: str | None = None
        self._encoded_readings: PvInverterReadings | None = None   # what model 701 holds now

    @property
    def base_address(self) -> int:
        return self.regmap.base_address

    @property
    def registers(self) -> list[int]:
        return self.regmap.registers

    def on_read(self, address: int, count: int) -> int | None:
        """Prepare the image for a read; a Modbus exception code, or None to answer."""
        if not self.regmap.contains(address, count):
            return ILLEGAL_ADDRESS
        if self.regmap.overlaps(701, address, count):
            readings = self.inverter.readings()
            if readings != self._encoded_readings:     # unchanged (e.g. the 2nd request of one read): as is
                codec.encode_readings(self.regmap, readings)
                self._encoded_readings = readings
        return None

    def on_write(self, address: int, values: list[int]) -> int | None:
        """Apply a register write; a Modbus exception code (image unchanged), or None."""
        code = self.regmap.check_writable(address, values)
        if code is not None:
            self._reject(code, f"write of {len(values)} register(s) at {address}: not writable")
            return code
        saved = list(self.regmap.registers)
        touched = self.regmap.slots_in(address, len(values))
        model_ids = list(dict.fromkeys(s.model_id for s in touched))
        self.regmap.write(address, values)
        changed = False
        try:
            for model_id in model_ids:
                self.regmap.load(model_id)
            codec.check_values(self.regmap, touched)
            for model_id in model_ids:
                changed |= codec.apply_write(self.regmap, model_id,
                                             [s for s in touched if s.model_id == model_id],
                                             self.inverter.settings, self.inverter.knobs)
        except codec.WriteRejected as exc:
            self.regmap.registers[:] = saved
            for model_id in model_ids:
                self.regmap.load(model_id)
            self._reject(exc.code, str(exc))
            return exc.code
        for model_id in model_ids:
            self.regmap.store(model_id)
        if changed:
            self.inverter.settings_changed()
        return None

    def _reject(self, code: int, reason: str) -> None:
        self.last_rejection = reason
        log.info("SunSpec write refused with exception %02d: %s", code, reason)
