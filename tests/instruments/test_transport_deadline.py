"""Issue 13 findings 4 and 10: a query's timeout is a deadline for the whole reply (an instrument that
trickles one byte every 0.3 s cannot hold a 1 s query for minutes), and garbage bytes or the SCPI
not-a-number marker are instrument errors, never a library exception or a value."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bench.deadlines import deadline
from bench.errors import InstrumentError, InstrumentTimeout
from instruments.scpi import parse_float
from instruments.transport import ReconnectPolicy, VisaTransport
from scripted_peer import ScriptedPeer

NO_RECONNECT = ReconnectPolicy(attempts=0, backoff_s=())


@pytest.fixture
def trickling() -> Iterator[ScriptedPeer]:
    peer = ScriptedPeer(b"1" * 400 + b"\n", byte_gap_s=0.3)
    yield peer
    peer.close()


def test_a_trickling_reply_times_out_at_the_deadline_not_per_byte(trickling) -> None:
    transport = VisaTransport(f"TCPIP::127.0.0.1::{trickling.port}::SOCKET", timeout_ms=1000,
                              reconnect=NO_RECONNECT)
    try:
        started = time.monotonic()
        with pytest.raises(InstrumentTimeout, match="within 1000 ms"):
            transport.query("MEAS?")
        assert time.monotonic() - started < 2.0     # per byte it would take 400 x 0.3 s = 120 s
    finally:
        transport.close()


def test_garbage_bytes_are_an_instrument_error() -> None:
    peer = ScriptedPeer(b"\xff\xfe\x80garbage\n")
    transport = VisaTransport(f"TCPIP::127.0.0.1::{peer.port}::SOCKET", timeout_ms=1000, reconnect=NO_RECONNECT)
    try:
        with pytest.raises(InstrumentError, match="not ASCII"):
            transport.query("*IDN?")
    finally:
        transport.close()
        peer.close()


@pytest.mark.parametrize("marker", ["9.91E37", "9.91E+37", "+9.9E37", "-9.9E37"])
def test_scpi_nan_and_infinity_markers_are_not_values(marker) -> None:
    with pytest.raises(ValueError, match="marker"):
        parse_float(marker)
    assert parse_float("2.3E2") == 230.0


def test_a_deadline_that_is_met_does_not_fire() -> None:
    fired: list[str] = []
    with deadline(0.05, lambda: fired.append("late")) as met:
        pass
    time.sleep(0.1)
    assert not met.expired and fired == []
    with deadline(0.01, lambda: fired.append("late")) as missed:
        time.sleep(0.1)
    assert missed.expired and fired == ["late"]


def test_unsolicited_lines_are_read_one_by_one_and_silence_times_out() -> None:
    """A continuous output (LMG670 ``CONT ON``): lines the instrument sends unasked, each read whole."""
    peer = ScriptedPeer(b"100.00;1.5\n100.02;1.6\n")
    transport = VisaTransport(f"TCPIP::127.0.0.1::{peer.port}::SOCKET", timeout_ms=300, reconnect=NO_RECONNECT)
    try:
        transport.write("CONT ON")
        assert [transport.read_line(), transport.read_line()] == ["100.00;1.5", "100.02;1.6"]
        started = time.monotonic()
        with pytest.raises(InstrumentTimeout):
            transport.read_line()
        assert time.monotonic() - started < 1.0
    finally:
        transport.close()
        peer.close()


def test_a_trickling_unsolicited_line_times_out_at_the_deadline(trickling) -> None:
    transport = VisaTransport(f"TCPIP::127.0.0.1::{trickling.port}::SOCKET", timeout_ms=1000,
                              reconnect=NO_RECONNECT)
    try:
        transport.write("CONT ON")
        started = time.monotonic()
        with pytest.raises(InstrumentTimeout, match="within 1000 ms"):
            transport.read_line()
        assert time.monotonic() - started < 2.0
    finally:
        transport.close()
