"""Chroma 62150H-1000S (62000H-S SAS) driver against transcripts of its dialect."""

from __future__ import annotations

import math

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentReportedError
from instruments.capabilities import PvSimulator
from instruments.drivers import chroma_62000h
from instruments.drivers.chroma_62000h import Chroma62150H1000S
from instruments.registry import DRIVERS
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["chroma_62150h_1000s"]


def test_registered_under_its_model_key() -> None:
    assert DRIVERS.get("chroma_62150h_1000s") is Chroma62150H1000S


def test_open_curve_output_power() -> None:
    transport = TranscriptTransport(
        T["identify"] + T["open"] + T["curve"] + T["output_on"] + T["max_power"]
        + T["iv_curve"] + T["output_off"])
    sas = Chroma62150H1000S(transport, name="pv")
    assert isinstance(sas, PvSimulator)
    assert "62150H-1000S" in sas.identify()
    sas.open()
    sas.set_iv_curve(voc_v=800, isc_a=15, vmp_v=700, imp_a=14)
    sas.set_output(True)
    assert sas.output_is_on() is True
    assert sas.max_power_w() == pytest.approx(9800.0)
    assert sas.iv_curve() == (800.0, 15.0, 700.0, 14.0)
    sas.set_output(False)
    assert sas.output_is_on() is False
    transport.close()


def test_curve_at_the_ratings_is_accepted() -> None:
    transport = TranscriptTransport([
        ("SAS:VOC 1000;:SAS:ISC 15;:SAS:VMP 999.5;:SAS:IMP 14.95", None),
        ("SYSTem:ERRor?", '0,"No error"'),
        ("CONFigure:OUTPut?", "OFF"),
    ])
    Chroma62150H1000S(transport, name="pv").set_iv_curve(1000, 15, 999.5, 14.95)
    transport.close()


def test_a_curve_changed_while_the_output_is_on_is_triggered() -> None:
    """A new SAS curve takes effect with the output running only after TRIG (issue 18)."""
    transport = TranscriptTransport(T["curve_while_on"])
    Chroma62150H1000S(transport, name="pv").set_iv_curve(800, 12, 700, 11)
    transport.close()


@pytest.mark.parametrize("curve", [
    (1000.5, 15, 700, 14),       # Voc above 1000 V
    (800, 15.1, 700, 14),        # Isc above 15 A
    (800, 15, 800, 14),          # Vmp not below Voc
    (800, 15, 900, 14),          # Vmp above Voc
    (800, 15, 0, 14),            # Vmp not above 0
    (800, 14, 700, 14.5),        # Imp above Isc
    (800, 15, 700, 15),          # Imp not below Isc
    (800, 15, 700, 0),           # Imp not above 0
    (1000, 15, 1010, 14),        # Vmp above the range
    (-1, 15, 700, 14),           # negative Voc
    (math.nan, 15, 700, 14),     # NaN
    (800, 15, 700, True),        # not a number
])
def test_invalid_curve_raises_before_sending(curve) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        Chroma62150H1000S(transport, name="pv").set_iv_curve(*curve)
    assert transport.sent == []


def test_power_limit_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """With Voc <= 1000 V and Isc <= 15 A the 15 kW limit cannot be reached, so the Pmp check
    is shown against a lowered limit (it guards a future derating)."""
    monkeypatch.setattr(chroma_62000h, "MAX_POWER_W", 9000.0)
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange, match="Pmp"):
        Chroma62150H1000S(transport, name="pv").set_iv_curve(800, 15, 700, 14)
    assert transport.sent == []


def test_output_value_must_be_a_bool() -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        Chroma62150H1000S(transport, name="pv").set_output(1)  # type: ignore[arg-type]
    assert transport.sent == []


def test_error_queue_raises() -> None:
    transport = TranscriptTransport([
        ("CONFigure:OUTPut ON", None),
        ("SYSTem:ERRor?", '-222,"Data out of range"'),
        ("SYSTem:ERRor?", '0,"No error"'),
    ])
    with pytest.raises(InstrumentReportedError) as info:
        Chroma62150H1000S(transport, name="pv").set_output(True)
    assert "-222" in str(info.value)
    transport.close()


def test_curve_rejected_by_the_instrument_raises() -> None:
    transport = TranscriptTransport([
        ("SAS:VOC 800;:SAS:ISC 15;:SAS:VMP 700;:SAS:IMP 14", None),
        ("SYSTem:ERRor?", '-113,"Undefined header"'),
        ("SYSTem:ERRor?", '0,"No error"'),
    ])
    with pytest.raises(InstrumentReportedError):
        Chroma62150H1000S(transport, name="pv").set_iv_curve(800, 15, 700, 14)
    transport.close()
