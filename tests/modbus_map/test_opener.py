"""The modbus_map_tcp / modbus_map_rtu openers: key validation, "sim" endpoints, record, heartbeat."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from links.openers import OPENERS, validate_link
from links.modbus_map.opener import ModbusMapOpener
from bench.errors import ConfigError, DeviceLacksFunction
from links.modbus_map.server import ModbusMapServerHandle
from bench.yamlconf import LoadedYaml, load_yaml

from .helpers import HEAT_PUMP_MAP, DictBackend, NoWatchdogBackend


def _doc(tmp_path: Path, link: dict[str, Any], name: str = "heat_pump") -> LoadedYaml:
    path = tmp_path / "hp.yaml"
    path.write_text(yaml.safe_dump({"links": {name: link}}, sort_keys=False), encoding="utf-8")
    return load_yaml(path)


def _tcp(**changes: Any) -> dict[str, Any]:
    cfg = {"protocol": "modbus_map_tcp", "host": "192.0.2.20", "port": 502, "register_map": HEAT_PUMP_MAP}
    cfg.update(changes)
    return {k: v for k, v in cfg.items() if v is not None}


def _rtu(**changes: Any) -> dict[str, Any]:
    cfg = {"protocol": "modbus_map_rtu", "serial_port": "/dev/ttyUSB0", "baudrate": 9600, "parity": "N",
           "register_map": HEAT_PUMP_MAP}
    cfg.update(changes)
    return {k: v for k, v in cfg.items() if v is not None}


def test_both_protocols_are_registered() -> None:
    assert OPENERS.get("modbus_map_tcp") is ModbusMapOpener
    assert OPENERS.get("modbus_map_rtu") is ModbusMapOpener


@pytest.mark.parametrize(("cfg", "field", "message"), [
    (_tcp(bogus=1), "bogus", "unknown key"),
    (_tcp(serial_port="/dev/ttyUSB0"), "serial_port", "unknown key for protocol 'modbus_map_tcp'"),
    (_rtu(host="192.0.2.20"), "host", "unknown key for protocol 'modbus_map_rtu'"),
    (_tcp(register_map=None), "register_map", "required"),
    (_tcp(port="502"), "port", "a TCP port 1..65535 or \"sim\""),
    (_tcp(host=None), "host", "required for a real device"),
    (_tcp(timeout_s=0), "timeout_s", "positive number"),
    (_tcp(unit_id=300), "unit_id", "within 0..247"),
    (_rtu(unit_id=0), "unit_id", "0 is the RTU broadcast address"),
    (_rtu(serial_port=None), "serial_port", "required"),
    (_rtu(parity="X"), "parity", "must be N, E or O"),
    (_rtu(serial_port="sim", parity="E"), "parity", "carries no parity bit"),
    (_rtu(stopbits=3), "stopbits", "1 or 2"),
    (_rtu(bytesize=9), "bytesize", "7 or 8"),
    (_rtu(baudrate=0), "baudrate", "positive integer"),
    (_tcp(register_map={"points": [{"name": "x", "address": 1, "type": "u8"}]}), "register_map.points[0].type",
     "must be one of"),
])
def test_bad_keys_are_profile_errors_naming_the_field(tmp_path: Path, cfg: dict[str, Any], field: str,
                                                      message: str) -> None:
    doc = _doc(tmp_path, cfg)
    with pytest.raises(ConfigError) as info:
        validate_link(doc, "heat_pump", doc.data["links"]["heat_pump"])
    assert info.value.field == f"links.heat_pump.{field}"
    assert info.value.file == str(doc.file) and info.value.line is not None
    assert message in info.value.detail


def test_good_links_validate(tmp_path: Path) -> None:
    for cfg in (_tcp(), _tcp(host=None, port="sim", unit_id=5, timeout_s=0.5), _rtu(), _rtu(serial_port="sim")):
        doc = _doc(tmp_path, cfg)
        validate_link(doc, "heat_pump", doc.data["links"]["heat_pump"])   # raises on a problem


@dataclass
class FakeRecorder:
    entries: list[dict[str, Any]] = field(default_factory=list)

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = {"kind": kind, **fields}
        self.entries.append(entry)
        return entry


@dataclass
class FakeClock:
    t_s: float = 0.0
    samplers: list[Any] = field(default_factory=list)

    def now_s(self) -> float:
        return self.t_s

    services: list[Any] = field(default_factory=list)      # (service, next_due_s)

    def add_sampler(self, sampler: Any) -> None:
        self.samplers.append(sampler)

    def add_service(self, service: Any, next_due_s: Any) -> None:
        self.samplers.append(service)
        self.services.append((service, next_due_s))

    def sleep(self, duration_s: float) -> None:     # a tick per second, like the bench's sampler
        end = self.t_s + duration_s
        while self.t_s < end:
            self.t_s += 1.0
            for sampler in self.samplers:
                sampler(self.t_s)


def _session(doc: LoadedYaml, ports: dict[str, Any] | None) -> SimpleNamespace:
    lab = None if ports is None else SimpleNamespace(ports=ports, spec=SimpleNamespace(host="127.0.0.1"))
    profile = SimpleNamespace(doc=doc, file=doc.file, identity={"manufacturer": "ACME"})
    return SimpleNamespace(profile=profile, recorder=FakeRecorder(), clock=FakeClock(), lab=lab,
                           simulated=lab is not None)


def test_tcp_sim_endpoint_record_and_heartbeat(tmp_path: Path, tcp_server: tuple[ModbusMapServerHandle, int],
                                               backend: DictBackend) -> None:
    _handle, port = tcp_server
    doc = _doc(tmp_path, _tcp(host=None, port="sim"), name="control")
    session = _session(doc, {"dut_modbus": port})
    opener = ModbusMapOpener(session, "control", doc.data["links"]["control"])
    assert opener.before_lab() == {}
    link = opener.open()
    try:
        assert link.read("sg_ready_mode") == 2
        assert backend.writes == [("watchdog", 1)]                 # first heartbeat on open
        session.clock.sleep(65.0)                                  # period 30 s of bench time
        assert [v for n, v in backend.writes if n == "watchdog"] == [1, 2, 3]
        (_, next_due_s), = session.clock.services                  # the clock stops for the next one
        assert next_due_s() == 90.0
        link.pause_heartbeat()
        assert next_due_s() is None
        link.resume_heartbeat()
        assert next_due_s() == float("-inf")                       # at once
    finally:
        opener.close()
    assert next_due_s() is None
    session.clock.sleep(60.0)                                      # closed: the sampler stays quiet
    assert [v for n, v in backend.writes if n == "watchdog"] == [1, 2, 3]
    commands = [e for e in session.recorder.entries if e["kind"] == "command"]
    assert commands[0]["target"] == "dut" and commands[0]["direction"] == "to_dut"
    assert commands[0]["text"].startswith("-> write single register (0x06) holding 103 watchdog=1 (heartbeat)")
    assert commands[1]["direction"] == "from_dut" and commands[1]["text"].startswith("<- write single register reply")
    assert any(e["kind"] == "dut_identity" for e in session.recorder.entries)


def test_rtu_sim_endpoint(tmp_path: Path, rtu_server: tuple[ModbusMapServerHandle, str]) -> None:
    _handle, tty_path = rtu_server
    doc = _doc(tmp_path, _rtu(serial_port="sim", baudrate=19200))
    session = _session(doc, {"dut_rtu": tty_path})
    opener = ModbusMapOpener(session, "heat_pump", doc.data["links"]["heat_pump"])
    link = opener.open()
    try:
        assert link.endpoint == f"Modbus RTU {tty_path} 19200 baud 8N1 unit 3"
        assert link.read("power_limit_w") == 5000
    finally:
        opener.close()
    targets = {e["target"] for e in session.recorder.entries if e["kind"] == "command"}
    assert targets == {"dut:heat_pump"}
    assert not any(e["kind"] == "dut_identity" for e in session.recorder.entries)   # not the control link


@pytest.mark.parametrize(("ports", "message"), [
    (None, "needs the simulated lab"),
    ({"dut": 5020}, "publishes no 'dut_modbus' endpoint (published: dut)"),
])
def test_sim_without_an_endpoint_is_a_config_error(tmp_path: Path, ports: dict[str, Any] | None,
                                                   message: str) -> None:
    doc = _doc(tmp_path, _tcp(host=None, port="sim"))
    opener = ModbusMapOpener(_session(doc, ports), "heat_pump", doc.data["links"]["heat_pump"])
    with pytest.raises(ConfigError) as info:
        opener.open()
    assert info.value.field == "links.heat_pump.port" and message in info.value.detail


def test_a_device_without_the_watchdog_point_fails_only_what_needs_it(
        tmp_path: Path, lab: Any, register_map: Any) -> None:
    """Before: the first heartbeat at open raised DeviceLacksFunction and the whole session failed.
    Now the heartbeats stop, the record says why, the link serves the rest, and whatever needs the
    watchdog (pause_heartbeat, require_watchdog) raises the lack naming the point."""
    backend = NoWatchdogBackend()
    handle, port = lab.serve_tcp(register_map, backend)
    try:
        doc = _doc(tmp_path, _tcp(host=None, port="sim"), name="control")
        session = _session(doc, {"dut_modbus": port})
        opener = ModbusMapOpener(session, "control", doc.data["links"]["control"])
        link = opener.open()
        try:
            lack = link.watchdog_lack
            assert lack is not None and "watchdog" in lack.function and "holding 103" in lack.function
            assert session.clock.services == []                    # no heartbeat service: nothing to write
            assert link.next_heartbeat_s() is None
            assert link.service(600.0) is False                     # and no retries on later ticks
            assert link.read("sg_ready_mode") == 2                  # the rest of the map still works
            link.write("power_limit_w", 3000.0)
            for needs_watchdog in (link.require_watchdog, link.pause_heartbeat):
                with pytest.raises(DeviceLacksFunction) as info:
                    needs_watchdog()
                assert "watchdog" in info.value.function and "02" in info.value.evidence
            link.resume_heartbeat()                                 # a suite's finally: no raise
        finally:
            opener.close()
        [warning] = [e for e in session.recorder.entries if e["kind"] == "event"]
        assert warning["level"] == "warning" and "lacks the declared point watchdog" in warning["message"]
        assert [n for n, _ in backend.writes] == ["power_limit_w"]
    finally:
        lab.stop(handle)
