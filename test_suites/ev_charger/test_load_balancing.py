"""Site load balancing from the smart meter's P1 port (EV-LOADBAL-P1).

Method: the charger charges at full power with a household load of ``household_base_a`` per phase
beside it (RLC load at the connection point). One phase (the charger's own when it is single-phase,
else L2, so a charger that watches only L1 is caught) steps to ``household_step_a``: within the
response time the import of every phase at the connection point must be at most the declared main
fuse and stay there for ``hold_s``. The load then drops back: within the response time the charger's
current returns to min(rating, fuse - base load) - ``resume_tolerance_a``.

The judged value is the bench's own (analyzer plus the household load: connection_point.py); the
charger balances on the meter's telegrams, which are parsed with ``dsmr-parser`` and recorded.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.checks import observed_value
from bench.errors import BenchError, ConfigError
from test_suites.ev_charger.connection_point import ConnectionPoint
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

REQ = "EV-LOADBAL-P1"
SETTLE_S = 10.0          # household base load on, charger at full power, before the step


def _stepped_phase(dut) -> int:
    """1-based phase the household load steps on."""
    return dut.phases[0] if len(dut.phases) == 1 else 2


@pytest.mark.requirement(REQ)
def test_household_step_keeps_connection_point_under_main_fuse(dut, bench):
    """Household step: connection point <= main fuse within Tr; load drops: the charger resumes."""
    dut.needs("p1_load_balancing")
    fuse_a = dut.profile.declared_value("main_fuse_a")
    if fuse_a is None:
        raise ConfigError("a charger claiming p1_load_balancing must declare main_fuse_a", field="declared.main_fuse_a")
    fuse_a = float(fuse_a)
    base_a = float(dut.param(REQ, "household_base_a"))
    step_a = float(dut.param(REQ, "household_step_a"))
    hold_s = float(dut.param(REQ, "hold_s"))
    resume_tol = float(dut.param(REQ, "resume_tolerance_a"))
    tr = min(float(dut.param(REQ, "response_time_s")),
             float(dut.profile.declared_value("load_balancing_response_time_s") or np.inf))
    u_load = float(bench.config.instruments["household_load"].accuracy.get("current_a", 0.0))
    site = ConnectionPoint(bench.require_household_load(), bench.require_p1_meter(), dut.v_nom_v)
    phase = _stepped_phase(dut)
    base = [base_a] * 3
    stepped = [step_a if k + 1 == phase else base_a for k in range(3)]
    try:
        dut.transition("charging")
        site.set_household_a(dut.now_s(), base)
        site.read_meter()
        dut.step(f"household load {base_a:g} A per phase; charging at full power")
        dut.wait(SETTLE_S, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        if not site.read_meter():
            raise BenchError(f"the P1 meter sent no telegram in {SETTLE_S:g} s: the charger has nothing to balance on")
        t_step = dut.now_s()
        site.set_household_a(t_step, stepped)
        dut.step(f"household load on L{phase}: {base_a:g} -> {step_a:g} A")
        dut.wait(tr + hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        site.read_meter()
        _judge_under_fuse(dut, site, t_step, dut.now_s(), fuse_a, tr, u_load, phase, base_a, step_a)
        t_drop = dut.now_s()
        site.set_household_a(t_drop, base)
        dut.step(f"household load on L{phase}: {step_a:g} -> {base_a:g} A")
        dut.wait(tr + hold_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        expected = dut.expected_current_a(fuse_a - base_a)
        dut.judge_follow(REQ, f"household load back to {base_a:g} A: charging resumes", t_change_s=t_drop,
                         t_end_s=dut.now_s(), low=expected - resume_tol, high=expected + resume_tol,
                         response_time_s=tr, peak_limit=None,
                         detail=f"expected min(rating, fuse {fuse_a:g} A - {base_a:g} A) = {expected:g} A, "
                                f"tolerance {resume_tol:g} A",
                         stimulus=stimulus_series(f"household load on L{phase} / A", [t_step, t_drop],
                                                  [step_a, base_a], staircase=True, axis=(0, step_a)),
                         instants=[key_instant("household load drops", t_drop)])
        _record_meter(dut, site)
    finally:
        site.disconnect()


def _judge_under_fuse(dut, site: ConnectionPoint, t0: float, t1: float, fuse_a: float, tr: float,
                      u_load: float, phase: int, base_a: float, step_a: float) -> None:
    samples = dut.samples_between(t0, t1)
    if not samples:
        raise BenchError(f"no analyzer samples between {t0:g} s and {t1:g} s")
    t, amps = site.import_a(samples)
    highest = amps.max(axis=1)
    u = dut.u_current_a + u_load
    label = f"household L{phase} {base_a:g} -> {step_a:g} A"
    plot = series_plot(t, highest, "highest phase import at the connection point / A", window=[t0, t0 + tr],
                       stimulus=stimulus_series(f"household load on L{phase} / A", [t0 - 1e-3, t0],
                                                [base_a, step_a], staircase=True, axis=(0, step_a)),
                       limits=[applied_limit(f"main fuse {fuse_a:g} A", fuse_a)],
                       instants=[key_instant("household load steps", t0)], t_zero_s=t0)
    over = np.nonzero(highest > fuse_a)[0]
    if over.size and over[-1] == highest.size - 1:
        dut.check.require_true(REQ, f"{label}: connection point at or under the main fuse", False,
                               f"still {highest[-1]:.2f} A at the end of the {t1 - t0:g} s observation", plot=plot,
                               observed=observed_value("highest phase import at the end of the observation", "A",
                                                       float(highest[-1]), low=None, high=fuse_a, uncertainty=u))
    else:
        settle_s = 0.0 if over.size == 0 else float(t[over[-1] + 1] - t0)
        dut.check.within(REQ, f"{label}: time until the connection point is at or under the main fuse", "time",
                         "s", settle_s, CHARGER_RESPONSE_SAMPLE_S, None, tr, plot=plot,
                         detail=f"main fuse {fuse_a:g} A per phase")
    steady = highest[t >= t0 + tr - 1e-9]
    if steady.size:
        dut.check.within(REQ, f"{label}: highest connection-point phase import from Tr on", "current", "A",
                         float(steady.max()), u, None, fuse_a,
                         detail="analyzer (charger) + household load at the measured voltage")


def _record_meter(dut, site: ConnectionPoint) -> None:
    site.read_meter()
    readings = site.readings
    if readings:
        peak = max(max(r.current_a) for r in readings)
        dut.step(f"P1 meter: {len(readings)} telegrams checked (CRC), highest phase current {peak:g} A "
                 "(the charger's input; not the judged value)")
