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
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:   # imported lazily: simlab.instruments imports this module
    from simlab.ev_port import EvPort
    from simlab.instruments.keysight_daq970a import ContactBank


PHASE_NAMES = ("L1", "L2", "L3")
"""The grid phases a device may be connected to (profile ``ratings.phase_connection``)."""


def grid_phases_for(phase_count: int, connection: object = None) -> tuple[int, ...] | None:
    """The 0-based source phases of a device of ``phase_count`` phases (a device's
    ``grid_phases``): a single-phase device on its ``connection`` ("L1", "L2" or "L3"; None: L1),
    None for a three-phase device (phase k on source phase k). ``ValueError`` naming the problem
    for a connection that is not a phase name, or any connection on a three-phase device."""
    if connection is not None and connection not in PHASE_NAMES:
        raise ValueError(f"expected one of {', '.join(PHASE_NAMES)}, got {connection!r}")
    if phase_count == 3:
        if connection is not None:
            raise ValueError(f"a three-phase device is on every phase; {connection!r} is for phase_count 1")
        return None
    if phase_count != 1:
        raise ValueError(f"phase_count must be 1 or 3, got {phase_count!r}")
    return (PHASE_NAMES.index(connection) if connection is not None else 0,)


@dataclass
class GridSourceState:
    """What the simulated AC source applies (set by its SCPI server, stepped by the lab)."""

    phase_count: int = 3
    voltage_setpoint_v: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    frequency_setpoint_hz: float = 50.0
    phase_angle_deg: list[float] = field(default_factory=lambda: [0.0, 240.0, 120.0])
    phase_shift_deg: float = 0.0    # every phase's angle shifted by a LIST program's point (a phase jump)
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

    voltage_v: tuple[float, ...]        # per phase of the device (its ``grid_phases``), at its terminals
    frequency_hz: float
    dc_available_power_w: float         # from the PV simulator (0 when off / absent)
    closed_contacts: frozenset[int] = frozenset()   # relay channels closed by the digital-I/O unit
    grid_voltage_v: tuple[float, ...] = ()          # every source phase at the DUT terminals
    phase_shift_deg: float = 0.0                    # the source's angle shift (a phase jump moves it)


@dataclass(frozen=True)
class DeviceOutput:
    """What the DUT does at one instant; export positive."""

    active_power_w: tuple[float, ...]   # per phase
    reactive_power_var: tuple[float, ...]


class SimDevice(Protocol):
    """A simulated DUT's behaviour, stepped by the lab in virtual time.

    A device may also have ``grid_phases``: the 0-based source phase each of its phases is wired
    to (e.g. ``(1,)`` for a single-phase device on L2). Without it (or None) device phase k is on
    source phase k. :class:`Physics` hands the device the voltages of its own phases and puts its
    output on those source phases only."""

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


_NONE_CLOSED: frozenset[int] = frozenset()


