"""Grid undervoltage (0.90 Un = 207 V, 0.85 Un = 195.5 V): keep running, or stop and restart as declared.

Method, for each level of the catalog (207 V first): from steady normal operation (consumption
P0), the AC source holds the level for the hold time, then returns to nominal.

* level at or above the declared ``undervoltage_ride_through_v`` (else the catalog's 195.5 V: keeps
  running at both levels): the lowest consumption during the hold must stay above
  P0 - the dip band (running, not stopped);
* level below it: the unit may stop. If it stopped (consumption fell below P0 - dip band, then to
  standby), it must run again (consumption above the standby band) within the restart time after
  the voltage is back, and not earlier than the declared ``min_off_time_s`` (else the catalog's)
  after the stop. The measured off time runs from the first sample 2 % Prated below P0 (the
  start of the ramp-down) to the first sample above the standby band after standby was reached: the
  restart's ramp-up lengthens it only by the time it takes to cross the standby band.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.sampling import CONTROL_RESPONSE_SAMPLE_S, RESTART_SAMPLE_S

REQ = "HP-UNDERVOLTAGE"
STOP_EDGE_SHARE_OF_RATED = 0.02   # the stop instant: first sample 2 % Prated below P0 (ramp-down start)
RESTART_POLL_S = 10.0


# --- stimulus -------------------------------------------------------------------------------------
def _hold_level(dut: Any, level_v: float, hold_s: float) -> tuple[float, float]:
    """The AC source at ``level_v`` for ``hold_s``, then nominal; returns (start, voltage back)."""
    dut.step(f"AC source at {level_v:g} V for {hold_s:g} s")
    t0 = dut.now_s()
    dut.ac_source.set_voltage_v(level_v)
    dut.wait(hold_s, sample_period_s=CONTROL_RESPONSE_SAMPLE_S)
    t_back = dut.now_s()
    dut.ac_source.set_voltage_v(dut.v_nom_v)
    return t0, t_back


def _wait_restart(dut: Any, t_stop: float, standby_limit_w: float, deadline_s: float) -> float | None:
    """Wait (bench time) until the consumption, after reaching standby, rises above it again;
    the bench time of that first sample, or None by ``deadline_s``."""
    while True:
        t, c = dut.series(t_stop)
        off = np.nonzero(c <= standby_limit_w)[0]
        if off.size:
            back_on = np.nonzero((c > standby_limit_w) & (t > t[off[0]]))[0]
            if back_on.size:
                return float(t[back_on[0]])
        if dut.now_s() >= deadline_s - 1e-6:
            return None
        dut.wait(min(RESTART_POLL_S, deadline_s - dut.now_s()), sample_period_s=RESTART_SAMPLE_S)


# --- analysis -------------------------------------------------------------------------------------
def _stop_instant(t: np.ndarray, c: np.ndarray, p0: float, running_floor_w: float, edge_w: float) -> float | None:
    """The stop's first edge (the first sample 2 % Prated below P0 before the consumption left the
    running band); None when it never left the band."""
    below = np.nonzero(c < running_floor_w)[0]
    if below.size == 0:
        return None
    i = int(below[0])
    while i > 0 and c[i - 1] < p0 - edge_w:      # the stop's first edge, not the dip band
        i -= 1
    return float(t[i])


# --- judgement ------------------------------------------------------------------------------------
def _voltage(dut: Any, level_v: float, t0: float, t_back: float) -> dict[str, Any]:
    """The AC source's voltage setting: ``level_v`` from ``t0``, nominal again from ``t_back``."""
    return stimulus_series("AC source voltage / V", [t0, t_back], [level_v, dut.v_nom_v], staircase=True)


def _judge_runs_on(dut: Any, check: Any, name: str, t: np.ndarray, c: np.ndarray, window: list[float],
                   running_floor_w: float, level_v: float, detail: str = "") -> None:
    """The lowest consumption during the hold stays above P0 - dip band."""
    plot = series_plot(t, c, CONSUMPTION_LABEL, window=window, stimulus=_voltage(dut, level_v, *window),
                       limits=[applied_limit(f">= P0 - dip band {running_floor_w:.0f} W", running_floor_w)],
                       instants=[key_instant(f"{level_v:g} V applied", window[0]),
                                 key_instant("nominal again", window[1])])
    check.within(REQ, name, "consumption", "W", float(c.min()), dut.u_power_w, running_floor_w, None,
                 plot=plot, detail=detail)


