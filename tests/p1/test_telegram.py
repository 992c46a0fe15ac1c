"""DSMR 5 telegrams (links/p1/telegram.py): encoding, CRC-16/ARC, parsing with dsmr-parser, and the
P1-port driver (instruments/drivers/p1_port.py) over pyserial's loopback."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bench.errors import InstrumentError
from instruments.capabilities import SmartMeterP1
from instruments.drivers.p1_port import P1Port
from links.p1 import (TelegramError, crc16_arc, crc_ok, encode_telegram, instantaneous_part, parse_telegram,
                      split_telegrams)

STAMP = dt.datetime(2026, 6, 21, 12, 0, 5, tzinfo=ZoneInfo("Europe/Amsterdam"))


def telegram(**overrides) -> str:
    values = dict(timestamp=STAMP, equipment_id="SIMP1", voltage_v=(230.0, 231.5, 229.0),
                  current_a=(16.9, 3.2, 0.4), power_w=(3887.0, 736.0, -92.0), energy_import_kwh=12.345,
                  energy_export_kwh=1.5)
    values.update(overrides)
    return encode_telegram(**values)


def test_crc_is_crc16_arc() -> None:
    assert crc16_arc(b"123456789") == 0xBB3D      # the CRC-16/ARC check value


def test_crc_ok_and_the_instantaneous_part() -> None:
    frame = telegram()
    assert crc_ok(frame)
    assert not crc_ok(frame.replace("230.0*V", "231.0*V")) and not crc_ok("no telegram")
    later = telegram(timestamp=STAMP.replace(second=6), energy_import_kwh=12.349)
    assert instantaneous_part(later) == instantaneous_part(frame)          # only time and energy differ
    assert instantaneous_part(telegram(voltage_v=(230.0, 231.6, 229.0))) != instantaneous_part(frame)
    assert instantaneous_part(frame).count("\n") == 3 * 4 + 2 - 1          # per phase U, I, P+, P-; P+, P- total


def test_encoded_telegram_parses_back_with_dsmr_parser() -> None:
    frame = telegram()
    assert frame.startswith("/FLX5") and frame.endswith("\r\n")
    reading = parse_telegram(frame)
    assert reading.equipment_id == "SIMP1"
    assert reading.timestamp == STAMP
    assert reading.voltage_v == (230.0, 231.5, 229.0)
    assert reading.current_a == (16.0, 3.0, 0.0)                  # whole amperes, truncated
    assert reading.power_import_w == (3887.0, 736.0, 0.0)
    assert reading.power_export_w == (0.0, 0.0, 92.0)             # a negative phase is power received
    assert reading.net_import_w(2) == -92.0
    assert (reading.energy_import_kwh, reading.energy_export_kwh) == (12.345, 1.5)


def test_garbled_telegram_names_the_frame() -> None:
    frame = telegram().replace("230.0*V", "231.0*V")
    with pytest.raises(TelegramError, match="CRC mismatch") as caught:
        parse_telegram(frame)
    assert caught.value.frame == frame and "231.0*V" in str(caught.value)


def test_split_keeps_an_incomplete_telegram_for_later() -> None:
    one, two = telegram(), telegram(energy_import_kwh=12.346)
    data = (b"ial tail of a previous one\r\n" + one.encode() + two.encode())
    frames, rest = split_telegrams(data[:-10])
    assert frames == [one] and rest == two.encode()[:-10]
    frames, rest = split_telegrams(rest + two.encode()[-10:])
    assert frames == [two] and rest == b""


def test_p1_port_reads_complete_telegrams_over_pyserial() -> None:
    port = P1Port.open_port("loop://", name="p1_meter")
    assert isinstance(port, SmartMeterP1)
    assert not port._serial.is_open                 # opened at the first read: unread, the meter stays silent
    assert port.read_telegrams() == []
    frame = telegram()
    port._serial.write(frame.encode()[:100])
    assert port.read_telegrams() == []
    port._serial.write(frame.encode()[100:] + frame.encode())
    assert port.read_telegrams() == [frame, frame]
    port.close()
    with pytest.raises(InstrumentError, match="not open"):
        port.read_telegrams()


def test_split_returns_every_telegram_of_a_long_backlog() -> None:
    frames = [telegram(energy_import_kwh=12.0 + k / 1000.0) for k in range(3000)]
    found, rest = split_telegrams("".join(frames).encode())
    assert found == frames and rest == b""


def test_released_p1_port_drops_its_backlog_and_reopens_at_the_next_read() -> None:
    port = P1Port.open_port("loop://", name="p1_meter")
    frame = telegram()
    port.read_telegrams()
    port._serial.write(frame.encode()[:100])
    assert port.read_telegrams() == []
    port.release()
    assert not port._serial.is_open and port._buffer == b""
    assert port.read_telegrams() == []                  # reopened: a fresh loop, nothing buffered
    port._serial.write(frame.encode())
    assert port.read_telegrams() == [frame]


def test_p1_port_that_cannot_open_is_an_instrument_error() -> None:
    with pytest.raises(InstrumentError, match="cannot open P1 port"):
        P1Port.open_port("nosuchscheme://x", name="p1_meter")
