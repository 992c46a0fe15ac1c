"""Keysight 6811B and 6813B (the 6812B's table, other ratings) against transcripts of their
dialect; each is recognised as its own model, never as the 6812B."""

from __future__ import annotations

import pytest
from transcripts import TRANSCRIPTS

from instruments.capabilities import AcSource
from instruments.drivers.keysight_6810b import Keysight6811B, Keysight6812B, Keysight6813B
from instruments.identify import model_key_for_idn
from instruments.registry import DRIVERS
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T11 = TRANSCRIPTS["keysight_6811b"]
T13 = TRANSCRIPTS["keysight_6813b"]


def test_6811b_range_voltage_frequency_output() -> None:
    transport = TranscriptTransport(T11["identify"] + T11["range_150_and_120_v"]
                                    + T11["frequency_60_hz"] + T11["output_on"])
    source = Keysight6811B(transport, name="grid")
    assert isinstance(source, AcSource) and source.phase_count == 1
    assert ",6811B," in source.identify()
    source.set_voltage_range_v(150)
    source.set_voltage_v(120)
    source.set_frequency_hz(60)
    assert source.frequency_setpoint_hz() == pytest.approx(60.0)
    source.set_output(True)
    assert source.output_is_on() is True
    transport.close()


def test_6813b_range_slews_setpoint() -> None:
    transport = TranscriptTransport(T13["identify"] + T13["range_and_230_v"] + T13["slews"]
                                    + T13["setpoint"])
    source = Keysight6813B(transport, name="grid")
    assert ",6813B," in source.identify()
    source.set_voltage_range_v(300)
    source.set_voltage_v(230, phase=1)
    source.set_voltage_slew_v_per_s(100)
    source.set_frequency_slew_hz_per_s(5)
    assert source.voltage_setpoint_v(1) == pytest.approx(230.0)
    source.set_phase_angle_deg(1, 0)  # the reference: nothing sent
    transport.close()


@pytest.mark.parametrize("driver", [Keysight6811B, Keysight6813B])
@pytest.mark.parametrize("call", [
    lambda s: s.set_voltage_v(300.01),
    lambda s: s.set_voltage_v(120, phase=2),
    lambda s: s.set_voltage_range_v(310),
    lambda s: s.set_frequency_hz(44.9),
    lambda s: s.set_frequency_hz(1000.1),
    lambda s: s.set_voltage_slew_v_per_s(float("nan")),
    lambda s: s.set_phase_angle_deg(1, 120),
])
def test_refused_before_sending(driver: type[Keysight6812B], call) -> None:
    transport = TranscriptTransport([])
    with pytest.raises(SettingOutOfRange):
        call(driver(transport, name="grid"))
    assert transport.sent == []


@pytest.mark.parametrize("reply,model", [
    ("Agilent Technologies,6811B,US1,A.00.01", "keysight_6811b"),
    ("HEWLETT-PACKARD,6813B,0,A.00.01", "keysight_6813b"),
    ("Agilent Technologies,6812B,US1,A.00.01", "keysight_6812b"),
    ("Agilent Technologies,6814B,US1,A.00.01", None),
])
def test_each_family_member_is_recognised_as_itself(reply: str, model: str | None) -> None:
    assert model_key_for_idn(reply) == model
    if model is not None:
        assert DRIVERS.get(model).__name__ == f"Keysight{model.rsplit('_', 1)[1].upper()}"
