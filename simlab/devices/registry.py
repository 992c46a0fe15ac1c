"""Simulated device kinds of the lab: :data:`SIM_DEVICES`, kind -> ``lab_device(ctx)`` builder.

A builder takes a :class:`DeviceContext` and returns a
:class:`~simlab.devices.hooks.LabDevice`: a :class:`simlab.physics.SimDevice` with the lab hooks
of simlab/devices/hooks.py (``serve``, ``next_event_s``, ``on_time``, ``aclose``,
``physics_step_s``). A profile selects the kind with ``simulation.device``; a third-party package
adds kinds through the ``flexbench.sim_devices`` entry-point group (bench/registry.py).

``ctx.physics`` is None when the bench validates a profile in-process (``flexbench run`` before
any lab starts): build the device without starting anything, with lab state of its own.

Bad parameters or knobs raise :class:`SimSettingError` ``(key, problem, section)`` with section
``"parameters"`` or ``"knobs"``; the lab turns it into a configuration error naming
``simulation.<section>.<key>`` in the device profile.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.registry import Registry
from simlab.devices.hooks import LabDevice
from simlab.devices.pv_inverter.knobs import SimSettingError

if TYPE_CHECKING:
    from simlab.physics import Physics

__all__ = ["DeviceBuilder", "DeviceContext", "SIM_DEVICES", "SimSettingError", "build_device"]


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
    dut_port: int = 0                      # fixed port of the device's server (bench ``lab.ports.dut``; 0 = any)
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


DeviceBuilder = Callable[[DeviceContext], LabDevice]

SIM_DEVICES: Registry[DeviceBuilder] = Registry("simulated device kind", entry_point_group="flexbench.sim_devices",
                                                lazy={
    "pv_inverter": "simlab.devices.pv_inverter.lab_wiring:lab_device",
    "heat_pump": "simlab.devices.heat_pump.lab_wiring:lab_device",
    "home_battery": "simlab.devices.home_battery.device:lab_device",
    "ev_charger": "simlab.devices.ev_charger:lab_device",
})
"""Kind -> builder (imported when a profile names the kind)."""


def build_device(ctx: DeviceContext) -> LabDevice:
    """The device of kind ``ctx.kind`` (:class:`~bench.registry.UnknownEntryError` for an unknown kind)."""
    return SIM_DEVICES.get(ctx.kind)(ctx)
