"""Grid excursions (EV-GRID-EXCURSION): at 195.5 V, 207 V and 253 V the charger keeps charging or
stops and resumes as its profile declares, and never exceeds its limit.

Method: a TxDefaultProfile of ``limit_a`` limits a charging session. For each test voltage the AC
source (through the bench's safety guard) holds it on every phase for ``hold_s``, then returns to
nominal for the declared restart delay + the response time. The profile declares the charger's
behaviour: ``grid_undervoltage_stop_v`` / ``grid_overvoltage_stop_v`` (it stops charging outside
that range; undeclared: it must keep charging at every test voltage) and
``grid_restart_delay_s`` (how long it waits in range before charging again). Judged on the
measured per-phase current:

* always: highest current <= limit + tolerance from the excursion's start to the end of the
  observation;
* a voltage inside the declared range: lowest current >= limit - tolerance over the excursion and
  after it (keeps charging);
* a voltage outside it: at most ``stopped_current_a`` from ``stop_time_s`` after the excursion
  starts until it ends (stops), and charging again (>= limit - tolerance) not earlier than the
  declared restart delay - ``restart_tolerance_s`` and not later than restart delay + Tr after
  nominal voltage returns;
* within ``threshold_margin_v`` of a declared threshold either behaviour is accepted (only the
  limit is judged).
"""

from __future__ import annotations

import math
from typing import Any
from dataclasses import dataclass

import numpy as np
import pytest

from bench.checks import observed_value
from links.ocpp import ProfilePurpose
from test_suites.ev_charger.measurements import declared_grid_behaviour
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

REQ = "EV-GRID-EXCURSION"
LOWEST_LABEL = "lowest phase current / A"


@dataclass(frozen=True)
class Declared:
    """The profile's declared grid behaviour: stop thresholds (V) and restart delay (s)."""

    under_v: float
    over_v: float
    restart_s: float


