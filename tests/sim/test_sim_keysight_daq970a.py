"""Simulated Keysight DAQ970A relay contacts: the dialect without sockets, then the real
driver end to end (driver -> VisaTransport -> TCPIP SOCKET -> serve_scpi -> sim)."""

from __future__ import annotations

import pytest

from bench.errors import InstrumentReportedError
from simlab.instrument_registry import SIM_INSTRUMENTS
from simlab.instruments.keysight_daq970a import ContactBank, SimKeysightDAQ970A
from simlab.instruments.scpi_server import BackgroundScpiServer
from instruments.capabilities import DigitalIO
from instruments.registry import open_instrument
from instruments.scpi import SettingOutOfRange

OK = '+0,"No error"'


# -- without sockets ------------------------------------------------------------------------
def test_identity_and_card_types() -> None:
    daq = SimKeysightDAQ970A(ContactBank(), modules={1: "DAQM901A", 3: "DAQM903A"})
    fields = daq.handle("*IDN?").split(",")
    assert fields[1] == "DAQ970A" and "SIMULATED" in fields[2]
    assert daq.handle("SYST:CTYP? 100").split(",")[1] == "DAQM901A"
    assert daq.handle("SYSTem:CTYPe? 200").split(",")[1] == "0"
    assert daq.handle("SYST:CTYP? 300").split(",")[1] == "DAQM903A"
    daq.handle("SYST:CTYP? 400")
    assert daq.handle("SYST:ERR?").startswith("-222,")
    assert daq.handle("SYST:ERR?") == OK


def test_close_open_and_query_drive_the_contact_bank() -> None:
    bank = ContactBank()
    daq = SimKeysightDAQ970A(bank)
    assert daq.handle("ROUT:CLOS (@301,303:305)") is None
    assert bank.closed_channels() == [301, 303, 304, 305]
    assert daq.handle("ROUTe:CLOSe? (@301:303)") == "1,0,1"
    assert daq.handle("ROUT:OPEN? (@301:303)") == "0,1,0"
    daq.handle("ROUT:OPEN (@303)")
    assert bank.is_closed(303) is False and bank.is_closed(304) is True
    daq.handle("*RST")
    assert bank.closed_channels() == []
    assert daq.handle("SYST:ERR?") == OK


@pytest.mark.parametrize("line, code", [
    ("ROUT:CLOS (@301,321)", "-222"),   # 321 does not exist: nothing moves
    ("ROUT:CLOS (@201)", "-222"),       # empty slot
    ("ROUT:CLOS 301", "-104"),          # not a channel list
    ("ROUT:CLOS (@305:301)", "-104"),   # reversed range
    ("ROUT:CLOS", "-109"),
])
def test_bad_channel_lists_are_refused_whole(line: str, code: str) -> None:
    bank = ContactBank()
    daq = SimKeysightDAQ970A(bank)
    daq.handle(line)
    assert bank.closed_channels() == []
    assert daq.handle("SYST:ERR?").startswith(code + ",")
    assert daq.handle("SYST:ERR?") == OK


def test_module_configuration_is_checked() -> None:
    with pytest.raises(ValueError):
        SimKeysightDAQ970A(ContactBank(), modules={4: "DAQM903A"})
    with pytest.raises(ValueError):
        SimKeysightDAQ970A(ContactBank(), modules={1: "DAQM907A"})


def test_registered_in_the_simulated_lab() -> None:
    sim = SIM_INSTRUMENTS.get("keysight_daq970a")(None, seed=1, faults={})
    assert isinstance(sim, SimKeysightDAQ970A) and sim.contacts.closed_channels() == []


# -- end to end -----------------------------------------------------------------------------
def resource(port: int) -> str:
    return f"TCPIP::127.0.0.1::{port}::SOCKET"


def test_end_to_end_sg_ready_contacts() -> None:
    bank = ContactBank({301: True, 302: True})  # left closed by an earlier session
    trace: list[tuple[str, str]] = []
    with BackgroundScpiServer(SimKeysightDAQ970A(bank)) as port:
        daq = open_instrument("keysight_daq970a", resource(port), name="contacts",
                              trace=lambda d, t: trace.append((d, t)))
        try:
            assert isinstance(daq, DigitalIO)
            assert "SIMULATED" in daq.identify().split(",")[2]
            assert bank.closed_channels() == []          # open() leaves the safe state
            assert daq.channels == tuple(range(301, 321))
            daq.set_output(301, True)                    # SG-Ready state 3 (0/1 = open/closed)
            assert bank.closed_channels() == [301]
            assert daq.output_state(301) is True and daq.output_state(302) is False
            daq.set_output(302, True)
            assert daq.closed_channels() == [301, 302]
            with pytest.raises(SettingOutOfRange):
                daq.set_output(321, True)
            daq.all_open()
            assert bank.closed_channels() == [] and daq.closed_channels() == []
            daq.check_errors()
        finally:
            daq.close()
    assert ("out", "ROUTe:OPEN (@301:320)") in trace
    assert ("out", "ROUTe:CLOSe (@301)") in trace
    assert not any("321" in text for _, text in trace)


def test_end_to_end_instrument_error_raises_reported_error() -> None:
    sim = SimKeysightDAQ970A(ContactBank(), faults={"error_after_commands": 6})
    with BackgroundScpiServer(sim) as port:
        daq = open_instrument("keysight_daq970a", resource(port), name="contacts")
        try:
            with pytest.raises(InstrumentReportedError):
                daq.set_output(301, True)
        finally:
            daq.close()
