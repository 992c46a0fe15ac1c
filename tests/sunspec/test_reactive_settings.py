"""Reactive power settings over SunSpec (705 Q(U), 712 Q(P), 704 PFWInj / VarSet): the link writes
them to the simulated inverter, the device adopts them, and they read back equal at the device's
scale factors; curves the device cannot take are refused with the active curve kept."""

from __future__ import annotations

import pytest

from links.modbus_protocol import ModbusExceptionReply
from links.sunspec_modbus import CurveAdoptionFailed, SunSpecLink
from simlab.devices.pv_inverter.device import PvInverterSim

VOLT_VAR = [(92.0, 44.0), (98.0, 0.0), (102.0, 0.0), (108.0, -44.0)]
WATT_VAR = [(50.0, 0.0), (60.0, -9.7), (70.0, -17.9), (80.0, -26.0), (90.0, -34.5), (100.0, -48.4)]


def _rounded(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points at the 712 scale factors (W_SF = DeptRef_SF = -1)."""
    return [(round(x, 1), round(y, 1)) for x, y in points]


@pytest.fixture
def served(lab):
    inverter = PvInverterSim()
    _, port = lab.serve(inverter)
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        yield inverter, link


def test_volt_var_written_adopted_and_read_back(served) -> None:
    inverter, link = served
    link.write_volt_var(VOLT_VAR, 12.5, reactive_priority=False, enabled=True)
    r = inverter.settings.reactive
    assert (r.volt_var_enabled, r.volt_var_points, r.volt_var_response_time_s) == (True, VOLT_VAR, 12.5)
    assert r.volt_var_reactive_priority is False
    vv = link.read_settings().volt_var
    assert vv is not None and vv.enabled and vv.points_pct == VOLT_VAR
    assert vv.response_time_s == 12.5 and vv.reactive_priority is False
    link.write_volt_var(VOLT_VAR, 12.5, reactive_priority=True, enabled=False)
    assert not r.volt_var_enabled and r.volt_var_reactive_priority


def test_watt_var_written_adopted_and_read_back(served) -> None:
    inverter, link = served
    link.write_watt_var(WATT_VAR, reactive_priority=True, enabled=True)
    r = inverter.settings.reactive
    assert r.watt_var_enabled and _rounded(r.watt_var_points) == WATT_VAR
    wv = link.read_settings().watt_var
    assert wv is not None and wv.enabled and _rounded(wv.points_pct) == WATT_VAR


def test_fixed_power_factor_and_fixed_reactive_power(served) -> None:
    inverter, link = served
    link.write_fixed_power_factor(0.95, under_excited=False)
    r = inverter.settings.reactive
    assert (r.fixed_pf_enabled, r.fixed_pf, r.fixed_pf_under_excited) == (True, pytest.approx(0.95), False)
    link.write_fixed_power_factor(None)
    link.write_fixed_reactive_power(-30.0, reactive_priority=False)
    assert not r.fixed_pf_enabled and (r.fixed_var_enabled, r.fixed_var_pct) == (True, -30.0)
    assert not r.fixed_var_reactive_priority and r.volt_var_reactive_priority   # each mode its own priority
    fixed = link.read_settings().fixed_reactive
    assert fixed is not None and fixed.var_enabled and fixed.var_pct == -30.0 and not fixed.reactive_priority
    assert fixed.power_factor == pytest.approx(0.95) and not fixed.power_factor_enabled
    link.write_fixed_reactive_power(None)
    assert not inverter.settings.reactive.fixed_var_enabled


def test_out_of_order_volt_var_curve_is_refused_and_the_active_curve_kept(served) -> None:
    inverter, link = served
    link.write_volt_var(VOLT_VAR, 10.0, reactive_priority=True, enabled=True)
    with pytest.raises((CurveAdoptionFailed, ModbusExceptionReply)):
        link.write_volt_var(list(reversed(VOLT_VAR)), 10.0, reactive_priority=True, enabled=True)
    assert inverter.settings.reactive.volt_var_points == VOLT_VAR
    assert link.read_settings().volt_var.points_pct == VOLT_VAR
