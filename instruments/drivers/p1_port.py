"""A smart meter's P1 port (DSMR 5, model key ``dsmr5_p1_port``). Fills the
:class:`instruments.capabilities.SmartMeterP1` capability.

P1 is one-way: with its data-request line raised the meter sends a telegram every second (DSMR 5.0.2
P1 Companion Standard §4: 115200 baud, 8N1, no handshake); there are no commands, so no command rows.
The resource is a pyserial URL: ``/dev/ttyUSB0`` for a P1 cable on the bench PC, ``socket://host:port``
for a serial-over-TCP bridge (ser2net, a P1 splitter with Ethernet, the simulated lab's meter).

The port is opened at the first :meth:`P1Port.read_telegrams` (``open`` only checks the URL): a bench
that never reads it (a campaign without a P1 requirement) leaves it closed, and the simulated meter
then sends nothing (it sends only while someone listens), so the lab's physics is not stopped every
second for nobody.

On hardware the port is either the real meter's (through a P1 splitter: the DUT keeps its own cable)
or a P1 emulator's output read back. Telegrams are returned raw; the suites parse and check them with
links/p1/telegram.py (``dsmr-parser``, CRC verified).
"""

from __future__ import annotations

from typing import Any

from bench.errors import InstrumentError
from links.p1.telegram import split_telegrams

__all__ = ["P1Port"]

BAUD_RATE = 115200
MAX_BUFFER_BYTES = 1 << 20


class P1Port:
    """A P1 port opened with pyserial (see the module docstring)."""

    commands: tuple[Any, ...] = ()

    def __init__(self, url: str, *, name: str, timeout_ms: int = 2000) -> None:
        self.url = url
        self.name = name
        self.timeout_s = timeout_ms / 1000.0
        self._serial: Any = None
        self._buffer = b""

    @classmethod
    def open_port(cls, resource: str, *, name: str, timeout_ms: int = 2000, trace: Any = None) -> P1Port:
        """Open ``resource`` (instruments/registry.py ``open_instrument`` for stream ports)."""
        port = cls(resource, name=name, timeout_ms=timeout_ms)
        port.open()
        return port

    def open(self) -> None:
        """Check the URL (the port itself opens at the first read)."""
        import serial

        try:
            self._serial = serial.serial_for_url(self.url, baudrate=BAUD_RATE, bytesize=8, parity="N",
                                                 stopbits=1, timeout=0, do_not_open=True)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise InstrumentError(f"{self.name}: cannot open P1 port {self.url!r}: {exc}") from exc

    def identify(self) -> str:
        """P1 has no identification query: the port's own description."""
        return f"DSMR5,P1 port,{self.url},0"

    def check_errors(self) -> None:
        """Nothing to read: the port has no error queue."""

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def release(self) -> None:
        """Close the connection (the URL stays: the next read reopens it) and drop what is buffered,
        so a meter is not sending into a port nobody reads."""
        if self._serial is not None and self._serial.is_open:
            self._serial.close()
        self._buffer = b""

    def read_telegrams(self) -> list[str]:
        """Every complete telegram received since the previous call, oldest first (waits for
        nothing: an incomplete telegram stays buffered for the next call)."""
        import serial

        if self._serial is None:
            raise InstrumentError(f"{self.name}: P1 port {self.url!r} is not open")
        try:
            if not self._serial.is_open:
                self._serial.open()
            while True:
                chunk = self._serial.read(65536)
                if not chunk:
                    break
                self._buffer += chunk
        except (serial.SerialException, OSError) as exc:
            raise InstrumentError(f"{self.name}: reading P1 port {self.url!r} failed: {exc}") from exc
        telegrams, self._buffer = split_telegrams(self._buffer)
        if len(self._buffer) > MAX_BUFFER_BYTES:
            raise InstrumentError(f"{self.name}: {len(self._buffer)} bytes without a telegram end on {self.url!r}")
        return telegrams
