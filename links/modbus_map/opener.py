"""Vendor Modbus register maps over Modbus TCP (``modbus_map_tcp``) or RTU on RS-485 (``modbus_map_rtu``).

Profile keys (``links.<name>``)::

    protocol: modbus_map_tcp          # or modbus_map_rtu
    register_map: {...}               # required: see links/modbus_map/register_map.py
    unit_id: 1                        # optional: overrides register_map.unit_id
    timeout_s: 1.0                    # optional: reply timeout per request
    # modbus_map_tcp
    host: 192.0.2.20                  # required unless port is "sim" (then the lab's host)
    port: 502                         # or "sim": the simulated device's "dut_modbus" endpoint
    # modbus_map_rtu
    serial_port: /dev/ttyUSB0         # or "sim": the simulated device's "dut_rtu" endpoint (a pty)
    baudrate: 19200                   # optional, default 19200
    parity: E                         # optional N/E/O, default E (Modbus over Serial Line §2.5.1)
    stopbits: 1                       # optional 1/2
    bytesize: 8                       # optional 7/8

A simulated device publishes its endpoints from ``serve()`` under the names ``dut_modbus`` (TCP
port) and ``dut_rtu`` (tty path); ``"sim"`` resolves them from ``session.lab.ports``. The lab's pty
carries no parity bit, so ``serial_port: sim`` needs ``parity: N``.

When the map declares a ``watchdog``, the opener writes the first heartbeat on open and registers a
bench-clock service that writes it every ``period_s`` of bench time (virtual in simulation; the clock
stops for it when the heartbeat is due); suites stop it with ``link.pause_heartbeat()`` to exercise
the DUT's failsafe. A device that refuses the watchdog point (Modbus exception 01 / 02) does not fail
the session: the heartbeats stop, a warning ``event`` says so, and only a test that needs the watchdog
(``pause_heartbeat`` / ``require_watchdog``) fails with that DeviceLacksFunction.

Record: every request and reply is a ``command`` line, ``target`` ``dut`` (control link) or
``dut:<name>``, ``direction`` ``to_dut``/``from_dut``, ``text`` ``-> <decoded request> | <ADU hex>`` /
``<- <decoded reply> | <ADU hex>`` (the OCPP link's shape).
"""

from __future__ import annotations

from typing import Any, TypeGuard

from links.openers import COMMON_KEYS, trace_target
from bench.errors import ConfigError

SIM_TCP_ENDPOINT = "dut_modbus"
SIM_RTU_ENDPOINT = "dut_rtu"
DEFAULT_TIMEOUT_S = 1.0

