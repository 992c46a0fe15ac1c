"""Wire failures become the bench's LinkError tree: no reply, junk, wrong replies (raw TCP peers)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bench.errors import DeviceLacksFunction, FlexbenchError, LinkError, LinkTimeout, ProtocolFrameError
from links.modbus_map import ModbusMapLink, TcpTransport

from .helpers import TraceLog
from .helpers import heat_pump_map

Responder = Callable[[bytes], bytes | None]


class RawPeer:
    """A TCP peer on loopback that answers each request with ``responder(request)`` (None: silence)."""

    def __init__(self, responder: Responder) -> None:
        self._responder = responder
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(5.0)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(0.05)
            deadline = time.monotonic() + 10.0          # bounded: never outlives a test
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    request = conn.recv(260)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not request:
                    return
                reply = self._responder(request)
                if reply is not None:
                    conn.sendall(reply)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(2.0)


def _mbap_reply(request: bytes, pdu: bytes) -> bytes:
    """Echo the request's transaction id and unit id around ``pdu``."""
    return request[:2] + b"\x00\x00" + struct.pack(">H", len(pdu) + 1) + request[6:7] + pdu


@pytest.fixture
def peer(request: pytest.FixtureRequest) -> Iterator[RawPeer]:
    raw = RawPeer(request.param)
    yield raw
    raw.close()


def _link(port: int, tracer: Callable[[str, str], None] | None = None) -> ModbusMapLink:
    return ModbusMapLink(heat_pump_map(), TcpTransport("127.0.0.1", port), timeout_s=0.3, trace=tracer)


@pytest.mark.parametrize("peer", [lambda request: None], indirect=True)
def test_silence_is_a_link_timeout(peer: RawPeer, tracer, trace_log: TraceLog) -> None:  # type: ignore[no-untyped-def]
    with _link(peer.port, tracer) as link:
        with pytest.raises(LinkTimeout, match=r"unit 3: no reply to read holding registers \(0x03\) holding 100 "
                                              r"\[power_limit_w\] within 0.3 s"):
            link.read("power_limit_w")
    assert trace_log[-1] == ("in", "no reply to read holding registers (0x03) holding 100 [power_limit_w] "
                                   "within 0.3 s")


