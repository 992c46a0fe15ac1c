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
from typing import Any

import numpy as np
import pytest

from test_suites.home_battery.conftest import follows_setpoints

REQ = "BAT-SOC-LIMITS"
SAMPLE_S = 2.0
POLL_S = 30.0
STOPPED_FOR_S = 20.0
MARGIN_S = 120.0


def _run_leg(bat: Any, setpoint_w: float, expected_s: float, stopped_w: float, timeout_factor: float) -> float:
    """Hold ``setpoint_w`` until the battery has stopped for STOPPED_FOR_S (or the timeout); returns
    the leg's start time."""
    t0 = bat.now_s()
    bat.write_setpoint(setpoint_w)
    deadline = t0 + timeout_factor * expected_s + MARGIN_S
    while bat.now_s() < deadline - 1e-6:
        bat.wait(min(POLL_S, deadline - bat.now_s()), sample_period_s=SAMPLE_S)
        t, p = bat.series(bat.now_s() - STOPPED_FOR_S)
        if bat.now_s() - t0 > STOPPED_FOR_S + 10.0 and t.size and np.all(np.abs(p) <= stopped_w):
            break
    return t0


def _energy_wh(t: np.ndarray, p: np.ndarray) -> float:
    return float(np.sum(0.5 * (p[1:] + p[:-1]) * np.diff(t))) / 3600.0 if t.size > 1 else 0.0


@pytest.mark.requirement(REQ)
def test_soc_window_honoured(bat_step, check):
    """Full discharge then full charge: the battery stops at its declared SoC limits."""
    bat = bat_step
    if not follows_setpoints(bat, check, REQ):
        return
    if not bat.has_point("soc_pct"):
        check.require_true(REQ, "DUT reports its state of charge", False, "the register map has no soc_pct")
        return
    min_soc = bat.declared_or_read("min_soc_pct")
    max_soc = bat.declared_or_read("max_soc_pct")
    capacity_wh = bat.declared_or_read("capacity_wh")
    efficiency = bat.declared("round_trip_efficiency", REQ, "round_trip_efficiency")
    one_way = math.sqrt(efficiency)
    energy_band_wh = float(bat.param(REQ, "energy_tolerance_pct_capacity")) / 100.0 * capacity_wh
    soc_band = float(bat.param(REQ, "soc_tolerance_pct"))
    stopped_w = bat.pct_of_rated_w(bat.param(REQ, "stopped_band_pct_rated"))
    timeout_factor = float(bat.param(REQ, "timeout_factor"))
    u_energy_wh = lambda duration_s: bat.u_power_w * duration_s / 3600.0   # noqa: E731
    bat.bring_to_idle()
    try:
        soc0 = float(bat.link.read("soc_pct"))
        available_wh = max(soc0 - min_soc, 0.0) / 100.0 * capacity_wh
        t0 = _run_leg(bat, bat.p_rated_w, available_wh / bat.p_rated_w * 3600.0, stopped_w, timeout_factor)
        t, p = bat.series(t0)
        exported_wh = _energy_wh(t, np.clip(p, 0.0, None))
        soc1 = float(bat.link.read("soc_pct"))
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power (export +) / W",
                "t_s": t.tolist(), "y": p.tolist(), "window": [t0, float(t[-1])]}
        check.within(REQ, "AC energy exported at full discharge", "energy", "Wh", exported_wh,
                     u_energy_wh(float(t[-1] - t0)), None, available_wh + energy_band_wh, plot=plot,
                     detail=f"SoC {soc0:.1f} % -> min {min_soc:g} % of {capacity_wh:.0f} Wh = {available_wh:.0f} Wh "
                            f"+ {energy_band_wh:.0f} Wh")
        check.within(REQ, "reported SoC where discharging stopped", "soc", "%", soc1, 0.0, min_soc - soc_band, None,
                     detail=f"declared minimum {min_soc:g} % - {soc_band:g} %")
        room_wh = max(max_soc - soc1, 0.0) / 100.0 * capacity_wh / one_way
        t1 = _run_leg(bat, -bat.p_rated_w, room_wh / bat.p_rated_w * 3600.0, stopped_w, timeout_factor)
        t, p = bat.series(t1)
        imported_wh = _energy_wh(t, np.clip(-p, 0.0, None))
        soc2 = float(bat.link.read("soc_pct"))
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power (export +) / W",
                "t_s": t.tolist(), "y": p.tolist(), "window": [t1, float(t[-1])]}
        check.within(REQ, "AC energy imported at full charge", "energy", "Wh", imported_wh,
                     u_energy_wh(float(t[-1] - t1)), None, room_wh + energy_band_wh, plot=plot,
                     detail=f"SoC {soc1:.1f} % -> max {max_soc:g} % of {capacity_wh:.0f} Wh / one-way efficiency "
                            f"{one_way:.3f} = {room_wh:.0f} Wh + {energy_band_wh:.0f} Wh")
        check.within(REQ, "reported SoC where charging stopped", "soc", "%", soc2, 0.0, None, max_soc + soc_band,
                     detail=f"declared maximum {max_soc:g} % + {soc_band:g} %")
    finally:
        bat.write_setpoint(0.0)
