"""Keysight DAQ970A relay contacts against transcripts of its dialect."""

from __future__ import annotations

import pytest
from transcripts import DAQ_EMPTY_SLOT, TRANSCRIPTS

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import DigitalIO
from instruments.drivers.keysight_daq970a import KeysightDAQ970A
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["keysight_daq970a"]


def opened(*steps: str) -> tuple[KeysightDAQ970A, TranscriptTransport]:
    transport = TranscriptTransport(T["open"] + [pair for step in steps for pair in T[step]])
    daq = KeysightDAQ970A(transport, name="contacts")
    daq.open()
    return daq, transport


def test_open_finds_switch_modules_and_opens_all_contacts() -> None:
    daq, transport = opened("identify")
    assert isinstance(daq, DigitalIO)
    assert daq.identify().split(",")[1] == "DAQ970A"
    assert daq.modules == {2: "DAQM901A", 3: "DAQM903A"}
    assert daq.channels[0] == 201 and daq.channels[-1] == 320 and len(daq.channels) == 40
    transport.close()


def test_close_and_open_one_contact() -> None:
    daq, transport = opened("close_301", "open_301")
    daq.set_output(301, True)
    assert daq.output_state(301) is True
    daq.set_output(301, False)
    assert daq.output_state(301) is False
    transport.close()


def test_closed_channels_and_all_open() -> None:
    daq, transport = opened("closed_channels", "all_open")
    assert daq.closed_channels() == [301, 303]
    daq.all_open()
    transport.close()


@pytest.mark.parametrize("channel", [101, 221, 321, 300, 0, True, "301", 3.01])
def test_unknown_channel_raises_before_sending(channel: object) -> None:
    daq, transport = opened()
    sent = list(transport.sent)
    with pytest.raises(SettingOutOfRange):
        daq.set_output(channel, True)  # type: ignore[arg-type]
    with pytest.raises(SettingOutOfRange):
        daq.output_state(channel)  # type: ignore[arg-type]
    assert transport.sent == sent


def test_closed_flag_is_strict() -> None:
    daq, transport = opened()
    with pytest.raises(SettingOutOfRange):
        daq.set_output(301, 1)  # type: ignore[arg-type]
    transport.close()


def test_no_switch_module_is_an_instrument_error() -> None:
    transport = TranscriptTransport([(f"SYSTem:CTYPe? {slot}00", DAQ_EMPTY_SLOT)
                                     for slot in (1, 2, 3)])
    daq = KeysightDAQ970A(transport, name="contacts")
    with pytest.raises(InstrumentError):
        daq.open()
    with pytest.raises(InstrumentError):
        daq.all_open()
    with pytest.raises(InstrumentError):
        KeysightDAQ970A(TranscriptTransport([("SYSTem:CTYPe? 100", "garbage")]),
                        name="c").open()


def test_error_queue_after_closing_raises() -> None:
    daq, _ = opened()
    daq.transport = TranscriptTransport([("ROUTe:CLOSe (@302)", None),
                                         ("SYSTem:ERRor?", '+221,"Settings conflict"'),
                                         ("SYSTem:ERRor?", '+0,"No error"')])
    with pytest.raises(InstrumentReportedError) as info:
        daq.set_output(302, True)
    assert info.value.errors == ["221,Settings conflict"]
