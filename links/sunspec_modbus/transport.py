"""The one I/O seam of the SunSpec link: pysunspec2's Modbus TCP device with checked replies.

Every register exchange (request and reply) goes through :class:`CheckedSunSpecDevice`, which
- turns pysunspec2 / socket failures into flexbench's :class:`LinkError` tree (``raise ... from``),
- checks the reply frame (function code, byte count) and names it in hex when it cannot be decoded,
- reports each exchange to ``on_exchange`` (the link renders it for the trace).
"""

from __future__ import annotations

import re
import socket
import struct
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sunspec2.modbus.client as ss_client
import sunspec2.modbus.modbus as ss_modbus

from bench.deadlines import Deadline, abort_socket, deadline, with_grace_s
from bench.errors import LinkError, LinkTimeout, ProtocolFrameError
from links.modbus_protocol import (
    FC_READ_HOLDING, FC_WRITE_REGISTER, FC_WRITE_REGISTERS, ModbusExceptionReply, function_text,
)

_MBAP_LEN = 7   # transaction id, protocol id, length, unit id


@dataclass(frozen=True)
class ModbusExchange:
    """One Modbus request and its reply (or exception, or failure) as the link saw it."""

    function: int
    address: int
    count: int
    data: bytes | None                  # written data (None for a read)
    exception_code: int | None = None
    error: str | None = None


