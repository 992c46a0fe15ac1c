"""The lab hooks of a simulated device: how the lab runs it beyond the physics step.

A simulated device is a :class:`~simlab.physics.SimDevice` (``phase_count``, ``step``, ``output``)
with the hooks of :class:`LabHooks`; it inherits :class:`DefaultLabHooks` and overrides the ones it
needs. The lab calls every hook of every device:

* ``async serve(host) -> dict[str, int | str]`` — start its protocol servers/clients in the lab's
  event loop; the returned endpoints are published with the instruments' ports (``"dut"``,
  ``"dut_modbus"``, ``"dut_rtu"``...);
* ``next_event_s() -> float | None`` — the next bench time at which protocol work is due;
* ``async on_time(t_s)`` — the lab stops its physics at that time and awaits this hook;
* ``async aclose()`` — called when the lab shuts down;
* ``physics_step_s`` (attribute) — a coarser physics step the device's dynamics allow (the lab uses
  the larger of it and the bench's ``lab.step_s``); None keeps the bench's.

Optional, read by :meth:`simlab.physics.Physics.advance_to`:

* ``quiet_until_s(t_s, terminal) -> float`` — the latest bench time at which one step from ``t_s``
  under the unchanged ``terminal`` ends the same as fixed steps would (no timer, transition or
  discrete event of the device falls before it; what changes integrates exactly in one step).
  Return ``t_s`` when anything is pending. Without it the device is stepped every physics step.
"""

from __future__ import annotations

from typing import Protocol

from simlab.physics import SimDevice

__all__ = ["DefaultLabHooks", "LabDevice", "LabHooks"]


class LabHooks(Protocol):
    """The hooks the lab calls on its simulated device (see the module docstring)."""

    physics_step_s: float | None

    async def serve(self, host: str) -> dict[str, int | str]: ...

    def next_event_s(self) -> float | None: ...

    async def on_time(self, t_s: float) -> None: ...

    async def aclose(self) -> None: ...


class LabDevice(SimDevice, LabHooks, Protocol):
    """What a device builder returns: the physics of a SimDevice plus the lab hooks."""


class DefaultLabHooks:
    """Lab hooks that do nothing: no endpoints, no protocol work, the bench's physics step."""

    physics_step_s: float | None = None

    async def serve(self, host: str) -> dict[str, int | str]:
        return {}

    def next_event_s(self) -> float | None:
        return None

    async def on_time(self, t_s: float) -> None:
        return None

    async def aclose(self) -> None:
        return None
