"""The worked example of docs/modbus-register-maps.md is a valid profile and does what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from links.openers import validate_link
from bench.yamlconf import load_yaml
from links.modbus_map import ModbusMapLink, RtuTransport, parse_register_map

from .helpers import DictBackend, LabLoop

DOC = Path(__file__).resolve().parents[2] / "docs" / "modbus-register-maps.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_worked_example_validates_as_profile_links(tmp_path: Path) -> None:
    profile = tmp_path / "acme-hp.yaml"
    profile.write_text(_blocks("yaml")[0], encoding="utf-8")
    doc = load_yaml(profile)
    for name, cfg in doc.data["links"].items():
        if cfg["protocol"].startswith("modbus_map"):
            validate_link(doc, name, cfg)
    assert set(doc.data["links"]) == {"control", "modbus"}


def test_worked_example_record_lines_are_what_the_link_sends(lab: LabLoop) -> None:
    cfg = yaml.safe_load(_blocks("yaml")[0])["links"]["modbus"]
    register_map = parse_register_map(cfg["register_map"], path="links.modbus.register_map")
    backend = DictBackend({"power_limit_w": 0})
    handle, tty_path = lab.serve_rtu(register_map, backend)
    lines: list[str] = []
    try:
        with ModbusMapLink(register_map, RtuTransport(tty_path, baudrate=9600, parity="N"),
                           trace=lambda d, t: lines.append(("-> " if d == "out" else "<- ") + t)) as link:
            link.write("power_limit_w", 4200)
    finally:
        lab.stop(handle)
    record_block = re.search(r"```\n(-> .*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert record_block is not None
    assert lines == record_block.group(1).strip().splitlines()
    assert backend.writes == [("power_limit_w", 4200)]
