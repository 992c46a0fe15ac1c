"""The read-only transport used by ``flexbench instruments check``: nothing but queries and
``*CLS`` can reach an instrument through it."""

from __future__ import annotations

import pytest

from bench.errors import SafetyLimitError
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.transport import ReadOnlyTransport, TranscriptTransport, WriteRefused


def test_queries_and_cls_pass_everything_else_is_refused_before_sending() -> None:
    inner = TranscriptTransport([("*IDN?", "Chroma ATE,61845,1,1"), ("*CLS", None),
                                 ("OUTPut:STATe?;SOURce:VOLTage:AC?", "0;230")])
    transport = ReadOnlyTransport(inner)
    assert transport.query("*IDN?").startswith("Chroma")
    transport.write("*CLS")
    for refused in ("OUTPut:STATe ON", "*RST", "SOURce:VOLTage:AC 230", "*TRG"):
        with pytest.raises(WriteRefused):
            transport.write(refused)
    with pytest.raises(WriteRefused, match="OUTP ON"):
        transport.query("OUTP ON;*OPC?")  # a setting smuggled into a query
    with pytest.raises(WriteRefused):
        transport.query("*RST")  # a 'query' that is no query
    assert transport.query("OUTPut:STATe?;SOURce:VOLTage:AC?") == "0;230"
    assert transport.refused == ["OUTPut:STATe ON", "*RST", "SOURce:VOLTage:AC 230", "*TRG",
                                 "OUTP ON;*OPC?", "*RST"]
    transport.close()  # the transcript verifies nothing else was sent, in this order
    assert inner.sent == ["*IDN?", "*CLS", "OUTPut:STATe?;SOURce:VOLTage:AC?"]


def test_a_driver_on_a_read_only_transport_cannot_energise() -> None:
    source = Chroma61845(ReadOnlyTransport(TranscriptTransport([("OUTPut:STATe?", "0")])), name="src")
    with pytest.raises(WriteRefused) as info:
        source.set_output(True)
    assert isinstance(info.value, SafetyLimitError)  # a bench refusal, never a DUT FAIL
    with pytest.raises(WriteRefused):
        source.set_voltage_v(230.0)
    assert source.output_is_on() is False
    source.close()


def test_allowed_writes_are_configurable_and_normalised() -> None:
    inner = TranscriptTransport([(":COMMunicate:HEADer OFF", None)])
    transport = ReadOnlyTransport(inner, allowed_writes={"COMMUNICATE:HEADER  off"})
    transport.write(":COMMunicate:HEADer OFF")
    with pytest.raises(WriteRefused):
        transport.write("*CLS")  # not in this session's list
    transport.close()
