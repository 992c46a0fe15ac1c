"""Randomised restart (EV-REBOUND): at the end of a net-aware window and after the grid returns from
an outage, the charger restarts within its declared delay range and ramp, and its delays spread.

Method (judging in test_suites/rebound.py), from the ``charging`` state, one event repeated
``repetitions`` times:

* window end: a Recurring Daily TxDefaultProfile of the EV-NETAWARE shape (``peak_limit_a`` inside
  the window, ``offpeak_limit_a`` outside) whose window has begun and ends ``window_lead_s`` after
  it is installed (placed where the bench clock is: a 16:00-21:00 window per repetition would
  cost a day of bench time each). The restart is the first sample above the window's expected
  current + ``tolerance_a``; the ramp is judged from there;
* outage: the AC source off for ``outage_s``, then on. The restart is the first sample above the
  charging threshold; the ramp is judged from the EV emulator's response delay after it (the step
  to the minimum current is the start, not the ramp).

The detection allowance is the EV emulator's response delay plus the time a charger at its declared
ramp needs to rise through the tolerance. Applicability: ``functions.randomised_restart`` and
``functions.smart_charging`` (NOT_APPLICABLE otherwise).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import numpy as np
import pytest

from links.ocpp import ProfileKind, ProfilePurpose
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.ev_charger.strategy import CHARGING_THRESHOLD_A, EV_RESPONSE_DELAY_S
from test_suites.rebound import (FUNCTION, DeclaredRestart, Series, ac_outage, declared_restart, judge_restarts,
                                 watch_restart)
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S, RESTART_SAMPLE_S

REQ = "EV-REBOUND"
DAY_S = 86400.0
CURRENT_LABEL = "current, highest phase / A"


def _declared(dut: Any) -> DeclaredRestart:
    dut.needs(FUNCTION, "smart_charging")
    return declared_restart(dut, "randomised_restart_ramp_a_per_s", "A")


def _current_envelope(dut: Any) -> Series:
    """The charger's highest phase current in [t0, t1] (watch_restart's series)."""
    def series(t0_s: float, t1_s: float | None) -> tuple[np.ndarray, np.ndarray]:
        env = dut.envelope(t0_s, t1_s)
        return env.t_s, env.max_current_a
    return series


def _repeat(dut: Any, event: str, declared: DeclaredRestart, trigger: Callable[[], float], level_a: float,
            allowance_s: float, ramp_after_s: float,
            stimulus: tuple[str, list[tuple[float, float]], tuple[float, float]]) -> None:
    """Run ``trigger`` (returns the event's bench time, appends what it applied to the stimulus list)
    ``repetitions`` times from the charging state and judge the restarts."""
    repetitions = int(dut.param(REQ, "repetitions"))
    t_start = dut.now_s()
    restarts = [watch_restart(dut, REQ, declared, trigger(), level_a, allowance_s, series=_current_envelope(dut),
                              coarse_period_s=CHARGER_RESPONSE_SAMPLE_S, fine_period_s=RESTART_SAMPLE_S,
                              ramp_from_s=ramp_after_s)
                for _ in range(repetitions)]
    env = dut.envelope(t_start)
    instants = [key_instant(f"{event} {i}", r.t_event_s) for i, r in enumerate(restarts, start=1)]
    instants += [key_instant(f"restart {i}", r.t_restart_s) for i, r in enumerate(restarts, start=1)
                 if r.t_restart_s is not None]
    label, steps, axis = stimulus
    plot = series_plot(env.t_s, env.max_current_a, CURRENT_LABEL, instants=instants, t_zero_s=t_start,
                       stimulus=stimulus_series(label, [s[0] for s in steps], [s[1] for s in steps],
                                                staircase=True, axis=axis),
                       limits=[applied_limit(f"restart: above {level_a:g} A", level_a)])
    window_s = float(dut.param(REQ, "ramp_window_s"))
    judge_restarts(dut, dut.check, REQ, event, restarts, declared, allowance_s=allowance_s,
                   sample_period_s=RESTART_SAMPLE_S, ramp_uncertainty=2.0 * dut.u_current_a / window_s,
                   ramp_window_s=window_s, plot=plot)


def _seconds_of_day(moment: dt.datetime) -> float:
    return moment.hour * 3600.0 + moment.minute * 60.0 + moment.second + moment.microsecond / 1e6


@pytest.mark.requirement(REQ)
def test_restart_at_window_end(dut: Any) -> None:
    """Net-aware window end, repeated: delays in the declared range, ramp, spread."""
    declared = _declared(dut)
    peak_a = float(dut.param(REQ, "peak_limit_a"))
    offpeak_a = float(dut.param(REQ, "offpeak_limit_a"))
    tol_a = float(dut.param(REQ, "tolerance_a"))
    lead_s = float(dut.param(REQ, "window_lead_s"))
    window_a = dut.expected_current_a(peak_a)
    dut.transition("charging")
    steps: list[tuple[float, float]] = [(dut.now_s(), dut.expected_current_a(offpeak_a))]
    horizon_s = lead_s + declared.max_delay_s + 600.0
    profile_id = dut.next_profile_id()

    def window_end() -> float:
        if _seconds_of_day(dut.clock.calendar()) + horizon_s >= DAY_S:      # keep the window inside one day
            dut.wait(DAY_S - _seconds_of_day(dut.clock.calendar()) + 1.0, sample_period_s=60.0)
        start = dut.next_whole_second()
        now_s = _seconds_of_day(start)
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        begin_s, end_s = max(int(now_s) - 60, 1), int(now_s + lead_s)
        spec = dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, offpeak_a), (begin_s, peak_a), (end_s, offpeak_a)],
                                    kind=ProfileKind.RECURRING, recurrency="Daily", start=midnight,
                                    profile_id=profile_id)
        if not dut.install(REQ, spec):
            pytest.fail("the charger refused the window's Recurring Daily profile (recorded as a FAIL)")
        steps.append((dut.now_s(), window_a))
        t_end = dut.now_s() + (end_s - _seconds_of_day(dut.clock.calendar()))
        dut.wait(t_end - dut.now_s(), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        steps.append((t_end, dut.expected_current_a(offpeak_a)))
        return t_end

    allowance_s = EV_RESPONSE_DELAY_S + tol_a / declared.ramp_per_s
    _repeat(dut, "window end", declared, window_end, window_a + tol_a, allowance_s, 0.0,
            ("limit of the net-aware window / A", steps, (0.0, dut.expected_current_a(offpeak_a))))


@pytest.mark.requirement(REQ)
def test_restart_after_outage(dut: Any) -> None:
    """AC source off then on, repeated: delays in the declared range, ramp, spread."""
    declared = _declared(dut)
    outage_s = float(dut.param(REQ, "outage_s"))
    dut.transition("charging")
    steps: list[tuple[float, float]] = [(dut.now_s(), 1.0)]

    outage = ac_outage(dut, outage_s, steps, RESTART_SAMPLE_S)

    allowance_s = EV_RESPONSE_DELAY_S + CHARGING_THRESHOLD_A / declared.ramp_per_s
    _repeat(dut, "AC back", declared, outage, CHARGING_THRESHOLD_A, allowance_s, EV_RESPONSE_DELAY_S,
            ("AC source output (1 = on)", steps, (0, 1)))
