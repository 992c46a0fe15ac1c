"""The generic link over Modbus RTU: pyserial on a pseudo-terminal, as a USB-RS485 adapter appears."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterator

import pytest

from bench.errors import LinkTimeout, ProtocolFrameError
from links.modbus_map.server import ModbusMapServerHandle
from links.modbus_map import ModbusExceptionReply, ModbusMapLink, RtuTransport

from .helpers import TraceLog
from .helpers import DictBackend, heat_pump_map


def crc16_modbus(frame: bytes) -> bytes:
    """CRC-16/MODBUS, bit by bit (Modbus over Serial Line V1.02 §6.2.2), low byte first."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def _link(path: str, tracer: Callable[[str, str], None] | None = None, timeout_s: float = 1.0) -> ModbusMapLink:
    return ModbusMapLink(heat_pump_map(), RtuTransport(path, baudrate=9600, parity="N"), timeout_s=timeout_s,
                         trace=tracer)


def test_rtu_round_trip(rtu_server: tuple[ModbusMapServerHandle, str], backend: DictBackend, tracer,  # type: ignore[no-untyped-def]
                        trace_log: TraceLog) -> None:
    handle, path = rtu_server
    assert path.startswith("/dev/pts/") and path == handle.endpoint
    with _link(path, tracer) as link:
        assert link.read_many(["power_limit_w", "active_power_w", "compressor_enable", "defrost_active"]) == {
            "power_limit_w": 5000, "active_power_w": pytest.approx(-1234.5), "compressor_enable": True,
            "defrost_active": False}
        link.write("power_limit_w", 4200)
        link.write("sg_ready_mode", "recommended")
        link.write("compressor_enable", False)
        assert link.heartbeat() == 1
        assert link.read_many(["power_limit_w", "sg_ready_mode", "compressor_enable"]) == {
            "power_limit_w": 4200, "sg_ready_mode": 3, "compressor_enable": False}
    assert backend.writes == [("power_limit_w", 4200), ("sg_ready_mode", 3), ("compressor_enable", False),
                              ("watchdog", 1)]
    # RTU frames on the wire: unit 3, function 03, address 100, count 1, CRC-16/MODBUS (low byte first)
    request, reply = bytes.fromhex("03 03 00 64 00 01"), bytes.fromhex("03 03 02 01 f4")
    assert trace_log[0] == ("out", "read holding registers (0x03) holding 100 [power_limit_w] | "
                                   + (request + crc16_modbus(request)).hex(" "))
    assert trace_log[1] == ("in", "read holding registers reply: registers [500] | "
                                  + (reply + crc16_modbus(reply)).hex(" "))


def test_rtu_exception_reply_names_point_and_code(rtu_server: tuple[ModbusMapServerHandle, str]) -> None:
    _handle, path = rtu_server
    with _link(path) as link:
        with pytest.raises(ModbusExceptionReply, match=r"Modbus RTU /dev/pts/\d+ 9600 baud 8N1 unit 3: DUT refused "
                                                       r"write single register \(function code 0x06\) at holding "
                                                       r"100 for power_limit_w: Modbus exception code 03"):
            link.write("power_limit_w", 8800)
        assert link.read("power_limit_w") == 5000        # the line is still in step


def test_the_link_closes_and_reopens_its_port(rtu_server: tuple[ModbusMapServerHandle, str]) -> None:
    _handle, path = rtu_server
    for _ in range(2):
        with _link(path) as link:
            assert link.read("operating_mode") == 1


@pytest.fixture
def bare_line() -> Iterator[tuple[int, str]]:
    """A pty whose far end only the test drives (no server)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _answer_once(master: int, reply: bytes) -> threading.Thread:
    def run() -> None:
        ready, _, _ = select.select([master], [], [], 5.0)
        if ready:
            time.sleep(0.01)
            os.read(master, 256)
            os.write(master, reply)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_rtu_silence_is_a_link_timeout(bare_line: tuple[int, str]) -> None:
    _master, path = bare_line
    with _link(path, timeout_s=0.3) as link:
        with pytest.raises(LinkTimeout, match=r"no reply to read holding registers \(0x03\) holding 100 "
                                              r"\[power_limit_w\] within 0.3 s"):
            link.read("power_limit_w")


def test_rtu_frame_with_a_bad_crc_is_a_protocol_frame_error(bare_line: tuple[int, str]) -> None:
    master, path = bare_line
    reply = bytes.fromhex("03 03 02 01 f4")
    corrupted = reply + bytes([crc16_modbus(reply)[0] ^ 0x01, crc16_modbus(reply)[1]])   # one CRC bit flipped
    thread = _answer_once(master, corrupted)
    with _link(path, timeout_s=0.3) as link:
        with pytest.raises(ProtocolFrameError, match=f"frame {corrupted.hex(' ')}$"):
            link.read("power_limit_w")
    thread.join(2.0)
