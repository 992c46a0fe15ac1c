"""SunSpecLink error mapping against misbehaving peers (no pysunspec2/pymodbus exception escapes)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from bench.errors import LinkError, LinkTimeout, ProtocolFrameError
from links.sunspec_modbus import SunSpecLink


def _fake_server(reply: Callable[[bytes], bytes | None]) -> Iterator[int]:
    """A one-connection TCP peer answering each Modbus request with ``reply(request)`` (None: silent)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(0.1)
            while not stop.is_set():
                try:
                    request = conn.recv(260)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not request:
                    return
                answer = reply(request)
                if answer is not None:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(2)


@pytest.fixture
def silent_peer() -> Iterator[int]:
    yield from _fake_server(lambda request: None)


@pytest.fixture
def garbling_peer() -> Iterator[int]:
    # answers a read (0x03) with function 0x04 and a short body: undecodable
    yield from _fake_server(lambda request: request[:4] + struct.pack(">HBBB", 3, request[6], 0x04, 0))


def test_no_answer_is_link_timeout(silent_peer: int) -> None:
    with SunSpecLink("127.0.0.1", silent_peer, timeout_s=0.3) as link:
        with pytest.raises(LinkTimeout, match="no SunSpec 'SunS' marker") as timed_out:
            link.discover()
    assert "no answer to read holding registers (0x03) at 40000 count 3 within 0.3 s" in str(timed_out.value)


def test_undecodable_reply_is_protocol_frame_error_naming_the_frame(garbling_peer: int) -> None:
    with SunSpecLink("127.0.0.1", garbling_peer, timeout_s=0.3) as link:
        with pytest.raises(ProtocolFrameError, match=r"frame 00 00 00 00 00 03 01 04 00"):
            link.discover()


def test_connection_refused_is_link_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(LinkError, match="Connection refused"):
        SunSpecLink("127.0.0.1", port, timeout_s=0.3).connect()
