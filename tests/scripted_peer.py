"""A misbehaving TCP peer for link and transport tests: answers every message with a scripted
reply, optionally trickled byte by byte."""

from __future__ import annotations

import socket
import threading
import time


class ScriptedPeer:
    """A one-connection-at-a-time TCP peer answering every line with ``reply(line)``, sent byte by byte
    ``byte_gap_s`` apart."""

    def __init__(self, reply: bytes, byte_gap_s: float = 0.0) -> None:
        self.reply, self.byte_gap_s = reply, byte_gap_s
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    while conn.recv(4096):
                        for byte in self.reply:
                            conn.sendall(bytes([byte]))
                            time.sleep(self.byte_gap_s)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
