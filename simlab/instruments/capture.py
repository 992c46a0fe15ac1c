"""Triggered capture of the simulated power analyzer, on the lab's time axis.

* :class:`TriggerLine` is the wire from the AC source's trigger output to the analyzer's external
  trigger input: the simulated source fires it at the lab instant it applies a programmed step
  (exact: commands arrive while lab time stands still), every capture armed on it latches that
  instant.
* :class:`SimCapture` records the analyzer's values every ``interval_s`` on the grid
  k * interval_s of lab time while armed (it is a lab observer: the lab stops its physics at
  :meth:`SimCapture.next_due_s` and calls :meth:`SimCapture.observe`), keeps the pre-trigger
  records in a ring buffer and completes ``post_trigger_s`` after the trigger. The values are the
  analyzer's own (its item list and noise model).
* :func:`capture_commands` is the wire (``:CAPTure:...``) that
  :mod:`instruments.drivers.yokogawa_wt` speaks for it.
"""

from __future__ import annotations

import math
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simlab.instruments._scpi_device import SimCommand, SimScpiError, in_range, number

__all__ = ["CaptureRow", "SimCapture", "TriggerLine", "capture_commands", "trigger_line_of"]

MIN_INTERVAL_S = 0.0025
"""Shortest capture interval the simulated analyzer accepts (an eighth of a 50 Hz cycle)."""
MAX_SAMPLES = 200_000
"""Capture memory (samples): a longer window is refused when armed."""
BLOCK_ROWS = 100
"""Most rows one ``:CAPTure:DATA?`` reply carries."""
_US = 1_000_000


class TriggerLine:
    """The trigger wire between the AC source and the analyzer; ``now_s`` is the lab clock."""

    def __init__(self, now_s: Callable[[], float]) -> None:
        self.now_s = now_s
        self._listeners: list[Callable[[float], None]] = []

    def connect(self, listener: Callable[[float], None]) -> None:
        self._listeners.append(listener)

    def fire(self) -> None:
        """The source applied a step now: every listener gets the lab instant."""
        t_s = self.now_s()
        for listener in self._listeners:
            listener(t_s)


_LINES: weakref.WeakKeyDictionary[Any, TriggerLine] = weakref.WeakKeyDictionary()


def trigger_line_of(physics: Any) -> TriggerLine:
    """The one trigger line of a lab (its physics): the source and the analyzer share it."""
    line = _LINES.get(physics)
    if line is None:
        line = _LINES[physics] = TriggerLine(lambda: float(physics.t_s))
    return line


@dataclass(frozen=True)
class CaptureRow:
    """One captured record: lab time and the analyzer's values (its numeric item list)."""

    t_s: float
    values: tuple[float, ...]


