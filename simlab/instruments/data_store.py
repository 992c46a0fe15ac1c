"""A simulated instrument's data store: one record at every multiple of the store interval on the
lab's time axis, kept until the bench reads it back.

The store is a lab observer (simlab/lab.py ``LabObserver``): the lab stops its physics exactly at
:meth:`DataStore.next_due_s` and calls :meth:`DataStore.observe` there, so a record holds the lab's
state at its own instant whatever the bench's read-back schedule. Instants are kept as integer
microseconds (no float drift): the n-th instant is ``n * interval_us``, the first one strictly after
the start, so instants do not depend on when the store was started.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["DataStore", "MICROSECONDS"]

MICROSECONDS = 1_000_000
_Record = TypeVar("_Record")


class DataStore(Generic[_Record]):
    """Records ``take_record()`` at every multiple of the interval while running."""

    def __init__(self, take_record: Callable[[], _Record]) -> None:
        self._take_record = take_record
        self._interval_us: int | None = None
        self._next_us = 0
        self._records: deque[tuple[int, _Record]] = deque()

    @property
    def running(self) -> bool:
        return self._interval_us is not None

    @property
    def interval_us(self) -> int | None:
        return self._interval_us

    def start(self, now_s: float, interval_us: int) -> None:
        """Store from ``now_s`` on, every ``interval_us``; unread records are discarded."""
        if interval_us <= 0:
            raise ValueError("the store interval must be positive")
        now_us = round(now_s * MICROSECONDS)
        self._interval_us = interval_us
        self._next_us = (now_us // interval_us + 1) * interval_us
        self._records.clear()

    def stop(self) -> None:
        """Stop storing; unread records are discarded."""
        self._interval_us = None
        self._records.clear()

    def next_due_s(self) -> float | None:
        """The next store instant (lab seconds), None while stopped."""
        return self._next_us / MICROSECONDS if self._interval_us is not None else None

    def observe(self, t_s: float) -> None:
        """Store the record of the instant due (the lab calls this at :meth:`next_due_s`)."""
        if self._interval_us is None:
            return
        self._records.append((self._next_us, self._take_record()))
        self._next_us += self._interval_us

    def take(self, max_records: int) -> list[tuple[int, _Record]]:
        """Up to ``max_records`` records (instant in microseconds, record), oldest first; they
        leave the store."""
        count = min(max_records, len(self._records))
        return [self._records.popleft() for _ in range(count)]

    def __len__(self) -> int:
        return len(self._records)
