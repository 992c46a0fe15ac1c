"""The simulated PV inverter's reactive power (simlab/devices/pv_inverter/reactive.py): the laws,
the first-order response, the S limit with its priority, the fault knobs, and quiet steps."""

from __future__ import annotations

import math

import pytest

from simlab.devices.pv_inverter.api import OperatingState, ReactivePowerSettings
from simlab.devices.pv_inverter.device import PvInverterSim, build_pv_inverter
from simlab.devices.pv_inverter.knobs import PvInverterKnobs
from simlab.devices.pv_inverter.reactive import (
    active_mode, apparent_power_limit, curve_value, power_factor_var, volt_var_pct,
)
from simlab.physics import GridSourceState, Physics, PvArrayState

UN_V = 230.0
CURVE = [(92.0, 44.0), (98.0, 0.0), (102.0, 0.0), (108.0, -44.0)]


def test_volt_var_curve_slopes_deadband_and_flat_ends() -> None:
    assert curve_value(CURVE, 90.0) == 44.0
    assert curve_value(CURVE, 95.0) == pytest.approx(22.0)
    assert curve_value(CURVE, 100.0) == 0.0
    assert curve_value(CURVE, 105.0) == pytest.approx(-22.0)
    assert curve_value(CURVE, 112.0) == -44.0


def test_volt_var_basis_reads_the_phases_as_declared() -> None:
    volts = (100.0, 105.0, 95.0)
    assert volt_var_pct(CURVE, volts) == pytest.approx((-22.0,) * 3)               # highest phase
    assert volt_var_pct(CURVE, volts, "positive_sequence") == pytest.approx((0.0,) * 3)
    assert volt_var_pct(CURVE, volts, "per_phase") == pytest.approx((0.0, -22.0, 22.0))


def test_power_factor_and_apparent_power_limit() -> None:
    assert power_factor_var(9000.0, 0.9, under_excited=True) == pytest.approx(-9000.0 * math.tan(math.acos(0.9)))
    assert power_factor_var(9000.0, 0.9, under_excited=False) > 0.0
    assert apparent_power_limit(8000.0, -4000.0, 10000.0, True) == (8000.0, -4000.0)   # inside S
    p, q = apparent_power_limit(10000.0, -4400.0, 10000.0, reactive_priority=True)
    assert (p, q) == pytest.approx((math.sqrt(1e8 - 4400.0 ** 2), -4400.0))
    p, q = apparent_power_limit(9500.0, -4400.0, 10000.0, reactive_priority=False)
    assert (p, q) == pytest.approx((9500.0, -math.sqrt(1e8 - 9500.0 ** 2)))


def test_one_mode_acts_fixed_setpoints_first() -> None:
    s = ReactivePowerSettings(volt_var_enabled=True, watt_var_enabled=True)
    assert active_mode(s) == "volt_var"
    s.fixed_var_enabled = True
    assert active_mode(s) == "fixed_var"
    s.fixed_pf_enabled = True
    assert active_mode(s) == "fixed_pf"
    assert active_mode(ReactivePowerSettings()) == "off"


def _lab(inv: PvInverterSim, fraction: float = 0.5) -> Physics:
    return Physics(GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True), inv,
                   pv_array=PvArrayState(vmp_v=760.0, imp_a=14.0 * fraction, output_on=True))


def _connected(knobs: dict[str, object] | None = None, fraction: float = 0.5) -> tuple[PvInverterSim, Physics]:
    inv = build_pv_inverter({}, dict(knobs or {}))
    lab = _lab(inv, fraction)
    lab.advance_to(400.0)
    assert inv.state is OperatingState.CONNECTED
    return inv, lab


def _q(inv: PvInverterSim) -> float:
    return sum(inv.output().reactive_power_var)


def test_volt_var_first_order_response_reaches_90_pct_at_tr() -> None:
    inv, lab = _connected()
    inv.settings.reactive.volt_var_enabled = True
    tr = inv.settings.reactive.volt_var_response_time_s
    lab.source.voltage_setpoint_v = [0.905 * UN_V] * 3
    t0 = lab.t_s
    lab.advance_to(t0 + tr)
    assert _q(inv) == pytest.approx(0.9 * 4400.0, rel=1e-3)
    lab.advance_to(t0 + 10 * tr)
    assert _q(inv) == pytest.approx(4400.0, rel=1e-6)
    assert inv.readings().reactive_power_var == pytest.approx(4400.0, rel=1e-6)


@pytest.mark.parametrize(("knobs", "expected_var"), [
    ({}, -2200.0),
    ({"reactive_sign_inverted": True}, 2200.0),
    ({"volt_var_ignored": True}, 0.0),
    ({"reactive_power_offset_pct": 5.0}, -1700.0),
    ({"volt_var_voltage_offset_pct": 3.0}, 0.0),
])
def test_volt_var_knobs(knobs: dict[str, object], expected_var: float) -> None:
    inv, lab = _connected(knobs)
    inv.settings.reactive.volt_var_enabled = True
    lab.source.voltage_setpoint_v = [1.05 * UN_V] * 3
    lab.advance_to(lab.t_s + 200.0)
    assert _q(inv) == pytest.approx(expected_var, abs=1e-3)


