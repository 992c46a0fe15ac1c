"""The simulated PV inverter's storage option (LFSM-U, storage.py) and its behaviour under an
unbalanced grid (P(U) response basis, phase shares: unbalance.py)."""

from __future__ import annotations

import pytest

from sim_stepping import PvInverterStepper

from simlab.devices.pv_inverter.device import PvInverterSim, build_pv_inverter
from simlab.devices.pv_inverter.knobs import SimSettingError
from simlab.physics import TerminalConditions

RATED_W = 10000.0
UN_V = PvInverterStepper.UN_V

STORAGE = {"storage": {"power_w": 5000.0, "energy_wh": 10000.0, "soc_pct": 60.0}}
HALF_DC_W = 0.5 * RATED_W / 0.97      # 5 kW of PV after the efficiency


def connected(knobs: dict | None = None, parameters: dict | None = None) -> PvInverterStepper:
    """An inverter producing rated power at nominal conditions."""
    rig = PvInverterStepper(parameters, knobs)
    assert rig.reading() == pytest.approx(RATED_W, rel=1e-3)
    return rig


def hybrid(knobs: dict | None = None) -> PvInverterStepper:
    return connected(knobs=knobs, parameters=STORAGE).set(dc_w=HALF_DC_W).run(10.0)


def test_lfsm_u_raises_output_by_the_droop_of_rated_power_and_releases() -> None:
    rig = hybrid()
    assert rig.reading() == pytest.approx(5000.0, rel=1e-3)
    rig.set(f_hz=48.8).run(20.0)      # 5 % droop: 40 % Prated per Hz * 1 Hz = +4 kW
    assert rig.reading() == pytest.approx(9000.0, rel=1e-3)
    rig.set(f_hz=49.9).run(20.0)      # above 49.8 Hz: back to the PV power
    assert rig.reading() == pytest.approx(5000.0, rel=1e-3)


def test_lfsm_u_limited_by_battery_power_rating_and_state_of_charge() -> None:
    rig = connected(parameters={"storage": {"power_w": 2000.0, "energy_wh": 10000.0}}).set(dc_w=HALF_DC_W)
    rig.run(10.0).set(f_hz=48.8).run(20.0)
    assert rig.reading() == pytest.approx(7000.0, rel=1e-3)
    empty = connected(parameters={"storage": {"power_w": 5000.0, "energy_wh": 1000.0, "soc_pct": 10.0}})
    empty.set(dc_w=HALF_DC_W).run(10.0).set(f_hz=49.3).run(20.0)
    assert empty.reading() == pytest.approx(5000.0, rel=1e-3)


def test_lfsm_u_response_is_first_order_with_90_percent_at_tr() -> None:
    rig = hybrid()
    rig.set(f_hz=49.3).run(2.0)       # RspTms 2 s
    assert rig.reading() == pytest.approx(5000.0 + 0.9 * 2000.0, rel=1e-3)


def test_without_storage_no_increase() -> None:
    rig = connected().set(dc_w=HALF_DC_W).run(10.0).set(f_hz=49.3).run(20.0)
    assert rig.reading() == pytest.approx(5000.0, rel=1e-3)


@pytest.mark.parametrize("knobs, expected_w", [
    ({"lfsm_u_ignored": True}, 5000.0),
    ({"lfsm_u_droop_pct": 10.0}, 6000.0),
])
def test_lfsm_u_knobs(knobs: dict, expected_w: float) -> None:
    rig = hybrid(knobs).set(f_hz=49.3).run(30.0)
    assert rig.reading() == pytest.approx(expected_w, rel=1e-3)


def test_lfsm_u_slow_knob() -> None:
    rig = hybrid({"lfsm_u_response_time_factor": 3.0}).set(f_hz=49.3).run(2.0)
    assert rig.reading() < 5000.0 + 0.6 * 2000.0


def test_lfsm_u_quiet_horizon_is_now_while_engaged() -> None:
    rig = hybrid()
    terminal = TerminalConditions((UN_V,) * 3, 49.3, HALF_DC_W)
    assert rig.inv.quiet_until_s(rig.t_s, terminal) == rig.t_s
    rig.set(f_hz=49.3).run(10.0).set(f_hz=50.0).run(0.1)     # releasing
    assert rig.inv.quiet_until_s(rig.t_s, TerminalConditions((UN_V,) * 3, 50.0, HALF_DC_W)) == rig.t_s
    rig.run(30.0)
    assert rig.inv.quiet_until_s(rig.t_s, TerminalConditions((UN_V,) * 3, 50.0, HALF_DC_W)) > rig.t_s


@pytest.mark.parametrize("bad", [{"power_w": 0.0, "energy_wh": 1.0}, {"energy_wh": 1.0},
                                 {"power_w": 1.0, "energy_wh": 1.0, "soc_pct": 120.0},
                                 {"power_w": 1.0, "energy_wh": 1.0, "volts": 1.0}])
