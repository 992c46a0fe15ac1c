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

from instruments.drivers.ac_common import AcSourceTable, TableAcSource
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

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


class PacificUpc32Amx(TableAcSource):
    """Pacific Power 3xx-AMX with UPC-32 (an ``AcSource``, three phase; no slew-rate rows, so
    slew settings are refused)."""

    error_query = ":SYSTem:ERRor?"
    table = AcSourceTable(voltage=VOLTAGE_ALL, voltage_phase=VOLTAGE_PHASE, frequency=FREQUENCY,
                          output=OUTPUT, phase_angle=PHASE_ANGLE)
    phase_count = PHASE_COUNT
    model_label = "UPC-32"