def _closed(contacts: dict[int, bool]) -> frozenset[int]:
    return frozenset(ch for ch, on in contacts.items() if on) if contacts else _NONE_CLOSED


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
        self._terminal_key: tuple[object, ...] | None = None
        self._terminal = TerminalConditions((), 0.0, 0.0)
        self._last_terminal: TerminalConditions | None = None   # what the device saw in its last step

    def _grid_output(self) -> tuple[Sequence[float], Sequence[float]] | None:
        """The device's (active, reactive) power per source phase; None without a device."""
        if self.device is None:
            return None
        out = self.device.output()
        wiring = getattr(self.device, "grid_phases", None)
        if wiring is None:
            return out.active_power_w, out.reactive_power_var
        n = self.source.phase_count
        p = [0.0] * n
        q = [0.0] * n
        for k, g in enumerate(wiring):
            p[g] += out.active_power_w[k]
            q[g] += out.reactive_power_var[k]
        return p, q

    def terminal_voltage_v(self) -> tuple[float, ...]:
        """Per source phase: the voltage at the DUT terminals (source plus the feeder rise)."""
        if self.feeder.resistance_ohm == 0.0 and self.feeder.reactance_ohm == 0.0:   # no rise
            return tuple([0.0 if u < 0.0 else u for u in self.source.voltage_v[:self.source.phase_count]])
        out = self._grid_output()
        volts = []
        for i in range(self.source.phase_count):
            u_src = self.source.voltage_v[i]
            if u_src <= 1.0 or out is None:
                volts.append(max(u_src, 0.0))
                continue
            rise = (out[0][i] * self.feeder.resistance_ohm
                    + out[1][i] * self.feeder.reactance_ohm) / u_src
            volts.append(u_src + rise)
        return tuple(volts)

    def terminal(self) -> TerminalConditions:
        """What the device sees: the voltages of its own phases (``grid_phases``), and the grid's."""
        grid_v = self.terminal_voltage_v()
        wiring = getattr(self.device, "grid_phases", None) if self.device is not None else None
        volts = grid_v if wiring is None else tuple([grid_v[g] for g in wiring])
        key = (volts, self.source.frequency_hz, self.pv_array.available_power_w, _closed(self.contacts.closed),
               grid_v, self.source.phase_shift_deg)
        if key != self._terminal_key:    # else the same conditions as the last step: the same (frozen) object
            self._terminal_key = key
            self._terminal = TerminalConditions(*key)
        return self._terminal

    def advance_to(self, t_s: float) -> None:
        """Run fixed steps until bench time t_s (never backwards). Deterministic: the step grid
        is k * step_s from zero, and a partial last step is taken so t_s is reached exactly.

        While nothing changes — the source at its setpoints, a stiff feeder, the device seeing the
        same conditions as in its last step — a device with ``quiet_until_s`` (simlab/devices/hooks.py)
        is stepped once to the last grid instant before its horizon instead of step by step."""
        if t_s < self.t_s - 1e-9:
            raise ValueError(f"lab time cannot go backwards: at {self.t_s} s, asked for {t_s} s")
        source_step, device, step_s = self.source.step, self.device, self.step_s
        device_step = device.step if device is not None else None
        quiet = getattr(device, "quiet_until_s", None) if self._stiff_feeder() else None
        while self.t_s < t_s - 1e-9:
            if quiet is not None and self._last_terminal is not None and self._source_steady():
                terminal = self.terminal()
                if terminal is self._last_terminal:
                    end_steps = math.floor(min(quiet(self.t_s, terminal), t_s) / step_s + 1e-9)
                    if end_steps > self._steps + 1:
                        end_s = end_steps * step_s
                        assert device_step is not None
                        device_step(end_s, end_s - self.t_s, terminal)
                        self.t_s, self._steps = end_s, end_steps
                        continue
            next_grid = (self._steps + 1) * step_s
            dt = min(next_grid, t_s) - self.t_s
            source_step(dt)
            if device_step is not None:
                self._last_terminal = terminal = self.terminal()
                device_step(self.t_s + dt, dt, terminal)
            self.t_s += dt
            if abs(self.t_s - next_grid) < 1e-9:
                self.t_s = next_grid
                self._steps += 1

    def _stiff_feeder(self) -> bool:
        return self.feeder.resistance_ohm == 0.0 and self.feeder.reactance_ohm == 0.0

    def _source_steady(self) -> bool:
        """The AC source at its setpoints (a step of it changes nothing)."""
        src = self.source
        if src.frequency_hz != src.frequency_setpoint_hz:
            return False
        for i in range(src.phase_count):
            if src.voltage_v[i] != (src.voltage_setpoint_v[i] if src.output_on else 0.0):
                return False
        return True

    def truth(self) -> list[PhaseTruth]:
        """True per-phase values at the DUT terminals (what an ideal analyzer would read)."""
        volts = self.terminal_voltage_v()
        out = self._grid_output()
        phases = []
        for i, u in enumerate(volts):
            p = out[0][i] if out else 0.0
            q = out[1][i] if out else 0.0
            s = math.hypot(p, q)
            i_a = s / u if u > 1.0 else 0.0
            pf = p / s if s > 1e-9 else 1.0
            phases.append(PhaseTruth(u, i_a, p, q, s, pf))
        return phases