def test_storage_parameters_validated(bad: dict) -> None:
    with pytest.raises(SimSettingError, match="storage"):
        build_pv_inverter({"storage": bad}, {})


# ---------------------------------------------------------------------------- unbalanced grid

UNBALANCED_PCT = (109.0, 108.0, 104.0)   # highest 40 %, per phase (40+60+100)/3, mean 107 % -> 80 %


@pytest.mark.parametrize("basis, expected_pct", [("highest_phase", 40.0), ("per_phase", 200.0 / 3.0),
                                                 ("positive_sequence", 80.0)])
def test_volt_watt_basis(basis: str, expected_pct: float) -> None:
    rig = connected(parameters={"volt_watt_basis": basis}).set(volts_pct=UNBALANCED_PCT).run(60.0)
    assert rig.reading() == pytest.approx(expected_pct / 100.0 * RATED_W, rel=1e-3)


def test_per_phase_basis_shares_power_by_each_phases_limit() -> None:
    rig = connected(parameters={"volt_watt_basis": "per_phase"}).set(volts_pct=UNBALANCED_PCT).run(60.0)
    assert rig.inv.output().active_power_w == pytest.approx((4000.0 / 3, 6000.0 / 3, 10000.0 / 3), rel=1e-3)


def test_wrong_basis_knob_overrides_the_parameter() -> None:
    rig = connected(knobs={"volt_watt_wrong_basis": "positive_sequence"}).set(volts_pct=UNBALANCED_PCT).run(60.0)
    assert rig.reading() == pytest.approx(0.8 * RATED_W, rel=1e-3)


def test_phase_power_shares_knob_unbalances_currents() -> None:
    rig = connected(knobs={"phase_power_shares": [2.0, 1.0, 1.0]})
    assert rig.inv.output().active_power_w == pytest.approx((5000.0, 2500.0, 2500.0), rel=1e-3)
    assert rig.inv.readings().current_a[0] == pytest.approx(5000.0 / UN_V, rel=1e-3)


@pytest.mark.parametrize("key, value", [("volt_watt_wrong_basis", "mean"), ("volt_var_wrong_basis", "highest"),
                                        ("phase_power_shares", [1.0, 1.0]),
                                        ("phase_power_shares", [0.0, 0.0, 0.0])])
def test_unbalance_knobs_validated(key: str, value: object) -> None:
    with pytest.raises(SimSettingError, match=key):
        build_pv_inverter({}, {key: value})


# ------------------------------------------------------------------- big quiet steps stay exact

def _quiet_run(quiet: bool) -> list[tuple[float, float, tuple[float, ...]]]:
    """A hybrid inverter through LFSM-U and an unbalanced grid, the lab's big steps on or off."""
    from simlab.devices.pv_inverter.knobs import parse_knobs, parse_parameters
    from simlab.physics import GridSourceState, Physics, PvArrayState

    inv = PvInverterSim(parse_parameters({**STORAGE, "volt_watt_basis": "per_phase"}),
                        parse_knobs({"phase_power_shares": None}))
    if not quiet:
        inv.quiet_until_s = lambda t_s, _terminal: t_s          # type: ignore[method-assign]
    lab = Physics(GridSourceState(voltage_setpoint_v=[UN_V] * 3, output_on=True), inv,
                  pv_array=PvArrayState(vmp_v=760.0, imp_a=7.0, output_on=True))
    script = {600.0: ("f", 49.2), 630.0: ("f", 50.0), 700.0: ("v", [1.115 * UN_V, 1.01 * UN_V, 1.01 * UN_V]),
              760.0: ("v", [UN_V] * 3)}
    trace, t_s = [], 0.0
    while t_s < 800.0:
        t_s = round(t_s + 0.5, 9)
        lab.advance_to(t_s)
        out = inv.output().active_power_w
        trace.append((t_s, sum(out), out))
        if t_s in script:
            kind, value = script[t_s]
            if kind == "f":
                lab.source.frequency_setpoint_hz = value
            else:
                lab.source.voltage_setpoint_v = list(value)
    return trace


def test_big_steps_end_as_fixed_steps_do_through_lfsm_u_and_unbalance() -> None:
    fixed, big = _quiet_run(False), _quiet_run(True)
    for (t_s, p_f, phases_f), (_, p_b, phases_b) in zip(fixed, big, strict=True):
        assert p_b == pytest.approx(p_f, abs=1e-4), f"at {t_s} s"
        assert phases_b == pytest.approx(phases_f, abs=1e-4), f"at {t_s} s"
    powers = {t: p for t, p, _ in fixed}
    phases = {t: ph for t, _, ph in fixed}
    assert powers[625.0] > powers[595.0] + 2000.0          # LFSM-U engaged
    assert phases[750.0][0] < 0.5 * phases[750.0][1]       # per-phase P(U): L1 limited at its voltage
