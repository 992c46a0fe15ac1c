"""Helpers for tests that run a campaign against a device the bench does not simulate (a process of
its own dialling the bench's CSMS / CEM, or a server the bench dials): a free loopback port and the
device profile of an external OCPP charge point."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import yaml


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ocpp_charger_profile(path: Path, *, charger_id: str, port: int, description: str, manufacturer: str,
                         model: str, firmware_version: str = "1.0.0", protocol: str = "ocpp16j",
                         functions: dict[str, bool] | None = None,
                         link: dict[str, Any] | None = None) -> Path:
    """Write the profile of a three-phase 11 kW OCPP charge point that is not simulated (no
    ``simulation`` section; the bench's CSMS listens on 127.0.0.1:``port``) to ``path``.
    ``link`` adds or overrides keys of ``links.control`` (security profile, password, timeouts)."""
    data: dict[str, Any] = {
        "format": "flexbench-device-profile/1",
        "description": description,
        "device": {"class": "ev_charger", "manufacturer": manufacturer, "model": model,
                   "serial_number": charger_id, "firmware_version": firmware_version},
        "ratings": {"rated_power_w": 11040, "nominal_voltage_v": 230, "nominal_frequency_hz": 50,
                    "phase_count": 3, "max_current_a": 16},
        "functions": functions if functions is not None else {"smart_charging": True, "meter_values": True},
        "declared": {"connector_id": 1},
        "links": {"control": {"protocol": protocol, "charger_id": charger_id, "host": "127.0.0.1", "port": port,
                              **(link or {})}},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


GAP_SHOWN_WITHIN_S = 1.0
"""Bench time a requirement may use before the device's answer shows the function it lacks (every
stimulus plan of the suites is longer)."""


def bench_time_per_failed_test_s(record: list[dict[str, Any]]) -> dict[str, float]:
    """Bench seconds from ``test_start`` to ``test_end`` of every test that ended FAIL, by nodeid.

    Issue 11: a requirement whose function the device lacks ends as soon as the device's answer
    shows it, not after the full stimulus plan, so such a test uses (almost) no bench time."""
    started: dict[str, float] = {}
    spent: dict[str, float] = {}
    for entry in record:
        if entry["kind"] == "test_start":
            started[entry["nodeid"]] = entry["t_s"]
        elif entry["kind"] == "test_end" and entry["outcome"] == "FAIL":
            spent[entry["nodeid"]] = entry["t_s"] - started[entry["nodeid"]]
    return spent
