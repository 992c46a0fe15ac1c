"""VISA resource strings: which interface class a string names, and how to open it.

One table row per resource class pyvisa-py (0.8.1) can open; :func:`open_kwargs` turns a parsed
resource, an explicit I/O timeout and the optional per-instrument ``options`` into the keyword
arguments of ``ResourceManager('@py').open_resource``. Pure functions: tested without hardware.

Resource syntax follows the VISA specification (IVI-4.1, section 4.3.1 "Address strings"):

=================  ==========================================  ==========================
class              example                                     notes
=================  ==========================================  ==========================
``TCPIP_SOCKET``   ``TCPIP::192.0.2.10::5025::SOCKET``         raw SCPI over TCP (port)
``TCPIP_HISLIP``   ``TCPIP::192.0.2.11::hislip0::INSTR``       IVI-6.1 HiSLIP
``TCPIP_VXI11``    ``TCPIP::192.0.2.12::inst0::INSTR``         VXI-11 (LAN device name)
``USB_INSTR``      ``USB::0x0957::0x1907::MY123::INSTR``       USBTMC (needs PyUSB)
``GPIB_INSTR``     ``GPIB0::5::INSTR``                         needs linux-gpib/gpib-ctypes
``ASRL_INSTR``     ``ASRL/dev/ttyUSB0::INSTR``, ``ASRL1::INSTR``  serial (pyserial)
=================  ==========================================  ==========================

Terminations: message-based LAN/USB/GPIB instruments end a reply with an END indicator and
almost always a ``\\n`` too, so ``\\n`` both ways is the default everywhere (overridable per
instrument with ``read_termination`` / ``write_termination`` options). Serial lines have no END
indicator: the read termination is the only message boundary, so it is set explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.errors import ConfigError

__all__ = ["ResourceClass", "RESOURCE_CLASSES", "ParsedResource", "parse_resource",
           "SerialSettings", "open_kwargs", "COMMON_OPTIONS", "SERIAL_OPTIONS"]

COMMON_OPTIONS = frozenset({"read_termination", "write_termination"})
SERIAL_OPTIONS = frozenset({"baud_rate", "data_bits", "parity", "stop_bits", "flow_control"})


@dataclass(frozen=True)
class ResourceClass:
    """One interface class: how to recognise its resource strings and how to open them."""

    key: str
    pattern: re.Pattern[str]
    description: str
    open_timeout_floor_ms: int
    """Shortest open timeout used: a VXI-11 open is a portmapper call plus ``create_link``,
    a HiSLIP open two connections and an ``Initialize`` handshake; a SOCKET open one connect."""
    lan: bool
    """A LAN session: reconnected after a dropped connection."""
    tcp_nodelay: bool
    """Set ``TCP_NODELAY`` on the session's socket (pyvisa-py ignores the VISA attribute)."""
    serial: bool = False
    needs_module: str | None = None
    """Python module pyvisa-py needs for this class (None: always available)."""
    options: frozenset[str] = field(default=COMMON_OPTIONS)


_HOST = r"(?P<host>[^:\s]+)"
RESOURCE_CLASSES: tuple[ResourceClass, ...] = (
    ResourceClass("TCPIP_SOCKET",
                  re.compile(rf"^TCPIP(?P<board>\d*)::{_HOST}::(?P<port>\d+)::SOCKET$", re.I),
                  "raw socket (SCPI over TCP)", open_timeout_floor_ms=0, lan=True, tcp_nodelay=True),
    ResourceClass("TCPIP_HISLIP",
                  re.compile(rf"^TCPIP(?P<board>\d*)::{_HOST}::(?P<device>hislip\d+)(?:,(?P<port>\d+))?"
                             r"(?:::INSTR)?$", re.I),
                  "HiSLIP (IVI-6.1)", open_timeout_floor_ms=5000, lan=True, tcp_nodelay=False),
    ResourceClass("TCPIP_VXI11",
                  re.compile(rf"^TCPIP(?P<board>\d*)::{_HOST}(?:::(?P<device>(?!hislip)(?!INSTR$)[A-Za-z][\w,]*))?"
                             r"(?:::INSTR)?$", re.I),
                  "VXI-11 (TCPIP INSTR)", open_timeout_floor_ms=5000, lan=True, tcp_nodelay=False),
    ResourceClass("USB_INSTR",
                  re.compile(r"^USB(?P<board>\d*)::(?P<vendor>0x[0-9A-F]+|\d+)::(?P<product>0x[0-9A-F]+|\d+)"
                             r"::(?P<serial_number>[^:]+)(?:::(?P<interface>\d+))?(?:::INSTR)?$", re.I),
                  "USBTMC", open_timeout_floor_ms=2000, lan=False, tcp_nodelay=False, needs_module="usb"),
    ResourceClass("GPIB_INSTR",
                  re.compile(r"^GPIB(?P<board>\d*)::(?P<primary>\d+)(?:::(?P<secondary>\d+))?(?:::INSTR)?$",
                             re.I),
                  "GPIB (IEEE 488.1)", open_timeout_floor_ms=2000, lan=False, tcp_nodelay=False,
                  needs_module="gpib"),
    ResourceClass("ASRL_INSTR",
                  re.compile(r"^ASRL(?P<device>\d+|/dev/[^:\s]+|COM\d+)(?:::INSTR)?$", re.I),
                  "serial (RS-232 via pyserial)", open_timeout_floor_ms=0, lan=False, tcp_nodelay=False,
                  serial=True, needs_module="serial", options=COMMON_OPTIONS | SERIAL_OPTIONS),
)


