"""DSMR 5.0.2 P1 telegrams (Netbeheer Nederland, "P1 Companion Standard" 5.0.2): encoding, CRC and
checked parsing with ``dsmr-parser``.

A telegram is ASCII lines ending CR LF: a header ``/XXX5<identification>``, an empty line, COSEM
objects ``<OBIS>(<value>[*<unit>])``, and the end line ``!<CRC>`` where CRC is CRC-16/ARC
(polynomial 0xA001 reflected, initial value 0) over every byte from ``/`` to ``!`` inclusive, as
four upper-case hex digits (§6.2). DSMR 5 sends one every second at 115200 8N1.

Objects encoded (OBIS, §6.12): version 1-3:0.2.8, timestamp 0-0:1.0.0, equipment id 0-0:96.1.1,
energy delivered to / by the client per tariff 1-0:1.8.1/2 and 1-0:2.8.1/2 (kWh, 3 decimals), tariff
0-0:96.14.0, power delivered / received 1-0:1.7.0 / 1-0:2.7.0 (kW, 3 decimals), and per phase L1..L3
voltage 1-0:32/52/72.7.0 (V, 1 decimal), current 1-0:31/51/71.7.0 (A, integer: the standard's
resolution) and power + / - 1-0:21/41/61.7.0 and 1-0:22/42/62.7.0 (kW, 3 decimals). "Delivered" is
what the grid delivers to the house: import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["P1Reading", "TelegramError", "crc16_arc", "crc_ok", "encode_telegram", "instantaneous_part",
           "parse_telegram", "split_telegrams"]

PHASES = 3
_VOLTAGE = ("32", "52", "72")
_CURRENT = ("31", "51", "71")
_POWER_IMPORT = ("21", "41", "61")
_POWER_EXPORT = ("22", "42", "62")
_END = re.compile(rb"![0-9A-Fa-f]{4}\r\n")


class TelegramError(ValueError):
    """A telegram that is garbled (bad CRC, unparseable, an object missing); ``frame`` is its text."""

    def __init__(self, message: str, frame: str) -> None:
        self.frame = frame
        super().__init__(f"{message}; frame: {frame!r}")


@dataclass(frozen=True)
class P1Reading:
    """One telegram's values. Per phase L1..L3; import (power delivered to the house) positive."""

    timestamp: dt.datetime
    equipment_id: str
    voltage_v: tuple[float, ...]
    current_a: tuple[float, ...]
    power_import_w: tuple[float, ...]
    power_export_w: tuple[float, ...]
    energy_import_kwh: float
    energy_export_kwh: float

    def net_import_w(self, phase: int) -> float:
        """Import minus export on a 0-based phase, W."""
        return self.power_import_w[phase] - self.power_export_w[phase]


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC of ``data`` (the DSMR 5 telegram checksum), one table lookup per byte."""
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def crc_ok(frame: str) -> bool:
    """True when ``frame`` (a whole telegram, ``/`` to ``!CRC``) carries the CRC of its content;
    the full check with ``dsmr-parser`` is :func:`parse_telegram`."""
    end = frame.rfind("!")
    try:
        return end >= 0 and int(frame[end + 1:end + 5], 16) == crc16_arc(frame[:end + 1].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False


def instantaneous_part(frame: str) -> str:
    """The instantaneous-value objects of a telegram (OBIS ``1-0:x.7.0``: power, voltage, current),
    in order: two telegrams with equal parts carry equal instantaneous values (the timestamp and the
    energy registers may differ)."""
    return "\n".join(line for line in frame.splitlines() if line.startswith("1-0:") and ".7.0(" in line)


def _kw(watts: float) -> str:
    return f"{max(watts, 0.0) / 1000.0 + 0.0:06.3f}"


def encode_telegram(*, timestamp: dt.datetime, equipment_id: str, voltage_v: tuple[float, ...],
                    current_a: tuple[float, ...], power_w: tuple[float, ...], energy_import_kwh: float,
                    energy_export_kwh: float, header: str = "FLX5\\2SIMP1METER") -> str:
    """A DSMR 5 telegram with its CRC. ``power_w`` per phase, import positive (a negative phase is
    sent as power received, 1-0:x2.7.0); ``current_a`` is sent as whole amperes (truncated, as DSMR
    5 meters do). ``timestamp`` must carry its UTC offset (S: summer time, W: winter time)."""
    if timestamp.tzinfo is None:
        raise ValueError("the telegram timestamp needs a time zone")
    summer = "S" if timestamp.dst() else "W"
    total_w = sum(power_w)
    lines = [f"/{header}", "", "1-3:0.2.8(50)", f"0-0:1.0.0({timestamp:%y%m%d%H%M%S}{summer})",
             f"0-0:96.1.1({equipment_id.encode('ascii').hex().upper()})",
             f"1-0:1.8.1({energy_import_kwh:010.3f}*kWh)", "1-0:1.8.2(000000.000*kWh)",
             f"1-0:2.8.1({energy_export_kwh:010.3f}*kWh)", "1-0:2.8.2(000000.000*kWh)",
             "0-0:96.14.0(0001)", f"1-0:1.7.0({_kw(total_w)}*kW)", f"1-0:2.7.0({_kw(-total_w)}*kW)"]
    lines += [f"1-0:{_VOLTAGE[k]}.7.0({voltage_v[k]:05.1f}*V)" for k in range(PHASES)]
    lines += [f"1-0:{_CURRENT[k]}.7.0({int(abs(current_a[k])):03d}*A)" for k in range(PHASES)]
    lines += [f"1-0:{_POWER_IMPORT[k]}.7.0({_kw(power_w[k])}*kW)" for k in range(PHASES)]
    lines += [f"1-0:{_POWER_EXPORT[k]}.7.0({_kw(-power_w[k])}*kW)" for k in range(PHASES)]
    body = "\r\n".join(lines) + "\r\n!"
    return f"{body}{crc16_arc(body.encode('ascii')):04X}\r\n"


def split_telegrams(buffer: bytes) -> tuple[list[str], bytes]:
    """The complete telegrams in ``buffer`` (from ``/`` to ``!CRC CR LF``) and the rest (an
    incomplete telegram still arriving). Bytes before a ``/`` (a port opened mid-telegram) are
    dropped."""
    telegrams: list[str] = []
    position = 0
    while True:
        start = buffer.find(b"/", position)
        if start < 0:
            return telegrams, b""
        end = _END.search(buffer, start)
        if end is None:
            return telegrams, buffer[start:]
        telegrams.append(buffer[start:end.end()].decode("ascii", errors="replace"))
        position = end.end()


def _value(telegram: object, name: str, frame: str) -> Decimal:
    obj = getattr(telegram, name, None)
    if obj is None:
        raise TelegramError(f"no {name} object", frame)
    return Decimal(obj.value)


def parse_telegram(frame: str) -> P1Reading:
    """Parse and check one telegram with ``dsmr-parser`` (DSMR 5 specification, CRC verified).
    Raises :class:`TelegramError` naming the frame for a bad CRC or a missing object."""
    from dsmr_parser import telegram_specifications
    from dsmr_parser.exceptions import InvalidChecksumError, ParseError
    from dsmr_parser.parsers import TelegramParser

    try:
        telegram = TelegramParser(telegram_specifications.V5).parse(frame, throw_ex=True)
    except InvalidChecksumError as exc:
        raise TelegramError(f"CRC mismatch ({exc})", frame) from None
    except (ParseError, ValueError, TypeError) as exc:
        raise TelegramError(f"not a DSMR 5 telegram ({exc})", frame) from None
    names = ("L1", "L2", "L3")
    try:
        equipment = bytes.fromhex(str(telegram.EQUIPMENT_IDENTIFIER.value)).decode("ascii", errors="replace")
        stamp = telegram.P1_MESSAGE_TIMESTAMP.value
    except (AttributeError, ValueError) as exc:
        raise TelegramError(f"no timestamp or equipment id ({exc})", frame) from None
    return P1Reading(
        timestamp=stamp, equipment_id=equipment,
        voltage_v=tuple(float(_value(telegram, f"INSTANTANEOUS_VOLTAGE_{p}", frame)) for p in names),
        current_a=tuple(float(_value(telegram, f"INSTANTANEOUS_CURRENT_{p}", frame)) for p in names),
        power_import_w=tuple(1000.0 * float(_value(telegram, f"INSTANTANEOUS_ACTIVE_POWER_{p}_POSITIVE", frame))
                             for p in names),
        power_export_w=tuple(1000.0 * float(_value(telegram, f"INSTANTANEOUS_ACTIVE_POWER_{p}_NEGATIVE", frame))
                             for p in names),
        energy_import_kwh=float(_value(telegram, "ELECTRICITY_USED_TARIFF_1", frame)
                                + _value(telegram, "ELECTRICITY_USED_TARIFF_2", frame)),
        energy_export_kwh=float(_value(telegram, "ELECTRICITY_DELIVERED_TARIFF_1", frame)
                                + _value(telegram, "ELECTRICITY_DELIVERED_TARIFF_2", frame)))
