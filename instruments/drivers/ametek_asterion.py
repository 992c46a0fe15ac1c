"""AMETEK / California Instruments Asterion AC (AST) in three-phase mode (0-200 V / 0-400 V
L-N ranges, 16-1000 Hz standard). Fills :class:`~instruments.capabilities.AcSource` and
:class:`~instruments.capabilities.AcSourceTransients` (LIST transients).

Follows the Asterion Series SCPI Programming Manual M330100-01 (Rev A, July 2016) and the
California Instruments SCPI dialect it shares with the MX / iX / Sequoia families:
``INSTrument:COUPle ALL|NONE`` + ``INSTrument:NSELect n`` address phases;
``SOURce:VOLTage``, ``SOURce:VOLTage:RANGe``, ``SOURce:FREQuency``, ``SOURce:PHASe``,
``SOURce:VOLTage:SLEW`` (V/s), ``SOURce:FREQuency:SLEW`` (Hz/s), ``OUTPut:STATe``,
``SYSTem:ERRor?``. LIST transients: ``VOLTage:MODE LIST|FIXed``, ``LIST:VOLTage``,
``LIST:DWELl`` (seconds), ``LIST:COUNt``, ``LIST:STEP AUTO`` (dwell-paced), ``TRIGger:SOURce
IMMediate`` and ``INITiate`` (runs the list), ``ABORt``.

Not confirmed from the manual text available (confirm on the first hardware campaign): the
``TRIGger:STATe?`` reply words (taken as ``IDLE`` / ``ARMED`` / ``BUSY``), the list length
(taken as 32 points, the stricter of the family's 32 and 100), the dwell bounds (1 ms-1000 s),
and the 400 V range top (the validator stops at 400 V L-N; the 16-1000 Hz band excludes the
5 kHz option). Programs apply to all phases; per-phase lists are refused.
"""

from __future__ import annotations

from bench.errors import InstrumentError
from instruments.capabilities import VoltageStep
from instruments.drivers.ac_common import check_phase, check_rate, validate_steps
from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice, strict_range)

__all__ = ["AmetekAsterion3Phase"]

MAX_VOLTAGE_V = 400.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 16.0, 1000.0
PHASE_COUNT = 3
LIST_MAX_POINTS = 32

COUPLE = Setting("INSTrument:COUPle {value}", "INSTrument:COUPle?", "",
                 strict_choice({True: "ALL", False: "NONE"}), parse=str,
                 doc="ALL: settings apply to every phase")
SELECT_PHASE = Setting("INSTrument:NSELect {value}", "INSTrument:NSELect?", "",
                       strict_choice({1: "1", 2: "2", 3: "3"}), parse=int,
                       doc="phase addressed when uncoupled")
VOLTAGE = Setting("SOURce:VOLTage {value}", "SOURce:VOLTage?", "V",
                  strict_range(0.0, MAX_VOLTAGE_V, "V"), doc="phase-neutral RMS voltage")
VOLTAGE_RANGE = Setting("SOURce:VOLTage:RANGe {value}", "SOURce:VOLTage:RANGe?", "V",
                        strict_choice({200: "200", 400: "400"}), doc="output range")
FREQUENCY = Setting("SOURce:FREQuency {value}", "SOURce:FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="frequency")
PHASE_ANGLE = Setting("SOURce:PHASe {value}", "SOURce:PHASe?", "deg",
                      strict_range(0.0, 360.0, "deg"), doc="angle of the selected phase")
VOLTAGE_SLEW = Setting("SOURce:VOLTage:SLEW {value}", "SOURce:VOLTage:SLEW?", "V/s",
                       strict_range(0.001, 1e7, "V/s"), doc="voltage slew rate")
FREQUENCY_SLEW = Setting("SOURce:FREQuency:SLEW {value}", "SOURce:FREQuency:SLEW?", "Hz/s",
                         strict_range(0.001, 1e7, "Hz/s"), doc="frequency slew rate")
OUTPUT = Setting("OUTPut:STATe {value}", "OUTPut:STATe?", "",
                 strict_choice({True: "ON", False: "OFF"}), parse=parse_on_off, doc="output")

_TRIGGER_STATES = {"IDLE": True, "ARMED": False, "BUSY": False}


class AmetekAsterion3Phase(ScpiDriver):
    """Asterion AC in three-phase mode (an ``AcSource`` with ``AcSourceTransients``)."""

    error_query = "SYSTem:ERRor?"
    phase_count = PHASE_COUNT
    max_transient_steps = LIST_MAX_POINTS
    min_step_duration_s = 0.001

    def _address(self, phase: int | None) -> None:
        if phase is None:
            self.apply(COUPLE, True)
        else:
            self.apply(COUPLE, False)
            self.apply(SELECT_PHASE, phase)

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        command = VOLTAGE.command(volts)
        self._address(None if phase is None else check_phase(phase, PHASE_COUNT))
        self.write(command)

    def voltage_setpoint_v(self, phase: int) -> float:
        self._address(check_phase(phase, PHASE_COUNT))
        return float(self.fetch(VOLTAGE))

    def set_voltage_range_v(self, range_v: int) -> None:
        """Select the 200 V or 400 V L-N range (the output should be off)."""
        self.apply(VOLTAGE_RANGE, range_v)

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
        command = PHASE_ANGLE.command(degrees)
        self._address(phase)
        self.write(command)

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        self.apply(VOLTAGE_SLEW, check_rate(volts_per_second, "voltage slew"))

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        self.apply(FREQUENCY_SLEW, check_rate(hertz_per_second, "frequency slew"))

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))

    # -- AcSourceTransients ----------------------------------------------------------------
    def program_voltage_steps(self, steps: list[VoltageStep], phase: int | None = None) -> None:
        """Load a dwell-paced voltage LIST on all phases; ``run_transient`` starts it."""
        if phase is not None:
            raise SettingOutOfRange(
                f"phase {phase!r}: this driver programs LIST transients on all phases only")
        dwells, volts = validate_steps(
            steps, max_steps=LIST_MAX_POINTS, dwell=strict_range(0.001, 1000.0, "s"),
            volts=strict_range(0.0, MAX_VOLTAGE_V, "V"))
        self.apply(COUPLE, True)
        for command in (f"LIST:VOLTage {','.join(volts)}", f"LIST:DWELl {','.join(dwells)}",
                        "LIST:COUNt 1", "LIST:STEP AUTO", "VOLTage:MODE LIST",
                        "TRIGger:SOURce IMMediate"):
            self.write(command)

    def run_transient(self) -> None:
        self.write("INITiate")

    def transient_done(self) -> bool:
        reply = self.query("TRIGger:STATe?").strip().upper()
        if reply not in _TRIGGER_STATES:
            raise InstrumentError(f"{self.name}: unexpected TRIGger:STATe? reply {reply!r}")
        return _TRIGGER_STATES[reply]

    def abort_transient(self) -> None:
        self.write("ABORt")
        self.write("VOLTage:MODE FIXed")
