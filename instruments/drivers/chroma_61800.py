"""Chroma 61800 series regenerative grid simulator, model 61845 (3 phase, 0-300 V L-N,
15-1000 Hz). Fills the :class:`instruments.capabilities.AcSource` capability.

Follows the SCPI command set of the Chroma programmable AC source family (61500/61600/61700
User's Manuals, chapter "Remote Operation"), which the 61800 keeps; each header's source is in
:data:`COMMANDS`, most of them the SunSpec SVP driver ``Lib/svpelab/chroma_61845.py``:

* all-phase settings are addressed with ``INSTrument:EDIT ALL`` (SVP: before the frequency and the
  voltage); one phase with ``INSTrument:EDIT EACH`` + ``INSTrument:NSELect n`` (unconfirmed);
* phase angles are ``SOURce:PHASe:P12`` / ``P13`` (phase 2 / 3 relative to phase 1);
* the output relay: ``OUTPut:RELay ON`` before ``OUTPut:STATe ON`` (SVP ``relay()``: without the
  relay closed the DUT sees no voltage), ``OUTPut:STATe OFF`` before ``OUTPut:RELay OFF``;
* ``SOURce:CURRent:LIMit`` (current limit), ``SOURce:VOLTage:LIMit:AC`` (voltage ceiling);
  ``OUTPut:PROTection:CLEar`` is unconfirmed.

Phase numbers are 1-based in this API.
"""

from __future__ import annotations

from instruments.command_sources import CommandRow, confirmed, svp, unconfirmed
from instruments.drivers.ac_common import (INSTRUMENT_EDIT, INSTRUMENT_SELECT_PHASE, AcSourceTable,
                                          TableAcSource, check_phase)
from instruments.drivers.chroma_61500 import (FREQUENCY, FREQUENCY_SLEW, OUTPUT, PHASE_ANGLE,
                                              PROTECTION_CLEAR, SHARED_COMMANDS, SVP_61845, VOLTAGE_AC,
                                              VOLTAGE_SLEW, ChromaAcExtras)
from instruments.drivers.chroma_list import LIST_COMMANDS, ChromaListTransients
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

__all__ = ["Chroma61845", "COMMANDS"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 15.0, 1000.0
PHASE_COUNT = 3

EDIT, SELECT_PHASE = INSTRUMENT_EDIT, INSTRUMENT_SELECT_PHASE
VOLTAGE_LIMIT_AC = Setting("SOURce:VOLTage:LIMit:AC {value}", "SOURce:VOLTage:LIMit:AC?", "V",
                           strict_range(0.0, MAX_VOLTAGE_V, "V"),
                           doc="instrument-side ceiling on the AC voltage setting")
RELAY = Setting("OUTPut:RELay {value}", "OUTPut:RELay?", "", strict_choice({True: "ON", False: "OFF"}),
                parse=parse_on_off, doc="output relay (closed before the output goes on)")

COMMANDS: tuple[CommandRow, ...] = SHARED_COMMANDS + (
    confirmed("INSTrument:EDIT", svp(SVP_61845, "freq(), voltage(): inst:edit all"),
              note="EDIT EACH (one phase) is not in the public source"),
    unconfirmed("INSTrument:NSELect", "one-phase addressing (INSTrument:EDIT EACH + NSELect n) is in no "
                "public 61845 driver; check that a per-phase voltage lands on that phase only"),
    confirmed("OUTPut:RELay", svp(SVP_61845, "relay(): output:relay on, then output:state on")),
    confirmed("SOURce:VOLTage:LIMit:AC", svp(SVP_61845, "voltage_max(): source:volt:limit:ac")),
    confirmed("OUTPut:SLEW:VOLTage:AC", svp(SVP_61845, "voltage_slew(): output:slew:voltage:ac"),
              note="unit taken as V/ms"),
    confirmed("OUTPut:SLEW:FREQuency", svp(SVP_61845, "freq_slew(): output:slew:freq"),
              note="unit taken as Hz/ms"),
    unconfirmed(PROTECTION_CLEAR, "no public 61845 driver sends it (SVP chroma_17040.py sends "
                "PROTection:CLEar to another Chroma model); check the header on the instrument"),
) + LIST_COMMANDS


class Chroma61845(ChromaAcExtras, ChromaListTransients, TableAcSource):
    """Chroma 61845 grid simulator driver (an ``AcSource`` with LIST ``AcSourceTransients``,
    see ``chroma_list``). Slew rates go out in V/ms and Hz/ms (1 V/s .. 1e6 V/s); phase 2 or 3
    angles are relative to phase 1, 0-360 deg."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    table = AcSourceTable(voltage=VOLTAGE_AC, frequency=FREQUENCY, output=OUTPUT,
                          voltage_slew=VOLTAGE_SLEW, frequency_slew=FREQUENCY_SLEW,
                          slew_divisor=1000.0, phase_angle=PHASE_ANGLE, couple=EDIT,
                          select_phase=SELECT_PHASE, relay=RELAY)
    phase_count = PHASE_COUNT
    model_label = "61845"
    list_voltage_max_v = MAX_VOLTAGE_V

    def set_voltage_limit_v(self, volts: float) -> None:
        """Instrument-side voltage ceiling (a second line of defence behind the bench limits)."""
        command = VOLTAGE_LIMIT_AC.command(volts)
        self._address(None)
        self.write(command)

    def phase_angle_deg(self, phase: int) -> float:
        """Programmed angle of ``phase`` relative to phase 1 (phase 1: 0 deg, nothing sent)."""
        if check_phase(phase, PHASE_COUNT) == 1:
            return 0.0
        return float(self.fetch(PHASE_ANGLE, phase=phase))