@pytest.mark.parametrize(("parameters", "knobs", "expected_var"), [
    ({}, {}, -2200.0),                                                          # highest phase 105 %
    ({"volt_var_basis": "per_phase"}, {}, -2200.0 / 3.0),                       # (-22 + 0 + 0) / 3 %
    ({"volt_var_basis": "positive_sequence"}, {}, -44.0 / 6.0 / 3.0 * 100.0),   # 102.33 %
    ({}, {"volt_var_wrong_basis": "per_phase"}, -2200.0 / 3.0),                 # the knob overrides
])
def test_volt_var_basis_under_unbalance(parameters: dict[str, object], knobs: dict[str, object],
                                        expected_var: float) -> None:
    inv = build_pv_inverter(parameters, knobs)
    lab = _lab(inv)
    lab.advance_to(400.0)
    inv.settings.reactive.volt_var_enabled = True
    lab.source.voltage_setpoint_v = [1.05 * UN_V, 1.01 * UN_V, 1.01 * UN_V]
    lab.advance_to(lab.t_s + 200.0)
    assert _q(inv) == pytest.approx(expected_var, abs=1e-3)


@pytest.mark.parametrize(("violated", "reactive_kept"), [(False, True), (True, False)])
def test_s_limit_keeps_the_set_priority_unless_the_knob_violates_it(violated: bool, reactive_kept: bool) -> None:
    inv, lab = _connected({"reactive_priority_violated": violated}, fraction=1.0)
    r = inv.settings.reactive
    r.fixed_var_enabled, r.fixed_var_pct = True, -44.0
    lab.advance_to(lab.t_s + 60.0)
    p, q = sum(inv.output().active_power_w), _q(inv)
    assert math.hypot(p, q) <= 10000.0 + 1e-6
    if reactive_kept:
        assert q == pytest.approx(-4400.0, abs=1e-3) and p == pytest.approx(math.sqrt(1e8 - 4400.0 ** 2), abs=1e-3)
    else:
        assert p == pytest.approx(inv.available_power_w, abs=1e-3) and abs(q) < 4400.0 - 1.0


def test_watt_var_follows_active_power_and_fixed_pf_keeps_cos_phi() -> None:
    inv, lab = _connected()
    r = inv.settings.reactive
    r.watt_var_enabled = True
    lab.advance_to(lab.t_s + 60.0)
    p = sum(inv.output().active_power_w)
    expected = curve_value(r.watt_var_points, p / 100.0) / 100.0 * 10000.0   # P in % of 10 kW
    assert _q(inv) == pytest.approx(expected, abs=1e-3)
    r.fixed_pf_enabled, r.fixed_pf, r.fixed_pf_under_excited = True, 0.95, False
    lab.advance_to(lab.t_s + 60.0)
    p, q = sum(inv.output().active_power_w), _q(inv)
    assert q > 0.0 and p / math.hypot(p, q) == pytest.approx(0.95, abs=1e-9)


def test_ceasing_drops_reactive_power() -> None:
    inv, lab = _connected()
    inv.settings.reactive.fixed_var_enabled, inv.settings.reactive.fixed_var_pct = True, 30.0
    lab.advance_to(lab.t_s + 60.0)
    assert _q(inv) == pytest.approx(3000.0, abs=1e-3)
    lab.source.output_on = False
    lab.advance_to(lab.t_s + 1.0)
    assert _q(inv) == 0.0 and inv.readings().reactive_power_var == 0.0


class _Counting(PvInverterSim):
    def __init__(self, quiet: bool) -> None:
        super().__init__(knobs=PvInverterKnobs())
        self.quiet, self.steps = quiet, 0

    def step(self, t_s, dt_s, terminal):  # type: ignore[no-untyped-def]
        self.steps += 1
        super().step(t_s, dt_s, terminal)

    def quiet_until_s(self, t_s, terminal):  # type: ignore[no-untyped-def]
        return super().quiet_until_s(t_s, terminal) if self.quiet else t_s


def _trace(quiet: bool) -> tuple[int, list[tuple[float, float, float]]]:
    inv = _Counting(quiet)
    lab = _lab(inv, fraction=0.9)
    r = inv.settings.reactive
    out = []
    for t_s in range(5, 640, 5):
        lab.advance_to(float(t_s))
        out.append((float(t_s), sum(inv.output().active_power_w), _q(inv)))
        if t_s == 320:
            r.volt_var_enabled = True
            lab.source.voltage_setpoint_v = [1.07 * UN_V] * 3
        elif t_s == 430:
            r.volt_var_enabled, r.watt_var_enabled = False, True
            lab.source.voltage_setpoint_v = [UN_V] * 3
        elif t_s == 540:
            r.fixed_pf_enabled, r.fixed_pf = True, 0.9
    return inv.steps, out


def test_quiet_steps_keep_reactive_power_exact() -> None:
    fixed_steps, fixed = _trace(quiet=False)
    big_steps, big = _trace(quiet=True)
    for (t_s, p_f, q_f), (_, p_b, q_b) in zip(fixed, big, strict=True):
        assert (p_b, q_b) == pytest.approx((p_f, q_f), abs=1e-4), f"at {t_s} s"
    assert big_steps < fixed_steps / 5
