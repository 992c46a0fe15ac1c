"""An ASRL (serial) session end to end over a pseudo-terminal: the line settings and
terminations from the instrument's options reach the tty (pyvisa-py -> pyserial -> termios)."""

from __future__ import annotations

import os
import threading

import pytest

pty = pytest.importorskip("pty")
termios = pytest.importorskip("termios")

from instruments.transport import NO_RECONNECT, VisaTransport  # noqa: E402


def test_serial_instrument_on_a_pty_gets_its_line_settings_and_terminations() -> None:
    master, slave = pty.openpty()
    received: list[bytes] = []

    def instrument() -> None:  # answers *IDN? on lines ended by CR, replies end in LF
        buffer = b""
        while True:
            try:
                data = os.read(master, 1024)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b"\r" in buffer:
                line, buffer = buffer.split(b"\r", 1)
                received.append(line)
                if line == b"*IDN?":
                    os.write(master, b"ACME,PTY-1,0001,1.0\n")

    threading.Thread(target=instrument, daemon=True).start()
    transport = VisaTransport(f"ASRL{os.ttyname(slave)}::INSTR", timeout_ms=1000, options={
        "baud_rate": 115200, "data_bits": 8, "stop_bits": 1, "flow_control": "none",
        "write_termination": "\r", "read_termination": "\n"})
    try:
        assert transport.reconnect_policy == NO_RECONNECT  # reconnection is a LAN concern
        assert transport.tcp_nodelay is False
        assert transport.query("*IDN?") == "ACME,PTY-1,0001,1.0"
        assert received == [b"*IDN?"]
        assert termios.tcgetattr(slave)[4] == termios.B115200  # output speed on the tty
    finally:
        transport.close()
        os.close(slave)
        os.close(master)
