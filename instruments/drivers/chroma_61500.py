"""Chroma 61500 / 61600 series programmable AC sources: 61605 (1 phase, 4 kVA) and 61512
(3 phase, 18 kVA). Fill :class:`~instruments.capabilities.AcSource` and
:class:`~instruments.capabilities.AcSourceTransients` (LIST mode, see ``chroma_list``).

Follows the Programmable AC Source 61501-61504 / 61505 / 61601-61605 User's Manuals (61500
manual version 1.6, 2010; 61605 manual chapter 7 "Remote Operation"), whose ``*IDN?`` answers
``Chroma ATE,<model>,<serial>,<display fw>,<waveform fw>,<remote fw>``; the driver does not
depend on a firmware revision. The rows the 61800 shares are confirmed for the 61845 by the SunSpec
SVP driver ``Lib/svpelab/chroma_61845.py``; see :data:`COMMANDS` for each row's source.

Phase angles are ``SOURce:PHASe:P12`` / ``P13`` (phase 2 / 3 relative to phase 1), the form of
every public source (SVP chroma_61845.py); ``P2`` / ``P3`` is not a Chroma header. The three-phase
61512 addresses phases with ``INSTrument:COUPle ALL|NONE`` + ``INSTrument:NSELect`` (the 61500
manual as cited above). The single-phase 61605 refuses every per-phase command except phase 1
(and angle 0 deg).
"""

from __future__ import annotations

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp, unconfirmed
from instruments.drivers.ac_common import (INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE,
                                          AcSourceTable, TableAcSource)
from instruments.drivers.chroma_list import LIST_COMMANDS, ChromaListTransients
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

__all__ = ["Chroma61605", "Chroma61512", "ChromaAcExtras", "COMMANDS", "SHARED_COMMANDS"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 15.0, 1000.0
MAX_CURRENT_A = 1000.0
"""Validator ceiling of the current limit (far above any model's rating: the unit refuses more)."""

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
COUPLE, SELECT_PHASE = INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE  # three-phase models only
PHASE_ANGLE = Setting("SOURce:PHASe:P1{phase} {value}", "SOURce:PHASe:P1{phase}?", "deg",
                      strict_range(0.0, 360.0, "deg"), doc="angle of phase 2/3 to phase 1 (P12/P13)")
CURRENT_LIMIT = Setting("SOURce:CURRent:LIMit {value}", "SOURce:CURRent:LIMit?", "A",
                        strict_range(0.0, MAX_CURRENT_A, "A"), doc="RMS output current limit")
PROTECTION_CLEAR = "OUTPut:PROTection:CLEar"

SVP_61845 = "chroma_61845.py"
MANUAL_61500 = ("Chroma 61500/61600 User's Manual v1.6 (2010), Remote Operation, as cited when the driver "
                "was written (page not recorded)")

SHARED_COMMANDS: tuple[CommandRow, ...] = (
    confirmed("*IDN", IEEE_488_2 + "; " + svp(SVP_61845, "info()")),
    confirmed("SYSTem:ERRor", svp(SVP_61845, "cmd(): read after every command")),
    confirmed("SOURce:VOLTage:AC", svp(SVP_61845, "voltage(): source:volt:lev:imm:ampl:ac"),
              note="same header, the optional LEVel:IMMediate:AMPLitude nodes omitted"),
    confirmed("SOURce:FREQuency", svp(SVP_61845, "freq()")),
    confirmed("OUTPut:STATe", svp(SVP_61845, "output(), relay()")),
    confirmed("SOURce:PHASe:P1{phase}", svp(SVP_61845, "config_phase_angles(): sour:phase:p12 / p13")),
    confirmed("SOURce:CURRent:LIMit", svp(SVP_61845, "current(): source:curr:lim"),
              note="SVP sends inst:coup all before it; the drivers address all phases as for the voltage"),
)
"""Rows of the 61500 and 61800 dialects that a public 61845 driver confirms."""

COMMANDS: tuple[CommandRow, ...] = SHARED_COMMANDS + (
    confirmed("SOURce:VOLTage:RANGe", MANUAL_61500,
              note="SVP chroma_61845.py sends voltage:range hi|low on the 61845"),
    confirmed("INSTrument:COUPle", MANUAL_61500, note="61512 only"),
    confirmed("INSTrument:NSELect", MANUAL_61500, note="61512 only"),
    unconfirmed("OUTPut:SLEW:VOLTage:AC", "SVP chroma_61845.py uses it on the 61845; not confirmed for the "
                "61500 family"),
    unconfirmed("OUTPut:SLEW:FREQuency", "SVP chroma_61845.py uses it on the 61845; not confirmed for the "
                "61500 family"),
    unconfirmed(PROTECTION_CLEAR, "no public driver of the 61500/61800 sends it (SVP chroma_17040.py sends "
                "PROTection:CLEar to another Chroma model); check the header on the instrument"),
) + LIST_COMMANDS


class ChromaAcExtras:
    """Current limit and protection clearing of the Chroma AC sources (mixin of a ``TableAcSource``)."""

    def set_current_limit_a(self, amps: float) -> None:
        """RMS current limit on every phase (``SOURce:CURRent:LIMit``)."""
        driver: TableAcSource = self  # type: ignore[assignment]
        command = CURRENT_LIMIT.command(amps)
        driver._address(None)
        driver.write(command)

    def current_limit_a(self) -> float:
        driver: TableAcSource = self  # type: ignore[assignment]
        driver._address(None)
        return float(driver.fetch(CURRENT_LIMIT))

    def clear_protection(self) -> None:
        """Clear a latched protection trip (the output stays off until switched on again)."""
        driver: TableAcSource = self  # type: ignore[assignment]
        driver.write(PROTECTION_CLEAR)


class _Chroma61500Family(ChromaAcExtras, ChromaListTransients, TableAcSource):
    """Common table of the 61500/61600 families; subclasses fix ``phase_count``. The 150 V or
    300 V range should be selected with the output off; slew rates go out in V/ms and Hz/ms.
    Phase 1 is the reference; phases 2/3 exist only on the 3-phase models."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    table = AcSourceTable(voltage=VOLTAGE_AC, frequency=FREQUENCY, output=OUTPUT,
                          voltage_range=VOLTAGE_RANGE, voltage_slew=VOLTAGE_SLEW,
                          frequency_slew=FREQUENCY_SLEW, slew_divisor=1000.0,
                          phase_angle=PHASE_ANGLE, couple=COUPLE, select_phase=SELECT_PHASE)
    phase_count = 1
    list_voltage_max_v = MAX_VOLTAGE_V


class Chroma61605(_Chroma61500Family):
    """Chroma 61605: single phase, 4 kVA, 0-300 V, 15-1000 Hz."""

    phase_count = 1
    model_label = "61605"


class Chroma61512(_Chroma61500Family):
    """Chroma 61512: three phase (18 kVA), 0-300 V L-N, driven as 15-1000 Hz."""

    phase_count = 3
    model_label = "61512"
