"""Chroma 63800 series programmable AC/DC electronic load (63802 / 63803 / 63804; model key
``chroma_63803``). Fills the :class:`instruments.capabilities.AcLoad` capability.

Follows the "Programmable AC/DC Electronic Load 63800 Series Operation & Programming Manual",
chapter 8 (remote operation). Headers (``LOAD:`` is an optional node, ``[LOAD:]MODE``):

* ``LOAD:MODE CURR|POW|RES|RECT`` (also ``VOLT``, ``RLC``, ``RLCP``, ``INRUSH``, not used
  here); ``LOAD:MODE?`` answers ``CURR``, ``POW``, ``VOLT``, ``RES``, ``RLC``, ``RLCPOW``,
  ``INRUSH`` or ``RECT``;
* ``LOAD ON|OFF`` starts / stops sinking; ``LOAD?``;
* setpoints ``LOAD:CURR`` (A rms, CC), ``LOAD:POW`` (W, CP), ``LOAD:RES`` (ohm, CR), and
  their queries;
* ``LOAD:CURR:PEAK:MAX`` (A): the peak-current limit of every mode;
* ``SYSTem:SETup:CFPF:MODE CF|PF|BOTH`` chooses whether the crest factor or the power factor
  is programmed; ``LOAD:CFAC`` (1.414 ... 5.0) sets the crest factor;
* ``MEASure:VOLTage?``, ``MEASure:CURRent?``, ``MEASure:POWer?``;
* ``LOAD:PROTect?`` (bit field: 1 FE, 2/4 UV, 8 OVP, 16 OVPP, 32 OCP, 64 OPP, 128 OTP,
  256 fan fail, 512 load fail, 1024 frequency error, 2048 input power fail) and
  ``LOAD:PROTect:CLE``;
* ``SYSTem:ERRor?`` answers ``<code>,"<message>"``, ``0,"No error"`` when empty (assumed to
  follow the other Chroma instruments).

Ratings per model (manual, protection table): 63802 18 A / 1800 W, 63803 36 A / 3600 W,
63804 45 A / 4500 W, 350 V rms (AC mode). The peak-current limit is bounded at 3 x the RMS
rating and the CR range at 1 ... 2500 ohm: both from the series data sheet, to confirm on the
first hardware session together with the ``CFPF`` and ``CFAC`` headers (seen in public
drivers of the 63800; no manual page for them was at hand).
"""

from __future__ import annotations

from typing import ClassVar

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, manual, unconfirmed
from instruments.scpi import (ScpiDriver, Setting, parse_float, parse_on_off, strict_choice,
                              strict_range)

from bench.errors import InstrumentError

__all__ = ["COMMANDS", "Chroma63800", "Chroma63802", "Chroma63803", "Chroma63804", "MODE_TO_WIRE",
           "PROTECTION_BITS"]

MODE_TO_WIRE: dict[str, str] = {"CC": "CURR", "CP": "POW", "CR": "RES", "RECTIFIED": "RECT"}
"""Capability mode name -> ``LOAD:MODE`` parameter."""
WIRE_TO_MODE: dict[str, str] = {wire: mode for mode, wire in MODE_TO_WIRE.items()}

PROTECTION_BITS: dict[int, str] = {
    1: "FE (frequency out of range)", 2: "UV", 4: "UV", 8: "OVP", 16: "OVPP (peak voltage)",
    32: "OCP", 64: "OPP", 128: "OTP", 256: "fan fail", 512: "load fail",
    1024: "frequency error while loading", 2048: "input power fail",
}

MODE = Setting("LOAD:MODE {value}", "LOAD:MODE?", "", strict_choice(MODE_TO_WIRE),
               parse=lambda reply: reply.strip().upper(), doc="operating mode")
LOAD = Setting("LOAD {value}", "LOAD?", "", strict_choice({True: "ON", False: "OFF"}),
               parse=parse_on_off, doc="load on/off")
CFPF_MODE = Setting("SYSTem:SETup:CFPF:MODE {value}", "SYSTem:SETup:CFPF:MODE?", "",
                    strict_choice({"CF": "CF", "PF": "PF", "BOTH": "BOTH"}),
                    parse=lambda reply: reply.strip().upper(),
                    doc="which of crest factor / power factor is programmed")
CREST_FACTOR = Setting("LOAD:CFAC {value}", "LOAD:CFAC?", "", strict_range(1.414, 5.0),
                       doc="current crest factor")


