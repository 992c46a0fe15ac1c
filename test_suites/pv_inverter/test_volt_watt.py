"""P(U) / volt-watt: steady state on the required curve, and the open-loop response time.

Method after IEEE 1547.1 (volt-watt): the curve is written to the DUT over SunSpec 706 by the
campaign fixture; the AC source steps the terminal voltage through points below, on and above
every break point at two irradiance levels; the measured active power must lie in the band of
the curve evaluated at the measured voltage +-1.5 MRA_V, widened by +-1.5 MRA_P and capped by the
available power. The response time is judged on a full-range step (:func:`response_step_pct_un`), so
the 1.5 MRA_P tolerance stays small next to the power step; the Tr written to the DUT must lie in the
catalog's settable range (``response_time_range_s``), else the test is inconclusive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.analysis import volt_watt_band_w
from test_suites.evidence import curve_plot, stimulus_series
from test_suites.step_response import ACTIVE_POWER, judge_step_response

REQ_STEADY = "PV-PU-STEADY"
REQ_RESPONSE = "PV-PU-RESPONSE"
OVER_VOLTAGE_STAGE_PREFIX = "PV-UMAX"   # the catalog's instantaneous over-voltage trip stages
MRA_MULTIPLIER = 1.5                    # the knee's voltage tolerance, and the margin below a U> stage
POWER_LEVELS = (1.0, 0.5)
AVERAGING_S = 10.0
REFERENCE_MEAN_S = 5.0      # the power before the step: mean over the last seconds


def _test_points_pct(points: list[list[float]]) -> list[float]:
    """Below, on and between every break point, and above the last one: just above it (still
    inside the voltage tolerance of the knee) and on the flat part beyond the tolerance."""
    xs = sorted(p[0] for p in points)
    out = [xs[0] - 2.0]
    for a, b in zip(xs, xs[1:], strict=False):
        out += [a, (a + b) / 2.0]
    out += [xs[-1], xs[-1] + 1.0, xs[-1] + 2.5]
    return out


def _measure_curve(dut: Any, points_pct: list[float], fraction: float, tr: float) -> list[tuple[float, float]]:
    """Stimulus and record: each point held (settled for 2 Tr), then the mean terminal voltage and
    power over AVERAGING_S; back to nominal afterwards."""
    measured = []
    for v_pct in points_pct:
        target = v_pct / 100.0 * dut.v_nom_v
        dut.step(f"P(U) point {v_pct:.1f} % Un at {fraction * 100:.0f} % irradiance")
        dut.set_terminal_voltage_v(target, settle_s=2.0 * tr)
        t0 = dut.now_s()
        dut.wait(AVERAGING_S)
        _, p = dut.series(t0 + 1e-6)
        _, v = dut.series(t0 + 1e-6, "max_voltage_v")
        measured.append((float(np.mean(v)), float(np.mean(p))))
    dut.set_voltage_v(dut.v_nom_v)
    return measured


def _judge_curve(dut: Any, check: Any, measured: list[tuple[float, float]], points: list[list[float]],
                 fraction: float, p_avail: float) -> None:
    """Each measured point inside the curve's band at its measured voltage."""
    mra_v, mra_p = dut.mra_voltage_v(REQ_STEADY), dut.mra_power_w(REQ_STEADY)

    def band(v: float) -> tuple[float, float]:
        return volt_watt_band_w(v, points, dut.v_nom_v, dut.p_rated_w, p_avail, mra_v, mra_p)

    grid = np.linspace(min(v for v, _ in measured) - 2, max(v for v, _ in measured) + 2, 80)
    bands = [band(g) for g in grid]
    plot = curve_plot("terminal voltage / V", "active power / W", measured,
                      [(g, b[0]) for g, b in zip(grid, bands, strict=True)],
                      [(g, b[1]) for g, b in zip(grid, bands, strict=True)])
    for i, (v_mean, p_mean) in enumerate(measured):
        low, high = band(v_mean)
        check.within(REQ_STEADY, f"P at {v_mean:.1f} V ({fraction * 100:.0f} % irradiance)", "active_power", "W",
                     p_mean, dut.u_power_w, low, high,
                     detail=f"curve {points} evaluated at {v_mean:.2f} V +- {1.5 * mra_v:.2f} V, "
                            f"+- {1.5 * mra_p:.0f} W, capped at available {p_avail:.0f} W",
                     plot=plot if i == len(measured) - 1 else None)


