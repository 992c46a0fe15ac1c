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
class VoltageStep:
    """One point of an instrument-timed voltage program: hold ``volts`` for ``duration_s``.

    Optional per point (a driver that cannot program them refuses the program with
    ``SettingOutOfRange``): ``frequency_hz`` held (None: the source's present frequency), or ramped
    linearly to ``frequency_end_hz`` over the point (a RoCoF test); ``phase_shift_deg``, the angle of
    every phase shifted against the program's start from this point on (a phase jump; None: 0)."""

    duration_s: float
    volts: float
    frequency_hz: float | None = None
    frequency_end_hz: float | None = None
    phase_shift_deg: float | None = None

    @property
    def shapes_frequency_or_angle(self) -> bool:
        """Whether the point asks for more than a voltage level (frequency ramp or phase shift)."""
        return self.frequency_end_hz is not None or self.phase_shift_deg is not None


@runtime_checkable
class AcSourceCurrentLimit(Protocol):
    """OPTIONAL: an AcSource whose RMS output current limit can be programmed (e.g. Chroma
    ``SOURce:CURRent:LIMit``). The bench's safety guard sets it to ``safety.current_max_a`` before it
    switches the output on, so the instrument itself limits what the DUT can draw."""

    def set_current_limit_a(self, amps: float) -> None:
        """RMS current limit on every phase, A."""


@runtime_checkable
class AcSourceTransients(Protocol):
    """OPTIONAL: an AcSource that runs voltage programs on the instrument (LIST / STEP mode).

    Timing is the instrument's own, so a dip of 150 ms lasts 150 ms at the terminals whatever the
    bus latency. Drivers that implement it are also :class:`AcSource`; the bench helper
    ``bench.excursions`` uses it when present and otherwise steps with set commands.
    """

    max_transient_steps: int
    """Most points one program may hold (the model's list length)."""
    min_step_duration_s: float
    """Shortest dwell the model accepts for one point."""

    def program_voltage_steps(self, steps: list[VoltageStep],
                              phase: int | None = None) -> None:
        """Validate and load ``steps`` (all phases when ``phase`` is None); nothing runs yet.
        Values outside the model's ranges raise ``SettingOutOfRange`` before anything is sent."""

    def run_transient(self) -> None:
        """Start the loaded program (the command that triggers it is the time reference)."""

    def transient_done(self) -> bool:
        """True once the program has run to its end (the output holds the last point)."""

    def abort_transient(self) -> None:
        """Stop a running program and return the source to fixed (steady-state) mode."""


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


@dataclass(frozen=True)
class AcquiredSample:
    """One reading stored by the analyzer itself, stamped by the instrument's own time base
    (converted to bench seconds by the driver)."""

    t_s: float
    reading: AnalyzerReading


@dataclass(frozen=True)
class Capture:
    """A triggered capture: readings every ``interval_s`` from ``pre_trigger_s`` before the trigger
    to ``post_trigger_s`` after it, stamped on the instrument's time base (bench seconds).
    ``trigger_t_s`` is the instant of the trigger (the AC source's programmed step)."""

    trigger_t_s: float
    interval_s: float
    samples: tuple[AcquiredSample, ...]


