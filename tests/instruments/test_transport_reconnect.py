"""Reconnection after a dropped LAN connection, against the simulated SCPI server.

A :class:`LanLink` relay sits between the transport and a :class:`BackgroundScpiServer`; cutting
it drops every connection and refuses new ones (a pulled cable, a rebooting switch or
instrument), restoring it accepts again on the same port.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from bench.errors import InstrumentError, InstrumentTimeout
from simlab.instruments import SimChroma61845, SimYokogawaWT5000
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.physics import GridSourceState, PhaseTruth
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.drivers.yokogawa_wt import YokogawaWT5000
from instruments.transport import ConnectionLost, ReconnectPolicy, VisaTransport

FAST = ReconnectPolicy(attempts=3, backoff_s=(0.0, 0.01, 0.02))


class LanLink:
    """A TCP relay 127.0.0.1:port -> 127.0.0.1:target that can be cut and restored."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._swallow_next = False
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_client and self._swallow_next:
                    self._swallow_next = False
                    break  # the message is lost on the wire, then the connection drops
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def swallow_next_message(self) -> None:
        """The next client message never arrives; the connection drops instead."""
        self._swallow_next = True

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread (Linux)
            except OSError:
                pass
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@pytest.fixture
def chroma() -> Iterator[tuple[SimChroma61845, GridSourceState, LanLink]]:
    grid = GridSourceState()
    device = SimChroma61845(grid)
    with BackgroundScpiServer(device) as port:
        link = LanLink(port)
        yield device, grid, link
        link.cut()


def _open(link: LanLink, events: list[tuple[str, str]], **kwargs: object) -> VisaTransport:
    return VisaTransport(f"TCPIP::127.0.0.1::{link.port}::SOCKET", timeout_ms=300,
                         trace=lambda d, t: events.append((d, t)), reconnect=FAST, **kwargs)  # type: ignore[arg-type]


def test_drop_between_commands_reconnects_before_sending_and_reruns_open(chroma) -> None:
    device, grid, link = chroma
    events: list[tuple[str, str]] = []
    transport = _open(link, events)
    source = Chroma61845(transport, name="grid")
    opened: list[int] = []
    transport.on_reconnect = lambda: opened.append(1) or source.check_errors()
    try:
        source.set_voltage_v(230.0)
        link.cut()
        link.restore()
        source.set_output(True)  # noticed before sending: safe for any command
        assert grid.output_on is True
        assert transport.reconnections == 1 and opened == [1]
        kinds = [text for direction, text in events if direction == "event"]
        assert kinds[0].startswith("connection lost: the instrument closed the connection")
        assert any(text.startswith("reconnected (attempt 1/3)") for text in kinds)
        assert "open sequence re-run after reconnection" in kinds
        assert ("out", "OUTPut:STATe ON") in events
        assert not any("repeating" in text for text in kinds)
    finally:
        source.close()


def test_query_lost_on_the_wire_is_repeated_after_reconnecting(chroma) -> None:
    _, _, link = chroma
    events: list[tuple[str, str]] = []
    transport = _open(link, events)
    try:
        assert "61845" in transport.query("*IDN?")
        link.swallow_next_message()
        assert "61845" in transport.query("*IDN?")
        assert transport.reconnections == 1
        assert ("event", "repeating '*IDN?' after reconnection") in events
        assert [e for e in events if e == ("out", "*IDN?")] == [("out", "*IDN?")] * 3
    finally:
        transport.close()


def test_non_idempotent_write_interrupted_is_not_repeated_but_the_session_survives(chroma, monkeypatch) -> None:
    device, _, link = chroma
    events: list[tuple[str, str]] = []
    transport = _open(link, events)
    try:
        transport.query("*IDN?")
        session = transport._session
        real_write = session.write

        def reset_while_sending(text: str) -> int:
            link.cut()
            link.restore()
            raise ConnectionResetError(104, "Connection reset by peer")

        monkeypatch.setattr(session, "write", reset_while_sending)
        with pytest.raises(ConnectionLost, match="not idempotent"):
            transport.write("*TRG")
        assert not any("repeating" in text for _, text in events)
        assert transport.reconnections == 1
        assert real_write is not None
        assert "61845" in transport.query("*IDN?")  # the next step works on the new connection
    finally:
        transport.close()


