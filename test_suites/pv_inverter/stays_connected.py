"""The observation that a PV inverter stayed connected (its measured output never dropped to ~0)
while the bench pushed its terminal voltage: used by PV-ACTIVE-LIMITING (emulated feeder) and
PV-FEEDER-VOLTAGE (feeder scenario)."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.checks import observed_value
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series

CONNECTED_FRACTION = 0.05   # below 5 % of rated power the DUT counts as disconnected (~0 W)
MAX_PLOT_POINTS = 2000      # the power plot is thinned to about this many samples


def judge_stays_connected(dut: Any, check: Any, requirement: str, t: np.ndarray, p: np.ndarray, v: np.ndarray,
                          energy_kwh: float) -> None:
    """The output never dropped to ~0, when ``requirement``'s ``must_stay_connected`` says so."""
    threshold_w = CONNECTED_FRACTION * dut.p_rated_w
    dropped = t[p < threshold_w]
    stride = max(1, t.size // MAX_PLOT_POINTS)
    plot_p = series_plot(t[::stride], p[::stride], "active power / W",
                         stimulus=stimulus_series("terminal voltage / V", t[::stride], v[::stride]),
                         limits=[applied_limit(f"connected = above {threshold_w:.0f} W", threshold_w)],
                         instants=[key_instant("feeder on", float(t[0]))]
                         + ([key_instant("output ~0", float(dropped[0]))] if dropped.size else []))
    if bool(dut.param(requirement, "must_stay_connected")):
        check.require_true(
            requirement, "DUT stayed connected (output never ~0)", dropped.size == 0,
            (f"output below {threshold_w:.0f} W first at t = {dropped[0]:.1f} s, "
             f"{dropped.size * float(np.median(np.diff(t))):.0f} s in total; " if dropped.size else "")
            + f"min {p.min():.0f} W; energy exported {energy_kwh:.3f} kWh",
            plot=plot_p, observed=observed_value("lowest output power", "W", float(p.min()), low=threshold_w,
                                                 uncertainty=dut.u_power_w))
