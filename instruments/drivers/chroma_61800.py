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

from instruments.drivers.ac_common import (INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE,
                                          AcSourceTable, TableAcSource, check_phase)
from instruments.drivers.chroma_61500 import (FREQUENCY, FREQUENCY_SLEW, OUTPUT, PHASE_ANGLE,
                                              VOLTAGE_AC, VOLTAGE_SLEW)
from instruments.drivers.chroma_list import ChromaListTransients
from instruments.scpi import Setting, strict_range

__all__ = ["Chroma61845"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 15.0, 1000.0
PHASE_COUNT = 3

# The rows the 61800 shares with the 61500/61600 table (``chroma_61500``): VOLTAGE_AC (0-300 V
# L-N), FREQUENCY (15-1000 Hz), PHASE_ANGLE (``SOURce:PHASe:P2|P3``), VOLTAGE_SLEW / FREQUENCY_SLEW
# (V/ms, Hz/ms) and OUTPUT (``OUTPut:STATe``); per-phase settings are addressed with COUPLE +
# SELECT_PHASE. Only the voltage limit is its own row.
COUPLE, SELECT_PHASE = INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE
VOLTAGE_LIMIT_AC = Setting("SOURce:VOLTage:LIMit:AC {value}", "SOURce:VOLTage:LIMit:AC?", "V",
                           strict_range(0.0, MAX_VOLTAGE_V, "V"),
                           doc="instrument-side ceiling on the AC voltage setting")


class Chroma61845(ChromaListTransients, TableAcSource):
    """Chroma 61845 grid simulator driver (an ``AcSource`` with LIST ``AcSourceTransients``,
    see ``chroma_list``). Slew rates go out in V/ms and Hz/ms (1 V/s .. 1e6 V/s); phase 2 or 3
    angles are relative to phase 1, 0-360 deg."""

    error_query = "SYSTem:ERRor?"
    table = AcSourceTable(voltage=VOLTAGE_AC, frequency=FREQUENCY, output=OUTPUT,
                          voltage_slew=VOLTAGE_SLEW, frequency_slew=FREQUENCY_SLEW,
                          slew_divisor=1000.0, phase_angle=PHASE_ANGLE, couple=COUPLE,
                          select_phase=SELECT_PHASE)
    phase_count = PHASE_COUNT
    model_label = "61845"
    list_voltage_max_v = MAX_VOLTAGE_V

    def set_voltage_limit_v(self, volts: float) -> None:
        """Instrument-side voltage ceiling (a second line of defence behind the bench limits)."""
        command = VOLTAGE_LIMIT_AC.command(volts)
        self.apply(COUPLE, True)
        self.write(command)

    def phase_angle_deg(self, phase: int) -> float:
        """Programmed angle of ``phase`` relative to phase 1 (phase 1: 0 deg, nothing sent)."""
        if check_phase(phase, PHASE_COUNT) == 1:
            return 0.0
        return float(self.fetch(PHASE_ANGLE, phase=phase))
