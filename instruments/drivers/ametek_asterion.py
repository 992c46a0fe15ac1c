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
from instruments.drivers.ac_common import (INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE,
                                          AcSourceTable, TableAcSource, validate_steps)
from instruments.scpi import Setting, SettingOutOfRange, parse_on_off, strict_choice, strict_range

__all__ = ["AmetekAsterion3Phase"]

MAX_VOLTAGE_V = 400.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 16.0, 1000.0
PHASE_COUNT = 3
LIST_MAX_POINTS = 32

COUPLE, SELECT_PHASE = INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE
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


class AmetekAsterion3Phase(TableAcSource):
    """Asterion AC in three-phase mode (an ``AcSource`` with ``AcSourceTransients``); the
    200 V or 400 V L-N range should be selected with the output off. ``SOURce:PHASe`` sets the
    angle of the phase ``INSTrument:NSELect`` addressed (2 or 3, relative to phase 1)."""

    error_query = "SYSTem:ERRor?"
    table = AcSourceTable(voltage=VOLTAGE, frequency=FREQUENCY, output=OUTPUT,
                          voltage_range=VOLTAGE_RANGE, voltage_slew=VOLTAGE_SLEW,
                          frequency_slew=FREQUENCY_SLEW, phase_angle=PHASE_ANGLE,
                          phase_angle_selects_phase=True, couple=COUPLE,
                          select_phase=SELECT_PHASE)
    phase_count = PHASE_COUNT
    model_label = "Asterion"
    max_transient_steps = LIST_MAX_POINTS
    min_step_duration_s = 0.001

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
