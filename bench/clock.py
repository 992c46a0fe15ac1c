"""The one bench clock. Suites wait on it, never on ``time.sleep``.

* ``VirtualClock`` (simulated lab): bench time moves only when the bench advances the lab, so a
  campaign gives the same result on every run. Samples are taken at every multiple of the sample
  period (and at the end of each ``sleep``), so sampling instants do not depend on history. With a
  :class:`BlockSampler` (a power analyzer that acquires on its own, ``AnalyzerAcquisition``) a
  ``sleep`` advances the lab in large steps: once to the end of the wait, or to the next instant a
  service needs, at most :data:`MAX_BLOCK_S` at a time, and records the block the instrument stored
  on the way. Without one, it advances tick by tick and samples at every tick.
* ``WallClock`` (hardware, or the simulated lab in real time): a real sleep. With a
  :class:`BlockSampler` whose instrument supports the wait's period, the instrument acquires on its
  own time base and the clock reads its blocks back every :data:`WALL_BLOCK_READ_S` of real time (the
  safety check runs on every acquired sample within that delay); without one, it polls at every tick.

Samplers (``add_sampler``) run at every tick of the tick-by-tick path and at the end of a wait that
is not on the sample period's grid. Services (``add_service``: a link's heartbeat) run at every
stop of either path; in large steps the clock stops at the first tick at or after each service's
``next_due_s()``, so a service runs at the same instants as if the clock ticked.

Both carry a calendar (``start_calendar`` + bench time), so time of day is virtual too; a
``WallClock`` started without one follows the real calendar.

Which one a campaign runs on is :func:`choose_clock_mode`: ``virtual`` when the device is simulated,
``wall`` otherwise, whatever the instruments are (``flexbench run --clock`` overrides it).
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Callable, Literal, Protocol

Sampler = Callable[[float], None]
NextDue = Callable[[], "float | None"]
MAX_BLOCK_S = 10.0
"""Longest single advance of the virtual clock in large steps (bounds the safety check's latency in
bench time)."""
WALL_BLOCK_READ_S = 0.5
"""Real time between two block reads of the wall clock (bounds how late the safety check sees a
sample the instrument acquired)."""
ClockMode = Literal["wall", "virtual"]
CLOCK_MODES: tuple[ClockMode, ...] = ("wall", "virtual")


def default_clock_mode(*, device_simulated: bool) -> ClockMode:
    """``virtual`` for a simulated device, ``wall`` for a real one (whatever the instruments are):
    a real device runs in real time."""
    return "virtual" if device_simulated else "wall"


def choose_clock_mode(requested: str | None, *, device_simulated: bool, lab_simulated: bool) -> ClockMode:
    """The clock a campaign runs on: ``requested`` (``--clock``) or :func:`default_clock_mode`.

    ``virtual`` needs the simulated lab (it is what the bench advances); with a real device it is
    allowed, for software devices that tolerate it, and the record says so. Raises ValueError for
    an unknown mode or a virtual clock on real instruments."""
    if requested is None:   # without the lab nothing can advance virtual time
        return default_clock_mode(device_simulated=device_simulated) if lab_simulated else "wall"
    if requested not in CLOCK_MODES:
        raise ValueError(f"unknown clock {requested!r}: one of {', '.join(CLOCK_MODES)}")
    if requested == "virtual" and not lab_simulated:
        raise ValueError("a virtual clock needs the simulated lab (lab.simulated: true); real instruments "
                         "run in real time")
    return requested


class BenchClock(Protocol):
    virtual: bool
    sample_period_s: float

    def now_s(self) -> float: ...

    def sleep(self, duration_s: float, *, sample_period_s: float | None = None) -> None: ...

    def calendar(self) -> _dt.datetime: ...

    def add_sampler(self, sampler: Sampler) -> None: ...

    def add_service(self, service: Sampler, next_due_s: NextDue) -> None: ...


class BlockSampler(Protocol):
    """What lets the virtual clock advance in large steps: an acquisition on the instrument."""

    def acquisition_supports(self, period_s: float) -> bool:
        """True when readings can be acquired every ``period_s``."""

    def start_acquisition(self, period_s: float) -> None:
        """Acquire a reading at every multiple of ``period_s`` after now (restarting)."""

    def collect_acquired(self) -> None:
        """Record every reading acquired so far."""

    def stop_acquisition(self) -> None: ...


class _ClockBase:
    def __init__(self, sample_period_s: float, start_calendar: str) -> None:
        if sample_period_s <= 0:
            raise ValueError("sample_period_s must be positive")
        self.sample_period_s = sample_period_s
        self.start_calendar = _dt.datetime.fromisoformat(start_calendar)
        self._samplers: list[Sampler] = []
        self._services: list[tuple[Sampler, NextDue]] = []

    def add_sampler(self, sampler: Sampler) -> None:
        self._samplers.append(sampler)

    def add_service(self, service: Sampler, next_due_s: NextDue) -> None:
        """Run ``service(t_s)`` at every stop of the clock; ``next_due_s()`` (None: nothing due)
        tells a clock advancing in large steps where it must stop for it."""
        self._services.append((service, next_due_s))

    def _sample(self, t_s: float) -> None:
        for sampler in self._samplers:
            sampler(t_s)
        self._serve(t_s)

    def _serve(self, t_s: float) -> None:
        for service, _ in self._services:
            service(t_s)

    def calendar(self) -> _dt.datetime:
        return self.start_calendar + _dt.timedelta(seconds=self.now_s())

    def now_s(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def seconds_until(self, hour: int, minute: int = 0) -> float:
        """Bench seconds from now until the next given time of day on the clock's calendar."""
        now = self.calendar()
        target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if target <= now:
            target += _dt.timedelta(days=1)
        return (target - now).total_seconds()


