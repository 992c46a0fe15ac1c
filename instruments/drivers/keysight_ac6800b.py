"""Keysight AC6800B series basic AC sources, model AC6804B (single phase, 4 kVA, 155 V / 310 V
ranges, 40-500 Hz). Fills :class:`~instruments.capabilities.AcSource`.

Follows the Keysight AC6800B Series Operating and Service Guide, chapter 3 "SCPI Programming
Reference" (VOLTage, FREQuency, OUTPut, SYSTem subsystems; any firmware: the table uses no
revision-specific header). ``*IDN?`` answers ``Keysight Technologies,AC6804B,<serial>,<fw>``.

The guide's command reference lists no LIST subsystem and no slew-rate command (its transient
system only applies one triggered level, ``VOLTage:TRIGgered``), so this model does **not** fill
``AcSourceTransients``: ``bench.excursions`` steps it with set commands and records the
achieved timing. Slew-rate settings are refused (nothing is sent). Single phase: any phase but 1
is refused, and phase 1's angle is the fixed reference.
Not confirmed: the exact top of the 310 V range (the data sheet names the range 310 V; the
validator stops there).
"""

from __future__ import annotations

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, manual
from instruments.drivers.ac_common import AcSourceTable, TableAcSource
from instruments.scpi import Setting, parse_on_off, strict_choice, strict_range

__all__ = ["COMMANDS", "KeysightAC6804B"]

MAX_VOLTAGE_V = 310.0
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 40.0, 500.0
PHASE_COUNT = 1

VOLTAGE = Setting("VOLTage {value}", "VOLTage?", "V", strict_range(0.0, MAX_VOLTAGE_V, "V"),
                  doc="AC output voltage, V rms")
VOLTAGE_RANGE = Setting("VOLTage:RANGe {value}", "VOLTage:RANGe?", "V",
                        strict_choice({155: "155", 310: "310"}), doc="output voltage range")
FREQUENCY = Setting("FREQuency {value}", "FREQuency?", "Hz",
                    strict_range(MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ, "Hz"), doc="output frequency")
OUTPUT = Setting("OUTPut {value}", "OUTPut?", "", strict_choice({True: "ON", False: "OFF"}),
                 parse=parse_on_off, doc="output relay")


_MANUAL = manual(
    "Keysight AC6800B Series Operating and Service Guide, ch. 3 SCPI Programming Reference")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed('*IDN', IEEE_488_2),
    confirmed('SYSTem:ERRor', _MANUAL),
    confirmed('VOLTage', _MANUAL),
    confirmed('VOLTage:RANGe', _MANUAL),
    confirmed('FREQuency', _MANUAL),
    confirmed('OUTPut', _MANUAL),
)


class KeysightAC6804B(TableAcSource):
    """Keysight AC6804B driver (an ``AcSource``, single phase; 155 V or 310 V range, which
    should be selected with the output off; no slew-rate rows, so slew settings are refused)."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    table = AcSourceTable(voltage=VOLTAGE, frequency=FREQUENCY, output=OUTPUT,
                          voltage_range=VOLTAGE_RANGE)
    phase_count = PHASE_COUNT
    model_label = "AC6804B"
