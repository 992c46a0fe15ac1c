"""The simulated analyzer's triggered capture (simlab/instruments/capture.py) and the simulated
source's trigger output: samples on the lab's interval grid, pre-trigger samples from the ring,
the trigger at the exact lab instant of the source's step."""

from __future__ import annotations

import pytest

from simlab.instruments.capture import SimCapture, TriggerLine, capture_commands
from simlab.instruments.chroma_61845 import SimChroma61845
from simlab.instruments._scpi_device import SimScpiDevice
from simlab.physics import GridSourceState


class _Clock:
    def __init__(self) -> None:
        self.t_s = 0.0


def _run_to(capture: SimCapture, clock: _Clock, to_s: float) -> None:
    """What the lab does: stop at each due instant and let the capture observe it."""
    while True:
        due = capture.next_due_s()
        if due is None or due > to_s + 1e-9:
            clock.t_s = to_s
            return
        clock.t_s = due
        capture.observe(due)


def test_capture_keeps_pre_trigger_samples_and_completes_after_post_window() -> None:
    clock = _Clock()
    capture = SimCapture(lambda: [clock.t_s * 10.0], lambda: clock.t_s)
    capture.interval_s, capture.pre_trigger_s, capture.post_trigger_s = 0.005, 0.02, 0.05
    clock.t_s = 1.0012
    capture.arm()
    assert capture.next_due_s() == pytest.approx(1.005)
    _run_to(capture, clock, 1.1033)
    assert capture.state == "ARMED"
    capture.on_trigger(1.1033)
    _run_to(capture, clock, 1.2)
    assert capture.state == "COMPLETE"
    times = [row.t_s for row in capture.rows]
    assert times[0] == pytest.approx(1.085)              # 20 ms before the trigger, on the grid
    assert times[-1] == pytest.approx(1.155)             # the first instant >= trigger + 50 ms
    assert all(b - a == pytest.approx(0.005) for a, b in zip(times, times[1:], strict=False))
    assert [row.values[0] for row in capture.rows] == pytest.approx([t * 10.0 for t in times])
    assert capture.next_due_s() is None                  # no more stops for the lab


def test_source_step_fires_the_trigger_at_the_lab_instant() -> None:
    clock = _Clock()
    line = TriggerLine(lambda: clock.t_s)
    fired: list[float] = []
    line.connect(fired.append)
    source = SimChroma61845(GridSourceState(), trigger_line=line)
    source.handle("OUTPut:RELay ON")
    source.handle("OUTPut:STATe ON")
    source.handle("SOURce:VOLTage:AC 230")
    clock.t_s = 2.5
    source.handle("SOURce:VOLTage:AC 230")               # no change: no step, no trigger
    source.handle("SOURce:FREQuency 50")
    assert fired == [0.0]
    source.handle("SOURce:VOLTage:AC 264.5")
    clock.t_s = 3.25
    source.handle("SOURce:FREQuency 52.2")
    assert fired == [0.0, 2.5, 3.25]


class _Analyzer(SimScpiDevice):
    identity = "SIM,CAPTURE,0,0"

    def __init__(self, capture: SimCapture) -> None:
        self.capture = capture
        super().__init__()

    def commands(self):
        return capture_commands(self.capture)


def test_capture_wire_protocol() -> None:
    clock = _Clock()
    capture = SimCapture(lambda: [1.0, 2.0], lambda: clock.t_s)
    sim = _Analyzer(capture)
    for line in (":CAPTure:INTerval 0.005", ":CAPTure:PRETrigger 0.01", ":CAPTure:POSTtrigger 0.02",
                 ":CAPTure:ARM"):
        assert sim.handle(line) is None
    assert sim.handle(":CAPTure:STATe?") == "ARMED"
    assert sim.handle(":CAPTure:TRIGger:TIME?") == "NAN"
    _run_to(capture, clock, 0.1)
    capture.on_trigger(0.1)
    _run_to(capture, clock, 0.2)
    assert sim.handle(":CAPTure:STATe?") == "COMPLETE"
    assert sim.handle(":CAPTure:TRIGger:TIME?") == "0.100000"
    assert sim.handle(":CAPTure:COUNt?") == "7"
    assert sim.handle(":CAPTure:DATA? 5,3") == "2,0.115000,1.00000E+00,2.00000E+00,0.120000,1.00000E+00,2.00000E+00"
    assert sim.errors == []
    sim.handle(":CAPTure:INTerval 0.001")                 # below the simulated minimum
    assert sim.errors and sim.errors[0][0] == -222


def test_list_program_runs_on_lab_time_and_its_start_is_the_trigger() -> None:
    clock = _Clock()
    line = TriggerLine(lambda: clock.t_s)
    fired: list[float] = []
    line.connect(fired.append)
    state = GridSourceState()
    source = SimChroma61845(state, trigger_line=line, time_fn=lambda: clock.t_s)
    for command in ("OUTPut:RELay ON", "OUTPut:STATe ON", "SOURce:VOLTage:AC 230", "TRIG OFF", "OUTPut:MODE FIXED",
                    "LIST:COUPling ALL", "LIST:COUNt 1", "LIST:BASE TIME", "LIST:TRIGger AUTO", "LIST:DWELl 150,1000.5",
                    "LIST:SHAPe A,A", "LIST:VOLTage:AC:STARt 264.5,230", "LIST:VOLTage:AC:END 264.5,230",
                    "LIST:FREQuency:STARt 50,50", "LIST:FREQuency:END 50,50", "OUTPut:MODE LIST"):
        source.handle(command)
    assert source.errors == []
    fired.clear()
    clock.t_s = 10.0
    source.handle("TRIG ON")
    assert fired == [10.0] and state.voltage_setpoint_v == [264.5] * 3
    assert source.handle("TRIG:STATE?") == "RUNNING"
    assert source.next_due_s() == pytest.approx(10.15)
    source.observe(10.15)
    assert state.voltage_setpoint_v == [230.0] * 3
    assert source.next_due_s() == pytest.approx(11.1505)
    source.observe(11.1505)
    assert source.handle("TRIG:STATE?") == "OFF" and source.next_due_s() is None
    assert state.voltage_setpoint_v == [230.0] * 3
    source.handle("TRIG OFF")
    source.handle("OUTPut:MODE FIXED")
    assert source.errors == []
    source.handle("LIST:VOLTage:AC:END 200,230")
    source.handle("OUTPut:MODE LIST")
    source.handle("TRIG ON")                              # a ramp within a point: refused
    assert source.errors and source.errors[-1][0] == -221


def test_list_data_is_refused_in_list_mode() -> None:
    """The public driver (SVP chroma_61845.py profile_load) loads the list in FIXED mode and selects
    LIST last; the simulation refuses list data sent after OUTPut:MODE LIST."""
    source = SimChroma61845(GridSourceState())
    source.handle("OUTPut:MODE LIST")
    source.handle("LIST:SHAPe A")
    source.handle("LIST:DWELl 100")
    assert [code for code, _ in source.errors] == [-221, -221]
