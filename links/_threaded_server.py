"""A websockets server on its own thread and asyncio loop, behind a blocking start/stop API.

The bench's main thread stays synchronous; the CSMS (links/ocpp/csms.py) and the S2 CEM
(links/s2/cem.py) each run their listener and connections on a private loop in a daemon thread.
This base class owns that loop's life: start it, bind the listener, report the bound TCP port,
and on stop close the listener (which closes every connection), cancel what is left and close
the loop.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Self

from websockets.asyncio.server import Server

from bench.errors import LinkError

__all__ = ["ThreadedServer"]


class ThreadedServer:
    """Base of a server whose loop runs in a daemon thread; subclasses define :meth:`_listen`.

    ``_service_name`` names the server in errors ("CSMS did not start within 5.0 s");
    ``_thread_name`` names its thread. The subclass calls :meth:`_init_thread_state` in its
    ``__init__`` and provides ``_listen_address()`` (host, port asked for) for error messages.
    """

    _service_name = "server"
    _thread_name = "flexbench-server"

    def _init_thread_state(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self.port: int | None = None

    async def _listen(self) -> Server:
        raise NotImplementedError

    def _listen_address(self) -> tuple[str, int]:
        raise NotImplementedError

    def start(self, timeout_s: float = 5.0) -> int:
        """Start the loop thread and the listener; return the bound TCP port."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(self._listen())
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as error:  # noqa: BLE001 - handed to the starting thread
                errors.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:           # connections that did not finish closing within stop()'s timeout
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=self._thread_name, daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise LinkError(f"{self._service_name} did not start within {timeout_s} s")
        if errors:
            host, port = self._listen_address()
            raise LinkError(f"{self._service_name} could not listen on {host}:{port}: {errors[0]}") from errors[0]
        assert self.port is not None
        return self.port

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close every connection and the listener, then end the loop thread."""
        loop, server = self._loop, self._server
        if loop is None or server is None or not loop.is_running():
            return

        async def shutdown() -> None:
            server.close()                 # closes every connection with 1001 "going away"
            await server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout_s)
        except FutureTimeout:
            pass
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout_s)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