_COMMON = ("register_map", "unit_id", "timeout_s")
_TCP_KEYS = _COMMON + ("host", "port")
_RTU_KEYS = _COMMON + ("serial_port", "baudrate", "parity", "stopbits", "bytesize")
_KEYS_BY_PROTOCOL = {"modbus_map_tcp": _TCP_KEYS, "modbus_map_rtu": _RTU_KEYS}


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class ModbusMapOpener:
    """Opens a :class:`~links.modbus_map.ModbusMapLink` for a declared register map."""

    KEYS = tuple(sorted(set(_TCP_KEYS) | set(_RTU_KEYS)))

    @staticmethod
    def validate(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        """Check the link's keys and parse its register map; ``doc.error`` names the field."""
        from links.modbus_map import parse_register_map

        protocol = cfg.get("protocol")
        keys = _KEYS_BY_PROTOCOL.get(str(protocol))
        if keys is None:
            raise doc.error(f"links.{name}.protocol", f"not a register-map protocol: {protocol!r}")
        for key in cfg:
            if key not in keys and key not in COMMON_KEYS:
                raise doc.error(f"links.{name}.{key}", f"unknown key for protocol {protocol!r} "
                                                       f"(known: {', '.join(sorted(set(keys) | COMMON_KEYS))})")
        if "register_map" not in cfg:
            raise doc.error(f"links.{name}.register_map", "required: the device's declared register map")
        register_map = parse_register_map(cfg["register_map"], path=f"links.{name}.register_map",
                                          file=doc.file, error=doc.error)
        rtu = protocol == "modbus_map_rtu"
        unit_id = cfg.get("unit_id", register_map.unit_id)
        low = 1 if rtu else 0
        if not _is_int(unit_id) or not low <= unit_id <= 247:
            field = f"links.{name}.unit_id" if "unit_id" in cfg else f"links.{name}.register_map.unit_id"
            raise doc.error(field, f"must be an integer within {low}..247"
                                   + (" (0 is the RTU broadcast address: no reply)" if rtu else "")
                                   + f", found {unit_id!r}")
        timeout = cfg.get("timeout_s", DEFAULT_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise doc.error(f"links.{name}.timeout_s", f"must be a positive number of seconds, found {timeout!r}")
        if rtu:
            ModbusMapOpener._validate_rtu(doc, name, cfg)
        else:
            ModbusMapOpener._validate_tcp(doc, name, cfg)

    @staticmethod
    def _validate_tcp(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        port = cfg.get("port")
        if port != "sim" and not (_is_int(port) and 1 <= port <= 65535):
            raise doc.error(f"links.{name}.port", f"required: a TCP port 1..65535 or \"sim\", found {port!r}")
        host = cfg.get("host")
        if host is None and port != "sim":
            raise doc.error(f"links.{name}.host", "required for a real device: the DUT's address")
        if host is not None and (not isinstance(host, str) or not host):
            raise doc.error(f"links.{name}.host", f"must be a host name or address, found {host!r}")

    @staticmethod
    def _validate_rtu(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        serial_port = cfg.get("serial_port")
        if not isinstance(serial_port, str) or not serial_port:
            raise doc.error(f"links.{name}.serial_port",
                            f"required: a serial device path (e.g. /dev/ttyUSB0) or \"sim\", found {serial_port!r}")
        baudrate = cfg.get("baudrate", 19200)
        if not _is_int(baudrate) or baudrate <= 0:
            raise doc.error(f"links.{name}.baudrate", f"must be a positive integer, found {baudrate!r}")
        parity = cfg.get("parity", "E")
        if parity not in ("N", "E", "O"):
            raise doc.error(f"links.{name}.parity", f"must be N, E or O, found {parity!r}")
        if serial_port == "sim" and parity != "N":
            raise doc.error(f"links.{name}.parity",
                            "the simulated lab's RS-485 line is a pseudo-terminal, which carries no parity bit: "
                            "use parity N with serial_port sim")
        if cfg.get("stopbits", 1) not in (1, 2) or isinstance(cfg.get("stopbits"), bool):
            raise doc.error(f"links.{name}.stopbits", f"must be 1 or 2, found {cfg.get('stopbits')!r}")
        if cfg.get("bytesize", 8) not in (7, 8) or isinstance(cfg.get("bytesize"), bool):
            raise doc.error(f"links.{name}.bytesize", f"must be 7 or 8, found {cfg.get('bytesize')!r}")

    def __init__(self, session: Any, name: str, cfg: dict[str, Any]) -> None:
        from links.modbus_map import parse_register_map

        self.session, self.name, self.cfg = session, name, cfg
        doc = session.profile.doc
        self.validate(doc, name, cfg)
        self.register_map = parse_register_map(cfg["register_map"], path=f"links.{name}.register_map",
                                               file=doc.file, error=doc.error)
        self.link: Any = None
        self._closed = False

    def before_lab(self) -> dict[str, Any]:
        return {}

    def open(self) -> Any:
        from links.modbus_map import ModbusMapLink, RtuTransport, TcpTransport

        session, cfg = self.session, self.cfg
        transport: TcpTransport | RtuTransport
        if cfg["protocol"] == "modbus_map_rtu":
            serial_port = cfg["serial_port"]
            if serial_port == "sim":
                serial_port = str(self._sim_endpoint(SIM_RTU_ENDPOINT, "serial_port"))
            transport = RtuTransport(serial_port, baudrate=int(cfg.get("baudrate", 19200)),
                                     parity=str(cfg.get("parity", "E")), stopbits=int(cfg.get("stopbits", 1)),
                                     bytesize=int(cfg.get("bytesize", 8)))
        else:
            port, host = cfg["port"], cfg.get("host")
            if port == "sim":
                port = self._sim_endpoint(SIM_TCP_ENDPOINT, "port")
                host = host or getattr(getattr(session.lab, "spec", None), "host", None) or "127.0.0.1"
            transport = TcpTransport(str(host), int(port))
        target = trace_target(self.name)

        def trace(direction: str, text: str) -> None:   # same shape as the OCPP link's frames
            if direction == "out":
                session.recorder.write("command", target=target, text="-> " + text, direction="to_dut")
            else:
                session.recorder.write("command", target=target, text="<- " + text, direction="from_dut")

        self.link = ModbusMapLink(self.register_map, transport, unit_id=cfg.get("unit_id"),
                                  timeout_s=float(cfg.get("timeout_s", DEFAULT_TIMEOUT_S)), trace=trace)
        self.link.connect()
        clock = getattr(session, "clock", None)
        if self.register_map.watchdog is not None:
            self.link.service(clock.now_s() if clock is not None else 0.0)
            lack = self.link.watchdog_lack
            if lack is not None:
                session.recorder.write("event", level="warning",
                                       message=f"{target}: no watchdog heartbeats, the device lacks "
                                               f"{lack.function}: {lack.evidence}")
            elif clock is not None:
                clock.add_service(self._service, self._next_service_s)
        if self.name == "control":
            session.recorder.write("dut_identity", declared=session.profile.identity, read=None)
        return self.link

    def close(self) -> None:
        self._closed = True
        if self.link is not None:
            self.link.close()

    def _service(self, t_s: float) -> None:
        if not self._closed and self.link is not None:
            self.link.service(t_s)

    def _next_service_s(self) -> float | None:
        if self._closed or self.link is None:
            return None
        due: float | None = self.link.next_heartbeat_s()
        return due

    def _sim_endpoint(self, endpoint: str, key: str) -> int | str:
        lab = self.session.lab
        field = f"links.{self.name}.{key}"
        if lab is None:
            raise ConfigError("\"sim\" needs the simulated lab (this bench drives real hardware)",
                              file=self.session.profile.file, field=field)
        ports = dict(getattr(lab, "ports", {}) or {})
        if endpoint not in ports:
            raise ConfigError(f"the simulated device publishes no {endpoint!r} endpoint "
                              f"(published: {', '.join(sorted(ports)) or 'none'})",
                              file=self.session.profile.file, field=field)
        value: int | str = ports[endpoint]
        return value
