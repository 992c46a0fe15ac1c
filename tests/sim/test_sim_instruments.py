"""Simulated instruments: their dialects without sockets, then the real drivers end to end
through PyVISA TCPIP SOCKET sessions against serve_scpi."""

from __future__ import annotations

import socket

import pytest

from bench.errors import InstrumentReportedError, InstrumentTimeout
from simlab.instruments import SimChroma61845, SimKeysightE4360A, SimYokogawaWT5000
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.physics import GridSourceState, PhaseTruth, PvArrayState
from instruments.registry import open_instrument

TRUTH = [PhaseTruth(230.0, 4.35, 1000.0, -100.0, 1004.99, 0.995),
         PhaseTruth(231.0, 4.30, 990.0, -90.0, 994.08, 0.996),
         PhaseTruth(229.0, 4.40, 1010.0, -110.0, 1015.97, 0.994)]


def wt(seed: int = 7, **kw) -> SimYokogawaWT5000:
    return SimYokogawaWT5000(lambda: TRUTH, lambda: 50.0, seed, **kw)


# -- without sockets ------------------------------------------------------------------------
def test_identities_are_marked_simulated() -> None:
    for device in (SimChroma61845(GridSourceState()), wt(), SimKeysightE4360A(PvArrayState())):
        serial = device.handle("*IDN?").split(",")[2]
        assert "SIMULATED" in serial
        assert device.handle("*OPC?") == "1"


def test_chroma_writes_the_grid_state() -> None:
    state = GridSourceState()
    chroma = SimChroma61845(state)
    for line in ("INST:EDIT ALL", "SOUR:VOLT:AC 230", "INST:EDIT EACH", "INST:NSEL 3",
                 "VOLT:AC 207", "FREQ 50.2", "PHAS:P12 120", "OUTP:SLEW:VOLT:AC 0.05",
                 "OUTPut:STATe ON"):
        assert chroma.handle(line) is None
    assert state.voltage_setpoint_v == [230.0, 230.0, 207.0]
    assert state.frequency_setpoint_hz == 50.2
    assert state.phase_angle_deg[1] == 120.0
    assert state.voltage_slew_v_per_s == pytest.approx(50.0)
    assert state.output_on is False                    # the output relay is still open
    assert chroma.handle("OUTPut:RELay ON") is None
    assert state.output_on is True
    assert chroma.handle("SYSTem:ERRor?") == '0,"No error"'
    chroma.handle("*RST")
    assert state.output_on is False and state.voltage_setpoint_v == [0.0, 0.0, 0.0]


def test_error_codes() -> None:
    chroma = SimChroma61845(GridSourceState())
    chroma.handle("VOLT:BOGUS 1")
    chroma.handle("SOUR:VOLT:AC 301")
    chroma.handle("SOUR:PHAS:P3 10")                     # P12 / P13 on the 61845, not P2 / P3
    chroma.handle("INST:COUP ALL")                       # all phases: INSTrument:EDIT ALL
    codes = [chroma.handle("SYST:ERR?").split(",")[0] for _ in range(5)]
    assert codes == ["-113", "-222", "-114", "-113", "0"]
    chroma.handle("FOO")
    chroma.handle("*CLS")
    assert chroma.handle("SYST:ERR?").startswith("0,")
    analyzer = wt()
    analyzer.handle(":NUM:NORM:ITEM1 U,9")
    analyzer.handle(":NOPE")
    assert analyzer.handle(":STAT:ERR?").startswith("222,")
    assert analyzer.handle(":STAT:ERR?").startswith("113,")


def test_keysight_rejects_an_invalid_curve_and_keeps_the_old_one() -> None:
    state = PvArrayState()
    sas = SimKeysightE4360A(state)
    sas.handle("CURR:MODE SAS,(@1)")
    sas.handle("CURR:SAS:ISC 5,(@1);IMP 4.5,(@1);:VOLT:SAS:VOC 100,(@1);VMP 90,(@1)")
    sas.handle("OUTP ON,(@1)")
    assert (state.voc_v, state.isc_a, state.vmp_v, state.imp_a) == (100, 5, 90, 4.5)
    assert state.available_power_w == pytest.approx(405.0)
    sas.handle("VOLT:SAS:VMP 110,(@1)")
    assert state.vmp_v == 90
    assert sas.handle("SYST:ERR?").startswith("-222,")
    assert sas.handle("SYST:ERR?") == '+0,"No error"'


