"""The simulated lab's generic Modbus server for declared vendor register maps (TCP and RTU on a pty)."""

from bench.sim.modbus_map.server import (
    ExceptionReply, MapBackend, ModbusMapServerHandle, ServedRequest, start_modbus_map_rtu,
    start_modbus_map_tcp,
)

__all__ = ["ExceptionReply", "MapBackend", "ModbusMapServerHandle", "ServedRequest", "start_modbus_map_rtu",
           "start_modbus_map_tcp"]
