"""The smart meter's P1 port (DSMR 5): telegram encoding and checked parsing, shared by the simulated
meter and the charger in the lab and by the bench's P1-port instrument (instruments/drivers/p1_port.py).
See docs/p1-meter.md."""

from links.p1.telegram import (P1Reading, TelegramError, crc16_arc, crc_ok, encode_telegram, instantaneous_part,
                               parse_telegram, split_telegrams)

__all__ = ["P1Reading", "TelegramError", "crc16_arc", "crc_ok", "encode_telegram", "instantaneous_part",
           "parse_telegram", "split_telegrams"]