def test_analyzer_noise_is_small_and_deterministic() -> None:
    def values(device: SimYokogawaWT5000) -> list[float]:
        device.handle(":NUM:NORM:NUM 2;ITEM1 P,2;ITEM2 FU,1")
        return [float(v) for v in device.handle(":NUM:NORM:VAL?").split(",")]

    first, again, other = values(wt(1)), values(wt(1)), values(wt(2))
    assert first == again and first != other
    assert first[0] == pytest.approx(990.0, rel=3e-4)
    assert first[1] == pytest.approx(50.0, rel=1e-4)


def test_fault_knobs() -> None:
    chroma = SimChroma61845(GridSourceState(), faults={"error_after_commands": 3})
    chroma.handle("FREQ 50")
    chroma.handle("FREQ 50")
    assert chroma.handle("SYST:ERR?").startswith("0,")
    chroma.handle("FREQ 50")
    assert chroma.handle("SYST:ERR?").startswith("-300,")
    hanging = SimChroma61845(GridSourceState(), faults={"hang_after_commands": 2})
    assert hanging.handle("*IDN?") is not None
    assert hanging.handle("*IDN?") is None


# -- end to end: driver -> VisaTransport -> TCPIP SOCKET -> serve_scpi -> sim ---------------
def resource(port: int) -> str:
    return f"TCPIP::127.0.0.1::{port}::SOCKET"


def test_end_to_end_all_three_drivers() -> None:
    grid, pv = GridSourceState(), PvArrayState()
    trace: list[tuple[str, str]] = []
    with BackgroundScpiServer(SimChroma61845(grid)) as p1, \
            BackgroundScpiServer(wt()) as p2, \
            BackgroundScpiServer(SimKeysightE4360A(pv)) as p3:
        source = open_instrument("chroma_61845", resource(p1), name="grid",
                                 trace=lambda d, t: trace.append((d, t)))
        analyzer = open_instrument("yokogawa_wt5000", resource(p2), name="pa")
        sas = open_instrument("keysight_e4360a", resource(p3), name="pv")
        try:
            assert "SIMULATED" in source.identify()
            source.set_voltage_v(230)
            source.set_voltage_v(253, phase=2)
            source.set_frequency_hz(50.2)
            source.set_output(True)
            assert source.voltage_setpoint_v(2) == 253
            assert grid.voltage_setpoint_v == [230, 253, 230] and grid.output_on
            reading = analyzer.read()
            assert reading.phases[1].voltage_v == pytest.approx(231.0, rel=3e-4)
            assert reading.frequency_hz == pytest.approx(50.0, rel=1e-4)
            sas.set_iv_curve(voc_v=100, isc_a=5, vmp_v=90, imp_a=4.5)
            sas.set_output(True)
            assert sas.max_power_w() == pytest.approx(405.0)
            assert pv.available_power_w == pytest.approx(405.0)
            assert source.transport.tcp_nodelay is True
            sock = source.transport._session.visalib.sessions[source.transport._session.session]
            assert sock.interface.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            for driver in (source, analyzer, sas):
                driver.close()
    assert ("out", "SOURce:FREQuency 50.2") in trace
    assert ("in", '0,"No error"') in trace


def test_end_to_end_error_fault_raises_reported_error() -> None:
    with BackgroundScpiServer(
            SimChroma61845(GridSourceState(), faults={"error_after_commands": 1})) as port:
        source = open_instrument("chroma_61845", resource(port), name="grid")
        try:
            with pytest.raises(InstrumentReportedError):
                source.set_frequency_hz(50)
        finally:
            source.close()


def test_end_to_end_hang_raises_timeout_and_server_survives_disconnect() -> None:
    device = SimChroma61845(GridSourceState(), faults={"hang_after_commands": 2})
    with BackgroundScpiServer(device) as port:
        source = open_instrument("chroma_61845", resource(port), name="grid", timeout_ms=200)
        try:
            source.identify()
            with pytest.raises(InstrumentTimeout):
                source.identify()
        finally:
            source.close()
        device.faults.clear()
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"*IDN")  # disconnect mid-line
        again = open_instrument("chroma_61845", resource(port), name="grid")
        try:
            assert "61845" in again.identify()
        finally:
            again.close()
