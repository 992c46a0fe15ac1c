"""Every registered driver has a transcript and a transcript test; the registry and the
transcript seam behave."""

from __future__ import annotations

from pathlib import Path

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import ConfigError
from instruments.registry import DRIVERS, open_instrument
from instruments.transport import TranscriptMismatch, TranscriptTransport


@pytest.mark.parametrize("model", sorted(DRIVERS))
def test_every_driver_has_a_transcript_test(model: str) -> None:
    assert TRANSCRIPTS.get(model), f"no transcript for driver model {model!r}"
    module = DRIVERS.get(model).__module__.rsplit(".", 1)[-1]
    test_file = Path(__file__).parent / f"test_{module}.py"
    assert test_file.exists(), f"{model}: missing {test_file.name}"
    assert "TRANSCRIPTS[" in test_file.read_text(), f"{test_file.name} replays no transcript"


def test_unknown_model_names_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        open_instrument("fluke_6105a", "TCPIP::127.0.0.1::1::SOCKET", name="x")
    assert "fluke_6105a" in str(info.value)
    for model in DRIVERS:
        assert model in str(info.value)


def test_transcript_mismatch_and_leftovers() -> None:
    transport = TranscriptTransport([("A", None), ("B?", "1")])
    with pytest.raises(TranscriptMismatch):
        transport.query("A")  # a write was expected
    transport = TranscriptTransport([("A", None), ("B?", "1")])
    transport.write("A")
    with pytest.raises(TranscriptMismatch):
        transport.close()