@pytest.mark.parametrize("peer", [lambda request: b"HELLO, I AM NOT MODBUS\r\n"], indirect=True)
def test_junk_is_a_protocol_frame_error_naming_the_bytes(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(ProtocolFrameError) as info:
            link.read("power_limit_w")
    assert "no valid reply to read holding registers (0x03) holding 100 [power_limit_w]" in str(info.value)
    assert str(info.value).endswith("frame " + b"HELLO, I AM NOT MODBUS\r\n".hex(" "))


@pytest.mark.parametrize("peer", [lambda request: _mbap_reply(request, b"\x03\x07\x00")], indirect=True)
def test_a_reply_with_a_byte_count_past_its_data_is_a_protocol_frame_error(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(ProtocolFrameError, match=r"frame 00 01 00 00 00 04 03 03 07 00$"):
            link.read("power_limit_w")


@pytest.mark.parametrize("peer", [lambda request: _mbap_reply(request, b"\x04\x02\x13\x88")], indirect=True)
def test_a_reply_for_another_function_is_a_protocol_frame_error(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(ProtocolFrameError, match=r"carries function code 0x04: frame 00 01 00 00 00 05 03 04 "
                                                     r"02 13 88$"):
            link.read("power_limit_w")


@pytest.mark.parametrize("peer", [lambda request: _mbap_reply(request, b"\x03\x04\x13\x88\x00\x01")], indirect=True)
def test_a_reply_with_the_wrong_register_count_is_a_protocol_frame_error(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(ProtocolFrameError, match="carries 2 registers for 1 requested"):
            link.read("power_limit_w")


@pytest.mark.parametrize("peer", [lambda request: _mbap_reply(request, b"\x06\x00\x64\x00\x00")], indirect=True)
def test_a_write_echo_that_differs_is_a_protocol_frame_error(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(ProtocolFrameError, match=r"echoes address 100 value \[0\]"):
            link.write("power_limit_w", 4200)


@pytest.mark.parametrize("peer", [lambda request: _mbap_reply(request, b"\x83\x0b")], indirect=True)
def test_gateway_exception_codes_are_named(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(LinkError, match=r"code 11 \(GATEWAY TARGET DEVICE FAILED TO RESPOND\)"):
            link.read("power_limit_w")


def _power_with_scale_factor(scale_factor: int) -> Responder:
    """Answers input registers 0..2 (active_power_w s32 = 100, power_sf) with ``scale_factor``."""
    return lambda request: _mbap_reply(request, b"\x04\x06\x00\x00\x00\x64" + struct.pack(">h", scale_factor))


@pytest.mark.parametrize("peer", [_power_with_scale_factor(-0x8000)], indirect=True)
def test_a_scale_factor_reading_not_implemented_is_device_lacks_function(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(DeviceLacksFunction, match=r"the scale factor power_sf \(input 2\) of the declared "
                                                      r"point active_power_w: .*power_sf reads 0x8000"):
            link.read("active_power_w")


@pytest.mark.parametrize("peer", [_power_with_scale_factor(11)], indirect=True)
def test_a_scale_factor_outside_the_exponent_range_is_a_protocol_frame_error(peer: RawPeer) -> None:
    with _link(peer.port) as link:
        with pytest.raises(ProtocolFrameError, match=r"scale factor 'power_sf' of point 'active_power_w' reads 11"):
            link.read("active_power_w")


def test_nobody_listening_is_a_link_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]                    # bound, then closed: nothing listens there
    link = _link(port)
    with pytest.raises(LinkError, match=f"Modbus TCP 127.0.0.1:{port} unit 3: cannot connect"):
        link.connect()


#: replies a broken or hostile device might send, each to every kind of request
GARBAGE: dict[str, Responder] = {
    "text": lambda request: b"HELLO, I AM NOT MODBUS\r\n",
    "one byte": lambda request: b"\x00",
    "header only": lambda request: request[:6],
    "length past the data": lambda request: request[:4] + b"\x00\xff" + request[6:8],
    "empty pdu": lambda request: _mbap_reply(request, b""),
    "function only": lambda request: _mbap_reply(request, request[7:8]),
    "byte count zero": lambda request: _mbap_reply(request, request[7:8] + b"\x00"),
    "odd byte count": lambda request: _mbap_reply(request, request[7:8] + b"\x03\x01\x02\x03"),
    "unknown function": lambda request: _mbap_reply(request, b"\x2b\x0e\x01"),
    "unknown exception code": lambda request: _mbap_reply(request, bytes([request[7] | 0x80, 0xEE])),
    "exception without code": lambda request: _mbap_reply(request, bytes([request[7] | 0x80])),
    "other unit": lambda request: request[:6] + b"\x09" + request[7:],
    "other transaction": lambda request: b"\x7f\x7f" + _mbap_reply(request, request[7:])[2:],
    "echoed request": lambda request: request,
    "hang-up": lambda request: b"",
}
ACTIONS: dict[str, Callable[[ModbusMapLink], object]] = {
    "read holding": lambda link: link.read("power_limit_w"),
    "read scaled input": lambda link: link.read_many(["active_power_w", "flow_temp_c", "energy_wh"]),
    "read coil": lambda link: link.read("compressor_enable"),
    "read discrete": lambda link: link.read("defrost_active"),
    "read label": lambda link: link.read_label("operating_mode"),
    "write register": lambda link: link.write("power_limit_w", 4200),
    "write scaled": lambda link: link.write("setpoint_c", 20.5),
    "write coil": lambda link: link.write("compressor_enable", False),
    "heartbeat": lambda link: link.heartbeat(),
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
def test_no_library_exception_escapes_the_link(garbage: str) -> None:
    """Whatever the peer answers, every public call raises only the bench's own errors."""
    for name, action in ACTIONS.items():
        raw = RawPeer(GARBAGE[garbage])
        link = ModbusMapLink(heat_pump_map(), TcpTransport("127.0.0.1", raw.port), timeout_s=0.1)
        try:
            with link:
                action(link)
        except FlexbenchError:
            pass
        except Exception as exc:                 # noqa: BLE001 - the point of the test
            pytest.fail(f"{garbage} / {name}: {type(exc).__module__}.{type(exc).__name__} escaped: {exc}")
        finally:
            raw.close()
