"""Recognise an instrument from its ``*IDN?`` answer (IEEE 488.2 10.14).

``*IDN?`` answers four comma-separated fields: manufacturer, model, serial number, firmware
(some models add more firmware fields). :data:`IDN_PATTERNS` maps manufacturer + model to the
model key of a registered driver (``instruments.registry.DRIVERS``); a test keeps the table
covering every registered driver. Matching ignores case and blanks (``Chroma ATE`` ==
``CHROMA ATE`` == ``chromaate``); the manufacturer pattern matches a prefix, the model pattern
the whole (normalised) model field. Patterns stay strict: a sibling model with other ratings
is *not* matched to a driver whose validators were written for another model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Idn", "IdnPattern", "IDN_PATTERNS", "parse_idn", "model_key_for_idn", "normalise"]


def normalise(text: str) -> str:
    """Case-fold and drop every blank: the form both sides of a match are compared in."""
    return "".join(text.split()).casefold()


@dataclass(frozen=True)
class Idn:
    """The fields of one ``*IDN?`` answer (blanks around fields stripped)."""

    manufacturer: str
    model: str
    serial_number: str
    firmware: str
    raw: str


def parse_idn(reply: str) -> Idn:
    """Split an ``*IDN?`` answer; raise ``ValueError`` when it has fewer than two fields."""
    fields = [field.strip() for field in reply.strip().split(",")]
    if len(fields) < 2 or not fields[0] or not fields[1]:
        raise ValueError(f"not an *IDN? answer (manufacturer,model,serial,firmware): {reply!r}")
    fields += [""] * (4 - len(fields))
    return Idn(manufacturer=fields[0], model=fields[1], serial_number=fields[2],
               firmware=",".join(fields[3:]).strip(","), raw=reply.strip())


@dataclass(frozen=True)
class IdnPattern:
    """Manufacturer (prefix) and model (whole field) regexes, matched on normalised text."""

    model_key: str
    manufacturer: str
    model: str

    def matches(self, idn: Idn) -> bool:
        return (re.match(self.manufacturer, normalise(idn.manufacturer)) is not None
                and re.fullmatch(self.model, normalise(idn.model)) is not None)


_CHROMA = r"chroma"
_KEYSIGHT = r"(keysight|agilent)"
_KEYSIGHT_HP = r"(keysight|agilent|hewlett-?packard|hp)"
_YOKOGAWA = r"yokogawa"

IDN_PATTERNS: tuple[IdnPattern, ...] = (
    # AC sources / grid simulators
    IdnPattern("chroma_61845", _CHROMA, r"61845"),
    IdnPattern("chroma_61605", _CHROMA, r"61605"),
    IdnPattern("chroma_61512", _CHROMA, r"61512"),
    IdnPattern("keysight_ac6804b", _KEYSIGHT, r"ac6804b"),
    IdnPattern("keysight_6811b", _KEYSIGHT_HP, r"6811b"),
    IdnPattern("keysight_6812b", _KEYSIGHT_HP, r"6812b"),
    IdnPattern("keysight_6813b", _KEYSIGHT_HP, r"6813b"),
    IdnPattern("ametek_asterion_ast3", r"(ametek|californiainstruments)", r"ast\d+3(-.*)?"),
    IdnPattern("pacific_upc32_amx", r"(ppsc|pacificpower)", r"upc-?32"),
    # power analyzers
    IdnPattern("yokogawa_wt5000", _YOKOGAWA, r"wt5000"),
    IdnPattern("yokogawa_wt1800", _YOKOGAWA, r"wt180[1-6]e?"),
    IdnPattern("yokogawa_wt3000", _YOKOGAWA, r"(wt3000e?|76030[1-4](-.*)?)"),  # WT3000 answers its model code
    IdnPattern("zes_lmg670", r"zes", r"lmg6[1-7]\d"),
    IdnPattern("chroma_66205", _CHROMA, r"66205"),
    # PV (solar array) simulators
    IdnPattern("keysight_e4360a", _KEYSIGHT, r"e4360a"),
    IdnPattern("chroma_62150h_1000s", _CHROMA, r"62150h-?1000s"),
    # AC loads (electronic, RLC), switch unit
    IdnPattern("chroma_63803", _CHROMA, r"63803"),
    IdnPattern("chroma_a800067", _CHROMA, r"a800067"),
    IdnPattern("keysight_daq970a", _KEYSIGHT, r"daq970a"),
    # EV emulator (flexbench's own dialect, simulated lab only)
    IdnPattern("flexbench_ev_emulator", r"flexbench", r"ev-?emulator"),
)


def model_key_for_idn(reply: str) -> str | None:
    """The driver model key for an ``*IDN?`` answer, or None when no driver is known for it.

    Raises ``ValueError`` for a reply that is no ``*IDN?`` answer, and when two rows match
    (a table defect, caught by the tests).
    """
    idn = parse_idn(reply)
    keys = [pattern.model_key for pattern in IDN_PATTERNS if pattern.matches(idn)]
    if len(keys) > 1:
        raise ValueError(f"ambiguous *IDN? {reply!r}: matches {keys}")
    return keys[0] if keys else None