@runtime_checkable
class AnalyzerAcquisition(Protocol):
    """OPTIONAL: a :class:`PowerAnalyzer` that acquires on its own (data store, trend or streaming)
    and returns readings in blocks with instrument timestamps, instead of one query per reading.

    Timing then comes from the instrument: the uncertainty of an instant is the acquisition
    interval (and the trigger's), not the bus latency or a poll period."""

    min_acquisition_interval_s: float
    """The shortest interval the model stores at: its fastest data update interval (e.g. 10 ms on
    a WT5000), the real model's figure, not a simulation's."""
    min_capture_interval_s: float
    """The shortest interval of a triggered capture (:meth:`arm_capture`). A separate figure: a
    capture's values may come from the sampled waveform (RMS and power over windows shorter than a
    data update, e.g. a quarter of a 50 Hz cycle), where the store follows the data update."""

    def start_acquisition(self, interval_s: float) -> None:
        """Store one reading every ``interval_s`` from now on (replacing a running acquisition).
        Raises ``SettingOutOfRange`` below :attr:`min_acquisition_interval_s`."""

    def read_acquired(self) -> list[AcquiredSample]:
        """Every reading stored since the previous call, oldest first."""

    def stop_acquisition(self) -> None:
        """Stop storing; readings not yet read are discarded."""

    def arm_capture(self, interval_s: float, pre_trigger_s: float, post_trigger_s: float) -> None:
        """Arm a capture triggered by the AC source's next programmed step (its trigger output,
        wired to the analyzer's external trigger input on hardware). Raises ``SettingOutOfRange``
        below :attr:`min_capture_interval_s`."""

    def read_capture(self) -> Capture | None:
        """The capture once complete (None while it is still armed or acquiring)."""


@runtime_checkable
class PvSimulator(Instrument, Protocol):
    """DC source in solar-array-simulation mode feeding a PV inverter's DC input."""

    def set_iv_curve(self, voc_v: float, isc_a: float, vmp_v: float, imp_a: float) -> None:
        """Program the simulated array's I-V curve by its four characteristic points."""

    def set_output(self, on: bool) -> None: ...

    def output_is_on(self) -> bool: ...

    def max_power_w(self) -> float:
        """Power at the programmed maximum power point (Vmp x Imp)."""


AC_LOAD_MODES: tuple[str, ...] = ("CC", "CR", "CP", "RECTIFIED")
"""Operating modes every :class:`AcLoad` offers: constant current (RMS), constant resistance,
constant power, and a rectifier (bridge + capacitor) load emulation."""


@runtime_checkable
class AcLoad(Instrument, Protocol):
    """AC electronic load on the DUT's AC terminals (draws what a consumer would).

    Setpoints are RMS values. A model with a peak-current limit or a crest-factor setting
    offers them as extra driver methods (e.g. ``set_peak_current_limit_a``); suites that need
    them check for the model, the capability does not pretend every load has them.
    """

    def set_mode(self, mode: str) -> None:
        """Select one of :data:`AC_LOAD_MODES`."""

    def mode(self) -> str:
        """The present mode, one of :data:`AC_LOAD_MODES`."""

    def set_current_a(self, amps_rms: float) -> None:
        """Current setpoint of the CC mode."""

    def set_power_w(self, watts: float) -> None:
        """Power setpoint of the CP mode."""

    def set_resistance_ohm(self, ohms: float) -> None:
        """Resistance setpoint of the CR mode."""

    def set_load(self, on: bool) -> None:
        """Start (True) or stop (False) sinking current."""

    def load_is_on(self) -> bool: ...


@runtime_checkable
class RlcLoad(Instrument, Protocol):
    """Passive R/L/C load per phase on the DUT's AC terminals (the resonant load of anti-islanding
    tests). Reactive parts are set as the current they draw at the load's nominal voltage and
    frequency; each setter returns the value the load's steps realise."""

    phase_count: int

    def set_nominal(self, volts: float, hertz: float) -> None:
        """Voltage and frequency at which reactive currents are meant (the grid's nominal values)."""

    def set_resistance_ohm(self, phase: int, ohms: float) -> float:
        """Resistance of one phase (``math.inf``: open); returns the realised resistance."""

    def set_inductive_current_a(self, phase: int, amps: float) -> float:
        """Inductive current of one phase at the nominal values; returns the realised current."""

    def set_capacitive_current_a(self, phase: int, amps: float) -> float:
        """Capacitive current of one phase at the nominal values; returns the realised current."""

    def disconnect(self) -> None:
        """Open every R, L and C step of every phase."""