class CheckedSunSpecDevice(ss_client.SunSpecModbusClientDeviceTCP):
    """pysunspec2's TCP device whose read/write never leak pysunspec2 or socket exceptions."""

    def __init__(self, *, unit_id: int, host: str, port: int, timeout_s: float,
                 on_exchange: Callable[[ModbusExchange], None]) -> None:
        super().__init__(slave_id=unit_id, ipaddr=host, ipport=port, timeout=timeout_s,
                         trace_func=self._capture_frame)
        self._on_exchange = on_exchange
        self._last_request = b""
        self._last_reply = b""
        #: communication failures (not Modbus exception replies) since last cleared, for discovery
        self.failures: list[LinkError] = []

    # pysunspec2 hands us every frame as '> HEX' / '< HEX'
    def _capture_frame(self, line: str) -> None:
        frame = bytes.fromhex(line[2:])
        if line.startswith(">"):
            self._last_request, self._last_reply = frame, b""
        else:
            self._last_reply = frame

    @property
    def endpoint(self) -> str:
        return f"{self.ipaddr}:{self.ipport} unit {self.slave_id}"

    def connect(self, timeout: float | None = None) -> None:
        try:
            super().connect(timeout)
            self.client.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except Exception as exc:  # pysunspec2 wraps every socket error in ModbusClientError
            self.disconnect()
            raise self._translate(exc, f"connect to {self.endpoint}") from exc

    def read(self, addr: int, count: int, op: int = FC_READ_HOLDING) -> bytes:
        addr, count = int(addr), int(count)     # pysunspec2's scan passes floats
        self._ensure_connected()
        data: bytes = b""
        with self._deadline(count) as reply_deadline:
            try:
                data = super().read(addr, count, op)
                self._check_reply(FC_READ_HOLDING, addr, count, data)
            except Exception as exc:
                error = self._fail(self._timed_out(exc, reply_deadline, FC_READ_HOLDING, addr),
                                   FC_READ_HOLDING, addr, count, None)
                raise error from exc
        self._on_exchange(ModbusExchange(FC_READ_HOLDING, addr, count, None))
        return data

    def write(self, addr: int, data: bytes) -> None:
        addr = int(addr)
        self._ensure_connected()
        count = len(data) // 2
        function = FC_WRITE_REGISTER if count == 1 else FC_WRITE_REGISTERS
        with self._deadline(count) as reply_deadline:
            try:
                super().write(addr, data)
                self._check_reply(function, addr, count, None)
            except Exception as exc:
                error = self._fail(self._timed_out(exc, reply_deadline, function, addr),
                                   function, addr, count, bytes(data))
                raise error from exc
        self._on_exchange(ModbusExchange(function, addr, count, bytes(data)))

    # --- internals ----------------------------------------------------------------------------
    def _deadline(self, count: int) -> AbstractContextManager[Deadline]:
        """A deadline of ``timeout`` per request frame for the whole exchange (pysunspec2 splits a read
        into frames of at most 125 registers): a DUT that trickles its reply cannot hold it longer."""
        frames = max(1, -(-count // 125))
        sock = getattr(self.client, "socket", None) if self.client is not None else None
        return deadline(with_grace_s(float(self.timeout) * frames), abort_socket(sock))

    def _timed_out(self, exc: BaseException, reply_deadline: Deadline, function: int, addr: int) -> BaseException:
        if not reply_deadline.expired:
            return exc
        return LinkTimeout(f"{self.endpoint}: no complete reply to {function_text(function)} at {addr} within "
                           f"{self.timeout} s (deadline for the whole reply)")

    def _ensure_connected(self) -> None:
        if not self.is_connected():
            self.connect()

    def _check_reply(self, function: int, addr: int, count: int, data: bytes | None) -> None:
        reply = self._last_reply
        if len(reply) < _MBAP_LEN + 2:
            raise ProtocolFrameError(f"reply to {function_text(function)} at {addr} too short: "
                                     f"frame {reply.hex(' ')}")
        if reply[_MBAP_LEN] & 0x7F != function:
            raise ProtocolFrameError(f"reply to {function_text(function)} at {addr} carries function "
                                     f"0x{reply[_MBAP_LEN]:02X}: frame {reply.hex(' ')}")
        if data is not None and len(data) != 2 * count:
            raise ProtocolFrameError(f"reply to {function_text(function)} at {addr} count {count} "
                                     f"carries {len(data)} bytes: frame {reply.hex(' ')}")
        if data is None:
            echoed = struct.unpack(">H", reply[_MBAP_LEN + 1:_MBAP_LEN + 3])[0] if len(reply) >= 10 else -1
            if not addr <= echoed < addr + count:
                raise ProtocolFrameError(f"reply to {function_text(function)} at {addr} echoes "
                                         f"address {echoed}: frame {reply.hex(' ')}")

    def _fail(self, exc: BaseException, function: int, addr: int, count: int,
              data: bytes | None) -> LinkError:
        if isinstance(exc, ss_modbus.ModbusClientException):
            match = re.search(r"exception:?\s*(\d+)", str(exc))
            code = int(match.group(1)) if match else -1
            self._on_exchange(ModbusExchange(function, addr, count, data, exception_code=code))
            return ModbusExceptionReply(endpoint=self.endpoint, function_code=function, exception_code=code,
                                        address=addr)
        error = self._translate(exc, f"{function_text(function)} at {addr} count {count}")
        self.failures.append(error)
        self._on_exchange(ModbusExchange(function, addr, count, data, error=str(error)))
        self.disconnect()         # the stream may be out of step: start clean next time
        return error

    def _translate(self, exc: BaseException, what: str) -> LinkError:
        if isinstance(exc, LinkError):
            return exc
        text = str(exc)
        if isinstance(exc, (TimeoutError, socket.timeout)) or "timed out" in text:
            return LinkTimeout(f"{self.endpoint}: no answer to {what} within {self.timeout} s")
        if isinstance(exc, ss_modbus.ModbusClientTimeout):   # recv() returned b'': peer closed
            return LinkError(f"{self.endpoint}: connection closed by the DUT during {what}")
        if isinstance(exc, (ss_modbus.ModbusClientError, ss_client.SunSpecModbusClientError, OSError)):
            return LinkError(f"{self.endpoint}: {what} failed: {text}")
        frame = self._last_reply or self._last_request
        return ProtocolFrameError(f"{self.endpoint}: cannot decode the reply to {what} "
                                  f"({type(exc).__name__}: {text}): frame {frame.hex(' ')}")
