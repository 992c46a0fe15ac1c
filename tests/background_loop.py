"""Test helper shared by tests/modbus_map and tests/sunspec: the lab's single asyncio loop on a
background thread, so the synchronous links under test can talk to servers started in it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class BackgroundLoop:
    """An asyncio loop on a daemon thread; servers started with :meth:`keep` are closed by :meth:`shutdown`.

    A handle is anything with an ``async close()``.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="lab-loop", daemon=True)
        self._thread.start()
        self._handles: list[Any] = []

    def run(self, coro: Any, timeout_s: float = 5.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def keep(self, handle: Any) -> None:
        """Close ``handle`` at :meth:`shutdown` unless :meth:`stop` closed it before."""
        self._handles.append(handle)

    def stop(self, handle: Any) -> None:
        self.run(handle.close())
        if handle in self._handles:
            self._handles.remove(handle)

    def shutdown(self) -> None:
        for handle in list(self._handles):
            self.stop(handle)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()
