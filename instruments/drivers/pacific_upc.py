"""Pacific Power Source 3xx-AMX three-phase AC source with a UPC-32 programmable controller
(UPC-32 / UPC-12 Operation Manual, firmware V5.22 and later, fifth edition 2015, section 5
"Remote Operation"). Fills :class:`~instruments.capabilities.AcSource`.

The UPC dialect is SCPI-like with one peculiarity the manual's conventions state: a parameter
name and its value are separated by a comma (``:SOURce:VOLTage1,120``), phases are numbered
in the header (``VOLTage1..3``, ``PHASe2|3`` relative to phase 1) and every ``:SOURce:`` command
also has a query form. ``:SYSTem:ERRor?`` answers ``-0, "No error"``; ``*IDN?`` answers
``PPSC,UPC-32,vN.NN,1338XX``. Sending any ``:SOURce:`` command puts the UPC in MANUAL mode.

Not confirmed from the manual text available (confirm before the first hardware campaign):
the output relay command and query (taken as ``:OUTPut,ON|OFF`` / ``:OUTPut?`` answering
``ON|OFF``), the voltage span (taken as 0-300 V L-N, i.e. a 1:2 output transformer; a unit
without it stops at 150 V and the instrument's own error queue will refuse more), and the
frequency band (driven as 40-1000 Hz). The UPC has no slew-rate setting in its steady-state
parameters, so slew settings are refused; transients live in its stored programs (``:PROGram``
segments ``VSEG``/``TSEG``), which this driver does not program yet: ``bench.excursions``
steps it with set commands and records the achieved timing.
"""

from __future__ import annotations

from instruments.drivers.ac_common import check_phase
from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice, strict_range)

__all__ = ["PacificUpc32Amx"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 40.0, 1000.0
PHASE_COUNT = 3

VOLTAGE_ALL = Setting(":SOURce:VOLTage,{value}", None, "V",
                      strict_range(0.0, MAX_VOLTAGE_V, "V"), doc="all phases, V rms L-N")
VOLTAGE_PHASE = Setting(":SOURce:VOLTage{phase},{value}", ":SOURce:VOLTage{phase}?", "V",
                        strict_range(0.0, MAX_VOLTAGE_V, "V"), doc="one phase, V rms L-N")
FREQUENCY = Setting(":SOURce:FREQuency,{value}", ":SOURce:FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="frequency")
PHASE_ANGLE = Setting(":SOURce:PHASe{phase},{value}", ":SOURce:PHASe{phase}?", "deg",
                      strict_range(0.0, 360.0, "deg"), doc="angle of phase 2/3 to phase 1")
OUTPUT = Setting(":OUTPut,{value}", ":OUTPut?", "", strict_choice({True: "ON", False: "OFF"}),
                 parse=parse_on_off, doc="output relay (unconfirmed header)")


class PacificUpc32Amx(ScpiDriver):
    """Pacific Power 3xx-AMX with UPC-32 (an ``AcSource``, three phase)."""

    error_query = ":SYSTem:ERRor?"
    phase_count = PHASE_COUNT

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        if phase is None:
            self.apply(VOLTAGE_ALL, volts)
        else:
            command = VOLTAGE_PHASE.command(volts, phase=check_phase(phase, PHASE_COUNT))
            self.write(command)

    def voltage_setpoint_v(self, phase: int) -> float:
        return float(self.fetch(VOLTAGE_PHASE, phase=check_phase(phase, PHASE_COUNT)))

    def set_frequency_hz(self, hertz: float) -> None:
        self.apply(FREQUENCY, hertz)

    def frequency_setpoint_hz(self) -> float:
        return float(self.fetch(FREQUENCY))

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None:
        """Angle of phase 2 or 3 relative to phase 1 (the 0 deg reference, nothing sent)."""
        if check_phase(phase, PHASE_COUNT) == 1:
            if degrees != 0:
                raise SettingOutOfRange("phase 1 is the reference; its angle is fixed at 0 deg")
            return
        self.apply(PHASE_ANGLE, degrees, phase=phase)

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        raise SettingOutOfRange("UPC-32: no steady-state voltage slew setting")

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        raise SettingOutOfRange("UPC-32: no steady-state frequency slew setting")

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))
