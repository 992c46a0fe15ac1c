"""Chroma 61500 / 61600 series programmable AC sources: 61605 (1 phase, 4 kVA) and 61512
(3 phase, 18 kVA). Fill :class:`~instruments.capabilities.AcSource` and
:class:`~instruments.capabilities.AcSourceTransients` (LIST mode, see ``chroma_list``).

Follows the Programmable AC Source 61501-61504 / 61505 / 61601-61605 User's Manuals (61500
manual version 1.6, 2010; 61605 manual chapter 7 "Remote Operation"), whose ``*IDN?`` answers
``Chroma ATE,<model>,<serial>,<display fw>,<waveform fw>,<remote fw>``; the driver does not
depend on a firmware revision.

Table: ``SOURce:VOLTage:AC`` (0-150 V low range, 0-300 V high range), ``SOURce:VOLTage:RANGe
LOW|HIGH``, ``SOURce:FREQuency`` (15-1000 Hz, the list range the manual states; the 61512's
1200 Hz top is not used), ``OUTPut:STATe``, ``SYSTem:ERRor?``; the three-phase 61512 selects a
phase with ``INSTrument:COUPle ALL|NONE`` + ``INSTrument:NSELect``.

Not confirmed from the manual text available (the same headers as the 61845 driver; confirm
before the first hardware campaign): the slew headers ``OUTPut:SLEW:VOLTage:AC`` (V/ms) and
``OUTPut:SLEW:FREQuency`` (Hz/ms), and the 61512's phase-angle header ``SOURce:PHASe:P2|P3``.
The single-phase 61605 refuses every per-phase command except phase 1 (and angle 0 deg).
"""

from __future__ import annotations

from typing import ClassVar

from instruments.drivers.ac_common import check_phase, check_rate
from instruments.drivers.chroma_list import ChromaListTransients
from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice, strict_range)

__all__ = ["Chroma61605", "Chroma61512"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 15.0, 1000.0

VOLTAGE_AC = Setting("SOURce:VOLTage:AC {value}", "SOURce:VOLTage:AC?", "V",
                     strict_range(0.0, MAX_VOLTAGE_V, "V"), doc="phase-neutral RMS voltage")
VOLTAGE_RANGE = Setting("SOURce:VOLTage:RANGe {value}", "SOURce:VOLTage:RANGe?", "V",
                        strict_choice({150: "LOW", 300: "HIGH"}), parse=str,
                        doc="output range: 150 V (LOW) or 300 V (HIGH)")
FREQUENCY = Setting("SOURce:FREQuency {value}", "SOURce:FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="output frequency")
VOLTAGE_SLEW = Setting("OUTPut:SLEW:VOLTage:AC {value}", "OUTPut:SLEW:VOLTage:AC?", "V/ms",
                       strict_range(0.001, 1000.0, "V/ms"), doc="AC voltage slew rate")
FREQUENCY_SLEW = Setting("OUTPut:SLEW:FREQuency {value}", "OUTPut:SLEW:FREQuency?", "Hz/ms",
                         strict_range(0.001, 1000.0, "Hz/ms"), doc="frequency slew rate")
OUTPUT = Setting("OUTPut:STATe {value}", "OUTPut:STATe?", "",
                 strict_choice({True: "ON", False: "OFF"}), parse=parse_on_off, doc="output")
COUPLE = Setting("INSTrument:COUPle {value}", "INSTrument:COUPle?", "",
                 strict_choice({True: "ALL", False: "NONE"}), parse=str,
                 doc="three-phase models: ALL = settings apply to every phase")
SELECT_PHASE = Setting("INSTrument:NSELect {value}", "INSTrument:NSELect?", "",
                       strict_choice({1: "1", 2: "2", 3: "3"}), parse=int,
                       doc="three-phase models: phase addressed when uncoupled")
PHASE_ANGLE = Setting("SOURce:PHASe:P{phase} {value}", "SOURce:PHASe:P{phase}?", "deg",
                      strict_range(0.0, 360.0, "deg"), doc="angle of phase 2/3 to phase 1")


class _Chroma61500Family(ChromaListTransients, ScpiDriver):
    """Common table of the 61500/61600 families; subclasses fix ``phase_count``."""

    error_query = "SYSTem:ERRor?"
    phase_count: ClassVar[int] = 1
    list_voltage_max_v = MAX_VOLTAGE_V

    def _address(self, phase: int | None) -> None:
        if self.phase_count == 1:
            return
        if phase is None:
            self.apply(COUPLE, True)
        else:
            self.apply(COUPLE, False)
            self.apply(SELECT_PHASE, phase)

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        command = VOLTAGE_AC.command(volts)
        if phase is not None:
            check_phase(phase, self.phase_count)
        self._address(phase)
        self.write(command)

    def voltage_setpoint_v(self, phase: int) -> float:
        self._address(check_phase(phase, self.phase_count))
        return float(self.fetch(VOLTAGE_AC))

    def set_voltage_range_v(self, range_v: int) -> None:
        """Select the 150 V or 300 V output range (the output should be off)."""
        self.apply(VOLTAGE_RANGE, range_v)

    def set_frequency_hz(self, hertz: float) -> None:
        self.apply(FREQUENCY, hertz)

    def frequency_setpoint_hz(self) -> float:
        return float(self.fetch(FREQUENCY))

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None:
        """Phase 1 is the reference (0 deg, nothing sent); phases 2/3 only on 3-phase models."""
        if check_phase(phase, self.phase_count) == 1:
            if degrees != 0:
                raise SettingOutOfRange("phase 1 is the reference; its angle is fixed at 0 deg")
            return
        self.apply(PHASE_ANGLE, degrees, phase=phase)

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        self.apply(VOLTAGE_SLEW, check_rate(volts_per_second, "voltage slew") / 1000.0)

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        self.apply(FREQUENCY_SLEW, check_rate(hertz_per_second, "frequency slew") / 1000.0)

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))


class Chroma61605(_Chroma61500Family):
    """Chroma 61605: single phase, 4 kVA, 0-300 V, 15-1000 Hz."""

    phase_count = 1


class Chroma61512(_Chroma61500Family):
    """Chroma 61512: three phase (18 kVA), 0-300 V L-N, driven as 15-1000 Hz."""

    phase_count = 3
