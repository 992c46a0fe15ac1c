"""AMETEK / California Instruments Asterion AC (AST) in three-phase mode (0-200 V / 0-400 V
L-N ranges, 16-1000 Hz standard). Fills :class:`~instruments.capabilities.AcSource` and
:class:`~instruments.capabilities.AcSourceTransients` (LIST transients).

Follows the Asterion Series SCPI Programming Manual M330100-01 (Rev A, July 2016) and the
California Instruments SCPI dialect it shares with the MX / iX / Sequoia families, as the public
SunSpec SVP AMETEK driver ``Lib/svpelab/gridsim_ametek.py`` uses it (each row's source is in
:data:`COMMANDS`): ``INSTrument:COUPle ALL|NONE`` + ``INSTrument:NSELect n`` address phases;
``SOURce:VOLTage:AC`` (the SVP form ``volt:ac``; ``SOURce:VOLTage`` alone is not what the public
driver sends), ``SOURce:VOLTage:RANGe``, ``SOURce:FREQuency``, ``SOURce:PHASe``,
``SOURce:VOLTage:SLEW`` (V/s), ``SOURce:FREQuency:SLEW`` (Hz/s), ``OUTPut:STATe``,
``SYSTem:ERRor?``. LIST transients: ``VOLTage:MODE LIST|FIXed``, ``LIST:VOLTage``,
``LIST:DWELl`` (seconds), ``LIST:COUNt``, ``LIST:STEP AUTO`` (dwell-paced), the trigger sources
``TRIGger:TRANsient:SOURce IMMediate`` and ``TRIGger:SYNChronous:SOURce IMMediate`` (SVP
``profile_load()``; there is no plain ``TRIGger:SOURce`` in the public driver), ``INITiate`` (runs
the list), ``ABORt``.

Not confirmed from the manual text available (confirm on the first hardware campaign): the
``TRIGger:STATe?`` reply words (taken as ``IDLE`` / ``ARMED`` / ``BUSY``), the list length
(taken as 32 points, the stricter of the family's 32 and 100), the dwell bounds (1 ms-1000 s),
and the 400 V range top (the validator stops at 400 V L-N; the 16-1000 Hz band excludes the
5 kHz option). Programs apply to all phases; per-phase lists are refused.
"""

from __future__ import annotations

from bench.errors import InstrumentError
from instruments.capabilities import VoltageStep
from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp, unconfirmed
from instruments.drivers.ac_common import (INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE,
                                          AcSourceTable, TableAcSource, validate_steps)
from instruments.scpi import Setting, SettingOutOfRange, parse_on_off, strict_choice, strict_range

__all__ = ["AmetekAsterion3Phase", "COMMANDS"]

MAX_VOLTAGE_V = 400.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 16.0, 1000.0
PHASE_COUNT = 3
LIST_MAX_POINTS = 32

COUPLE, SELECT_PHASE = INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE
VOLTAGE = Setting("SOURce:VOLTage:AC {value}", "SOURce:VOLTage:AC?", "V",
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

_SVP = "gridsim_ametek.py"
_NOT_ASTERION = "; SVP's AMETEK driver does not name the Asterion model"
COMMANDS: tuple[CommandRow, ...] = (
    confirmed("*IDN", IEEE_488_2 + "; " + svp(_SVP, "info()")),
    confirmed("SYSTem:ERRor", svp(_SVP, "cmd(): read after every command")),
    confirmed("INSTrument:COUPle", svp(_SVP, "inst:coup all|none")),
    confirmed("INSTrument:NSELect", svp(_SVP, "inst:nsel n")),
    confirmed("SOURce:VOLTage:AC", svp(_SVP, "voltage(): volt:ac") + _NOT_ASTERION),
    confirmed("SOURce:VOLTage:RANGe", svp(_SVP, "voltage_max(): volt:rang")),
    confirmed("SOURce:FREQuency", svp(_SVP, "freq(): freq")),
    confirmed("SOURce:PHASe", svp(_SVP, "config_phase_angles(): inst:nsel n;:phas")),
    unconfirmed("SOURce:VOLTage:SLEW", "SVP programs slews only as LIST:VOLTage:SLEW; check the steady-state "
                "header and its unit (V/s)"),
    unconfirmed("SOURce:FREQuency:SLEW", "SVP programs slews only as LIST:FREQuency:SLEW; check the "
                "steady-state header and its unit (Hz/s)"),
    confirmed("OUTPut:STATe", svp(_SVP, "relay(): outp on|off"), note="SVP omits the optional STATe node"),
    confirmed("LIST:VOLTage", svp(_SVP, "profile_load(): list:volt")),
    confirmed("LIST:DWELl", svp(_SVP, "profile_load(): list:dwel, seconds")),
    confirmed("LIST:COUNt", svp(_SVP, "profile_load(): list:coun 1")),
    confirmed("LIST:STEP", svp(_SVP, "profile_load(): list:step auto")),
    confirmed("VOLTage:MODE", svp(_SVP, "profile_load(): volt:mode list")),
    confirmed("TRIGger:TRANsient:SOURce", svp(_SVP, "profile_load(): trig:tran:sour imm")),
    confirmed("TRIGger:SYNChronous:SOURce", svp(_SVP, "profile_load(): trig:sync:sour imm")),
    confirmed("INITiate", svp(_SVP, "profile_load(): :init")),
    confirmed("ABORt", svp(_SVP, "profile_stop(): abort")),
    unconfirmed("TRIGger:STATe", "no public driver polls it; check the reply words IDLE / ARMED / BUSY"),
)


class AmetekAsterion3Phase(TableAcSource):
    """Asterion AC in three-phase mode (an ``AcSource`` with ``AcSourceTransients``); the
    200 V or 400 V L-N range should be selected with the output off. ``SOURce:PHASe`` sets the
    angle of the phase ``INSTrument:NSELect`` addressed (2 or 3, relative to phase 1)."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
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
                        "TRIGger:TRANsient:SOURce IMMediate", "TRIGger:SYNChronous:SOURce IMMediate"):
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
