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

Output coupling (SunSpec SVP ``Lib/svpelab/gridsim_pacific.py``, ``voltage()``): the UPC's manual
program 0 holds the coupling (``COUPL,DIRECT|XFMR``) and the output transformer ratio
(``XFMRRATIO,<r>``). When the coupling is DIRECT the public driver divides every voltage it programs
by that ratio (and multiplies the read-back by it); raw volts would give the wrong amplitude.
:meth:`PacificUpc32Amx.open` therefore reads program 0 (``:PROG:NAME 0``, ``:PROG:DEFine?``, the SVP
forms) and the driver scales voltages the same way; before ``open()`` it refuses to program a
voltage. SVP sends ``:SOURce:VOLTage<n>`` and ``:OUTPut ON`` with a blank where this driver uses the
manual's comma; each row's source is in :data:`COMMANDS`.
"""

from __future__ import annotations

import re

from bench.errors import InstrumentError

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp, unconfirmed
from instruments.drivers.ac_common import AcSourceTable, TableAcSource, check_phase
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

__all__ = ["PacificUpc32Amx", "COMMANDS", "parse_coupling"]

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
                 parse=parse_on_off, doc="output relay")
SELECT_PROGRAM_0 = ":PROG:NAME 0"
PROGRAM_QUERY = ":PROG:DEFine?"

_SVP = "gridsim_pacific.py"
_MANUAL = ("UPC-32/UPC-12 Operation Manual, 5th ed. (2015), section 5, as cited when the driver was written "
           "(page not recorded)")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed("*IDN", IEEE_488_2 + "; " + svp(_SVP, "info()")),
    confirmed("SYSTem:ERRor", svp(_SVP, "cmd(): SYSTem:ERRor? after every command")),
    confirmed("SOURce:VOLTage{phase}", svp(_SVP, "voltage(): :SOURce:VOLTage1 ..;VOLTage2 ..;VOLTage3 .."),
              note="SVP separates the value with a blank, this driver with the manual's comma"),
    unconfirmed("SOURce:VOLTage", "all-phase form from " + _MANUAL + "; SVP programs VOLTage1..3 instead"),
    confirmed("SOURce:FREQuency", _MANUAL, note="SVP sends :FREQ <hz>"),
    confirmed("SOURce:PHASe{phase}", svp(_SVP, "config_phase_angles(): :SOURce:PHASe2,<deg>")),
    confirmed("OUTPut", svp(_SVP, "relay(): :OUTput ON|OFF, query :OUTP?"),
              note="SVP separates the value with a blank"),
    confirmed("PROG:NAME", svp(_SVP, "select_program(): :PROG:NAME <n>")),
    confirmed("PROG:DEFine", svp(_SVP, "query_program(): :PROG:DEFine? answers FORM,..,COUPL,..,XFMRRATIO,..")),
)


def parse_coupling(program: str) -> tuple[str, float]:
    """``(coupling, transformer ratio)`` from a ``:PROG:DEFine?`` answer; ValueError when absent."""
    coupling = re.search(r"COUPL\s*,\s*(DIRECT|XFMR)\b", program, re.IGNORECASE)
    ratio = re.search(r"XFMRRATIO\s*,\s*([0-9]*\.?[0-9]+)", program, re.IGNORECASE)
    if coupling is None or ratio is None or not float(ratio.group(1)) > 0:
        raise ValueError(f"no COUPL / XFMRRATIO in program 0: {program!r}")
    return coupling.group(1).upper(), float(ratio.group(1))


class PacificUpc32Amx(TableAcSource):
    """Pacific Power 3xx-AMX with UPC-32 (an ``AcSource``, three phase; no slew-rate rows, so
    slew settings are refused)."""

    error_query = ":SYSTem:ERRor?"
    commands = COMMANDS
    table = AcSourceTable(voltage=VOLTAGE_ALL, voltage_phase=VOLTAGE_PHASE, frequency=FREQUENCY,
                          output=OUTPUT, phase_angle=PHASE_ANGLE)
    phase_count = PHASE_COUNT
    model_label = "UPC-32"
    voltage_scale: float | None = None
    """Programmed volts per output volt: the transformer ratio when the coupling is DIRECT, 1 with
    XFMR coupling; None until :meth:`open` has read program 0."""

    def open(self) -> None:
        """Read the coupling and transformer ratio of the manual program (program 0)."""
        self.write(SELECT_PROGRAM_0)
        reply = self.query(PROGRAM_QUERY)
        try:
            coupling, ratio = parse_coupling(reply)
        except ValueError as exc:
            raise InstrumentError(f"{self.name}: {exc}") from None
        self.voltage_scale = ratio if coupling == "DIRECT" else 1.0

    def _scale(self) -> float:
        if self.voltage_scale is None:
            raise InstrumentError(f"{self.name}: the output coupling is unknown (open() reads it)")
        return self.voltage_scale

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        """RMS output voltage (L-N) of one phase or all phases, divided by the transformer ratio on
        the wire when the coupling is DIRECT."""
        VOLTAGE_PHASE.validator(volts, "voltage")
        if phase is not None:
            check_phase(phase, self.phase_count)
        wire = volts / self._scale()
        if phase is None:
            self.write(VOLTAGE_ALL.command(wire))
        else:
            self.write(VOLTAGE_PHASE.command(wire, phase=phase))

    def voltage_setpoint_v(self, phase: int) -> float:
        check_phase(phase, self.phase_count)
        scale = self._scale()
        return float(self.fetch(VOLTAGE_PHASE, phase=phase)) * scale
