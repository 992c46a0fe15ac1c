"""Net-aware charging (EV-NETAWARE): a daily recurring profile moves charging out of the peak window.

Method: a Recurring Daily TxDefaultProfile starting at local midnight limits charging to
``peak_limit_a`` from ``window_start`` to ``window_end`` and to ``offpeak_limit_a`` (above the
rating: effectively unconstrained) otherwise. The bench clock then moves through both edges of the
window (time of day is virtual in the simulated lab: the bench calendar starts at the bench
config's ``start_calendar``). Judged on the measured per-phase current:

* before the window starts: charging at the full expected current (not reduced early);
* from the window start: the peak limit reached within the response time and held to the end of
  the window (EvChargerStrategy.judge_follow, then the highest current over the whole window);
* from the window end: back to the full expected current within the response time (a charger that
  claims a randomised restart, EV-REBOUND: plus its declared maximum delay and ramp time).
"""

from __future__ import annotations

import pytest

from links.ocpp import ProfileKind, ProfilePurpose
from test_suites.rebound import restart_allowance_s
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S, TIME_OF_DAY_SAMPLE_S

REQ = "EV-NETAWARE"


def _hh_mm(text: str) -> tuple[int, int]:
    hour, _, minute = str(text).partition(":")
    return int(hour), int(minute or 0)


def _wait_until_edge(dut, hour: int, minute: int, observe_s: float) -> float:
    """Coarse sampling until ``observe_s`` before the next hour:minute of the bench calendar, fine
    sampling up to it; returns the bench time of the edge."""
    t_edge = dut.now_s() + dut.clock.seconds_until(hour, minute)
    if t_edge - dut.now_s() > observe_s:
        dut.wait(t_edge - observe_s - dut.now_s(), sample_period_s=TIME_OF_DAY_SAMPLE_S)
    dut.wait(t_edge - dut.now_s(), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    return t_edge


@pytest.mark.requirement(REQ)
def test_daily_profile_reduces_charging_in_peak_window(dut):
    """A Recurring Daily profile: reduced in the peak window, full power on both sides of it."""
    start_h, start_m = _hh_mm(dut.param(REQ, "window_start"))
    end_h, end_m = _hh_mm(dut.param(REQ, "window_end"))
    peak_a = float(dut.param(REQ, "peak_limit_a"))
    offpeak_a = float(dut.param(REQ, "offpeak_limit_a"))
    tol = float(dut.param(REQ, "tolerance_a"))
    tr = dut.response_time_s(REQ)
    observe_s = float(dut.param(REQ, "edge_observation_s"))
    window_start_s, window_end_s = start_h * 3600 + start_m * 60, end_h * 3600 + end_m * 60
    dut.needs("smart_charging")
    dut.transition("charging")
    midnight = dut.clock.calendar().replace(hour=0, minute=0, second=0, microsecond=0)
    spec = dut.charging_profile(ProfilePurpose.TX_DEFAULT,
                                [(0, offpeak_a), (window_start_s, peak_a), (window_end_s, offpeak_a)],
                                kind=ProfileKind.RECURRING, recurrency="Daily", start=midnight)
    if not dut.install(REQ, spec):
        return
    full_a = dut.expected_current_a(offpeak_a)
    dut.step(f"bench clock to {start_h:02d}:{start_m:02d} (now {dut.clock.calendar():%H:%M:%S})")
    t_start = _wait_until_edge(dut, start_h, start_m, observe_s)
    dut.check.within(REQ, f"lowest current in the {observe_s:g} s before {start_h:02d}:{start_m:02d}", "current", "A",
                     float(dut.envelope(t_start - observe_s, t_start - 1e-6).min_current_a.min()), dut.u_current_a,
                     full_a - tol, None, detail=f"off-peak: full expected current {full_a:g} A - {tol:g} A")
    dut.wait(tr + observe_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_limit_step(REQ, f"window start {start_h:02d}:{start_m:02d}: {peak_a:g} A", t_change_s=t_start,
                         t_end_s=dut.now_s(), limit=peak_a, tolerance=tol, response_time_s=tr, previous_limit=full_a)
    dut.step(f"bench clock to {end_h:02d}:{end_m:02d} (now {dut.clock.calendar():%H:%M:%S})")
    t_end = _wait_until_edge(dut, end_h, end_m, observe_s)
    dut.judge_at_most(REQ, "highest current from Tr to the end of the peak window", t0_s=t_start + tr,
                      t1_s=t_end - 1e-6, limit=peak_a + tol,
                      detail=f"{(t_end - t_start) / 3600:.2f} h window; peak limit {peak_a:g} A + {tol:g} A")
    tr_end = tr + restart_allowance_s(dut, full_a - dut.expected_current_a(peak_a), "randomised_restart_ramp_a_per_s")
    dut.wait(tr_end + observe_s, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_limit_step(REQ, f"window end {end_h:02d}:{end_m:02d}: back to {full_a:g} A", t_change_s=t_end,
                         t_end_s=dut.now_s(), limit=offpeak_a, tolerance=tol, response_time_s=tr_end,
                         previous_limit=peak_a)
