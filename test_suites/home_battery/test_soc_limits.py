"""State-of-charge limits, judged on the measured AC energy and the reported SoC.

Method: from idle, the battery is asked for full discharge (setpoint + rated power) until it stops
by itself (|active power| within the stopped band for a while), then for full charge until it
stops again. Limits: the declared ``min_soc_pct`` / ``max_soc_pct`` / ``capacity_wh`` /
``round_trip_efficiency`` (else the map's readbacks / the catalog's efficiency).

* discharge leg: AC energy exported <= (SoC at start - min SoC) x capacity + energy band (the DC
  energy available above the minimum bounds the AC energy, since conversion only loses);
* charge leg: AC energy imported <= (max SoC - SoC at the stop) x capacity / sqrt(efficiency) +
  energy band (the one-way efficiency on the way in, from the declared round trip);
* at each stop the reported SoC is within the declared window + the SoC band.

A leg still moving at ``timeout_factor`` x its expected duration is judged as it stands (an
unlimited battery eventually stops at 0 / 100 %, which the energy bound catches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.home_battery.strategy import POWER_LABEL
from test_suites.sampling import SLOW_LOAD_SAMPLE_S

REQ = "BAT-SOC-LIMITS"
POLL_S = 30.0
STOPPED_FOR_S = 20.0
MARGIN_S = 120.0


@dataclass(frozen=True)
class SocWindow:
    """The declared SoC window, capacity and efficiency, and the bands they are judged with."""

    min_soc_pct: float
    max_soc_pct: float
    capacity_wh: float
    one_way_efficiency: float
    energy_band_wh: float
    soc_band_pct: float


def _soc_window(dut: Any) -> SocWindow:
    """Declared values, else the map's readbacks (read in this order)."""
    min_soc = dut.declared_or_read("min_soc_pct")
    max_soc = dut.declared_or_read("max_soc_pct")
    capacity_wh = dut.declared_or_read("capacity_wh")
    return SocWindow(min_soc, max_soc, capacity_wh,
                     math.sqrt(dut.declared("round_trip_efficiency", REQ, "round_trip_efficiency")),
                     float(dut.param(REQ, "energy_tolerance_pct_capacity")) / 100.0 * capacity_wh,
                     float(dut.param(REQ, "soc_tolerance_pct")))


def _run_leg(dut: Any, setpoint_w: float, expected_s: float, stopped_w: float, timeout_factor: float) -> float:
    """Stimulus: hold ``setpoint_w`` until the battery has stopped for STOPPED_FOR_S (or the
    timeout); returns the leg's start time."""
    t0 = dut.now_s()
    dut.write_setpoint(setpoint_w)
    deadline = t0 + timeout_factor * expected_s + MARGIN_S
    while dut.now_s() < deadline - 1e-6:
        dut.wait(min(POLL_S, deadline - dut.now_s()), sample_period_s=SLOW_LOAD_SAMPLE_S)
        t, p = dut.series(dut.now_s() - STOPPED_FOR_S)
        if dut.now_s() - t0 > STOPPED_FOR_S + 10.0 and t.size and np.all(np.abs(p) <= stopped_w):
            break
    return t0


def _energy_wh(t: np.ndarray, p: np.ndarray) -> float:
    return float(np.sum(0.5 * (p[1:] + p[:-1]) * np.diff(t))) / 3600.0 if t.size > 1 else 0.0


