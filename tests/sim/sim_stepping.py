"""Test helper: step one simulated device in-process in fixed steps, sampling a reading once a second."""

from __future__ import annotations

from simlab.devices.heat_pump.lab_wiring import build_heat_pump
from simlab.physics import SimDevice, TerminalConditions

DT_S = 0.02


class DeviceStepper:
    """Steps ``device`` by :data:`DT_S`; subclasses say what :meth:`reading` samples."""

    def __init__(self, device: SimDevice) -> None:
        self.device = device
        self.t_s = 0.0

    def reading(self) -> float:
        raise NotImplementedError

    def step_for(self, duration_s: float, term: TerminalConditions) -> list[float]:
        """Step ``duration_s`` at ``term``; :meth:`reading` at the end of every second."""
        out = []
        per_s = round(1 / DT_S)
        for i in range(round(duration_s / DT_S)):
            self.t_s += DT_S
            self.device.step(self.t_s, DT_S, term)
            if (i + 1) % per_s == 0:
                out.append(self.reading())
        return out


class HeatPumpStepper(DeviceStepper):
    """A heat pump built from ``parameters`` and ``knobs``; readings are its consumption (W)."""

    def __init__(self, parameters: dict | None = None, **knobs: object) -> None:
        self.hp = build_heat_pump(parameters or {}, dict(knobs))
        super().__init__(self.hp)

    def reading(self) -> float:
        return self.hp.consumption_w()

    def run(self, duration_s: float, closed: tuple[int, ...] = (), volts: float = 230.0) -> list[float]:
        """Step ``duration_s`` with contacts ``closed`` at ``volts`` on every phase; consumption (W) once a second."""
        return self.step_for(duration_s, TerminalConditions((volts,) * 3, 50.0, 0.0, frozenset(closed)))
