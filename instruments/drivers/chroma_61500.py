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

from instruments.drivers.ac_common import (INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE,
                                          AcSourceTable, TableAcSource)
from instruments.drivers.chroma_list import ChromaListTransients
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

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
COUPLE, SELECT_PHASE = INSTRUMENT_COUPLE, INSTRUMENT_SELECT_PHASE  # three-phase models only
PHASE_ANGLE = Setting("SOURce:PHASe:P{phase} {value}", "SOURce:PHASe:P{phase}?", "deg",
                      strict_range(0.0, 360.0, "deg"), doc="angle of phase 2/3 to phase 1")


class _Chroma61500Family(ChromaListTransients, TableAcSource):
    """Common table of the 61500/61600 families; subclasses fix ``phase_count``. The 150 V or
    300 V range should be selected with the output off; slew rates go out in V/ms and Hz/ms.
    Phase 1 is the reference; phases 2/3 exist only on the 3-phase models."""

    error_query = "SYSTem:ERRor?"
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