def _judge_restart(dut: Any, check: Any, level_v: float, t_stop: float, t_back: float, t_restart: float | None,
                   restart_s: float, min_off_s: float, standby_limit_w: float) -> None:
    """A stop to standby, then a restart: not before the minimum off time after the stop, and
    within the restart time (or the rest of the minimum off time) after the voltage returned."""
    t, c = dut.series(t_stop)
    instants = [key_instant("stop", t_stop), key_instant("nominal again", t_back)]
    plot = series_plot(t, c, CONSUMPTION_LABEL, window=[t_stop, t_back + restart_s],
                       stimulus=stimulus_series("AC source voltage / V", [t_stop, t_back], [level_v, dut.v_nom_v],
                                                staircase=True),
                       limits=[applied_limit(f"standby {standby_limit_w:.0f} W", standby_limit_w)],
                       instants=instants + ([key_instant("restart", t_restart)] if t_restart is not None else []))
    if t_restart is None:
        check.require_true(REQ, f"stop at {level_v:g} V, then restart", False,
                           f"no stop to standby ({standby_limit_w:.0f} W) followed by a restart within "
                           f"{max(restart_s, min_off_s):g} s after the voltage returned", plot=plot)
        return
    check.within(REQ, f"off time after the stop at {level_v:g} V (minimum off time)", "time", "s",
                 t_restart - t_stop, RESTART_SAMPLE_S, min_off_s, None, plot=plot,
                 detail=f"declared minimum off time {min_off_s:g} s")
    check.within(REQ, f"restart after the voltage returned from {level_v:g} V", "time", "s",
                 t_restart - t_back, RESTART_SAMPLE_S, None, max(restart_s, min_off_s - (t_back - t_stop)),
                 detail=f"restart time {restart_s:g} s (or the rest of the minimum off time)")


@pytest.mark.requirement(REQ)
def test_undervoltage_levels(dut, check):
    """At 207 V and 195.5 V: runs on, or stops and restarts within its declared behaviour."""
    ride_through_v = dut.declared("undervoltage_ride_through_v", REQ, "ride_through_v")
    min_off_s = dut.declared("min_off_time_s", REQ, "min_off_time_s")
    restart_s = float(dut.param(REQ, "restart_time_s"))
    hold_s = float(dut.param(REQ, "hold_s"))
    dip_w = dut.pct_of_rated_w(dut.param(REQ, "dip_tolerance_pct_rated"))
    standby_limit_w = dut.standby_limit_w
    edge_w = STOP_EDGE_SHARE_OF_RATED * dut.p_rated_w
    try:
        for level_v in dut.param(REQ, "levels_v"):
            level_v = float(level_v)
            p0 = dut.transition("running")
            t0, t_back = _hold_level(dut, level_v, hold_s)
            t, c = dut.series(t0, t_back)
            running_floor_w = p0 - dip_w
            if level_v >= ride_through_v - 1e-6:
                _judge_runs_on(dut, check, f"lowest consumption at {level_v:g} V (keeps running)", t, c,
                               [t0, t_back], running_floor_w, level_v,
                               f"declared to run down to {ride_through_v:g} V; P0 {p0:.0f} W - {dip_w:.0f} W")
                continue
            t_stop = _stop_instant(t, c, p0, running_floor_w, edge_w)
            if t_stop is None:
                _judge_runs_on(dut, check, f"lowest consumption at {level_v:g} V (ran on; stopping was allowed)",
                               t, c, [t0, t_back], running_floor_w, level_v)
                continue
            t_restart = _wait_restart(dut, t_stop, standby_limit_w, t_back + max(restart_s, min_off_s))
            _judge_restart(dut, check, level_v, t_stop, t_back, t_restart, restart_s, min_off_s, standby_limit_w)
    finally:
        dut.ac_source.set_voltage_v(dut.v_nom_v)