@dataclass(frozen=True)
class ParsedResource:
    """A resource string and the table row it matched, with its named fields."""

    resource: str
    resource_class: ResourceClass
    fields: dict[str, str]

    @property
    def host(self) -> str | None:
        return self.fields.get("host")

    @property
    def port(self) -> int | None:
        port = self.fields.get("port")
        return int(port) if port and port.isdigit() else None


def parse_resource(resource: str) -> ParsedResource:
    """Match ``resource`` against :data:`RESOURCE_CLASSES`; raise ``ConfigError`` when none fits."""
    text = resource.strip()
    for resource_class in RESOURCE_CLASSES:
        match = resource_class.pattern.match(text)
        if match is not None:
            fields = {k: v for k, v in match.groupdict().items() if v is not None}
            return ParsedResource(text, resource_class, fields)
    raise ConfigError(
        f"{resource!r} is not a VISA resource string flexbench can open (TCPIP::host::port::SOCKET, "
        "TCPIP::host::inst0::INSTR, TCPIP::host::hislip0::INSTR, USB::vid::pid::serial::INSTR, "
        "GPIB0::addr::INSTR, ASRL/dev/ttyX::INSTR)", field="resource")


BAUD_RATES = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
PARITIES = ("none", "odd", "even", "mark", "space")
STOP_BITS = (1, 1.5, 2)
FLOW_CONTROLS = ("none", "xon_xoff", "rts_cts", "dtr_dsr")


@dataclass(frozen=True)
class SerialSettings:
    """Line settings of an ASRL resource; strict (an unknown value is refused, never rounded)."""

    baud_rate: int = 9600
    data_bits: int = 8
    parity: str = "none"
    stop_bits: float = 1
    flow_control: str = "none"

    def __post_init__(self) -> None:
        checks: tuple[tuple[str, Any, tuple[Any, ...]], ...] = (
            ("baud_rate", self.baud_rate, BAUD_RATES), ("data_bits", self.data_bits, (5, 6, 7, 8)),
            ("parity", self.parity, PARITIES), ("stop_bits", self.stop_bits, STOP_BITS),
            ("flow_control", self.flow_control, FLOW_CONTROLS))
        for name, value, allowed in checks:
            if isinstance(value, bool) or value not in allowed:
                raise ConfigError(f"{value!r} is not one of {list(allowed)}", field=f"options.{name}")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> "SerialSettings":
        return cls(**{k: options[k] for k in SERIAL_OPTIONS if k in options})

    def visa_kwargs(self) -> dict[str, Any]:
        """The pyvisa ``SerialInstrument`` attributes (VI_ATTR_ASRL_*)."""
        from pyvisa import constants

        parity = {"none": constants.Parity.none, "odd": constants.Parity.odd,
                  "even": constants.Parity.even, "mark": constants.Parity.mark,
                  "space": constants.Parity.space}[self.parity]
        stop = {1: constants.StopBits.one, 1.5: constants.StopBits.one_and_a_half,
                2: constants.StopBits.two}[self.stop_bits]
        flow = {"none": constants.ControlFlow.none, "xon_xoff": constants.ControlFlow.xon_xoff,
                "rts_cts": constants.ControlFlow.rts_cts,
                "dtr_dsr": constants.ControlFlow.dtr_dsr}[self.flow_control]
        return {"baud_rate": self.baud_rate, "data_bits": self.data_bits, "parity": parity,
                "stop_bits": stop, "flow_control": flow}


def open_kwargs(parsed: ParsedResource, *, timeout_ms: int,
                options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``open_resource``: explicit I/O and open timeouts, terminations,
    and for serial lines the line settings. Unknown options raise ``ConfigError``."""
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0:
        raise ValueError(f"timeout_ms must be a positive integer, got {timeout_ms!r}")
    options = dict(options or {})
    resource_class = parsed.resource_class
    unknown = sorted(set(options) - resource_class.options)
    if unknown:
        raise ConfigError(f"{resource_class.key} takes no option(s) {unknown}; allowed: "
                          f"{sorted(resource_class.options)}", field=f"options.{unknown[0]}")
    for name in COMMON_OPTIONS & set(options):
        if not isinstance(options[name], str) or not options[name]:
            raise ConfigError("a termination is a non-empty string", field=f"options.{name}")
    kwargs: dict[str, Any] = {
        "timeout": timeout_ms,
        "open_timeout": max(timeout_ms, resource_class.open_timeout_floor_ms),
        "read_termination": options.get("read_termination", "\n"),
        "write_termination": options.get("write_termination", "\n"),
    }
    if resource_class.serial:
        kwargs.update(SerialSettings.from_options(options).visa_kwargs())
    return kwargs
