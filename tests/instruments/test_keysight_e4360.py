"""Keysight E4360A driver against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentReportedError
from instruments.capabilities import PvSimulator
from instruments.drivers.keysight_e4360 import KeysightE4360A
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["keysight_e4360a"]


def test_open_curve_output_power() -> None:
    transport = TranscriptTransport(
        T["identify"] + T["open"] + T["curve"] + T["output_on"] + T["max_power"])
    sas = KeysightE4360A(transport, name="pv")
    assert isinstance(sas, PvSimulator)
    assert "E4360A" in sas.identify()
    sas.open()
    sas.set_iv_curve(voc_v=100, isc_a=5, vmp_v=90, imp_a=4.5)
    sas.set_output(True)
    assert sas.output_is_on() is True
    assert sas.max_power_w() == pytest.approx(405.0)
    transport.close()


@pytest.mark.parametrize("curve", [
    (131, 5, 90, 4.5),      # Voc above the E4362A's 130 V
    (100, 5.1, 90, 4.5),    # Isc above 5 A
    (100, 5, 100, 4.5),     # Vmp not below Voc
    (100, 4, 90, 4.5),      # Imp above Isc
    (130, 5, 129, 4.9),     # Pmp 632 W above 600 W
])
def test_invalid_curve_raises_before_sending(curve) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        KeysightE4360A(transport, name="pv").set_iv_curve(*curve)
    assert transport.sent == []


def test_error_queue_raises() -> None:
    transport = TranscriptTransport([
        ("OUTPut ON,(@1)", None),
        ("SYSTem:ERRor?", '-222,"Data out of range"'),
        ("SYSTem:ERRor?", '+0,"No error"'),
    ])
    with pytest.raises(InstrumentReportedError):
        KeysightE4360A(transport, name="pv").set_output(True)
