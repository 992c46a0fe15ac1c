"""Chroma 61800 series regenerative grid simulator, model 61845 (3 phase, 0-300 V L-N,
15-1000 Hz). Fills the :class:`instruments.capabilities.AcSource` capability.

Follows the SCPI command set of the Chroma programmable AC source family (61500/61600/61700
User's Manuals, chapter "Remote Operation", SOURce / OUTPut / INSTrument / SYSTem sub-systems),
which the 61800 keeps. The 61800 programming manual itself was not available when this driver
was written; the phase-angle header ``SOURce:PHASe:P2|P3`` (phase 2/3 relative to phase 1) and
the slew headers ``OUTPut:SLEW:VOLTage:AC`` (V/ms) / ``OUTPut:SLEW:FREQuency`` (Hz/ms) are the
closest documented Chroma syntax and must be confirmed against the instrument's manual before
the first hardware campaign.

Per-phase settings select the phase with ``INSTrument:COUPle NONE`` + ``INSTrument:NSELect n``;
all-phase settings use ``INSTrument:COUPle ALL``. Phase numbers are 1-based in this API.
"""

from __future__ import annotations

from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice, strict_range)
from instruments.drivers.chroma_list import ChromaListTransients
from instruments.transport import Transport

__all__ = ["Chroma61845"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 15.0, 1000.0
PHASE_COUNT = 3

COUPLE = Setting("INSTrument:COUPle {value}", "INSTrument:COUPle?", "",
                 strict_choice({True: "ALL", False: "NONE"}),
                 doc="ALL: voltage settings apply to every phase; NONE: to the selected one")
SELECT_PHASE = Setting("INSTrument:NSELect {value}", "INSTrument:NSELect?", "",
                       strict_choice({1: "1", 2: "2", 3: "3"}), parse=int,
                       doc="phase addressed by per-phase settings when uncoupled")
VOLTAGE_AC = Setting("SOURce:VOLTage:AC {value}", "SOURce:VOLTage:AC?", "V",
                     strict_range(0.0, MAX_VOLTAGE_V, "V"), doc="phase-neutral RMS voltage")
VOLTAGE_LIMIT_AC = Setting("SOURce:VOLTage:LIMit:AC {value}", "SOURce:VOLTage:LIMit:AC?", "V",
                           strict_range(0.0, MAX_VOLTAGE_V, "V"),
                           doc="instrument-side ceiling on the AC voltage setting")
FREQUENCY = Setting("SOURce:FREQuency {value}", "SOURce:FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="output frequency")
PHASE_ANGLE = Setting("SOURce:PHASe:P{phase} {value}", "SOURce:PHASe:P{phase}?", "deg",
                      strict_range(0.0, 360.0, "deg"),
                      doc="angle of phase 2 or 3 relative to phase 1")
VOLTAGE_SLEW = Setting("OUTPut:SLEW:VOLTage:AC {value}", "OUTPut:SLEW:VOLTage:AC?", "V/ms",
                       strict_range(0.001, 1000.0, "V/ms"), doc="AC voltage slew rate")
FREQUENCY_SLEW = Setting("OUTPut:SLEW:FREQuency {value}", "OUTPut:SLEW:FREQuency?", "Hz/ms",
                         strict_range(0.001, 1000.0, "Hz/ms"), doc="frequency slew rate")
OUTPUT = Setting("OUTPut:STATe {value}", "OUTPut:STATe?", "",
                 strict_choice({True: "ON", False: "OFF"}), parse=parse_on_off,
                 doc="output relay")


def _check_phase(phase: int) -> int:
    if isinstance(phase, bool) or not isinstance(phase, int) or not 1 <= phase <= PHASE_COUNT:
        raise SettingOutOfRange(f"phase {phase!r} is not one of 1..{PHASE_COUNT}")
    return phase


class Chroma61845(ChromaListTransients, ScpiDriver):
    """Chroma 61845 grid simulator driver (an ``AcSource`` with LIST ``AcSourceTransients``,
    see ``chroma_list``)."""

    error_query = "SYSTem:ERRor?"
    phase_count = PHASE_COUNT
    list_voltage_max_v = MAX_VOLTAGE_V

    def __init__(self, transport: Transport, *, name: str) -> None:
        super().__init__(transport, name=name)

    def _select(self, phase: int) -> None:
        self.apply(COUPLE, False)
        self.apply(SELECT_PHASE, phase)

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        """Set the phase-neutral RMS voltage of one phase (1-based) or of all phases (None)."""
        command = VOLTAGE_AC.command(volts)  # validate before anything is sent
        if phase is None:
            self.apply(COUPLE, True)
        else:
            self._select(_check_phase(phase))
        self.write(command)

    def voltage_setpoint_v(self, phase: int) -> float:
        self._select(_check_phase(phase))
        return float(self.fetch(VOLTAGE_AC))

    def set_voltage_limit_v(self, volts: float) -> None:
        """Instrument-side voltage ceiling (a second line of defence behind the bench limits)."""
        command = VOLTAGE_LIMIT_AC.command(volts)
        self.apply(COUPLE, True)
        self.write(command)

    def set_frequency_hz(self, hertz: float) -> None:
        self.apply(FREQUENCY, hertz)

    def frequency_setpoint_hz(self) -> float:
        return float(self.fetch(FREQUENCY))

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None:
        """Angle of ``phase`` (2 or 3) relative to phase 1, 0-360 deg. Phase 1 is the reference:
        only 0 deg is accepted for it, and nothing is sent."""
        if _check_phase(phase) == 1:
            if degrees != 0:
                raise SettingOutOfRange("phase 1 is the reference; its angle is fixed at 0 deg")
            return
        self.apply(PHASE_ANGLE, degrees, phase=phase)

    def phase_angle_deg(self, phase: int) -> float:
        if _check_phase(phase) == 1:
            return 0.0
        return float(self.fetch(PHASE_ANGLE, phase=phase))

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        """Voltage slew rate; the instrument takes V/ms (1 V/s .. 1e6 V/s)."""
        self.apply(VOLTAGE_SLEW, _per_ms(volts_per_second))

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        """Frequency slew rate; the instrument takes Hz/ms (1 Hz/s .. 1e6 Hz/s)."""
        self.apply(FREQUENCY_SLEW, _per_ms(hertz_per_second))

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))


def _per_ms(rate_per_s: float) -> float:
    if isinstance(rate_per_s, bool) or not isinstance(rate_per_s, (int, float)):
        raise SettingOutOfRange(f"slew rate {rate_per_s!r} is not a number")
    return rate_per_s / 1000.0
