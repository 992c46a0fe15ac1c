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


class PvInverterStepper(DeviceStepper):
    """A simulated PV inverter built from ``parameters`` and ``knobs``, started at nominal grid (no
    first-start ramp, 1 s observation time); :meth:`set` the phase voltages (% Un), frequency and DC
    power, :meth:`run` on; readings are its total output (W)."""

    UN_V = 230.0

    def __init__(self, parameters: dict | None = None, knobs: dict | None = None) -> None:
        from simlab.devices.pv_inverter.device import build_pv_inverter

        self.inv = build_pv_inverter({"first_start_ramp_time_s": 0.0, **(parameters or {})}, knobs or {})
        self.inv.settings.enter_service.delay_s = 1.0
        super().__init__(self.inv)
        self.volts_pct: tuple[float, ...] = (100.0, 100.0, 100.0)
        self.f_hz = 50.0
        self.dc_w = 20000.0
        self.run(5.0)

    def reading(self) -> float:
        return sum(self.inv.output().active_power_w)

    def terminal(self) -> TerminalConditions:
        return TerminalConditions(tuple(p * self.UN_V / 100.0 for p in self.volts_pct), self.f_hz, self.dc_w)

    def set(self, *, volts_pct: tuple[float, ...] | None = None, f_hz: float | None = None,
            dc_w: float | None = None) -> PvInverterStepper:
        self.volts_pct = volts_pct if volts_pct is not None else self.volts_pct
        self.f_hz = f_hz if f_hz is not None else self.f_hz
        self.dc_w = dc_w if dc_w is not None else self.dc_w
        return self

    def run(self, seconds: float) -> PvInverterStepper:
        self.step_for(seconds, self.terminal())
        return self
