"""Phase switching on command (EV-PHASE-SWITCH).

Method: a three-phase charger that claims ``functions.phase_switching`` charges on three phases. A
TxDefaultProfile period with numberPhases 1 (phaseToUse ``target_phase`` on OCPP 2.0.1; on 1.6 the
phase the profile declares, ``phase_switch_single_phase``, default L1) is installed: within the
response time only that phase may carry current (``paused_current_a`` on the others), and the pause
without current must not exceed ``max_pause_s``. Once it has held ``hold_s``, numberPhases 3 is asked
for: the next switch (its pause) may start no sooner than the declared minimum interval after the
first started, and the charger must be back on three phases within the response time after that.

A charger that also balances on the P1 meter may switch by itself: the household load on L2 follows
``household_schedule`` between ``household_low_a`` and the main fuse minus ``household_high_margin_a``
(high: three phases would have to pause, one other phase would not); no two switches it makes may
start sooner than the declared minimum interval apart.

The analyzer's per-phase current decides (grid phases L1..L3); phases.py finds the pauses, the
switches and the settled phase sets.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import ConfigError
from links.ocpp import ProfilePurpose
from test_suites.ev_charger.connection_point import ConnectionPoint
from test_suites.ev_charger.phases import (first_flow_after, first_pause_after, settle_instant, settled_on,
                                           switch_starts)
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

REQ = "EV-PHASE-SWITCH"
PHASES = ("L1", "L2", "L3")


def _grid_currents(dut, t0_s: float, t1_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    samples = dut.samples_between(t0_s, t1_s)
    return (np.array([s.t_s for s in samples]),
            np.array([[p.current_a for p in s.reading.phases[:3]] for s in samples]).reshape(len(samples), 3))


def _wait_settled(dut, t0_s: float, phases: tuple[int, ...], low_a: float, paused_a: float, limit_s: float,
                  hold_s: float) -> None:
    """Wait until the charger has been settled on ``phases`` for ``hold_s``, at most ``limit_s``."""
    while dut.now_s() - t0_s < limit_s:
        dut.wait(CHARGER_RESPONSE_SAMPLE_S, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        t, amps = _grid_currents(dut, t0_s)
        since = settle_instant(t, settled_on(amps, phases, low_a, paused_a))
        if since is not None and dut.now_s() - since >= hold_s - 1e-9:
            return


@pytest.mark.requirement(REQ)
def test_switches_phases_on_command(dut):
    """3 -> 1 phase (on the phase asked), then back to 3 no sooner than the declared interval."""
    dut.needs("smart_charging", "phase_switching")
    if dut.phase_count != 3:
        pytest.skip("NOT_APPLICABLE: a single-phase charger has no phases to switch")
    limit_a = float(dut.param(REQ, "single_phase_limit_a"))
    tol = float(dut.param(REQ, "tolerance_a"))
    paused_a = float(dut.param(REQ, "paused_current_a"))
    max_pause_s = float(dut.param(REQ, "max_pause_s"))
    hold_s = float(dut.param(REQ, "hold_s"))
    tr = dut.response_time_s(REQ)
    min_interval_s = dut.declared("phase_switch_min_interval_s", REQ, "min_interval_s")
    with_phase_to_use = dut.link.version.protocol == "ocpp201"
    target = str(dut.param(REQ, "target_phase") if with_phase_to_use
                 else dut.profile.declared_value("phase_switch_single_phase") or "L1")
    one = PHASES.index(target)
    expected = dut.expected_current_a(limit_a)
    dut.transition("charging")

    profile_id = dut.next_profile_id()
    period = (0, limit_a, 1, one + 1) if with_phase_to_use else (0, limit_a, 1)
    if not dut.install(REQ, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [period], profile_id=profile_id)):
        return
    t1 = dut.now_s()
    _wait_settled(dut, t1, (one,), expected - tol, paused_a, tr + hold_s, hold_s)
    t, amps = _grid_currents(dut, t1)
    since = settle_instant(t, settled_on(amps, (one,), expected - tol, paused_a))
    stop1 = first_pause_after(t, amps, t1, paused_a)
    flow1 = first_flow_after(t, amps, stop1, paused_a) if stop1 is not None else None
    label = f"numberPhases 1{f' phaseToUse {one + 1}' if with_phase_to_use else ''}: charging on {target} only"
    stimulus = stimulus_series("numberPhases", [t1 - 1e-3, t1], [3, 1], staircase=True, axis=(0, 3))
    plot = series_plot(t, amps[:, one], f"current on {target} / A", window=[t1, t1 + tr], stimulus=stimulus,
                       limits=[applied_limit(f">= {expected - tol:g} A on {target}", expected - tol)],
                       instants=[key_instant("numberPhases 1", t1)]
                       + ([key_instant("pause starts", stop1)] if stop1 is not None else [])
                       + ([key_instant("current flows again", flow1)] if flow1 is not None else []), t_zero_s=t1)
    others = [k for k in range(3) if k != one]
    detail = (f"{target} >= {expected - tol:g} A, {', '.join(PHASES[k] for k in others)} <= {paused_a:g} A; "
              f"highest on the others at the end {amps[-1, others].max():.2f} A")
    if since is None:
        dut.check.require_true(REQ, f"{label}: reached", False, f"not settled after {t[-1] - t1:g} s; {detail}",
                               plot=plot)
        return
    dut.check.within(REQ, f"{label}: time to settle", "time", "s", since - t1, CHARGER_RESPONSE_SAMPLE_S, None, tr,
                     plot=plot, detail=detail)
    if stop1 is not None and flow1 is not None:
        dut.check.within(REQ, "pause without current during the switch", "time", "s", flow1 - stop1,
                         CHARGER_RESPONSE_SAMPLE_S, None, max_pause_s, detail="all phases <= "
                         f"{paused_a:g} A from {stop1 - t1:g} s to {flow1 - t1:g} s after the command")

    if not dut.install(REQ, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, limit_a, 3)],
                                                 profile_id=profile_id)):
        return
    t2 = dut.now_s()
    earliest = max(t2, (stop1 if stop1 is not None else t1) + min_interval_s)
    _wait_settled(dut, t2, (0, 1, 2), expected - tol, paused_a, earliest - t2 + tr + hold_s, hold_s)
    t, amps = _grid_currents(dut, t1)
    stop2 = first_pause_after(t, amps, t2, paused_a)
    back = settle_instant(t, settled_on(amps, (0, 1, 2), expected - tol, paused_a) | (t < t2))
    plot2 = series_plot(t, amps.min(axis=1), "lowest phase current / A", window=[earliest, earliest + tr],
                        stimulus=stimulus_series("numberPhases", [t1 - 1e-3, t1, t2], [3, 1, 3], staircase=True,
                                                 axis=(0, 3)),
                        limits=[applied_limit(f">= {expected - tol:g} A on every phase", expected - tol)],
                        instants=[key_instant("numberPhases 3", t2),
                                  key_instant("earliest allowed switch", earliest)]
                        + ([key_instant("second switch starts", stop2)] if stop2 is not None else []), t_zero_s=t1)
    if stop1 is not None and stop2 is not None:
        dut.check.within(REQ, "time between the starts of two switches", "time", "s", stop2 - stop1,
                         CHARGER_RESPONSE_SAMPLE_S, min_interval_s, None, plot=plot2,
                         detail=f"declared minimum interval {min_interval_s:g} s")
    if back is None:
        dut.check.require_true(REQ, "numberPhases 3: back on three phases", False,
                               f"not on three phases {t[-1] - t2:g} s after the command", plot=plot2)
    else:
        dut.check.within(REQ, "numberPhases 3: time to be back on three phases after the earliest allowed switch",
                         "time", "s", max(back - earliest, 0.0), CHARGER_RESPONSE_SAMPLE_S, None, tr, plot=plot2)


@pytest.mark.requirement(REQ)
def test_switches_by_itself_no_faster_than_declared(dut, bench):
    """Under P1 load balancing with a toggling household load: switches by itself (if it does) at
    least the declared minimum interval apart."""
    dut.needs("smart_charging", "phase_switching", "p1_load_balancing")
    if dut.phase_count != 3:
        pytest.skip("NOT_APPLICABLE: a single-phase charger has no phases to switch")
    fuse_a = dut.profile.declared_value("main_fuse_a")
    if fuse_a is None:
        raise ConfigError("a charger claiming p1_load_balancing must declare main_fuse_a", field="declared.main_fuse_a")
    low_a = float(dut.param(REQ, "household_low_a"))
    high_a = float(fuse_a) - float(dut.param(REQ, "household_high_margin_a"))
    schedule = [(float(at_s), str(level)) for at_s, level in dut.param(REQ, "household_schedule")]
    paused_a = float(dut.param(REQ, "paused_current_a"))
    min_interval_s = dut.declared("phase_switch_min_interval_s", REQ, "min_interval_s")
    site = ConnectionPoint(bench.require_household_load(), bench.require_p1_meter(), dut.v_nom_v)
    try:
        dut.transition("charging")
        site.set_household_a(dut.now_s(), [low_a] * 3)
        site.read_meter()
        dut.wait(5.0, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        t0 = dut.now_s()
        steps_t, steps_a = [t0 - 1e-3], [low_a]
        for at_s, level in schedule:
            dut.wait(t0 + at_s - dut.now_s(), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
            if level == "end":
                break
            amps = high_a if level == "high" else low_a
            site.set_household_a(dut.now_s(), [low_a, amps, low_a])
            steps_t.append(dut.now_s())
            steps_a.append(amps)
            dut.step(f"household load on L2: {amps:g} A")
        site.read_meter()
    finally:
        site.disconnect()
    t, amps = _grid_currents(dut, t0)
    starts = switch_starts(t, amps, paused_a)
    plot = series_plot(t, (amps > paused_a).sum(axis=1), "phases carrying current", window=[t0, t[-1]],
                       stimulus=stimulus_series("household load on L2 / A", steps_t, steps_a, staircase=True,
                                                axis=(0, high_a)),
                       limits=[applied_limit(f"main fuse {float(fuse_a):g} A (household step below it)", high_a)],
                       instants=[key_instant("household load steps", t0)]
                       + [key_instant(f"switch {k + 1} starts", x) for k, x in enumerate(starts)], t_zero_s=t0)
    detail = f"{len(starts)} switch(es) at {', '.join(f'{x - t0:g} s' for x in starts) or '-'} after the first step"
    if len(starts) < 2:
        dut.check.require_true(REQ, "switches by itself under load balancing: at most one, nothing to space", True,
                               detail, plot=plot)
        return
    dut.check.within(REQ, "shortest time between two switches under load balancing", "time", "s",
                     float(np.diff(starts).min()), CHARGER_RESPONSE_SAMPLE_S, min_interval_s, None, plot=plot,
                     detail=f"declared minimum interval {min_interval_s:g} s; {detail}")
