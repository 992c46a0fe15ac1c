"""Keysight (Agilent) 6811B / 6812B / 6813B AC power source/analyzers, model 6812B (single
phase, 750 VA, 300 V rms, 45-1000 Hz). Fills :class:`~instruments.capabilities.AcSource`.

Follows the "Agilent Models 6811B, 6812B and 6813B Programming Guide" language dictionary
(Source subsystem: ``VOLTage``, ``VOLTage:RANGe 150|300``, ``VOLTage:SLEW`` in V/s,
``FREQuency``, ``FREQuency:SLEW`` in Hz/s; ``OUTPut[:STATe]``; ``SYSTem:ERRor?``); the later
6811C-6813C guide keeps the same headers (it states 300 V rms as the sine maximum and that
``VOLTage:SLEW`` is in volts per second). No firmware-specific command is used.
The 6811B/6813B share the table; only their current ratings differ (not programmed here).

The instrument has LIST transients (``VOLTage:MODE LIST``, ``LIST:VOLTage``, ``LIST:DWELl``),
but this driver does not fill ``AcSourceTransients`` yet: the query that tells when a list has
finished was not confirmed, so ``bench.excursions`` uses stepped set commands for it.
Single phase: phases other than 1 are refused and phase 1's angle is the 0 deg reference.
"""

from __future__ import annotations

from instruments.drivers.ac_common import check_phase, check_rate
from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice, strict_range)

__all__ = ["Keysight6812B"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 45.0, 1000.0
PHASE_COUNT = 1

VOLTAGE = Setting("VOLTage {value}", "VOLTage?", "V", strict_range(0.0, MAX_VOLTAGE_V, "V"),
                  doc="AC output voltage, V rms")
VOLTAGE_RANGE = Setting("VOLTage:RANGe {value}", "VOLTage:RANGe?", "V",
                        strict_choice({150: "150", 300: "300"}), doc="output range")
VOLTAGE_SLEW = Setting("VOLTage:SLEW {value}", "VOLTage:SLEW?", "V/s",
                       strict_range(0.001, 1e7, "V/s"), doc="AC amplitude slew rate")
FREQUENCY = Setting("FREQuency {value}", "FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="output frequency")
FREQUENCY_SLEW = Setting("FREQuency:SLEW {value}", "FREQuency:SLEW?", "Hz/s",
                         strict_range(0.001, 1e7, "Hz/s"), doc="frequency slew rate")
OUTPUT = Setting("OUTPut {value}", "OUTPut?", "", strict_choice({True: "ON", False: "OFF"}),
                 parse=parse_on_off, doc="output relay")


class Keysight6812B(ScpiDriver):
    """Keysight 6812B driver (an ``AcSource``, single phase)."""

    error_query = "SYSTem:ERRor?"
    phase_count = PHASE_COUNT

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        command = VOLTAGE.command(volts)
        if phase is not None:
            check_phase(phase, PHASE_COUNT)
        self.write(command)

    def voltage_setpoint_v(self, phase: int) -> float:
        check_phase(phase, PHASE_COUNT)
        return float(self.fetch(VOLTAGE))

    def set_voltage_range_v(self, range_v: int) -> None:
        """Select the 150 V or 300 V range."""
        self.apply(VOLTAGE_RANGE, range_v)

    def set_frequency_hz(self, hertz: float) -> None:
        self.apply(FREQUENCY, hertz)

    def frequency_setpoint_hz(self) -> float:
        return float(self.fetch(FREQUENCY))

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None:
        check_phase(phase, PHASE_COUNT)
        if degrees != 0:
            raise SettingOutOfRange("single-phase source: phase 1 is the 0 deg reference")

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        self.apply(VOLTAGE_SLEW, check_rate(volts_per_second, "voltage slew"))

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        self.apply(FREQUENCY_SLEW, check_rate(hertz_per_second, "frequency slew"))

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))
