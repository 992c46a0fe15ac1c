"""The simulated lab's generic Modbus server for a declared vendor register map, bound to a backend.

The simulated device decides every value; this server only maps between registers and the
device's points, with the same parser and codec as the link (:mod:`links.modbus_map`):

* every read asks the backend (``read_point``) for the points it touches, scales them
  (fixed exponent or the backend's value of the sunssf point) and encodes them;
* every write decodes the registers into engineering units and hands each whole point to
  ``write_point`` (a write that covers part of a point is refused);
* exception replies (Modbus Application Protocol V1.1b3 §7): an address no point declares, a write
  to a read-only point, a read of a write-only point, a write covering part of a point, or the
  backend raising ``LookupError``/``KeyError`` (it does not implement that point) -> 02 ILLEGAL
  DATA ADDRESS; ``write_point`` raising ``ValueError`` -> 03 ILLEGAL DATA VALUE; the backend raising
  :class:`ExceptionReply` -> that code (a fault knob, e.g. 06 SERVER DEVICE BUSY); any other
  backend failure -> 04 SERVER DEVICE FAILURE (logged).
* unit id: the map's ``unit_id`` unless ``unit_id=`` is given (pass the link's ``unit_id`` key when
  the profile overrides it); pymodbus answers a request for another unit id with exception 04.

Coils and discrete inputs: a read is refused with 02 when its first bit is not a declared readable
point; further undeclared bits inside the read come back as 0 (pymodbus hands the hook only the
first address of a bit read). Writes are checked bit by bit.

Usage from a simulated device's ``serve()`` (the lab publishes the returned endpoints; the bench's
``modbus_map_tcp`` / ``modbus_map_rtu`` openers resolve ``port: sim`` / ``serial_port: sim`` from
the names ``dut_modbus`` and ``dut_rtu``)::

    from links.modbus_map.server import start_modbus_map_rtu, start_modbus_map_tcp
    from links.modbus_map import parse_register_map

    class HeatPumpBackend:                       # implements MapBackend
        def __init__(self, pump): self.pump = pump
        def read_point(self, name):
            return {"active_power_w": self.pump.power_w, "operating_mode": self.pump.mode}[name]
        def write_point(self, name, value):
            if name == "power_limit_w":
                if value < 0:
                    raise ValueError("negative limit")   # -> exception 03
                self.pump.limit_w = value

    async def serve(self, host):
        cfg = self.ctx.links["modbus"]
        register_map = parse_register_map(cfg["register_map"], path="links.modbus.register_map")
        self._tcp, port = await start_modbus_map_tcp(register_map, HeatPumpBackend(self), host, 0)
        self._rtu, tty = await start_modbus_map_rtu(register_map, HeatPumpBackend(self))
        return {"dut_modbus": port, "dut_rtu": tty}

    async def aclose(self):
        await self._tcp.close()
        await self._rtu.close()

RTU runs on pseudo-terminals, as a USB-RS485 adapter appears to the bench: pymodbus' own serial
server opens one pty, the link opens another (the returned ``/dev/pts/N``), and the two masters are
joined back to back in the running loop (a null-modem cable). Both servers run in the caller's
asyncio loop (the lab's), no threads; ``await handle.close()`` stops them.

The only lab-side module of this package that imports pymodbus (3.16.1, pinned): it uses
``SimDevice`` with an ``action`` hook, which pymodbus calls before every register access.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import tty
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from links.modbus_map.codec import (
    Value, check_exponent, decode_registers, encode_registers, to_engineering, to_raw,
)
from links.modbus_map.register_map import Point, RegisterMap, Table

log = logging.getLogger(__name__)

_TABLE_OF_FUNCTION = {1: Table.COIL, 5: Table.COIL, 15: Table.COIL, 2: Table.DISCRETE,
                      3: Table.HOLDING, 6: Table.HOLDING, 16: Table.HOLDING, 4: Table.INPUT}
_WRITE_FUNCTIONS = {5, 6, 15, 16}


class MapBackend(Protocol):
    """What a simulated device implements to be served through a register map.

    Values are engineering units (scale already removed); an enum point takes/gives its raw integer
    (``read_point`` may also return the label). ``write_point`` raises ``ValueError`` for a value
    the device refuses (-> exception 03) or :class:`ExceptionReply` for another exception code.
    """

    def read_point(self, name: str) -> float | int | bool: ...

    def write_point(self, name: str, value: float | int | bool) -> None: ...


class ExceptionReply(Exception):
    """Raised by a backend to answer with a given Modbus exception code (e.g. 0x06 busy)."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = int(code)
        super().__init__(message or f"exception code {code:02d}")