class SimCapture:
    """One analyzer's capture memory (a lab observer). States: ``IDLE``, ``ARMED``, ``TRIGGERED``,
    ``COMPLETE``. ``values_now()`` returns the analyzer's item values at the present lab instant
    (with its noise); ``now_s()`` is the lab clock."""

    def __init__(self, values_now: Callable[[], list[float]], now_s: Callable[[], float]) -> None:
        self.values_now = values_now
        self.now_s = now_s
        self.interval_s = 0.005
        self.pre_trigger_s = 0.0
        self.post_trigger_s = 1.0
        self.state = "IDLE"
        self.trigger_t_s: float | None = None
        self._next_us: int | None = None
        self._ring: deque[CaptureRow] = deque()
        self.rows: list[CaptureRow] = []

    # -- arming and the trigger --------------------------------------------------------------
    def arm(self) -> None:
        """Start sampling on the grid k * interval of lab time; the next trigger completes it."""
        total = (self.pre_trigger_s + self.post_trigger_s) / self.interval_s
        if total > MAX_SAMPLES:
            raise SimScpiError(-221, f"{total:.0f} samples exceed the capture memory of {MAX_SAMPLES}")
        step = self._interval_us()
        self._next_us = (round(self.now_s() * _US) // step + 1) * step
        self._ring = deque(maxlen=math.floor(self.pre_trigger_s / self.interval_s + 1e-9) + 1)
        self.rows, self.trigger_t_s, self.state = [], None, "ARMED"

    def abort(self) -> None:
        self.state, self._next_us, self._ring, self.rows, self.trigger_t_s = "IDLE", None, deque(), [], None

    def on_trigger(self, t_s: float) -> None:
        """The trigger line fired at lab time ``t_s``: keep the ring's pre-trigger samples."""
        if self.state != "ARMED":
            return
        self.trigger_t_s = t_s
        self.rows = [row for row in self._ring if row.t_s >= t_s - self.pre_trigger_s - 1e-9]
        self._ring.clear()
        self.state = "TRIGGERED"

    # -- the lab's instants (LabObserver) ----------------------------------------------------
    def _interval_us(self) -> int:
        return round(self.interval_s * _US)

    def next_due_s(self) -> float | None:
        """The next sampling instant (lab time), None when not sampling."""
        if self.state not in ("ARMED", "TRIGGERED") or self._next_us is None:
            return None
        return self._next_us / _US

    def observe(self, t_s: float) -> None:
        """The lab stopped at ``t_s``: sample the values when a sampling instant is due."""
        due = self.next_due_s()
        if due is None or t_s < due - 1e-9:
            return
        assert self._next_us is not None
        self._next_us += self._interval_us()
        row = CaptureRow(due, tuple(self.values_now()))
        if self.state == "ARMED":
            self._ring.append(row)
            return
        self.rows.append(row)
        assert self.trigger_t_s is not None
        if due >= self.trigger_t_s + self.post_trigger_s - 1e-9:
            self.state = "COMPLETE"


def _block(rows: list[CaptureRow]) -> str:
    """``n,t_1,v_1_1..v_1_K,t_2,...``: the format of the store's data blocks."""
    fields = [str(len(rows))]
    for row in rows:
        fields.append(f"{row.t_s:.6f}")
        fields.extend(f"{v:.5E}" for v in row.values)
    return ",".join(fields)


def capture_commands(capture: SimCapture) -> list[SimCommand]:
    """The ``:CAPTure`` group: settings, ``ARM``/``ABORt``, state, trigger instant and the records
    in blocks (``:CAPTure:DATA? <first>,<max>``, the store's block format)."""
    c = capture

    def set_interval(args: list[str], _: int | None) -> None:
        c.interval_s = in_range(number(args), MIN_INTERVAL_S, 1.0)

    def set_pre(args: list[str], _: int | None) -> None:
        c.pre_trigger_s = in_range(number(args), 0.0, 60.0)

    def set_post(args: list[str], _: int | None) -> None:
        c.post_trigger_s = in_range(number(args), 0.0, 600.0)

    def arm(args: list[str], _: int | None) -> None:
        c.arm()

    def abort(args: list[str], _: int | None) -> None:
        c.abort()

    def trigger_time(args: list[str], _: int | None) -> str:
        return "NAN" if c.trigger_t_s is None else f"{c.trigger_t_s:.6f}"

    def data(args: list[str], _: int | None) -> str:
        if c.state != "COMPLETE":
            raise SimScpiError(-221, f"capture {c.state.lower()}, not complete")
        first = int(in_range(number(args, 0), 0, len(c.rows)))
        count = int(in_range(number(args, 1), 1, BLOCK_ROWS))
        return _block(c.rows[first:first + count])

    return [
        SimCommand("CAPTure:INTerval", set_interval, lambda a, n: f"{c.interval_s:.6f}"),
        SimCommand("CAPTure:PRETrigger", set_pre, lambda a, n: f"{c.pre_trigger_s:.6f}"),
        SimCommand("CAPTure:POSTtrigger", set_post, lambda a, n: f"{c.post_trigger_s:.6f}"),
        SimCommand("CAPTure:ARM", arm),
        SimCommand("CAPTure:ABORt", abort),
        SimCommand("CAPTure:STATe", None, lambda a, n: c.state),
        SimCommand("CAPTure:TRIGger:TIME", None, trigger_time),
        SimCommand("CAPTure:COUNt", None, lambda a, n: str(len(c.rows))),
        SimCommand("CAPTure:DATA", None, data),
    ]
