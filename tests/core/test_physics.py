"""The physics model couples source, feeder and device deterministically."""

import pytest

from simlab.physics import DeviceOutput, Feeder, GridSourceState, Physics


class ConstantExporter:
    phase_count = 3

    def __init__(self, p_w_per_phase):
        self.p = p_w_per_phase
        self.seen = []

    def step(self, t_s, dt_s, terminal):
        self.seen.append((t_s, terminal.voltage_v[0]))

    def output(self):
        return DeviceOutput((self.p,) * 3, (0.0,) * 3)


def test_feeder_raises_terminal_voltage_of_an_exporter():
    src = GridSourceState(voltage_setpoint_v=[240.0] * 3, output_on=True)
    dev = ConstantExporter(3000.0)
    phys = Physics(src, dev, feeder=Feeder(0.6, 0.2))
    phys.advance_to(0.1)
    u = phys.truth()[0].voltage_v
    assert u == pytest.approx(240.0 + 3000.0 * 0.6 / 240.0)
    assert phys.truth()[0].current_a == pytest.approx(3000.0 / u)


def test_slew_limits_voltage_change():
    src = GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True, voltage_slew_v_per_s=10.0)
    phys = Physics(src, None)
    phys.advance_to(1.0)
    assert src.voltage_v[0] == pytest.approx(10.0)


def test_steps_are_on_a_fixed_grid_and_time_never_goes_back():
    src = GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=True)
    dev = ConstantExporter(0.0)
    phys = Physics(src, dev, step_s=0.02)
    phys.advance_to(0.05)
    phys.advance_to(0.1)
    times = [round(t, 6) for t, _ in dev.seen]
    assert times == [0.02, 0.04, 0.05, 0.06, 0.08, 0.1]
    with pytest.raises(ValueError):
        phys.advance_to(0.09)


def test_output_off_deenergises():
    src = GridSourceState(voltage_setpoint_v=[230.0] * 3, output_on=False)
    phys = Physics(src, ConstantExporter(1000.0))
    phys.advance_to(0.04)
    assert phys.truth()[0].voltage_v == 0.0