@dataclass(frozen=True)
class ServedRequest:
    """One request the server handled (for tests and lab logs)."""

    function_code: int
    table: Table
    address: int
    count: int                      # registers, or for bit reads the 16-bit words pymodbus touched
    points: tuple[str, ...]
    exception_code: int | None = None


class _MapAction:
    """pymodbus ``SimDevice.action``: runs before every access, calls the backend, fills registers."""

    def __init__(self, register_map: RegisterMap, backend: MapBackend, journal: deque[ServedRequest]) -> None:
        self.map = register_map
        self.backend = backend
        self.journal = journal
        self.by_table = {t: register_map.in_table(t) for t in Table}
        self.bit_points = {t: {p.address: p for p in register_map.in_table(t)} for t in (Table.COIL, Table.DISCRETE)}

    async def __call__(self, func_code: int, start_address: int, address: int, count: int,
                       registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        table = _TABLE_OF_FUNCTION.get(func_code)
        if table is None:
            self._log(func_code, Table.HOLDING, address, count, (), ExcCodes.ILLEGAL_FUNCTION)
            return ExcCodes.ILLEGAL_FUNCTION
        if set_values is None and func_code in _WRITE_FUNCTIONS:
            return None                 # pymodbus re-reads a written register/coil for its echo
        if table.is_bit_table:
            if set_values is None:
                return self._read_bits(func_code, table, start_address, address, count, registers)
            return self._write_bits(func_code, address, [bool(v) for v in set_values])
        if set_values is None:
            return self._read_registers(func_code, table, start_address, address, count, registers)
        return self._write_registers(func_code, address, [int(v) for v in set_values])

    # --- registers ------------------------------------------------------------------------------
    def _read_registers(self, fc: int, table: Table, start: int, address: int, count: int,
                        registers: list[int]) -> ExcCodes | None:
        points = [p for p in self.by_table[table] if p.address < address + count and p.end > address]
        names = tuple(p.name for p in points)
        if any(not p.readable for p in points):
            return self._log(fc, table, address, count, names, ExcCodes.ILLEGAL_ADDRESS)
        for point in points:
            try:
                regs = encode_registers(point, to_raw(point, self._value(point), self._exponent(point)))
            except ExceptionReply as exc:
                return self._log(fc, table, address, count, names, ExcCodes(exc.code))
            except LookupError:     # the device does not implement this point
                return self._log(fc, table, address, count, names, ExcCodes.ILLEGAL_ADDRESS)
            except Exception:       # a backend bug must not kill the lab: answer 04 and log it
                log.exception("modbus map: cannot serve point %r", point.name)
                return self._log(fc, table, address, count, names, ExcCodes.DEVICE_FAILURE)
            offset = point.address - start
            registers[offset:offset + point.size] = regs
        return self._log(fc, table, address, count, names, None)

    def _write_registers(self, fc: int, address: int, values: list[int]) -> ExcCodes | None:
        end = address + len(values)
        points = [p for p in self.by_table[Table.HOLDING] if p.address < end and p.end > address]
        names = tuple(p.name for p in points)
        if any(p.address < address or p.end > end or not p.writable for p in points):
            return self._log(fc, Table.HOLDING, address, len(values), names, ExcCodes.ILLEGAL_ADDRESS)
        for point in points:
            regs = values[point.address - address:point.end - address]
            code = self._apply(point, functools.partial(self._engineering, point, regs))
            if code is not None:
                return self._log(fc, Table.HOLDING, address, len(values), names, code)
        return self._log(fc, Table.HOLDING, address, len(values), names, None)

    # --- bits -----------------------------------------------------------------------------------
    def _read_bits(self, fc: int, table: Table, start_word: int, address: int, words: int,
                   registers: list[int]) -> ExcCodes | None:
        first = self.bit_points[table].get(address)
        if first is None or not first.readable:
            return self._log(fc, table, address, words, (), ExcCodes.ILLEGAL_ADDRESS)
        low, high = (address // 16) * 16, (address // 16 + words) * 16
        points = [p for a, p in self.bit_points[table].items() if low <= a < high and p.readable]
        names = tuple(p.name for p in points)
        for point in points:
            try:
                value = bool(self._value(point))
            except ExceptionReply as exc:
                return self._log(fc, table, address, words, names, ExcCodes(exc.code))
            except LookupError:
                return self._log(fc, table, address, words, names, ExcCodes.ILLEGAL_ADDRESS)
            except Exception:
                log.exception("modbus map: cannot serve point %r", point.name)
                return self._log(fc, table, address, words, names, ExcCodes.DEVICE_FAILURE)
            index, mask = point.address // 16 - start_word, 1 << (point.address % 16)
            registers[index] = (registers[index] | mask) if value else (registers[index] & ~mask)
        return self._log(fc, table, address, words, names, None)

    def _write_bits(self, fc: int, address: int, values: list[bool]) -> ExcCodes | None:
        points = [self.bit_points[Table.COIL].get(address + i) for i in range(len(values))]
        names = tuple(p.name for p in points if p is not None)
        if any(p is None or not p.writable for p in points):
            return self._log(fc, Table.COIL, address, len(values), names, ExcCodes.ILLEGAL_ADDRESS)
        for point, value in zip(points, values, strict=True):
            assert point is not None
            code = self._apply(point, functools.partial(_as_written, value))
            if code is not None:
                return self._log(fc, Table.COIL, address, len(values), names, code)
        return self._log(fc, Table.COIL, address, len(values), names, None)

    # --- backend --------------------------------------------------------------------------------
    def _value(self, point: Point) -> Value:
        value = self.backend.read_point(point.name)
        if isinstance(value, str):
            if value not in point.enum_values:
                raise RuntimeError(f"backend gave {value!r} for {point.name!r}, not one of its enum labels")
            value = point.enum_values[value]
        return value

    def _exponent(self, point: Point) -> int:
        if point.scale_point is None:
            return point.scale_exponent
        return check_exponent(point, int(self.backend.read_point(point.scale_point)))

    def _engineering(self, point: Point, registers: list[int]) -> Value:
        """The engineering value of ``point`` from the raw ``registers`` a client wrote."""
        return to_engineering(point, decode_registers(point, registers), self._exponent(point))

    def _apply(self, point: Point, engineering: Callable[[], Value]) -> ExcCodes | None:
        """Compute the engineering value and hand it to the backend; the exception code, if any."""
        try:
            self.backend.write_point(point.name, engineering())
        except ExceptionReply as exc:
            return ExcCodes(exc.code)
        except LookupError:
            return ExcCodes.ILLEGAL_ADDRESS
        except ValueError as exc:
            log.info("modbus map: the device refused a write of %r: %s", point.name, exc)
            return ExcCodes.ILLEGAL_VALUE
        except Exception:
            log.exception("modbus map: cannot write point %r", point.name)
            return ExcCodes.DEVICE_FAILURE
        return None

    def _log(self, fc: int, table: Table, address: int, count: int, names: tuple[str, ...],
             code: ExcCodes | None) -> ExcCodes | None:
        self.journal.append(ServedRequest(fc, table, address, count, names, None if code is None else int(code)))
        return code


def _as_written(value: Value) -> Value:
    """A coil's engineering value is the bit as written."""
    return value


def build_sim_device(register_map: RegisterMap, backend: MapBackend, *, unit_id: int | None = None,
                     journal: deque[ServedRequest] | None = None) -> SimDevice:
    """A pymodbus ``SimDevice`` with one separate block per table and the backend behind its action."""
    blocks: dict[Table, list[SimData]] = {t: [] for t in Table}
    for point in register_map.points:
        if point.table.is_bit_table:
            blocks[point.table].append(SimData(address=point.address, values=[False], datatype=DataType.BITS))
        else:
            blocks[point.table].append(SimData(address=point.address, count=point.size, values=0,
                                               datatype=DataType.REGISTERS, readonly=not point.writable))
    for table in Table:                 # pymodbus needs a block per table: an undeclared placeholder
        if not blocks[table]:
            blocks[table].append(SimData(address=0, values=[False], datatype=DataType.BITS)
                                 if table.is_bit_table else SimData(address=0, datatype=DataType.INVALID))
    action = _MapAction(register_map, backend, journal if journal is not None else deque(maxlen=1000))

    async def hook(func_code: int, start_address: int, address: int, count: int, registers: list[int],
                   set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        return await action(func_code, start_address, address, count, registers, set_values)

    return SimDevice(id=register_map.unit_id if unit_id is None else unit_id,
                     simdata=(blocks[Table.COIL], blocks[Table.DISCRETE], blocks[Table.HOLDING],
                              blocks[Table.INPUT]),
                     action=hook)


@dataclass
class ModbusMapServerHandle:
    """A running register-map server; ``await handle.close()`` stops it (idempotent)."""

    register_map: RegisterMap
    endpoint: int | str                         # TCP port, or the tty path the link opens
    _server: ModbusTcpServer | ModbusSerialServer
    _null_modem: _NullModem | None = None
    requests: deque[ServedRequest] = field(default_factory=lambda: deque(maxlen=1000))
    _closed: bool = False

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._server.shutdown()
        if self._null_modem is not None:
            self._null_modem.close()

    async def __aenter__(self) -> ModbusMapServerHandle:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


class _NullModem:
    """Two pseudo-terminal pairs whose masters are joined in the running loop, like two RS-485
    adapters on one pair of wires. The slave ends stay open here too, so either side may close and
    re-open its tty without the other seeing a hang-up. Bytes nobody reads are dropped, as on a bus."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._fds: list[int] = []
        self.server_master, self.server_path = self._pair()
        self.link_master, self.link_path = self._pair()
        loop.add_reader(self.server_master, self._copy, self.server_master, self.link_master)
        loop.add_reader(self.link_master, self._copy, self.link_master, self.server_master)

    def _pair(self) -> tuple[int, str]:
        master, slave = os.openpty()
        self._fds += [master, slave]
        tty.setraw(slave)               # no echo, no line editing: a raw byte pipe like a UART
        os.set_blocking(master, False)
        return master, os.ttyname(slave)

    def _copy(self, source: int, sink: int) -> None:
        try:
            data = os.read(source, 4096)
            if data:
                os.write(sink, data)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:          # EIO while no slave is open, or a full buffer: bytes lost
            log.debug("modbus map rtu: bytes dropped (%s)", exc)

    def close(self) -> None:
        for fd in (self.server_master, self.link_master):
            self._loop.remove_reader(fd)
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds.clear()


async def start_modbus_map_tcp(register_map: RegisterMap, backend: MapBackend, host: str, port: int = 0, *,
                               unit_id: int | None = None) -> tuple[ModbusMapServerHandle, int]:
    """Serve ``register_map`` over Modbus TCP on ``host:port`` (0 = a free port); returns (handle, port).

    Await it in the lab's running event loop. ``unit_id`` overrides the map's unit id.
    """
    journal: deque[ServedRequest] = deque(maxlen=1000)
    device = build_sim_device(register_map, backend, unit_id=unit_id, journal=journal)
    server = ModbusTcpServer(device, address=(host, port))
    await server.serve_forever(background=True)
    sockets = getattr(server.transport, "sockets", None) or ()
    bound = next((s.getsockname()[1] for s in sockets if s.family in (socket.AF_INET, socket.AF_INET6)), port)
    return ModbusMapServerHandle(register_map, int(bound), server, requests=journal), int(bound)


async def start_modbus_map_rtu(register_map: RegisterMap, backend: MapBackend, *,
                               unit_id: int | None = None) -> tuple[ModbusMapServerHandle, str]:
    """Serve ``register_map`` over Modbus RTU on a pseudo-terminal; returns (handle, tty path).

    The link opens the returned path with pyserial as it would open ``/dev/ttyUSB0``. A pty has no
    line: any baud rate, byte size and stop bits are accepted, but the kernel refuses parity bits on
    a pty, so the link must use parity N (the ``modbus_map_rtu`` opener says so for ``serial_port: sim``).
    Await it in the lab's running event loop.
    """
    loop = asyncio.get_running_loop()
    journal: deque[ServedRequest] = deque(maxlen=1000)
    device = build_sim_device(register_map, backend, unit_id=unit_id, journal=journal)
    modem = _NullModem(loop)
    server = ModbusSerialServer(device, port=modem.server_path, baudrate=19200, parity="N", stopbits=1,
                                bytesize=8, timeout=1.0)
    try:
        await server.serve_forever(background=True)
    except BaseException:
        modem.close()
        raise
    return ModbusMapServerHandle(register_map, modem.link_path, server, modem, requests=journal), modem.link_path
