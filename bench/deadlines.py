"""Deadlines for a whole exchange, not per byte.

Libraries time out each ``recv``: a peer that trickles one byte just inside that timeout holds a
1-second query for minutes. :func:`deadline` bounds the whole exchange: when it expires, its
``on_expiry`` runs on one shared watchdog thread (for a socket: :func:`abort_socket`, so the blocked
read returns at once) and ``Deadline.expired`` tells the caller to report a timeout.

Arming costs a heap push under a lock (microseconds), so every instrument query can have one.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def with_grace_s(timeout_s: float) -> float:
    """A deadline a little after a library's own per-read timeout (``timeout_s``), so a plain silence
    still ends as that library reports it and only a reply that keeps trickling hits the deadline."""
    return timeout_s + max(0.05, 0.1 * timeout_s)


class Deadline:
    """One armed deadline; ``expired`` is set (before ``on_expiry`` runs) if it fired."""

    __slots__ = ("at_s", "on_expiry", "expired", "cancelled")

    def __init__(self, at_s: float, on_expiry: Callable[[], None]) -> None:
        self.at_s = at_s
        self.on_expiry = on_expiry
        self.expired = False
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _Watchdog:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._cond = threading.Condition()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, timeout_s: float, on_expiry: Callable[[], None]) -> Deadline:
        item = Deadline(time.monotonic() + timeout_s, on_expiry)
        with self._cond:
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (item.at_s, next(self._order), item))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="deadline-watchdog", daemon=True)
                self._thread.start()
            elif earliest is None or item.at_s < earliest:
                self._cond.notify()
        return item

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait_s = self._heap[0][0] - time.monotonic()
                if wait_s > 0:
                    self._cond.wait(wait_s)
                    continue
                item = heapq.heappop(self._heap)[2]
                item.expired = True
            try:
                item.on_expiry()
            except Exception:  # noqa: BLE001 - the watchdog must survive a failing abort; the caller sees expired
                pass


_WATCHDOG = _Watchdog()


@contextmanager
def deadline(timeout_s: float, on_expiry: Callable[[], None]) -> Iterator[Deadline]:
    """Run the block with ``on_expiry`` called if it is still running ``timeout_s`` from now."""
    item = _WATCHDOG.arm(timeout_s, on_expiry)
    try:
        yield item
    finally:
        item.cancel()


def abort_socket(sock: socket.socket | None) -> Callable[[], None]:
    """An ``on_expiry`` that shuts ``sock`` down, so a read blocked on it returns at once."""

    def abort() -> None:
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    return abort
