"""Yokogawa WT1800 / WT3000 (WT5000 dialect) against their transcripts."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import ConfigError
from instruments.capabilities import PowerAnalyzer
from instruments.drivers.yokogawa_wt_family import YokogawaWT1800, YokogawaWT3000
from instruments.registry import DRIVERS
from instruments.transport import TranscriptTransport


@pytest.mark.parametrize("model, driver_class, idn_model", [
    ("yokogawa_wt1800", YokogawaWT1800, "WT1806"),
    ("yokogawa_wt3000", YokogawaWT3000, "760304-04-SV"),
])
def test_identify_open_read(model: str, driver_class: type, idn_model: str) -> None:
    assert DRIVERS.get(model) is driver_class
    t = TRANSCRIPTS[model]
    transport = TranscriptTransport(t["identify"] + t["open"] + t["read"])
    analyzer = driver_class(transport, name="pa")
    assert isinstance(analyzer, PowerAnalyzer)
    assert analyzer.identify().split(",")[1] == idn_model
    analyzer.open()
    reading = analyzer.read()
    transport.close()
    assert reading.phases[0].voltage_v == pytest.approx(230.01)
    assert reading.frequency_hz == pytest.approx(49.998)


def test_wt1800_items_are_urms_irms() -> None:
    """IM WT1801-17EN: the WT1800's rms functions are URMS / IRMS, not U / I (issue 18)."""
    sent = [pair[0] for pair in TRANSCRIPTS["yokogawa_wt1800"]["open"]]
    assert ":NUMeric:NORMal:ITEM1 URMS,1" in sent and ":NUMeric:NORMal:ITEM2 IRMS,1" in sent


def test_wt3000_refuses_a_raw_lan_socket() -> None:
    """The WT3000's LAN port speaks a framed protocol with a login (SVP device_wt3000.py): refused, with
    the way to connect it instead."""

    class SocketTransport(TranscriptTransport):
        resource = "TCPIP0::192.168.0.10::10001::SOCKET"

    transport = SocketTransport([])
    with pytest.raises(ConfigError, match="GPIB.*VXI-11|framed"):
        YokogawaWT3000(transport, name="pa").open()
    assert transport.sent == []
