"""SunSpec Modbus TCP (IEEE 1547.1 / SunSpec device information models) via links.sunspec_modbus."""

from __future__ import annotations

from typing import Any

from links.openers import LocalLinkOpener
from bench.errors import ConfigError

_KEYS = ("host", "port", "unit_id", "timeout_s")


class SunSpecOpener(LocalLinkOpener):
    KEYS = _KEYS

    @staticmethod
    def validate(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        if "port" not in cfg and doc.data.get("simulation") is None:
            raise doc.error(f"links.{name}.port", "required for a real device")

    def open(self) -> Any:
        from links.sunspec_modbus import SunSpecLink

        session, cfg = self.session, self.cfg
        port = cfg.get("port")
        if port == "sim":
            port = session.lab.ports.get("dut") if session.lab else None
        if port is None:
            raise ConfigError("no port for the DUT link", file=session.profile.file, field=f"links.{self.name}.port")
        self.link = SunSpecLink(cfg.get("host", "127.0.0.1"), int(port), unit_id=int(cfg.get("unit_id", 1)),
                                timeout_s=float(cfg.get("timeout_s", 2.0)), trace=self.command_trace())
        self.link.connect()
        self.link.discover()
        identity = self.link.read_identity()
        read = {k: getattr(identity, k) for k in ("manufacturer", "model", "serial_number", "firmware_version")}
        session.recorder.write("dut_identity", declared=session.profile.identity, read=read)
        return self.link

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
