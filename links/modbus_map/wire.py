"""The one I/O seam of the register-map link: a pymodbus 3.16 sync client, TCP or RTU, traced and checked.

The only module of :mod:`links.modbus_map` that imports pymodbus (pinned 3.16.1: its client
keywords moved between minors, ``slave=`` became ``device_id=``). Every transaction
- is traced as ``trace("out", "<decoded request> | <ADU hex>")`` when sent and
  ``trace("in", "<decoded reply> | <ADU hex>")`` when answered (TCP: MBAP header included;
  RTU: address and CRC included), so the record holds the exact wire bytes;
- turns failures into the :mod:`bench.errors` tree: no answer -> :class:`LinkTimeout`; a Modbus
  exception reply -> :class:`~links.modbus_protocol.ModbusExceptionReply` (a
  :class:`ProtocolFrameError` naming points, function, exception code and frame; the link turns
  codes 01 / 02 into :class:`~bench.errors.DeviceLacksFunction`); bytes that are not the expected
  reply -> :class:`ProtocolFrameError` naming the bytes; a connection that cannot be opened or
  breaks -> :class:`LinkError`; a TCP connection the DUT dropped is re-opened once and the request
  sent once more. No pymodbus or pyserial exception leaves this module.

RTU (Modbus over Serial Line V1.02 §2.5.1.1): the link keeps a silent interval of 3.5 characters
(1.75 ms above 19200 baud) between a reply and its next request.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerType
from pymodbus.pdu import ExceptionResponse, ModbusPDU

from bench.errors import LinkError, LinkTimeout, ProtocolFrameError
from links.modbus_map.register_map import Table
from links.modbus_protocol import (
    FC_READ_COILS, FC_READ_DISCRETE, FC_READ_HOLDING, FC_READ_INPUT, FC_WRITE_COIL, FC_WRITE_REGISTER,
    FC_WRITE_REGISTERS, FUNCTION_NAMES, ModbusExceptionReply, exception_name, function_text,
)

TraceFunc = Callable[[str, str], None]

READ_FUNCTION = {Table.COIL: FC_READ_COILS, Table.DISCRETE: FC_READ_DISCRETE,
                 Table.HOLDING: FC_READ_HOLDING, Table.INPUT: FC_READ_INPUT}
PARITIES = ("N", "E", "O")


@dataclass(frozen=True)
class TcpTransport:
    """Modbus TCP (Modbus Messaging on TCP/IP Implementation Guide V1.0b); 502 is the registered port."""

    host: str
    port: int = 502

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("TcpTransport: host must not be empty")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"TcpTransport: port {self.port} is not within 1..65535")

    def describe(self) -> str:
        return f"Modbus TCP {self.host}:{self.port}"


@dataclass(frozen=True)
class RtuTransport:
    """Modbus RTU on RS-485 through a serial port (e.g. a USB-RS485 adapter's ``/dev/ttyUSB0``).

    Defaults follow Modbus over Serial Line V1.02 §2.5.1: 19200 baud, even parity, 1 stop bit.
    """

    serial_port: str
    baudrate: int = 19200
    parity: str = "E"
    stopbits: int = 1
    bytesize: int = 8

    def __post_init__(self) -> None:
        if not self.serial_port:
            raise ValueError("RtuTransport: serial_port must not be empty")
        if self.baudrate <= 0:
            raise ValueError(f"RtuTransport: baudrate {self.baudrate} must be positive")
        if self.parity not in PARITIES:
            raise ValueError(f"RtuTransport: parity {self.parity!r} is not one of N, E, O")
        if self.stopbits not in (1, 2):
            raise ValueError(f"RtuTransport: stopbits {self.stopbits} is not 1 or 2")
        if self.bytesize not in (7, 8):
            raise ValueError(f"RtuTransport: bytesize {self.bytesize} is not 7 or 8")

    @property
    def silent_interval_s(self) -> float:
        """t3.5: 3.5 characters of 11 bits, fixed at 1.75 ms above 19200 baud (§2.5.1.1)."""
        return 0.00175 if self.baudrate > 19200 else 3.5 * 11 / self.baudrate

    def describe(self) -> str:
        return (f"Modbus RTU {self.serial_port} {self.baudrate} baud "
                f"{self.bytesize}{self.parity}{self.stopbits}")


Transport = TcpTransport | RtuTransport


class ModbusWire:
    """A pymodbus sync client with traced, checked transactions. Not thread-safe beyond its lock."""

    def __init__(self, transport: Transport, *, unit_id: int, timeout_s: float,
                 trace: TraceFunc | None = None) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s {timeout_s} must be positive")
        if isinstance(transport, RtuTransport) and not 1 <= unit_id <= 247:
            raise ValueError(f"RTU unit_id {unit_id} must be within 1..247 (0 is broadcast: no reply)")
        if not 0 <= unit_id <= 255:
            raise ValueError(f"unit_id {unit_id} must be within 0..255")
        self.transport = transport
        self.unit_id = unit_id
        self.timeout_s = timeout_s
        self._trace = trace
        self._lock = threading.RLock()
        self._rx = b""
        self._out_text = ""
        self._last_rx_monotonic = 0.0
        self._client: ModbusTcpClient | ModbusSerialClient
        if isinstance(transport, TcpTransport):
            self._client = ModbusTcpClient(transport.host, port=transport.port, timeout=timeout_s, retries=0,
                                           trace_packet=self._on_packet)
        else:
            self._client = ModbusSerialClient(transport.serial_port, framer=FramerType.RTU,
                                              baudrate=transport.baudrate, bytesize=transport.bytesize,
                                              parity=transport.parity, stopbits=transport.stopbits,
                                              timeout=timeout_s, retries=0, trace_packet=self._on_packet)

    @property
    def endpoint(self) -> str:
        return f"{self.transport.describe()} unit {self.unit_id}"

    @property
    def connected(self) -> bool:
        return bool(self._client.connected)

    def connect(self) -> None:
        with self._lock:
            if self._client.connected:
                return
            if not self._client.connect():
                what = ("cannot connect" if isinstance(self.transport, TcpTransport)
                        else "cannot open the serial port")
                raise LinkError(f"{self.endpoint}: {what} (within {self.timeout_s} s)")
            sock = getattr(self._client, "socket", None)
            if isinstance(sock, socket.socket):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        with self._lock:
            self._client.close()

    # --- transactions ---------------------------------------------------------------------------
    def read(self, table: Table, address: int, count: int, points: Sequence[str]) -> list[int] | list[bool]:
        """Read ``count`` registers (or bits) of ``table`` from ``address``; checked length."""
        fc = READ_FUNCTION[table]
        unit = "bits" if table.is_bit_table else "registers"
        text = f"{function_text(fc)} {table.value} {_span(address, count)} [{', '.join(points)}]"
        if fc == FC_READ_COILS:
            call = lambda: self._client.read_coils(address, count=count, device_id=self.unit_id)  # noqa: E731
        elif fc == FC_READ_DISCRETE:
            call = lambda: self._client.read_discrete_inputs(address, count=count, device_id=self.unit_id)  # noqa: E731
        elif fc == FC_READ_HOLDING:
            call = lambda: self._client.read_holding_registers(address, count=count, device_id=self.unit_id)  # noqa: E731
        else:
            call = lambda: self._client.read_input_registers(address, count=count, device_id=self.unit_id)  # noqa: E731
        with self._lock:
            reply = self._transact(fc, table, address, points, text, call)
            if table.is_bit_table:
                bits = list(reply.bits)
                if len(bits) < count or len(bits) - count >= 8:
                    raise self._frame_error(f"reply to {text} carries {len(bits)} bits for {count} requested")
                values: list[int] | list[bool] = [bool(b) for b in bits[:count]]
            else:
                values = list(reply.registers)
                if len(values) != count:
                    raise self._frame_error(f"reply to {text} carries {len(values)} registers for {count} requested")
            self._emit("in", f"{FUNCTION_NAMES[fc]} reply: {unit} {_values_text(values)}")
            return values

    def write_registers(self, address: int, registers: Sequence[int], points: Sequence[str], what: str,
                        *, single_function: int = FC_WRITE_REGISTER) -> None:
        """Write holding registers (0x06 for one register unless ``single_function`` is 0x10; else 0x10)."""
        regs = [int(r) for r in registers]
        fc = FC_WRITE_REGISTER if len(regs) == 1 and single_function == FC_WRITE_REGISTER else FC_WRITE_REGISTERS
        text = (f"{function_text(fc)} holding {_span(address, len(regs))} "
                f"{what} raw {_values_text(regs)}")
        if fc == FC_WRITE_REGISTER:
            call = lambda: self._client.write_register(address, regs[0], device_id=self.unit_id)  # noqa: E731
        else:
            call = lambda: self._client.write_registers(address, regs, device_id=self.unit_id)  # noqa: E731
        with self._lock:
            reply = self._transact(fc, Table.HOLDING, address, points, text, call)
            if fc == FC_WRITE_REGISTER:
                ok = reply.address == address and list(reply.registers) == regs
                echo = f"address {reply.address} value {_values_text(list(reply.registers))}"
            else:
                ok = reply.address == address and reply.count == len(regs)
                echo = f"address {reply.address} count {reply.count}"
            if not ok:
                raise self._frame_error(f"reply to {text} echoes {echo}")
            self._emit("in", f"{FUNCTION_NAMES[fc]} reply: echo {echo}")

    def write_coil(self, address: int, value: bool, points: Sequence[str], what: str) -> None:
        """Write one coil (0x05: 0xFF00 on, 0x0000 off)."""
        text = f"{function_text(FC_WRITE_COIL)} coil {address} {what}"
        call = lambda: self._client.write_coil(address, bool(value), device_id=self.unit_id)  # noqa: E731
        with self._lock:
            reply = self._transact(FC_WRITE_COIL, Table.COIL, address, points, text, call)
            echoed = bool(reply.bits[0]) if reply.bits else None
            if reply.address != address or echoed is not bool(value):
                raise self._frame_error(f"reply to {text} echoes address {reply.address} value {echoed}")
            self._emit("in", f"{FUNCTION_NAMES[FC_WRITE_COIL]} reply: echo address {address} value {echoed}")

    # --- internals ------------------------------------------------------------------------------
    def _transact(self, fc: int, table: Table, address: int, points: Sequence[str], text: str,
                  call: Callable[[], ModbusPDU]) -> ModbusPDU:
        for attempt in (1, 2):
            self.connect()
            self._wait_silent_interval()
            self._rx, self._out_text = b"", text
            try:
                reply = call()
            except (ConnectionException, OSError) as exc:
                self._client.close()
                if attempt == 1 and isinstance(self.transport, TcpTransport):
                    self._emit("in", f"connection dropped during {text} ({_reason(exc)}); reconnecting once")
                    continue
                self._emit("in", f"connection failed during {text}: {_reason(exc)}")
                raise LinkError(f"{self.endpoint}: connection failed during {text}: {_reason(exc)}") from exc
            except ModbusIOException as exc:
                self._client.close()            # the stream may be out of step: start clean next time
                if self._rx:
                    raise self._frame_error(f"no valid reply to {text} ({_reason(exc)})") from exc
                self._emit("in", f"no reply to {text} within {self.timeout_s} s")
                raise LinkTimeout(f"{self.endpoint}: no reply to {text} within {self.timeout_s} s") from exc
            except (ModbusException, ValueError, IndexError) as exc:
                self._client.close()
                raise self._frame_error(f"cannot decode the reply to {text} ({_reason(exc)})") from exc
            finally:
                self._last_rx_monotonic = time.monotonic()
            if isinstance(reply, ExceptionResponse):
                code = int(reply.exception_code)
                self._emit("in", f"exception reply to {FUNCTION_NAMES[fc]}: code {code:02d} "
                                 f"({exception_name(code)})")
                raise ModbusExceptionReply(endpoint=self.endpoint, function_code=fc, exception_code=code,
                                           address=address, table=table.value, points=points, frame=self._rx)
            if reply.function_code != fc:
                raise self._frame_error(f"reply to {text} carries function code 0x{reply.function_code:02X}")
            return reply
        raise AssertionError("unreachable")    # pragma: no cover

    def _wait_silent_interval(self) -> None:
        if isinstance(self.transport, RtuTransport):
            remaining = self._last_rx_monotonic + self.transport.silent_interval_s - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)   # wire timing of the RTU frame gap, not bench time

    def _on_packet(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self._emit("out", f"{self._out_text} | {data.hex(' ')}")
        else:
            self._rx = bytes(data)
        return data

    def _frame_error(self, what: str) -> ProtocolFrameError:
        frame = self._rx.hex(" ") if self._rx else "(none)"
        self._emit("in", f"invalid reply: {what}")
        self._client.close()
        return ProtocolFrameError(f"{self.endpoint}: {what}: frame {frame}")

    def _emit(self, direction: str, text: str) -> None:
        if self._trace is None:
            return
        if direction == "in" and self._rx and " | " not in text:
            text = f"{text} | {self._rx.hex(' ')}"
        self._trace(direction, text)


def _span(address: int, count: int) -> str:
    return str(address) if count == 1 else f"{address}..{address + count - 1}"


def _values_text(values: Sequence[int | bool]) -> str:
    return "[" + ", ".join(str(int(v)) if isinstance(v, bool) else str(v) for v in values) + "]"


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
