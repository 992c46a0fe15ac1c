"""Keysight (Agilent) 6811B / 6812B / 6813B AC power source/analyzers (single phase, 300 V rms,
45-1000 Hz; 375 VA, 750 VA and 1750 VA). Fill :class:`~instruments.capabilities.AcSource`.

Follows the "Agilent Models 6811B, 6812B and 6813B Programming Guide" language dictionary
(Source subsystem: ``VOLTage``, ``VOLTage:RANGe 150|300``, ``VOLTage:SLEW`` in V/s,
``FREQuency``, ``FREQuency:SLEW`` in Hz/s; ``OUTPut[:STATe]``; ``SYSTem:ERRor?``); the later
6811C-6813C guide keeps the same headers (it states 300 V rms as the sine maximum and that
``VOLTage:SLEW`` is in volts per second). No firmware-specific command is used.
The three models share the table; only their power and current ratings differ (375 / 750 /
1750 VA, and 2000 VA for the 6813B Option 019, as the Dual Power Analyzer Option 020 addendum,
Agilent P/N 5964-8134, lists them), and the driver programs neither: the instrument's own limits
and error queue guard them. Early units were sold as HP models (User's Guide HP P/N 5962-0829,
1998), so ``instruments.identify`` accepts an HP manufacturer field too.

The instrument has LIST transients (``VOLTage:MODE LIST``, ``LIST:VOLTage``, ``LIST:DWELl``),
but this driver does not fill ``AcSourceTransients`` yet: the query that tells when a list has
finished was not confirmed, so ``bench.excursions`` uses stepped set commands for it.
Single phase: phases other than 1 are refused and phase 1's angle is the 0 deg reference.
"""

from __future__ import annotations

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, manual
from instruments.drivers.ac_common import AcSourceTable, TableAcSource
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

__all__ = ["COMMANDS", "Keysight6811B", "Keysight6812B", "Keysight6813B"]

MAX_VOLTAGE_V = 300.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 45.0, 1000.0
PHASE_COUNT = 1

VOLTAGE = Setting("VOLTage {value}", "VOLTage?", "V", strict_range(0.0, MAX_VOLTAGE_V, "V"),
                  doc="AC output voltage, V rms")
VOLTAGE_RANGE = Setting("VOLTage:RANGe {value}", "VOLTage:RANGe?", "V",
                        strict_choice({150: "150", 300: "300"}), doc="output range")
VOLTAGE_SLEW = Setting("VOLTage:SLEW {value}", "VOLTage:SLEW?", "V/s",
                       strict_range(0.001, 1e7, "V/s"), doc="AC amplitude slew rate")
FREQUENCY = Setting("FREQuency {value}", "FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="output frequency")
FREQUENCY_SLEW = Setting("FREQuency:SLEW {value}", "FREQuency:SLEW?", "Hz/s",
                         strict_range(0.001, 1e7, "Hz/s"), doc="frequency slew rate")
OUTPUT = Setting("OUTPut {value}", "OUTPut?", "", strict_choice({True: "ON", False: "OFF"}),
                 parse=parse_on_off, doc="output relay")

TABLE = AcSourceTable(voltage=VOLTAGE, frequency=FREQUENCY, output=OUTPUT,
                      voltage_range=VOLTAGE_RANGE, voltage_slew=VOLTAGE_SLEW,
                      frequency_slew=FREQUENCY_SLEW)


_MANUAL = manual(
    "Agilent 6811B/6812B/6813B Programming Guide, language dictionary")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed('*IDN', IEEE_488_2),
    confirmed('SYSTem:ERRor', _MANUAL),
    confirmed('VOLTage', _MANUAL),
    confirmed('VOLTage:RANGe', _MANUAL),
    confirmed('VOLTage:SLEW', _MANUAL),
    confirmed('FREQuency', _MANUAL),
    confirmed('FREQuency:SLEW', _MANUAL),
    confirmed('OUTPut', _MANUAL),
)


class _Keysight6810BFamily(TableAcSource):
    """The shared table (an ``AcSource``, single phase); the 150 V or 300 V range is selected
    with :meth:`set_voltage_range_v`."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    table = TABLE
    phase_count = PHASE_COUNT


class Keysight6811B(_Keysight6810BFamily):
    """Keysight 6811B driver (375 VA)."""

    model_label = "6811B"


class Keysight6812B(_Keysight6810BFamily):
    """Keysight 6812B driver (750 VA)."""

    model_label = "6812B"


class Keysight6813B(_Keysight6810BFamily):
    """Keysight 6813B driver (1750 VA)."""

    model_label = "6813B"