class VirtualClock(_ClockBase):
    """Bench-driven virtual time. ``advance(t_s)`` must bring the lab to bench time t_s."""

    virtual = True

    def __init__(self, advance: Callable[[float], None], *, sample_period_s: float = 0.2,
                 start_calendar: str = "2026-06-21T12:00:00+02:00") -> None:
        super().__init__(sample_period_s, start_calendar)
        self._advance = advance
        self._now_us = 0         # time kept as an integer count of microseconds: no float drift
        self._blocks: BlockSampler | None = None
        self._block_period_us: int | None = None    # the running acquisition's period

    def now_s(self) -> float:
        return self._now_us / 1e6

    def use_block_sampler(self, blocks: BlockSampler) -> None:
        """Advance in large steps, recording what ``blocks`` acquired, whenever it supports the
        wait's sample period."""
        self._blocks = blocks

    def sleep(self, duration_s: float, *, sample_period_s: float | None = None) -> None:
        if duration_s < 0:
            raise ValueError("cannot sleep a negative duration")
        period_s = sample_period_s or self.sample_period_s
        period_us = round(period_s * 1e6)
        end_us = self._now_us + round(duration_s * 1e6)
        if end_us <= self._now_us:
            return
        blocks = self._blocks
        if blocks is not None and blocks.acquisition_supports(period_us / 1e6):
            self._sleep_in_blocks(blocks, period_us, end_us)
            return
        if blocks is not None and self._block_period_us is not None:
            blocks.stop_acquisition()
            self._block_period_us = None
        while self._now_us < end_us:
            # ticks land on multiples of the period, so sampling instants do not depend on history
            next_us = min((self._now_us // period_us + 1) * period_us, end_us)
            self._advance(next_us / 1e6)
            self._now_us = next_us
            self._sample(self.now_s())

    def _sleep_in_blocks(self, blocks: BlockSampler, period_us: int, end_us: int) -> None:
        if self._block_period_us != period_us:
            blocks.start_acquisition(period_us / 1e6)
            self._block_period_us = period_us
        max_block_us = max(period_us, round(MAX_BLOCK_S * 1e6) // period_us * period_us)
        while self._now_us < end_us:
            next_tick_us = (self._now_us // period_us + 1) * period_us
            stop_us = min(end_us, max(next_tick_us, self._now_us // period_us * period_us + max_block_us))
            for _, next_due_s in self._services:
                due_s = next_due_s()
                if due_s is None:
                    continue
                due_us = due_s * 1e6    # the first tick at or after the due instant, after now
                due_tick_us = next_tick_us if due_us <= self._now_us else -(-round(due_us) // period_us) * period_us
                stop_us = min(stop_us, max(due_tick_us, next_tick_us))
            self._advance(stop_us / 1e6)
            crossed_a_tick = stop_us // period_us > self._now_us // period_us
            self._now_us = stop_us
            if crossed_a_tick:          # else the instrument stored nothing: no read-back
                blocks.collect_acquired()
            if stop_us % period_us:     # the end of the wait, off the period's grid: a sample there too
                for sampler in self._samplers:
                    sampler(self.now_s())
            self._serve(self.now_s())


class WallClock(_ClockBase):
    """Real time for hardware. Samples at the period while sleeping: by polling at every tick, or,
    with a :class:`BlockSampler` (:meth:`use_block_sampler`), from the instrument's own acquisition
    read back in blocks every :data:`WALL_BLOCK_READ_S`. Bench time is ``time.monotonic()`` minus
    :attr:`origin_monotonic_s`."""

    virtual = False

    def __init__(self, *, sample_period_s: float = 0.2, start_calendar: str | None = None) -> None:
        start = start_calendar or _dt.datetime.now().astimezone().isoformat()
        super().__init__(sample_period_s, start)
        self._t0 = time.monotonic()
        self._blocks: BlockSampler | None = None
        self._block_period_s: float | None = None    # the running acquisition's period

    @property
    def origin_monotonic_s(self) -> float:
        """The ``time.monotonic()`` instant of bench time 0 (a simulated lab in real time starts its
        own time axis there, so its instruments' timestamps are bench time)."""
        return self._t0

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    def use_block_sampler(self, blocks: BlockSampler) -> None:
        """Read ``blocks``' acquisition back in blocks whenever it supports the wait's period."""
        self._blocks = blocks

    def sleep(self, duration_s: float, *, sample_period_s: float | None = None) -> None:
        if duration_s < 0:
            raise ValueError("cannot sleep a negative duration")
        period = sample_period_s or self.sample_period_s
        end = self.now_s() + duration_s
        blocks = self._blocks
        if blocks is not None and blocks.acquisition_supports(period):
            self._sleep_in_blocks(blocks, period, end)
            return
        if blocks is not None and self._block_period_s is not None:
            blocks.collect_acquired()       # what the stopped acquisition stored is kept
            blocks.stop_acquisition()
            self._block_period_s = None
        while True:
            now = self.now_s()
            if now >= end:
                return
            next_tick = min((int(now / period) + 1) * period, end)
            time.sleep(max(0.0, next_tick - now))
            self._sample(self.now_s())

    def _sleep_in_blocks(self, blocks: BlockSampler, period_s: float, end_s: float) -> None:
        """The acquisition keeps running across waits at the same period (no sample lost between
        them); a new period restarts it after reading what the old one stored."""
        if self._block_period_s != period_s:
            if self._block_period_s is not None:
                blocks.collect_acquired()
            blocks.start_acquisition(period_s)
            self._block_period_s = period_s
        while True:
            now = self.now_s()
            if now >= end_s:
                return
            stop_s = min(end_s, now + WALL_BLOCK_READ_S)
            for _, next_due_s in self._services:     # a link's heartbeat is served on time
                due_s = next_due_s()
                if due_s is not None:   # one that stays due is served every period, never in a busy loop
                    stop_s = min(stop_s, max(due_s, now + period_s))
            time.sleep(max(0.0, stop_s - now))
            blocks.collect_acquired()
            self._serve(self.now_s())
