"""One generic link that drives any declared vendor register map, over Modbus TCP or Modbus RTU.

::

    link = ModbusMapLink(parse_register_map(cfg["register_map"], path="links.hp.register_map"),
                         RtuTransport("/dev/ttyUSB0", baudrate=9600, parity="N"), trace=print)
    with link:
        link.write("power_limit_w", 4200)           # engineering units; range-checked before sending
        link.write("sg_ready_mode", "boost")          # an enum point takes its label or its raw value
        values = link.read_many(["active_power_w", "operating_mode"])   # one request when adjacent
        link.service(now_s)                           # heartbeat when the watchdog period is due

Suites name points by role (``power_limit_w``, ``sg_ready_mode``, ``watchdog``, ...), never by
address, so one suite drives every vendor whose profile declares those roles.

Reads of several points in the same table that sit back to back are merged into one request (at
most 125 registers / 2000 bits, Modbus Application Protocol V1.1b3 §6.1-6.4); a point scaled by a
sunssf point is read together with its scale factor. Writes validate first (access, enum, declared
min/max, type range after scaling; see :mod:`links.modbus_map.codec` for the rounding rule) and
raise ``ValueError`` naming the point without sending anything.

Errors (nothing else leaves the link; see :mod:`links.modbus_map.wire` and docs/verdicts.md):

* the device's own answer that it lacks a point the profile's map declares — Modbus exception 01
  (ILLEGAL FUNCTION) or 02 (ILLEGAL DATA ADDRESS) to a request for that point, or its scale factor
  reading "not implemented" (0x8000) — is :class:`~bench.errors.DeviceLacksFunction` naming the
  point and register, the exception frame as evidence (a FAIL of the requirement that needs it). A
  merged read refused with 01 / 02 is repeated point by point, so the refusal names the one point;
* any other exception reply (03 ILLEGAL DATA VALUE, 04 SERVER DEVICE FAILURE, 06 BUSY, gateway
  codes) is :class:`~links.modbus_protocol.ModbusExceptionReply`, a
  :class:`~bench.errors.ProtocolFrameError` naming point, register, code and frame; a garbled or
  mismatched reply, or a scale factor outside -10..10, is a :class:`~bench.errors.ProtocolFrameError`;
* no reply is :class:`~bench.errors.LinkTimeout`; a connection or serial port that cannot be opened
  or breaks is :class:`~bench.errors.LinkError`.

Never imports ``simlab``: it speaks to the DUT only through the wire.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from types import TracebackType

from bench.errors import DeviceLacksFunction, ProtocolFrameError
from links.modbus_map.codec import (
    SUNSSF_NOT_IMPLEMENTED, Value, check_exponent, check_writable_value, decode_registers, encode_registers,
    format_value, to_engineering, to_raw,
)
from links.modbus_map.register_map import (
    INTEGER_RANGES, MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ, Point, PointType, RegisterMap, Table,
)
from links.modbus_map.wire import ModbusWire, TraceFunc, Transport
from links.modbus_protocol import ModbusExceptionReply, function_text

#: Modbus exception codes by which a device says it lacks what was asked: 01 ILLEGAL FUNCTION,
#: 02 ILLEGAL DATA ADDRESS (Modbus Application Protocol V1.1b3 §7)
LACKS_FUNCTION_CODES = (0x01, 0x02)


class ModbusMapLink:
    """A DUT's vendor register map over Modbus TCP or RTU. Use as a context manager."""

    def __init__(self, register_map: RegisterMap, transport: Transport, *, unit_id: int | None = None,
                 timeout_s: float = 1.0, trace: TraceFunc | None = None) -> None:
        self.register_map = register_map
        self.unit_id = register_map.unit_id if unit_id is None else unit_id
        self._wire = ModbusWire(transport, unit_id=self.unit_id, timeout_s=timeout_s, trace=trace)
        self._trace = trace
        self._lock = threading.RLock()
        self._heartbeat_count = 0
        self._heartbeat_toggle = False
        self._last_heartbeat_s: float | None = None
        self._heartbeat_paused = False
        self._watchdog_lack: DeviceLacksFunction | None = None

    # --- session --------------------------------------------------------------------------------
    @property
    def transport(self) -> Transport:
        return self._wire.transport

    @property
    def endpoint(self) -> str:
        return self._wire.endpoint

    def connect(self) -> None:
        self._wire.connect()

    def close(self) -> None:
        self._wire.close()

    def __enter__(self) -> ModbusMapLink:
        self.connect()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- reads ----------------------------------------------------------------------------------
    def read(self, name: str) -> Value:
        """One point in engineering units (float/int/bool; an enum point gives its raw integer)."""
        return self.read_many([name])[name]

    def read_label(self, name: str) -> str | None:
        """An enum point's current label (None when the DUT reports a value with no declared label)."""
        point = self.register_map.point(name)
        if not point.enum:
            raise ValueError(f"point {name!r} declares no enum")
        return point.label_of(int(self.read(name)))

    def read_many(self, names: Iterable[str]) -> dict[str, Value]:
        """Several points in engineering units; back-to-back points share one request."""
        wanted = list(dict.fromkeys(names))
        points = [self.register_map.point(n) for n in wanted]
        for point in points:
            if not point.readable:
                raise ValueError(f"point {point.name!r} is write-only (access w): it cannot be read")
        needed = wanted + [sf for sf in self.register_map.scale_points_of(wanted) if sf not in wanted]
        with self._lock:
            raw = self._read_raw([self.register_map.point(n) for n in needed])
        return {p.name: to_engineering(p, raw[p.name], self._exponent(p, raw)) for p in points}

    # --- writes ---------------------------------------------------------------------------------
    def write(self, name: str, value: Value | str) -> None:
        """Write one point in engineering units (an enum label or raw value for an enum point).

        Checked before anything is sent: access, enum, declared min/max, and that the scaled raw
        value fits the type (integers rounded to nearest, ties away from zero). A failed check
        raises ValueError naming the point.
        """
        point = self.register_map.point(name)
        engineering = check_writable_value(point, value)
        with self._lock:
            if point.scale_point is not None:
                exponent = self._exponent(point, self._read_raw([self.register_map.point(point.scale_point)]))
            else:
                exponent = point.scale_exponent
            raw = to_raw(point, engineering, exponent)
            self._write_raw(point, raw, format_value(point, engineering))

    # --- watchdog -------------------------------------------------------------------------------
    def heartbeat(self) -> int | bool:
        """Write the watchdog point once (the map's ``watchdog``); returns the raw value written."""
        spec = self.register_map.watchdog
        if spec is None:
            raise ValueError("the register map declares no watchdog")
        point = self.register_map.point(spec.point)
        with self._lock:
            value: int | bool
            if spec.value != "counter":
                value = bool(spec.value) if point.type is PointType.BOOL else int(spec.value)
            elif point.type is PointType.BOOL:
                self._heartbeat_toggle = not self._heartbeat_toggle
                value = self._heartbeat_toggle
            else:
                high = INTEGER_RANGES[point.type][1]
                self._heartbeat_count = self._heartbeat_count % high + 1
                value = self._heartbeat_count
            self._write_raw(point, value, f"{point.name}={int(value)} (heartbeat)")
            return value

    def service(self, now_s: float) -> bool:
        """Heartbeat if the watchdog period has passed on the bench clock; True when it wrote.

        Register it as a bench clock sampler so heartbeats follow bench time (virtual in simulation).
        A device that lacks the watchdog point (exception 01 / 02) stops the heartbeats for good: the
        lack is kept (:attr:`watchdog_lack`) and raised by :meth:`require_watchdog`, so only what needs
        the watchdog fails, not every request of the session.
        """
        spec = self.register_map.watchdog
        if spec is None or self._heartbeat_paused or self._watchdog_lack is not None:
            return False
        if self._last_heartbeat_s is not None and now_s - self._last_heartbeat_s < spec.period_s:
            return False
        try:
            self.heartbeat()
        except DeviceLacksFunction as lack:
            self._watchdog_lack = lack
            self._note(f"heartbeats stopped: the device lacks {lack.function}")
            return False
        self._last_heartbeat_s = now_s
        return True

    @property
    def watchdog_lack(self) -> DeviceLacksFunction | None:
        """Why the heartbeats stopped: the device refused the watchdog point (None while it takes them)."""
        return self._watchdog_lack

    def require_watchdog(self) -> None:
        """Raise the device's recorded lack of the watchdog point, if a heartbeat found one."""
        lack = self._watchdog_lack
        if lack is not None:
            raise DeviceLacksFunction(lack.function, lack.evidence)

    def next_heartbeat_s(self) -> float | None:
        """Bench time the next heartbeat is due (``-inf``: at the next :meth:`service` call); None
        without a watchdog or while paused."""
        spec = self.register_map.watchdog
        if spec is None or self._heartbeat_paused or self._watchdog_lack is not None:
            return None
        return float("-inf") if self._last_heartbeat_s is None else self._last_heartbeat_s + spec.period_s

    def pause_heartbeat(self) -> None:
        """Stop the periodic heartbeat (a suite checking the DUT's communication-loss failsafe).
        Raises DeviceLacksFunction when the device refused the watchdog point (:meth:`require_watchdog`)."""
        self.require_watchdog()
        self._heartbeat_paused = True
        self._note("heartbeat paused")

    def resume_heartbeat(self) -> None:
        """Resume the periodic heartbeat; the next :meth:`service` call writes at once."""
        self._heartbeat_paused = False
        self._last_heartbeat_s = None
        self._note("heartbeat resumed")

    @property
    def heartbeat_paused(self) -> bool:
        return self._heartbeat_paused

    # --- internals ------------------------------------------------------------------------------
    def _read_raw(self, points: Sequence[Point]) -> dict[str, int | float | bool]:
        raw: dict[str, int | float | bool] = {}
        for table, span in plan_reads(points):
            start = span[0].address
            count = span[-1].end - start
            try:
                values = self._wire.read(table, start, count, [p.name for p in span])
            except ModbusExceptionReply as refusal:
                if refusal.exception_code not in LACKS_FUNCTION_CODES:
                    raise
                if len(span) == 1:
                    raise _lacks_point(span[0], refusal) from refusal
                for point in span:                  # which declared point does the device lack?
                    raw.update(self._read_raw([point]))
                continue
            for point in span:
                offset = point.address - start
                if table.is_bit_table:
                    raw[point.name] = bool(values[offset])
                else:
                    raw[point.name] = decode_registers(point, [int(v) for v in values[offset:offset + point.size]])
        return raw

    def _write_raw(self, point: Point, raw: int | float | bool, what: str) -> None:
        try:
            if point.table is Table.COIL:
                self._wire.write_coil(point.address, bool(raw), [point.name], what)
            else:
                self._wire.write_registers(point.address, encode_registers(point, raw), [point.name], what,
                                           single_function=self.register_map.single_register_function)
        except ModbusExceptionReply as refusal:
            if refusal.exception_code in LACKS_FUNCTION_CODES:
                raise _lacks_point(point, refusal) from refusal
            raise

    def _exponent(self, point: Point, raw: dict[str, int | float | bool]) -> int:
        if point.scale_point is None:
            return point.scale_exponent
        exponent = int(raw[point.scale_point])
        if exponent == SUNSSF_NOT_IMPLEMENTED:
            scale = self.register_map.point(point.scale_point)
            raise DeviceLacksFunction(
                f"the scale factor {scale.name} ({scale.table.value} {_register_span(scale)}) of the "
                f"declared point {point.name}",
                f"{self.endpoint}: {scale.name} reads 0x8000 (not implemented)")
        try:
            return check_exponent(point, exponent)
        except ValueError as exc:
            raise ProtocolFrameError(f"{self.endpoint}: {exc}") from None

    def _note(self, text: str) -> None:
        if self._trace is not None:
            self._trace("out", text)


def _register_span(point: Point) -> str:
    return str(point.address) if point.end - point.address == 1 else f"{point.address}..{point.end - 1}"


def _lacks_point(point: Point, refusal: ModbusExceptionReply) -> DeviceLacksFunction:
    """Exception 01 / 02 to a request for a declared point: the device lacks that point."""
    return DeviceLacksFunction(
        f"the declared point {point.name} ({point.table.value} {_register_span(point)}, "
        f"{function_text(refusal.function_code)})", str(refusal))


def plan_reads(points: Sequence[Point]) -> list[tuple[Table, list[Point]]]:
    """Group points into requests: same table, back to back, within the per-request limit."""
    spans: list[tuple[Table, list[Point]]] = []
    unique = {p.name: p for p in points}.values()
    for table in Table:
        limit = MAX_BITS_PER_READ if table.is_bit_table else MAX_REGISTERS_PER_READ
        current: list[Point] = []
        for point in sorted((p for p in unique if p.table is table), key=lambda p: p.address):
            if current and point.address == current[-1].end and point.end - current[0].address <= limit:
                current.append(point)
                continue
            if current:
                spans.append((table, current))
            current = [point]
        if current:
            spans.append((table, current))
    return spans
