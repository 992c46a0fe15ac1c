"""Simulated Chroma 62150H-1000S: its dialect without sockets, then the real driver end to end
(driver -> VisaTransport -> TCPIP SOCKET -> serve_scpi -> sim)."""

from __future__ import annotations

import pytest

from bench.errors import InstrumentReportedError
from simlab.instruments import SimChroma62150H
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.physics import PvArrayState
from instruments.registry import open_instrument
from instruments.scpi import SettingOutOfRange

OK = '0,"No error"'


def curve(state: PvArrayState) -> tuple[float, float, float, float]:
    return state.voc_v, state.isc_a, state.vmp_v, state.imp_a


def programmed() -> tuple[PvArrayState, SimChroma62150H]:
    state = PvArrayState()
    sas = SimChroma62150H(state)
    assert sas.handle("OUTP:MODE SAS") is None
    assert sas.handle("SAS:VOC 800;:SAS:ISC 15;:SAS:VMP 700;:SAS:IMP 14") is None
    assert sas.handle("SYST:ERR?") == OK
    return state, sas


# -- without sockets ------------------------------------------------------------------------
def test_identity_is_marked_simulated() -> None:
    sas = SimChroma62150H(PvArrayState())
    fields = sas.handle("*IDN?").split(",")
    assert fields[1] == "62150H-1000S" and "SIMULATED" in fields[2]
    assert sas.handle("SYSTem:ERRor?") == OK


def test_curve_and_output_drive_the_pv_state() -> None:
    state, sas = programmed()
    assert curve(state) == (800, 15, 700, 14)
    assert sas.handle("SAS:VMPP?") == "700" and sas.handle("sas:imp?") == "14"
    assert state.output_on is False
    sas.handle("CONF:OUTP ON")
    assert state.output_on is True and state.available_power_w == pytest.approx(9800.0)
    assert sas.handle("CONFigure:OUTPut?") == "ON"
    assert sas.handle("OUTPut:MODE?") == "SAS"
    sas.handle("CONF:OUTP OFF")
    assert state.output_on is False and sas.handle("CONF:OUTP?") == "OFF"


def test_output_on_outside_sas_mode_feeds_no_pv_power() -> None:
    state, sas = programmed()
    sas.handle("OUTP:MODE CVCC")
    sas.handle("CONF:OUTP ON")
    assert state.output_on is False and state.available_power_w == 0.0
    sas.handle("OUTP:MODE SAS")
    assert state.output_on is True
    sas.handle("*RST")
    assert state.output_on is False and sas.handle("OUTP:MODE?") == "CVCC"
    sas.handle("OUTP:MODE EN50530")
    assert sas.handle("SYST:ERR?").startswith("-221,")


def test_single_parameter_changes_are_checked_against_the_curve() -> None:
    state, sas = programmed()
    sas.handle("SAS:VMP 650")
    assert curve(state) == (800, 15, 650, 14) and sas.handle("SYST:ERR?") == OK
    sas.handle("SAS:VMP 850")  # above Voc: whole curve refused, previous one kept
    assert curve(state) == (800, 15, 650, 14)
    assert sas.handle("SYST:ERR?").startswith("-222,")
    assert sas.handle("SYST:ERR?") == OK


@pytest.mark.parametrize("line", [
    "SAS:VOC 1000.5",                                   # above 1000 V
    "SAS:ISC 15.5",                                     # above 15 A
    "SAS:IMP 15;:SAS:ISC 15",                           # Imp not below Isc
    "SAS:VOC 600;:SAS:VMP 600",                         # Vmp not below Voc
    "SAS:VOC 500;:SAS:ISC 10;:SAS:VMP 400;:SAS:IMP 0",  # Imp not above 0
    "SAS:VOC 500;:SAS:ISC 10;:SAS:BOGUS 1",             # an error in the line
])
def test_invalid_curve_is_refused_and_the_previous_one_kept(line: str) -> None:
    state, sas = programmed()
    sas.handle(line)
    assert curve(state) == (800, 15, 700, 14)
    assert sas.handle("SYST:ERR?")[:4] in ("-222", "-113")
    assert sas.handle("SYST:ERR?") == OK


def test_error_queue_and_fault_knob() -> None:
    sas = SimChroma62150H(PvArrayState(), faults={"error_after_commands": 2})
    sas.handle("CONF:OUTP OFF")
    assert sas.handle("SYST:ERR?") == OK  # error queries alone are not faulted
    sas.handle("CONF:OUTP OFF")
    assert sas.handle("SYST:ERR?").startswith("-300,")
    with pytest.raises(ValueError):
        SimChroma62150H(PvArrayState(), faults={"bogus": 1})


# -- end to end -----------------------------------------------------------------------------
def resource(port: int) -> str:
    return f"TCPIP::127.0.0.1::{port}::SOCKET"


def test_end_to_end_driver_programs_a_10_kw_array() -> None:
    pv = PvArrayState()
    trace: list[tuple[str, str]] = []
    with BackgroundScpiServer(SimChroma62150H(pv)) as port:
        sas = open_instrument("chroma_62150h_1000s", resource(port), name="pv",
                              trace=lambda d, t: trace.append((d, t)))
        try:
            assert "SIMULATED" in sas.identify().split(",")[2]
            assert sas.mode() == "SAS"
            sas.set_iv_curve(voc_v=800, isc_a=15, vmp_v=700, imp_a=14.5)
            assert sas.iv_curve() == (800, 15, 700, 14.5)
            assert pv.output_on is False
            sas.set_output(True)
            assert sas.output_is_on() is True
            assert sas.max_power_w() == pytest.approx(10150.0)
            assert pv.available_power_w == pytest.approx(10150.0)
            with pytest.raises(SettingOutOfRange):
                sas.set_iv_curve(voc_v=1100, isc_a=15, vmp_v=700, imp_a=14)
            sas.set_output(False)
            assert pv.output_on is False and sas.output_is_on() is False
            sas.check_errors()
        finally:
            sas.close()
    assert ("out", "OUTPut:MODE SAS") in trace
    assert ("out", "SAS:VOC 800;:SAS:ISC 15;:SAS:VMP 700;:SAS:IMP 14.5") in trace
    assert ("in", OK) in trace
    assert not any("1100" in text for _, text in trace)


def test_end_to_end_instrument_error_raises_reported_error() -> None:
    pv = PvArrayState()
    with BackgroundScpiServer(SimChroma62150H(pv, faults={"error_after_commands": 3})) as port:
        sas = open_instrument("chroma_62150h_1000s", resource(port), name="pv")
        try:
            with pytest.raises(InstrumentReportedError):
                sas.set_iv_curve(voc_v=800, isc_a=15, vmp_v=700, imp_a=14)
        finally:
            sas.close()


def test_a_curve_changed_with_the_output_on_waits_for_trig() -> None:
    """With the output on, a new curve is programmed (queries answer it) but stays out of force until
    TRIG; with the output off it applies at once."""
    state, sas = programmed()
    sas.handle("CONF:OUTP ON")
    sas.handle("SAS:VOC 800;:SAS:ISC 12;:SAS:VMP 700;:SAS:IMP 11")
    assert curve(state) == (800.0, 15.0, 700.0, 14.0)
    assert sas.handle("SAS:ISC?") == "12"
    sas.handle("TRIG")
    assert curve(state) == (800.0, 12.0, 700.0, 11.0)
    assert sas.handle("SYST:ERR?") == OK
