"""Safety interlocks: refuse commands beyond the bench's declared limits before they reach the
instrument, and bring the AC source to its configured safe state on every exit path."""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Callable

from bench.config import SafetyLimits
from bench.errors import SafetyLimitError
from instruments.capabilities import AcSource, AcSourceCurrentLimit, AcSourceTransients


class GuardedAcSource:
    """An AcSource whose every setting is checked against ``SafetyLimits`` first.

    Suites get this object, never the raw driver.
    """

    def __init__(self, source: AcSource, limits: SafetyLimits,
                 on_command: Callable[[str], None] | None = None) -> None:
        self._source = source
        self.limits = limits
        self._on_command = on_command or (lambda text: None)
        self.name = source.name
        self.phase_count = source.phase_count

    # --- checks -----------------------------------------------------------------------------
    def _refuse(self, what: str) -> None:
        raise SafetyLimitError(f"{self.name}: refused {what} (bench safety limits)")

    def _check_voltage(self, volts: float) -> None:
        lim = self.limits
        if not lim.voltage_min_v <= volts <= lim.voltage_max_v:
            self._refuse(f"voltage {volts:g} V outside [{lim.voltage_min_v:g}, {lim.voltage_max_v:g}] V")

    def _check_frequency(self, hertz: float) -> None:
        lim = self.limits
        if not lim.frequency_min_hz <= hertz <= lim.frequency_max_hz:
            self._refuse(f"frequency {hertz:g} Hz outside [{lim.frequency_min_hz:g}, {lim.frequency_max_hz:g}] Hz")

    # --- AcSource ---------------------------------------------------------------------------
    def identify(self) -> str:
        return self._source.identify()

    def check_errors(self) -> None:
        self._source.check_errors()

    def close(self) -> None:
        self._source.close()

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        self._check_voltage(volts)
        self._on_command(f"set_voltage_v {volts:g} phase={phase or 'all'}")
        self._source.set_voltage_v(volts, phase)

    def set_frequency_hz(self, hertz: float) -> None:
        self._check_frequency(hertz)
        self._on_command(f"set_frequency_hz {hertz:g}")
        self._source.set_frequency_hz(hertz)

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None:
        self._on_command(f"set_phase_angle_deg phase={phase} {degrees:g}")
        self._source.set_phase_angle_deg(phase, degrees)

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        if not 0 < volts_per_second <= self.limits.voltage_slew_max_v_per_s:
            self._refuse(f"voltage slew {volts_per_second:g} V/s above {self.limits.voltage_slew_max_v_per_s:g} V/s")
        self._on_command(f"set_voltage_slew_v_per_s {volts_per_second:g}")
        self._source.set_voltage_slew_v_per_s(volts_per_second)

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        if hertz_per_second <= 0:
            self._refuse(f"frequency slew {hertz_per_second:g} Hz/s")
        self._on_command(f"set_frequency_slew_hz_per_s {hertz_per_second:g}")
        self._source.set_frequency_slew_hz_per_s(hertz_per_second)

    def set_output(self, on: bool) -> None:
        if on:
            for phase in range(1, self.phase_count + 1):
                self._check_voltage(self._source.voltage_setpoint_v(phase))
            self._check_frequency(self._source.frequency_setpoint_hz())
            self._limit_current()
        self._on_command(f"set_output {'on' if on else 'off'}")
        self._source.set_output(on)

    def _limit_current(self) -> None:
        """Program the source's own current limit to ``safety.current_max_a`` before energising,
        when the model can (instruments.capabilities.AcSourceCurrentLimit)."""
        if isinstance(self._source, AcSourceCurrentLimit):
            self._on_command(f"set_current_limit {self.limits.current_max_a:g} A")
            self._source.set_current_limit_a(self.limits.current_max_a)

    def output_is_on(self) -> bool:
        return self._source.output_is_on()

    def voltage_setpoint_v(self, phase: int) -> float:
        return self._source.voltage_setpoint_v(phase)

    def frequency_setpoint_hz(self) -> float:
        return self._source.frequency_setpoint_hz()

    def energize(self, volts: float, hertz: float) -> None:
        """Set all phases and frequency, then switch the output on (checked first)."""
        self._check_voltage(volts)
        self._check_frequency(hertz)
        self.set_frequency_hz(hertz)
        self.set_voltage_v(volts)
        self.set_output(True)

    def go_safe(self) -> None:
        """Bring the source to its configured safe state. Raw driver calls: no check may block it."""
        lim = self.limits
        self._on_command("go_safe")
        if not lim.safe_output_on:
            self._source.set_output(False)
        self._source.set_frequency_hz(lim.safe_frequency_hz)
        self._source.set_voltage_v(lim.safe_voltage_v)
        if lim.safe_output_on:
            self._source.set_output(True)


STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))
"""Signals that end a campaign like Ctrl-C (SIGINT): a kill, an SSH session or terminal dropping
(SIGHUP), Ctrl-\\ (SIGQUIT). Left to their defaults they would end the process at once, with the AC
source still energised and no ``campaign_end``."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """For the whole campaign (also before the AC source is open and while the report is built), each of
    :data:`STOP_SIGNALS` interrupts like Ctrl-C, so the session's unwinding writes ``campaign_end``
    instead of the process ending where it stands. Only in the main thread; handlers restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _interrupt) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class SafeStateGuard:
    """Runs ``go_safe`` once on close, on interpreter exit and on SIGINT or any of
    :data:`STOP_SIGNALS`.

    Those signals are turned into ``KeyboardInterrupt`` in the main thread so the normal unwinding
    (pytest teardown, ``finally`` blocks, the record's last lines) happens, then the source is
    made safe by the session's close.
    """

    def __init__(self, go_safe: Callable[[], None], on_error: Callable[[BaseException], None]) -> None:
        self._go_safe = go_safe
        self._on_error = on_error
        self._done = False
        self._lock = threading.Lock()
        self._previous: dict[int, Any] = {}
        atexit.register(self.make_safe)
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, _interrupt)

    def make_safe(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        try:
            self._go_safe()
        except BaseException as exc:  # noqa: BLE001  report, never mask the original exit reason
            self._on_error(exc)

    def release(self) -> None:
        self.make_safe()
        atexit.unregister(self.make_safe)
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)


class GuardedTransientAcSource(GuardedAcSource):
    """A guarded source whose driver also runs instrument-timed voltage programs
    (:class:`instruments.capabilities.AcSourceTransients`); every step is checked first."""

    def __init__(self, source: Any, limits: SafetyLimits,
                 on_command: Callable[[str], None] | None = None) -> None:
        super().__init__(source, limits, on_command)
        self._transients: AcSourceTransients = source
        self.max_transient_steps = source.max_transient_steps
        self.min_step_duration_s = source.min_step_duration_s

    def program_voltage_steps(self, steps: list[Any], phase: int | None = None) -> None:
        for step in steps:
            self._check_voltage(step.volts)
            for hertz in (step.frequency_hz, step.frequency_end_hz):
                if hertz is not None:
                    self._check_frequency(hertz)
        self._on_command(f"program_voltage_steps {len(steps)} steps phase={phase or 'all'}")
        self._transients.program_voltage_steps(steps, phase=phase)

    def run_transient(self) -> None:
        self._on_command("run_transient")
        self._transients.run_transient()

    def transient_done(self) -> bool:
        return self._transients.transient_done()

    def abort_transient(self) -> None:
        self._on_command("abort_transient")
        self._transients.abort_transient()


def guard_ac_source(source: AcSource, limits: SafetyLimits,
                    on_command: Callable[[str], None] | None = None) -> GuardedAcSource:
    """Wrap a driver in the safety guard, keeping its transient capability when it has one."""
    from instruments.capabilities import AcSourceTransients

    if isinstance(source, AcSourceTransients):
        return GuardedTransientAcSource(source, limits, on_command)
    return GuardedAcSource(source, limits, on_command)