def test_idempotent_write_interrupted_is_repeated(chroma, monkeypatch) -> None:
    _, grid, link = chroma
    events: list[tuple[str, str]] = []
    transport = _open(link, events)
    try:
        transport.query("*IDN?")

        def reset_while_sending(text: str) -> int:
            link.cut()
            link.restore()
            raise ConnectionResetError(104, "Connection reset by peer")

        monkeypatch.setattr(transport._session, "write", reset_while_sending)
        transport.write("SOURce:FREQuency 50.5")
        assert transport.query("*OPC?") == "1"  # the write has been handled
        assert grid.frequency_setpoint_hz == pytest.approx(50.5)
        assert ("event", "repeating 'SOURce:FREQuency 50.5' after reconnection") in events
    finally:
        transport.close()


def test_link_down_for_long_fails_bounded_then_recovers_when_it_is_back(chroma) -> None:
    _, _, link = chroma
    events: list[tuple[str, str]] = []
    waits: list[float] = []
    transport = VisaTransport(f"TCPIP::127.0.0.1::{link.port}::SOCKET", timeout_ms=300,
                              trace=lambda d, t: events.append((d, t)), reconnect=FAST,
                              sleep=waits.append)
    try:
        transport.query("*IDN?")
        link.cut()
        with pytest.raises(InstrumentTimeout, match="3 reconnect attempt"):  # unreachable: the bench stops
            transport.query("*IDN?")
        assert waits == [0.0, 0.01, 0.02]
        assert sum("failed" in text for d, text in events if d == "event") == 3
        link.restore()
        assert "61845" in transport.query("*IDN?")  # the transport itself recovers
        assert transport.reconnections == 1
    finally:
        transport.close()


def test_open_sequence_is_rerun_on_a_restarted_instrument() -> None:
    """A power-cycled analyzer forgets its item list; re-running ``open()`` restores it."""
    truth = [PhaseTruth(230.0, 4.35, 1000.0, -100.0, 1004.99, 0.995)] * 3
    device = SimYokogawaWT5000(lambda: truth, lambda: 50.0, 1)
    with BackgroundScpiServer(device) as port:
        link = LanLink(port)
        transport = VisaTransport(f"TCPIP::127.0.0.1::{link.port}::SOCKET", timeout_ms=300, reconnect=FAST)
        analyzer = YokogawaWT5000(transport, name="pa")
        analyzer.open()
        transport.on_reconnect = analyzer.open
        try:
            link.cut()
            device.reset()  # the instrument restarted with its defaults
            link.restore()
            assert analyzer.read().phases[0].voltage_v == pytest.approx(230.0, rel=1e-3)
            assert transport.reconnections == 1
            assert device.handle(":NUMeric:NORMal:NUMber?") in ("19", ":NUM:NORM:NUM 19")
        finally:
            analyzer.close()
            link.cut()


def test_no_reconnect_policy_reports_the_loss_and_a_hang_stays_a_timeout(chroma) -> None:
    device, _, link = chroma
    transport = VisaTransport(f"TCPIP::127.0.0.1::{link.port}::SOCKET", timeout_ms=200,
                              reconnect=ReconnectPolicy(attempts=0, backoff_s=()))
    try:
        transport.query("*IDN?")
        link.cut()
        with pytest.raises(ConnectionLost):
            transport.query("*IDN?")
    finally:
        transport.close()
    link.restore()
    device.faults["hang_after_commands"] = device.command_count
    hanging = VisaTransport(f"TCPIP::127.0.0.1::{link.port}::SOCKET", timeout_ms=200, reconnect=FAST)
    try:
        with pytest.raises(InstrumentTimeout):
            hanging.query("*IDN?")
        assert hanging.reconnections == 0
    finally:
        device.faults.clear()
        hanging.close()


def test_a_refused_connection_fails_at_open() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    with pytest.raises(InstrumentError, match="cannot connect"):
        VisaTransport(f"TCPIP::127.0.0.1::{free_port}::SOCKET", timeout_ms=300)
