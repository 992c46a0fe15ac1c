"""Keysight AC6800B series basic AC sources, model AC6804B (single phase, 4 kVA, 155 V / 310 V
ranges, 40-500 Hz). Fills :class:`~instruments.capabilities.AcSource`.

Follows the Keysight AC6800B Series Operating and Service Guide, chapter 3 "SCPI Programming
Reference" (VOLTage, FREQuency, OUTPut, SYSTem subsystems; any firmware: the table uses no
revision-specific header). ``*IDN?`` answers ``Keysight Technologies,AC6804B,<serial>,<fw>``.

The guide's command reference lists no LIST subsystem and no slew-rate command (its transient
system only applies one triggered level, ``VOLTage:TRIGgered``), so this model does **not** fill
``AcSourceTransients``: ``bench.excursions`` steps it with set commands and records the
achieved timing. Slew-rate settings are refused (nothing is sent). Single phase: any phase but 1
is refused, and phase 1's angle is the fixed reference.
Not confirmed: the exact top of the 310 V range (the data sheet names the range 310 V; the
validator stops there).
"""

from __future__ import annotations

from instruments.drivers.ac_common import check_phase
from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice, strict_range)

__all__ = ["KeysightAC6804B"]

MAX_VOLTAGE_V = 310.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 40.0, 500.0
PHASE_COUNT = 1

VOLTAGE = Setting("VOLTage {value}", "VOLTage?", "V", strict_range(0.0, MAX_VOLTAGE_V, "V"),
                  doc="AC output voltage, V rms")
VOLTAGE_RANGE = Setting("VOLTage:RANGe {value}", "VOLTage:RANGe?", "V",
                        strict_choice({155: "155", 310: "310"}), doc="output voltage range")
FREQUENCY = Setting("FREQuency {value}", "FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="output frequency")
OUTPUT = Setting("OUTPut {value}", "OUTPut?", "", strict_choice({True: "ON", False: "OFF"}),
                 parse=parse_on_off, doc="output relay")


class KeysightAC6804B(ScpiDriver):
    """Keysight AC6804B driver (an ``AcSource``, single phase)."""

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
        """Select the 155 V or 310 V range (the output should be off)."""
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
        raise SettingOutOfRange("AC6804B: the voltage slew rate is not programmable")

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        raise SettingOutOfRange("AC6804B: the frequency slew rate is not programmable")

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))
