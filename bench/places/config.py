"""The ``place`` section of a bench config: the labgrid place that holds the bench's instruments."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from bench.errors import ConfigError
from bench.places.client import DEFAULT_COORDINATOR

COORDINATOR_ENV = "LG_COORDINATOR"


@dataclass(frozen=True)
class PlaceConfig:
    """``place``: ``name`` of the labgrid place; ``coordinator`` HOST:PORT (absent: env
    ``LG_COORDINATOR``, else labgrid's default 127.0.0.1:20408); ``wait_s``: how long ``flexbench run``
    waits for a place another bench holds before it gives up (exit 2 naming the holder)."""

    name: str
    coordinator: str
    wait_s: float = 0.0
    poll_s: float = 5.0
    """Period of the reservation refresh while holding (the coordinator expires it 60 s after the last)."""


def parse_place(section: dict[str, Any] | None, *, file: str) -> PlaceConfig | None:
    """The validated ``place`` section (the schema checked the types), None when the bench names no place."""
    if section is None:
        return None
    coordinator = str(section.get("coordinator") or os.environ.get(COORDINATOR_ENV) or DEFAULT_COORDINATOR)
    host, sep, port = coordinator.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        field = "place.coordinator" if section.get("coordinator") else f"place.coordinator (env {COORDINATOR_ENV})"
        raise ConfigError(f"{coordinator!r} is not HOST:PORT", file=file, field=field)
    return PlaceConfig(name=str(section["name"]), coordinator=coordinator,
                       wait_s=float(section.get("wait_s", 0.0)), poll_s=float(section.get("poll_s", 5.0)))