_MANUAL = manual(
    "Chroma 63800 Series Operation & Programming Manual, ch. 8")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed('*IDN', IEEE_488_2),
    unconfirmed('SYSTem:ERRor', 'the Chroma form is assumed for the 63800; no public 63800 driver at hand'),
    confirmed('LOAD:MODE', _MANUAL),
    confirmed('LOAD:CURR', _MANUAL),
    confirmed('LOAD:POW', _MANUAL),
    confirmed('LOAD:RES', _MANUAL),
    confirmed('LOAD', _MANUAL),
    confirmed('LOAD:CURR:PEAK:MAX', _MANUAL),
    confirmed('SYSTem:SETup:CFPF:MODE', _MANUAL),
    confirmed('LOAD:CFAC', _MANUAL),
    confirmed('MEASure:VOLTage', _MANUAL),
    confirmed('MEASure:CURRent', _MANUAL),
    confirmed('MEASure:POWer', _MANUAL),
    confirmed('LOAD:PROTect', _MANUAL),
    confirmed('LOAD:PROTect:CLE', _MANUAL),
)


class Chroma63800(ScpiDriver):
    """Chroma 63800 AC/DC electronic load (an ``AcLoad``); ratings per model subclass."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    max_current_a: ClassVar[float] = 36.0
    max_power_w: ClassVar[float] = 3600.0
    min_resistance_ohm: ClassVar[float] = 1.0
    max_resistance_ohm: ClassVar[float] = 2500.0

    @classmethod
    def current(cls) -> Setting:
        return Setting("LOAD:CURR {value}", "LOAD:CURR?", "A",
                       strict_range(0.0, cls.max_current_a, "A"), doc="CC setpoint (rms)")

    @classmethod
    def power(cls) -> Setting:
        return Setting("LOAD:POW {value}", "LOAD:POW?", "W",
                       strict_range(0.0, cls.max_power_w, "W"), doc="CP setpoint")

    @classmethod
    def resistance(cls) -> Setting:
        return Setting("LOAD:RES {value}", "LOAD:RES?", "ohm",
                       strict_range(cls.min_resistance_ohm, cls.max_resistance_ohm, "ohm"),
                       doc="CR setpoint")

    @classmethod
    def peak_current_limit(cls) -> Setting:
        return Setting("LOAD:CURR:PEAK:MAX {value}", "LOAD:CURR:PEAK:MAX?", "A",
                       strict_range(0.0, 3.0 * cls.max_current_a, "A"),
                       doc="peak-current limit of all modes")

    # -- AcLoad ---------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        self.apply(MODE, mode)

    def mode(self) -> str:
        wire = str(self.fetch(MODE))
        try:
            return WIRE_TO_MODE[wire]
        except KeyError:
            raise InstrumentError(f"{self.name}: load is in mode {wire!r}, which the AcLoad "
                                  f"capability does not cover") from None

    def set_current_a(self, amps_rms: float) -> None:
        self.apply(self.current(), amps_rms)

    def set_power_w(self, watts: float) -> None:
        self.apply(self.power(), watts)

    def set_resistance_ohm(self, ohms: float) -> None:
        self.apply(self.resistance(), ohms)

    def set_load(self, on: bool) -> None:
        self.apply(LOAD, on)

    def load_is_on(self) -> bool:
        return bool(self.fetch(LOAD))

    # -- model extras ---------------------------------------------------------------------
    def current_setpoint_a(self) -> float:
        return float(self.fetch(self.current()))

    def power_setpoint_w(self) -> float:
        return float(self.fetch(self.power()))

    def set_peak_current_limit_a(self, amps_peak: float) -> None:
        """Peak-current limit (0 ... 3 x rated rms current)."""
        self.apply(self.peak_current_limit(), amps_peak)

    def set_crest_factor(self, crest_factor: float) -> None:
        """Program the current crest factor (1.414 ... 5.0); selects CF programming first."""
        command = CREST_FACTOR.command(crest_factor)  # validate before anything is sent
        self.apply(CFPF_MODE, "CF")
        self.write(command)

    def measure_voltage_v(self) -> float:
        return float(self.query_value("MEASure:VOLTage?", parse_float))

    def measure_current_a(self) -> float:
        return float(self.query_value("MEASure:CURRent?", parse_float))

    def measure_power_w(self) -> float:
        return float(self.query_value("MEASure:POWer?", parse_float))

    def protection_status(self) -> list[str]:
        """Names of the protection bits set in ``LOAD:PROTect?`` (empty: none tripped)."""
        bits = int(self.query_value("LOAD:PROTect?", lambda reply: int(reply.strip())))
        return [name for bit, name in PROTECTION_BITS.items() if bits & bit]

    def clear_protection(self) -> None:
        self.write("LOAD:PROTect:CLE")


class Chroma63802(Chroma63800):
    """Chroma 63802: 18 A rms, 1800 W."""

    max_current_a = 18.0
    max_power_w = 1800.0


class Chroma63803(Chroma63800):
    """Chroma 63803: 36 A rms, 3600 W."""

    max_current_a = 36.0
    max_power_w = 3600.0


class Chroma63804(Chroma63800):
    """Chroma 63804: 45 A rms, 4500 W."""

    max_current_a = 45.0
    max_power_w = 4500.0