@runtime_checkable
class SmartMeterP1(Instrument, Protocol):
    """A smart meter's P1 port at the DUT's connection point (DSMR 5 telegrams, one a second): the
    real meter through a P1 splitter, a P1 emulator's output, or the simulated lab's meter. What the
    meter sees is the DUT plus the rest of the house (docs/p1-meter.md)."""

    def read_telegrams(self) -> list[str]:
        """Every complete telegram received since the previous call, oldest first (raw DSMR text,
        from ``/`` to ``!CRC``); parse and check them with ``links.p1.parse_telegram``."""

    def release(self) -> None:
        """Stop receiving until the next :meth:`read_telegrams` (telegrams sent meanwhile are not
        kept): a suite releases the port when it is done with it."""


@runtime_checkable
class DigitalIO(Instrument, Protocol):
    """Relay contacts / digital outputs wired to a DUT's control inputs (SG-Ready terminals,
    §14a EnWG control input). A channel is the instrument's own channel address (e.g. 301);
    ``closed=True`` closes the contact."""

    channels: tuple[int, ...]
    """The channel addresses this unit can switch (known after ``open()``)."""

    def set_output(self, channel: int, closed: bool) -> None: ...

    def output_state(self, channel: int) -> bool:
        """True when the contact of ``channel`` is closed."""

    def all_open(self) -> None:
        """Open every contact (the safe state)."""


CP_STATES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
"""Control-pilot states of IEC 61851-1 Table A.3: A not connected, B connected, C charging,
D charging with ventilation, E no power / short, F EVSE fault (-12 V)."""


@dataclass(frozen=True)
class PilotReading:
    """What the EV emulator sees on the control pilot (the EVSE's signal)."""

    state: str
    """One of :data:`CP_STATES`."""
    duty_pct: float | None
    """PWM duty cycle; None when there is no PWM (steady +12/+9/+6 V, or 0 / -12 V)."""
    offered_current_a: float
    """Current per phase the duty offers (IEC 61851-1 Table A.8); 0 when no charging allowed."""


@dataclass(frozen=True)
class EvDrawReading:
    """What the emulated EV draws from the charger's outlet."""

    current_a: tuple[float, ...]
    """RMS current per phase, L1..L3."""
    soc_pct: float
    """Emulated battery state of charge."""

    @property
    def max_current_a(self) -> float:
        return max(self.current_a, default=0.0)


@runtime_checkable
class EvEmulator(Instrument, Protocol):
    """EV emulator / EVSE tester on a charger's outlet: plays the vehicle side of IEC 61851-1
    Annex A (cable plugged in or not, S2 charge request), reads the control pilot and draws
    current as an EV would (the duty-to-current mapping of Table A.8, 6 A minimum, 1 or 3
    phases, a response delay, a battery that can stop the charge when full)."""

    def plug_in(self) -> None:
        """Connect the vehicle (state A -> B, or C when a charge is requested)."""

    def unplug(self) -> None:
        """Disconnect the vehicle (state A)."""

    def set_charge_request(self, on: bool) -> None:
        """Close (True: state C when plugged in) or open (False: state B) the EV's S2 switch."""

    def set_max_current_a(self, amps: float) -> None:
        """The vehicle's own limit per phase (on-board charger rating)."""

    def set_phases(self, phases: int) -> None:
        """Phases the vehicle charges on: 1 or 3."""

    def set_response_delay_s(self, seconds: float) -> None:
        """How long the vehicle takes to follow a duty-cycle change (compliant: <= 5 s)."""

    def set_battery(self, capacity_wh: float, soc_pct: float, stop_when_full: bool = True) -> None:
        """Battery size and present state of charge; ``stop_when_full`` opens S2 at 100 %."""

    def read_pilot(self) -> PilotReading:
        """State, duty cycle and offered current of the control pilot."""

    def read_draw(self) -> EvDrawReading:
        """Current per phase the vehicle draws, and its state of charge."""
