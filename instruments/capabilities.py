"""Capability interfaces: the only instrument API a suite may use.

A capability is a small typed interface; the bench config decides which model driver fills it.
Units are in the names. Every *setting* method of a driver reads the instrument's error queue
afterwards and raises :class:`bench.errors.InstrumentReportedError` when it is not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class Instrument(Protocol):
    """What every driver offers."""

    name: str

    def identify(self) -> str:
        """Return the instrument's ``*IDN?`` answer."""

    def check_errors(self) -> None:
        """Read the error queue until empty; raise ``InstrumentReportedError`` if it held errors."""

    def close(self) -> None:
        """Release the transport."""


@runtime_checkable
class AcSource(Instrument, Protocol):
    """Programmable AC source / grid simulator (per-phase voltage, frequency, phase angle)."""

    phase_count: int

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        """Set the phase-neutral RMS voltage of one phase (1-based) or of all phases (None)."""

    def set_frequency_hz(self, hertz: float) -> None: ...

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None: ...

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None: ...

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None: ...

    def set_output(self, on: bool) -> None: ...

    def output_is_on(self) -> bool: ...

    def voltage_setpoint_v(self, phase: int) -> float: ...

    def frequency_setpoint_hz(self) -> float: ...


@dataclass(frozen=True)
class PhaseReading:
    """One phase of a power analyzer reading (RMS values)."""

    voltage_v: float
    current_a: float
    active_power_w: float
    reactive_power_var: float
    apparent_power_va: float
    power_factor: float


@dataclass(frozen=True)
class AnalyzerReading:
    """A timestamp-free snapshot; the recorder stamps it with bench time."""

    phases: tuple[PhaseReading, ...]
    frequency_hz: float

    @property
    def active_power_w(self) -> float:
        return sum(p.active_power_w for p in self.phases)

    @property
    def reactive_power_var(self) -> float:
        return sum(p.reactive_power_var for p in self.phases)

    @property
    def apparent_power_va(self) -> float:
        return sum(p.apparent_power_va for p in self.phases)

    @property
    def max_voltage_v(self) -> float:
        return max(p.voltage_v for p in self.phases)

    @property
    def min_voltage_v(self) -> float:
        return min(p.voltage_v for p in self.phases)


@runtime_checkable
class PowerAnalyzer(Instrument, Protocol):
    """Power analyzer on the DUT's AC terminals. Sign convention: power *exported* by the DUT
    into the grid is positive for a generator profile (the bench config states the wiring)."""

    phase_count: int

    def read(self) -> AnalyzerReading:
        """One reading of all phases (U, I, P, Q, S, PF per phase and f)."""


@runtime_checkable
class PvSimulator(Instrument, Protocol):
    """DC source in solar-array-simulation mode feeding a PV inverter's DC input."""

    def set_iv_curve(self, voc_v: float, isc_a: float, vmp_v: float, imp_a: float) -> None:
        """Program the simulated array's I-V curve by its four characteristic points."""

    def set_output(self, on: bool) -> None: ...

    def output_is_on(self) -> bool: ...

    def max_power_w(self) -> float:
        """Power at the programmed maximum power point (Vmp x Imp)."""