def _judge_leg(dut: Any, check: Any, name: str, t0: float, energy_sign: float, bound_wh: float,
               detail: str, stopped_w: float) -> None:
    """The AC energy moved in the leg's direction (sign +1: exported, -1: imported) <= bound + band.
    The plot: the setpoint written, the band the battery counts as stopped in, and the instant the
    energy moved reached the bound (when it did)."""
    t, p = dut.series(t0)
    moved = np.clip(energy_sign * p, 0.0, None)
    energy_wh = _energy_wh(t, moved)
    steps = 0.5 * (moved[1:] + moved[:-1]) * np.diff(t) / 3600.0
    reached = np.nonzero(np.cumsum(steps) > bound_wh)[0]
    setpoint_w = energy_sign * dut.p_rated_w
    plot = series_plot(t, p, POWER_LABEL, window=[t0, float(t[-1])],
                       stimulus=stimulus_series("setpoint / W", [t0], [setpoint_w], staircase=True,
                                                axis=(min(0.0, setpoint_w), max(0.0, setpoint_w))),
                       limits=[applied_limit(f"stopped: within +-{stopped_w:.0f} W", stopped_w),
                               applied_limit(f"stopped: within +-{stopped_w:.0f} W", -stopped_w)],
                       instants=[key_instant("setpoint written", t0)]
                       + ([key_instant(f"{bound_wh:.0f} Wh moved", float(t[reached[0] + 1]))] if reached.size else []))
    check.within(REQ, name, "energy", "Wh", energy_wh, dut.u_power_w * float(t[-1] - t0) / 3600.0, None, bound_wh,
                 plot=plot, detail=detail)


@pytest.mark.requirement(REQ)
def test_soc_window_honoured(dut, check):
    """Full discharge then full charge: the battery stops at its declared SoC limits."""
    if not dut.follows_setpoints(check, REQ):
        return
    if not dut.has_point("soc_pct"):
        check.require_true(REQ, "DUT reports its state of charge", False, "the register map has no soc_pct")
        return
    w = _soc_window(dut)
    stopped_w = dut.pct_of_rated_w(dut.param(REQ, "stopped_band_pct_rated"))
    timeout_factor = float(dut.param(REQ, "timeout_factor"))
    dut.transition("idle")
    try:
        soc0 = float(dut.link.read("soc_pct"))
        available_wh = max(soc0 - w.min_soc_pct, 0.0) / 100.0 * w.capacity_wh
        t0 = _run_leg(dut, dut.p_rated_w, available_wh / dut.p_rated_w * 3600.0, stopped_w, timeout_factor)
        soc1 = float(dut.link.read("soc_pct"))
        _judge_leg(dut, check, "AC energy exported at full discharge", t0, 1.0, available_wh + w.energy_band_wh,
                   f"SoC {soc0:.1f} % -> min {w.min_soc_pct:g} % of {w.capacity_wh:.0f} Wh = {available_wh:.0f} Wh "
                   f"+ {w.energy_band_wh:.0f} Wh", stopped_w)
        check.within(REQ, "reported SoC where discharging stopped", "soc", "%", soc1, 0.0,
                     w.min_soc_pct - w.soc_band_pct, None,
                     detail=f"declared minimum {w.min_soc_pct:g} % - {w.soc_band_pct:g} %")
        room_wh = max(w.max_soc_pct - soc1, 0.0) / 100.0 * w.capacity_wh / w.one_way_efficiency
        t1 = _run_leg(dut, -dut.p_rated_w, room_wh / dut.p_rated_w * 3600.0, stopped_w, timeout_factor)
        soc2 = float(dut.link.read("soc_pct"))
        _judge_leg(dut, check, "AC energy imported at full charge", t1, -1.0, room_wh + w.energy_band_wh,
                   f"SoC {soc1:.1f} % -> max {w.max_soc_pct:g} % of {w.capacity_wh:.0f} Wh / one-way efficiency "
                   f"{w.one_way_efficiency:.3f} = {room_wh:.0f} Wh + {w.energy_band_wh:.0f} Wh", stopped_w)
        check.within(REQ, "reported SoC where charging stopped", "soc", "%", soc2, 0.0, None,
                     w.max_soc_pct + w.soc_band_pct,
                     detail=f"declared maximum {w.max_soc_pct:g} % + {w.soc_band_pct:g} %")
    finally:
        dut.write_setpoint(0.0)
