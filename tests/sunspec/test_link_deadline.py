"""Issue 13 finding 4: a SunSpec device that trickles its reply one byte every 0.3 s cannot hold a
read with ``timeout_s=1`` longer than the deadline (it held one for 90 s)."""

from __future__ import annotations

import time

import pytest

from bench.errors import LinkTimeout
from links.sunspec_modbus.transport import CheckedSunSpecDevice
from scripted_peer import ScriptedPeer

# an MBAP header and a read reply that would be valid, if it ever arrived
TRICKLED_REPLY = bytes.fromhex("0001 0000 0007 01 03 04 5375 6e53".replace(" ", "")) * 20


def test_a_trickling_device_times_out_at_the_deadline() -> None:
    peer = ScriptedPeer(TRICKLED_REPLY, byte_gap_s=0.3)
    device = CheckedSunSpecDevice(unit_id=1, host="127.0.0.1", port=peer.port, timeout_s=1.0,
                                  on_exchange=lambda exchange: None)
    try:
        started = time.monotonic()
        with pytest.raises(LinkTimeout, match="deadline"):
            device.read(40000, 2)
        assert time.monotonic() - started < 2.0
    finally:
        device.disconnect()
        peer.close()
