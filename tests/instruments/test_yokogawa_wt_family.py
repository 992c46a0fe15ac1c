"""Yokogawa WT1800 / WT3000 (WT5000 dialect) against their transcripts."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

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
