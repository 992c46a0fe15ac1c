"""Simulated device kinds of the lab: kind -> ``"module:function"`` building the device.

The builder is ``lab_device(ctx: DeviceContext) -> device``. The device is a
:class:`simlab.physics.SimDevice` (``phase_count``, ``step``, ``output``) and may add lab hooks:

* ``async serve(host) -> dict[str, int | str]`` — start its protocol servers/clients in the lab's
  event loop; the returned endpoints are published with the instruments' ports (``"dut"``,
  ``"dut_modbus"``, ``"dut_rtu"``...);
* ``next_event_s() -> float | None`` — the next bench time at which protocol work is due;
* ``async on_time(t_s)`` — the lab stops its physics at that time and awaits this hook;
* ``async aclose()`` — called when the lab shuts down;
* ``physics_step_s`` (attribute) — a coarser physics step the device's dynamics allow (the lab uses
  the larger of it and the bench's ``lab.step_s``).

``ctx.physics`` is None when the bench validates a profile in-process (``flexbench run`` before
any lab starts): build the device without starting anything, with lab state of its own.

Bad parameters or knobs raise :class:`SimSettingError` ``(key, problem, section)`` with section
``"parameters"`` or ``"knobs"``; the lab turns it into a configuration error naming
``simulation.<section>.<key>`` in the device profile.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from simlab.devices.pv_inverter.knobs import SimSettingError

if TYPE_CHECKING:
    from simlab.physics import Physics

__all__ = ["DEVICE_BUILDERS", "DeviceContext", "SimSettingError", "build_device"]

DEVICE_BUILDERS: dict[str, str] = {
    "pv_inverter": "simlab.devices.pv_inverter.device:lab_device",
    "heat_pump": "simlab.devices.heat_pump.lab_wiring:lab_device",
    "home_battery": "simlab.devices.home_battery.device:lab_device",
    "ev_charger": "simlab.devices.ev_charger:lab_device",
}


@dataclass
class DeviceContext:
    """What a device builder gets from the lab spec (see the module docstring)."""

    kind: str
    parameters: dict[str, Any] = field(default_factory=dict)
    knobs: dict[str, Any] = field(default_factory=dict)
    nameplate: dict[str, Any] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)   # profile links + runtime info
    map: dict[str, Any] = field(default_factory=dict)                # SunSpec map layout (PV inverter)
    unit_id: int = 1
    contact_channels: tuple[int, ...] | None = None
    seed: int = 1
    host: str = "127.0.0.1"
    start_calendar: str = "2026-06-21T12:00:00+02:00"
    physics: "Physics | None" = None

    def calendar(self, t_s: float) -> _dt.datetime:
        """The (aware) calendar time of bench time ``t_s``: time of day is virtual in the lab."""
        return _dt.datetime.fromisoformat(self.start_calendar) + _dt.timedelta(seconds=t_s)

    def link_with_protocol(self, *protocols: str) -> tuple[str, dict[str, Any]] | None:
        """The first declared link (name, dict) whose protocol is one of ``protocols``."""
        for name, link in self.links.items():
            if link.get("protocol") in protocols:
                return name, link
        return None


def builder(kind: str) -> Callable[[DeviceContext], Any]:
    target = DEVICE_BUILDERS.get(kind)
    if target is None:
        raise KeyError(kind)
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def build_device(ctx: DeviceContext) -> Any:
    return builder(ctx.kind)(ctx)
