"""An asyncio line server putting one simulated SCPI instrument on a TCP port.

One line in (``\\n`` terminated, ``\\r`` tolerated), at most one line out. Compound messages
(``;``) are split by the simulated instrument itself, according to its model. Accepted
sockets get ``TCP_NODELAY``. Several clients may connect; their lines are handled one at a
time in arrival order. A client that disconnects (even mid-line) only ends its own session.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Protocol

__all__ = ["BackgroundScpiServer", "LineDevice", "serve_scpi"]

log = logging.getLogger(__name__)


class LineDevice(Protocol):
    def handle(self, line: str) -> str | None: ...


async def serve_scpi(device: LineDevice, host: str, port: int) -> tuple[asyncio.AbstractServer, int]:
    """Serve ``device`` on ``host:port`` (0 = ephemeral); return the server and bound port."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                raw = await reader.readline()
                if not raw or not raw.endswith(b"\n"):
                    break  # disconnect (possibly mid-line)
                line = raw.decode("ascii", errors="replace").rstrip("\r\n")
                reply = device.handle(line)
                if reply is not None:
                    writer.write(reply.encode("ascii", errors="replace") + b"\n")
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    server = await asyncio.start_server(session, host, port)
    bound_port = server.sockets[0].getsockname()[1]
    log.debug("serving %s on %s:%d", type(device).__name__, host, bound_port)
    return server, bound_port


class BackgroundScpiServer:
    """Runs :func:`serve_scpi` on its own event loop in a daemon thread (tests, benchmarks).

    ``with BackgroundScpiServer(device) as port: ...`` serves on 127.0.0.1:<port>.
    """

    def __init__(self, device: LineDevice, host: str = "127.0.0.1") -> None:
        import threading

        self.device = device
        self.host = host
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"scpi-{type(device).__name__}")
        self._server: asyncio.AbstractServer | None = None

    def __enter__(self) -> int:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            serve_scpi(self.device, self.host, 0), self._loop)
        self._server, self.port = future.result(timeout=5)
        return self.port

    def __exit__(self, *exc_info: object) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
                if hasattr(self._server, "close_clients"):
                    self._server.close_clients()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
