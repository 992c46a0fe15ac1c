"""Vendor Modbus register maps: a profile declares the points, one generic link drives them.

Modbus TCP or Modbus RTU on RS-485 (pyserial through pymodbus' serial client). The parser
(:mod:`~links.modbus_map.register_map`) and codec (:mod:`~links.modbus_map.codec`) are shared with the
simulated lab's server (:mod:`links.modbus_map.server`); only :mod:`~links.modbus_map.wire`
imports pymodbus.
"""

from links.modbus_map.codec import Value
from links.modbus_map.link import ModbusMapLink, plan_reads
from links.modbus_map.register_map import (
    Access, Order, Point, PointType, RegisterMap, Table, WatchdogSpec, parse_register_map,
)
from links.modbus_map.wire import RtuTransport, TcpTransport, TraceFunc, Transport
from links.modbus_protocol import ModbusExceptionReply

__all__ = [
    "Access", "ModbusExceptionReply", "ModbusMapLink", "Order", "Point", "PointType", "RegisterMap",
    "RtuTransport", "Table", "TcpTransport", "TraceFunc", "Transport", "Value", "WatchdogSpec",
    "parse_register_map", "plan_reads",
]
