"""One physics model couples the simulated lab.

AC source setpoint -> (slew) -> source terminal voltage -> feeder impedance -> DUT terminal
voltage -> DUT control law -> DUT active/reactive power -> what the power analyzer measures.

Conventions: phases are 0-based lists internally (SCPI/driver phase numbers are 1-based);
power *exported* by the DUT into the grid is positive; voltages are phase-neutral RMS.
The voltage rise over the feeder uses the usual LV approximation
``dU = (P*R + Q*X) / U`` per phase, evaluated with the DUT output of the previous step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:   # imported lazily: simlab.instruments imports this module
    from simlab.ev_port import EvPort
    from simlab.instruments.keysight_daq970a import ContactBank


@dataclass
class GridSourceState:
    """What the simulated AC source applies (set by its SCPI server, stepped by the lab)."""

    phase_count: int = 3
    voltage_setpoint_v: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    frequency_setpoint_hz: float = 50.0
    phase_angle_deg: list[float] = field(default_factory=lambda: [0.0, 240.0, 120.0])
    voltage_slew_v_per_s: float | None = None  # None: instantaneous
    frequency_slew_hz_per_s: float | None = None
    output_on: bool = False
    voltage_v: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    frequency_hz: float = 50.0

    def step(self, dt_s: float) -> None:
        """Move the present output towards the setpoints by at most slew x dt."""
        for i in range(self.phase_count):
            target = self.voltage_setpoint_v[i] if self.output_on else 0.0
            self.voltage_v[i] = _slew(self.voltage_v[i], target, self.voltage_slew_v_per_s, dt_s)
        self.frequency_hz = _slew(self.frequency_hz, self.frequency_setpoint_hz,
                                  self.frequency_slew_hz_per_s, dt_s)


def _slew(present: float, target: float, rate: float | None, dt_s: float) -> float:
    if rate is None or rate <= 0 or math.isinf(rate):
        return target
    max_step = rate * dt_s
    delta = target - present
    if abs(delta) <= max_step:
        return target
    return present + math.copysign(max_step, delta)


@dataclass
class PvArrayState:
    """What the simulated solar-array simulator (DC source in SAS mode) provides."""

    voc_v: float = 0.0
    isc_a: float = 0.0
    vmp_v: float = 0.0
    imp_a: float = 0.0
    output_on: bool = False

    @property
    def available_power_w(self) -> float:
        return self.vmp_v * self.imp_a if self.output_on else 0.0


@dataclass(frozen=True)
class TerminalConditions:
    """What the DUT sees at one instant."""

    voltage_v: tuple[float, ...]        # per phase, at the DUT terminals
    frequency_hz: float
    dc_available_power_w: float         # from the PV simulator (0 when off / absent)
    closed_contacts: frozenset[int] = frozenset()   # relay channels closed by the digital-I/O unit


@dataclass(frozen=True)
class DeviceOutput:
    """What the DUT does at one instant; export positive."""

    active_power_w: tuple[float, ...]   # per phase
    reactive_power_var: tuple[float, ...]


class SimDevice(Protocol):
    """A simulated DUT's behaviour, stepped by the lab in virtual time."""

    phase_count: int

    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        """Advance the device's state by dt_s ending at bench time t_s."""

    def output(self) -> DeviceOutput:
        """The device's present AC output."""


@dataclass(frozen=True)
class Feeder:
    """Series impedance between the AC source and the DUT terminals, per phase."""

    resistance_ohm: float = 0.0
    reactance_ohm: float = 0.0


@dataclass(frozen=True)
class PhaseTruth:
    """True (noise-free) electrical values of one phase at the DUT terminals."""

    voltage_v: float
    current_a: float
    active_power_w: float
    reactive_power_var: float
    apparent_power_va: float
    power_factor: float


class Physics:
    """Steps source, DUT and feeder together on a fixed time step."""

    def __init__(self, source: GridSourceState, device: SimDevice | None, *,
                 feeder: Feeder = Feeder(), pv_array: PvArrayState | None = None,
                 step_s: float = 0.02) -> None:
        self.source = source
        self.device = device
        self.feeder = feeder
        self.pv_array = pv_array or PvArrayState()
        from simlab.instruments.keysight_daq970a import ContactBank

        # relay contacts, shared by the simulated digital-I/O unit and the DUT's control inputs
        self.contacts: ContactBank = ContactBank()
        from simlab.ev_port import EvPort

        # the charging cable, shared by a simulated charger (EVSE side) and the EV emulator
        self.ev_port: EvPort = EvPort()
        self.step_s = step_s
        self.t_s = 0.0
        self._steps = 0

    def terminal_voltage_v(self) -> tuple[float, ...]:
        out = self.device.output() if self.device is not None else None
        volts = []
        for i in range(self.source.phase_count):
            u_src = self.source.voltage_v[i]
            if u_src <= 1.0 or out is None:
                volts.append(max(u_src, 0.0))
                continue
            rise = (out.active_power_w[i] * self.feeder.resistance_ohm
                    + out.reactive_power_var[i] * self.feeder.reactance_ohm) / u_src
            volts.append(u_src + rise)
        return tuple(volts)

    def terminal(self) -> TerminalConditions:
        return TerminalConditions(voltage_v=self.terminal_voltage_v(),
                                  frequency_hz=self.source.frequency_hz,
                                  dc_available_power_w=self.pv_array.available_power_w,
                                  closed_contacts=frozenset(ch for ch, on in self.contacts.closed.items() if on))

    def advance_to(self, t_s: float) -> None:
        """Run fixed steps until bench time t_s (never backwards). Deterministic: the step grid
        is k * step_s from zero, and a partial last step is taken so t_s is reached exactly."""
        if t_s < self.t_s - 1e-9:
            raise ValueError(f"lab time cannot go backwards: at {self.t_s} s, asked for {t_s} s")
        while self.t_s < t_s - 1e-9:
            next_grid = (self._steps + 1) * self.step_s
            dt = min(next_grid, t_s) - self.t_s
            self.source.step(dt)
            if self.device is not None:
                self.device.step(self.t_s + dt, dt, self.terminal())
            self.t_s += dt
            if abs(self.t_s - next_grid) < 1e-9:
                self.t_s = next_grid
                self._steps += 1

    def truth(self) -> list[PhaseTruth]:
        """True per-phase values at the DUT terminals (what an ideal analyzer would read)."""
        volts = self.terminal_voltage_v()
        out = self.device.output() if self.device is not None else None
        phases = []
        for i, u in enumerate(volts):
            p = out.active_power_w[i] if out else 0.0
            q = out.reactive_power_var[i] if out else 0.0
            s = math.hypot(p, q)
            i_a = s / u if u > 1.0 else 0.0
            pf = p / s if s > 1e-9 else 1.0
            phases.append(PhaseTruth(u, i_a, p, q, s, pf))
        return phases
