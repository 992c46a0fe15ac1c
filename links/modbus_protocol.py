"""Modbus Application Protocol names shared by the bench's two Modbus links.

Both :mod:`links.modbus_map` (vendor register maps, pymodbus) and :mod:`links.sunspec_modbus`
(SunSpec, pysunspec2) speak the same application protocol: the function codes, the exception
codes and their names, and the error a DUT's exception reply becomes (:class:`ModbusExceptionReply`)
live here, once.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.errors import ProtocolFrameError

__all__ = [
    "EXCEPTION_NAMES", "FC_READ_COILS", "FC_READ_DISCRETE", "FC_READ_HOLDING", "FC_READ_INPUT",
    "FC_WRITE_COIL", "FC_WRITE_REGISTER", "FC_WRITE_REGISTERS", "FUNCTION_NAMES", "ModbusExceptionReply",
    "exception_name", "function_text",
]

#: Modbus Application Protocol V1.1b3 §6 function codes
FC_READ_COILS, FC_READ_DISCRETE, FC_READ_HOLDING, FC_READ_INPUT = 0x01, 0x02, 0x03, 0x04
FC_WRITE_COIL, FC_WRITE_REGISTER, FC_WRITE_REGISTERS = 0x05, 0x06, 0x10
FUNCTION_NAMES = {
    FC_READ_COILS: "read coils", FC_READ_DISCRETE: "read discrete inputs",
    FC_READ_HOLDING: "read holding registers", FC_READ_INPUT: "read input registers",
    FC_WRITE_COIL: "write single coil", FC_WRITE_REGISTER: "write single register",
    FC_WRITE_REGISTERS: "write multiple registers",
}
#: Modbus Application Protocol V1.1b3 §7 exception codes
EXCEPTION_NAMES = {
    0x01: "ILLEGAL FUNCTION", 0x02: "ILLEGAL DATA ADDRESS", 0x03: "ILLEGAL DATA VALUE",
    0x04: "SERVER DEVICE FAILURE", 0x05: "ACKNOWLEDGE", 0x06: "SERVER DEVICE BUSY",
    0x08: "MEMORY PARITY ERROR", 0x0A: "GATEWAY PATH UNAVAILABLE",
    0x0B: "GATEWAY TARGET DEVICE FAILED TO RESPOND",
}


def function_text(function_code: int) -> str:
    """``"read holding registers (0x03)"``: the function's name and code, for traces and errors."""
    return f"{FUNCTION_NAMES.get(function_code, 'function')} (0x{function_code:02X})"


def exception_name(exception_code: int) -> str:
    """The specification's name of an exception code (``"ILLEGAL DATA VALUE"``), or ``"unknown"``."""
    return EXCEPTION_NAMES.get(exception_code, "unknown")


class ModbusExceptionReply(ProtocolFrameError):
    """The DUT answered with a Modbus exception response (names endpoint, function, address, points, code).

    ``table`` is the register table the request addressed (``"holding"``, ``"input"``, ``"coil"``,
    ``"discrete"``); ``points`` the names of the points it covered, when the link knows them;
    ``frame`` the reply's bytes as received, when the link has them. A link that knows the
    profile declares the points turns codes 01 / 02 into :class:`~bench.errors.DeviceLacksFunction`.
    """

    def __init__(self, *, endpoint: str, function_code: int, exception_code: int, address: int,
                 table: str = "holding", points: Sequence[str] = (), frame: bytes = b"") -> None:
        self.endpoint = endpoint
        self.function_code = function_code
        self.exception_code = exception_code
        self.address = address
        self.table = table
        self.points = tuple(points)
        self.frame = bytes(frame)
        covering = f" for {', '.join(self.points)}" if self.points else ""
        name = EXCEPTION_NAMES.get(exception_code, "unknown exception")
        super().__init__(
            f"{endpoint}: DUT refused {FUNCTION_NAMES.get(function_code, 'function')} "
            f"(function code 0x{function_code:02X}) at {table} {address}{covering}: "
            f"Modbus exception code {exception_code:02d} ({name})"
            + (f": frame {self.frame.hex(' ')}" if self.frame else ""))
