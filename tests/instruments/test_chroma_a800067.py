"""Chroma A800067 RLC load (RlcLoad) against transcripts of the public SVP driver's dialect."""

from __future__ import annotations

import math

import pytest
from transcripts import TRANSCRIPTS

from instruments.capabilities import AcLoad, EvEmulator, RlcLoad
from instruments.drivers.chroma_a800067 import ChromaA800067, step_code
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["chroma_a800067"]


def load(*steps: str) -> tuple[ChromaA800067, TranscriptTransport]:
    transport = TranscriptTransport([pair for step in steps for pair in T[step]])
    return ChromaA800067(transport, name="rlc"), transport


def test_is_an_rlc_load_not_an_ev_emulator() -> None:
    rlc, transport = load("identify", "open")
    assert isinstance(rlc, RlcLoad) and not isinstance(rlc, EvEmulator) and not isinstance(rlc, AcLoad)
    assert rlc.identify().split(",")[1] == "A800067"
    rlc.open()
    transport.close()


def test_step_codes_are_bit_reversed_counts() -> None:
    assert [step_code(n) for n in (0, 1, 2, 1024, 2047)] == [0, 1024, 512, 1, 2047]
    with pytest.raises(SettingOutOfRange):
        step_code(2048)


def test_r_l_c_of_one_phase() -> None:
    rlc, transport = load("rlc_phase_2", "open_resistance")
    assert rlc.set_resistance_ohm(2, 100.0) == pytest.approx(16133.3 / 161)
    assert rlc.set_inductive_current_a(2, 5.0) == pytest.approx(351 * 0.013633 * 230 / 220)
    assert rlc.set_capacitive_current_a(2, 2.0) == pytest.approx(140 * 0.013633 * 230 / 220)
    assert rlc.set_resistance_ohm(3, math.inf) == math.inf
    transport.close()


@pytest.mark.parametrize("call", [
    lambda r: r.set_resistance_ohm(4, 100.0),
    lambda r: r.set_resistance_ohm(1, 0.0),
    lambda r: r.set_resistance_ohm(1, 1.0),        # more than 2047 steps
    lambda r: r.set_resistance_ohm(1, 1e6),        # less than one step
    lambda r: r.set_inductive_current_a(1, -1.0),
    lambda r: r.set_capacitive_current_a(1, 1000.0),
    lambda r: r.set_nominal(0.0, 50.0),
])
def test_refused_before_sending(call) -> None:
    rlc, transport = load()
    with pytest.raises(SettingOutOfRange):
        call(rlc)
    assert transport.sent == []