def _excursion(dut, volts: float, hold_s: float, back_s: float) -> tuple[float, float, float]:
    """Stimulus: ``volts`` on every phase for ``hold_s``, then nominal for ``back_s``; returns the
    excursion's start, its end and the end of the observation."""
    dut.step(f"AC source: {volts:g} V on every phase for {hold_s:g} s")
    t0 = dut.now_s()
    dut.ac_source.set_voltage_v(volts)
    dut.wait(hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    t1 = dut.now_s()
    dut.step(f"AC source: back to {dut.v_nom_v:g} V")
    dut.ac_source.set_voltage_v(dut.v_nom_v)
    dut.wait(back_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    return t0, t1, dut.now_s()


def _voltage(dut, volts: float, t0: float, t1: float) -> dict[str, Any]:
    """The AC source's setting: ``volts`` from ``t0``, nominal again from ``t1``."""
    return stimulus_series("AC source voltage / V", [t0 - 1e-3, t0, t1], [dut.v_nom_v, volts, dut.v_nom_v],
                           staircase=True)


def _excursion_instants(t0: float, t1: float) -> list[dict[str, Any]]:
    return [key_instant("excursion", t0), key_instant("nominal again", t1)]


def _judge_keeps_charging(dut, label: str, volts: float, t0: float, t1: float, t2: float, low_a: float,
                          declared: Declared) -> None:
    env = dut.envelope(t0, t2)
    dut.check.within(REQ, f"{label}: lowest current (keeps charging)", "current", "A",
                     float(env.min_current_a.min()), dut.u_current_a, low_a, None,
                     plot=series_plot(env.t_s, env.min_current_a, LOWEST_LABEL, window=[t0, t1],
                                      stimulus=_voltage(dut, volts, t0, t1), instants=_excursion_instants(t0, t1),
                                      limits=[applied_limit(f">= {low_a:g} A", low_a)]),
                     detail=f"declared range {declared.under_v:g}..{declared.over_v:g} V: no stop expected")


def _judge_stop_and_restart(dut, label: str, volts: float, *, t0: float, t1: float, t2: float, stop_time_s: float,
                            stopped_a: float, low_a: float, restart_s: float, restart_tol_s: float,
                            tr: float) -> None:
    check = dut.check
    during = dut.envelope(t0 + stop_time_s, t1 - 1e-6)
    check.within(REQ, f"{label}: highest current from {stop_time_s:g} s into the excursion (stopped)", "current",
                 "A", float(during.max_current_a.max()), dut.u_current_a, None, stopped_a,
                 plot=series_plot(during.t_s, during.max_current_a, "highest phase current / A", window=[t0, t1],
                                  stimulus=_voltage(dut, volts, t0, t1), instants=_excursion_instants(t0, t1),
                                  limits=[applied_limit(f"<= {stopped_a:g} A (stopped)", stopped_a)]),
                 detail="outside the declared voltage range: charging stops")
    after = dut.envelope(t1, t2)
    charging = np.nonzero(after.min_current_a >= low_a)[0]
    plot = series_plot(after.t_s, after.min_current_a, LOWEST_LABEL, window=[t1 + restart_s, t1 + restart_s + tr],
                       stimulus=_voltage(dut, volts, t0, t1), instants=_excursion_instants(t0, t1),
                       limits=[applied_limit(f">= {low_a:g} A (charging)", low_a)])
    if charging.size == 0:
        check.require_true(REQ, f"{label}: charging resumed after nominal voltage returned", False,
                           f"not at {low_a:g} A within {t2 - t1:g} s (declared restart delay {restart_s:g} s)",
                           plot=plot, observed=observed_value(
                               "highest of the lowest phase current after nominal voltage returned", "A",
                               float(after.min_current_a.max()) if after.t_s.size else None, low=low_a,
                               uncertainty=dut.u_current_a))
        return
    resumed_s = float(after.t_s[charging[0]] - t1)
    check.within(REQ, f"{label}: time from nominal voltage to charging again", "time", "s", resumed_s,
                 CHARGER_RESPONSE_SAMPLE_S, restart_s - restart_tol_s, restart_s + tr, plot=plot,
                 detail=f"declared restart delay {restart_s:g} s; at least {low_a:g} A on every phase")


@pytest.mark.requirement(REQ)
def test_voltage_excursions(dut):
    """Each test voltage: keep charging or stop and resume as declared, never above the limit."""
    limit_a = float(dut.param(REQ, "limit_a"))
    tol = float(dut.param(REQ, "tolerance_a"))
    tr = dut.response_time_s(REQ)
    hold_s = float(dut.param(REQ, "hold_s"))
    declared = Declared(float(dut.profile.declared_value("grid_undervoltage_stop_v", 0.0)),
                        float(dut.profile.declared_value("grid_overvoltage_stop_v", math.inf)),
                        float(dut.profile.declared_value("grid_restart_delay_s", 0.0)))
    low_a = dut.expected_current_a(limit_a) - tol
    dut.needs("smart_charging")
    dut.transition("charging")
    if not dut.install(REQ, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, limit_a)])):
        return
    dut.wait(tr, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    try:
        for volts in [float(v) for v in dut.param(REQ, "test_voltages_v")]:
            behaviour = declared_grid_behaviour(volts, declared.under_v, declared.over_v,
                                   float(dut.param(REQ, "threshold_margin_v")))
            label = f"{volts:g} V ({volts / dut.v_nom_v * 100:.0f} % Un, declared: {behaviour})"
            t0, t1, t2 = _excursion(dut, volts, hold_s, declared.restart_s + tr)
            dut.judge_at_most(REQ, f"{label}: highest current during and after the excursion", t0_s=t0, t1_s=t2,
                              limit=limit_a + tol, detail=f"limit {limit_a:g} A + {tol:g} A",
                              stimulus=_voltage(dut, volts, t0, t1), instants=_excursion_instants(t0, t1))
            if behaviour == "continue":
                _judge_keeps_charging(dut, label, volts, t0, t1, t2, low_a, declared)
            elif behaviour == "stop":
                _judge_stop_and_restart(dut, label, volts, t0=t0, t1=t1, t2=t2,
                                        stop_time_s=float(dut.param(REQ, "stop_time_s")),
                                        stopped_a=float(dut.param(REQ, "stopped_current_a")), low_a=low_a,
                                        restart_s=declared.restart_s,
                                        restart_tol_s=float(dut.param(REQ, "restart_tolerance_s")), tr=tr)
    finally:
        dut.ac_source.set_voltage_v(dut.v_nom_v)