@pytest.mark.requirement(REQ_STEADY)
@pytest.mark.parametrize("fraction", POWER_LEVELS, ids=lambda f: f"{f * 100:.0f}pct")
def test_volt_watt_steady_state(dut, check, fraction):
    """P(U) steady state at points below, on and above every break point."""
    if not dut.profile.claims("volt_watt"):
        check.require_true(REQ_STEADY, "DUT claims P(U) (volt-watt)", False, "mandatory function not claimed")
        return
    points = dut.param(REQ_STEADY, "volt_watt_points_pct")
    p_avail = dut.transition("producing", fraction=fraction)
    measured = _measure_curve(dut, _test_points_pct(points), fraction, dut.param(REQ_RESPONSE, "response_time_s"))
    _judge_curve(dut, check, measured, points, fraction, p_avail)


def response_step_pct_un(dut: Any, points: list[list[float]]) -> tuple[float, float]:
    """(stimulus voltage, the highest voltage allowed) in % Un for the response-time step.

    The step runs from nominal voltage (below the first break point: full output) to the flat end of
    the curve (the last point's power), the largest power step the curve allows, so the 1.5 MRA_P
    tolerance is small next to it. The voltage is the last break point plus 1.5 MRA_V (past the
    knee even for a DUT whose own voltage reading is off by its MRA, so it settles on the flat end),
    but no higher than the lowest over-voltage trip stage of the catalog minus 1.5 of its MRA_V
    (the level the trip suite holds without a trip): a compliant DUT must not trip during the step."""
    last_pct = max(p[0] for p in points)
    knee_pct = MRA_MULTIPLIER * dut.param(REQ_STEADY, "mra_voltage_pct_un")
    limits = [dut.param(rid, "threshold_pct_un") - MRA_MULTIPLIER * dut.param(rid, "mra_voltage_pct_un")
              for rid in dut.catalog.ids() if rid.startswith(OVER_VOLTAGE_STAGE_PREFIX)]
    highest_pct = min(limits, default=float("inf"))
    return min(last_pct + knee_pct, highest_pct), highest_pct


@pytest.mark.requirement(REQ_RESPONSE)
def test_volt_watt_response_time(dut, check):
    """P(U) open-loop response to a full-range voltage step: >= 90 % at Tr and settled at 2 Tr."""
    if not dut.profile.claims("volt_watt"):
        check.require_true(REQ_RESPONSE, "DUT claims P(U) (volt-watt)", False, "mandatory function not claimed")
        return
    points = dut.param(REQ_STEADY, "volt_watt_points_pct")
    tr = dut.param(REQ_RESPONSE, "response_time_s")
    outside = dut.outside_settable_range(REQ_RESPONSE, "response_time_s", "response_time_range_s")
    if outside:
        check.inconclusive(REQ_RESPONSE, "Tr setting inside its settable range", outside)
        return
    tolerance_w = MRA_MULTIPLIER * dut.mra_power_w(REQ_RESPONSE)
    v_pct, highest_pct = response_step_pct_un(dut, points)
    if v_pct < max(p[0] for p in points):
        check.inconclusive(REQ_RESPONSE, "full-range step below the U> stages",
                           f"curve ends at {max(p[0] for p in points):g} % Un; the U> stages allow "
                           f"{highest_pct:g} % Un")
        return
    dut.transition("producing", fraction=1.0)
    v_step = v_pct / 100.0 * dut.v_nom_v
    # stimulus
    y_initial = dut.mean_over(REFERENCE_MEAN_S)
    t_step = dut.now_s()
    dut.step(f"voltage step to {v_step:.1f} V ({v_pct:.1f} % Un, the flat end of the curve); Tr = {tr:g} s")
    dut.set_voltage_v(v_step)
    dut.wait(4.0 * tr)
    # analysis
    t, p = dut.series(t_step - REFERENCE_MEAN_S)
    y_final = float(np.mean(p[t >= t_step + 3.0 * tr]))
    dut.set_voltage_v(dut.v_nom_v)
    # judgement
    judge_step_response(dut, check, REQ_RESPONSE, ACTIVE_POWER, cause="voltage step", t=t, y=p, t_step_s=t_step,
                        y_initial=y_initial, y_final=y_final, tr_s=tr, tolerance=tolerance_w,
                        uncertainty=dut.u_power_w,
                        stimulus=stimulus_series("AC source voltage (set) / V", [t_step - 1e-3, t_step],
                                                 [dut.v_nom_v, v_step], staircase=True))
