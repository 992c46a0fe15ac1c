"""LFSM-O: active power reduction with over-frequency (droop from the power at activation).

Method (EN 50549-1 / VDE-AR-N 4105 droop, band after IEEE 1547.1): the droop settings are written
over SunSpec 711 by the campaign fixture. From steady production at nominal frequency the AC
source steps the frequency to points above f_start (all below the lowest f> trip stage); the
reference power is the measured power just before the step (the power at activation). After the
response has settled, the measured power must lie in the droop curve evaluated at the measured
frequency +-1.5 MRA_f, widened by +-1.5 MRA_P. The response to the largest step is judged as a
first-order response with the catalog's response time (>= 90 % at Tr, settled at 2 Tr).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.analysis import first_order_response_check, lfsm_o_band_w, lfsm_o_expected_power_w

REQ = "PV-LFSM-O"
OFFSETS_HZ = (0.1, 0.3, 0.6, 1.0)     # above f_start
TRIP_MARGIN_HZ = 0.2                   # keep every point this far below the lowest f> stage
FINE_SAMPLE_S = 0.05
MRA_MULTIPLIER = 1.5


@pytest.mark.requirement(REQ)
def test_lfsm_o_droop(pv_step, check):
    """LFSM-O steady state on the droop curve at several frequencies, and the response time."""
    pv = pv_step
    if not pv.profile.claims("frequency_droop"):
        check.require_true(REQ, "DUT claims LFSM-O (frequency droop)", False, "mandatory function not claimed")
        return
    f_start = pv.param(REQ, "f_start_hz")
    droop = pv.param(REQ, "droop_pct")
    tr = pv.param(REQ, "response_time_s")
    mra_f = pv.param(REQ, "mra_frequency_hz")
    mra_p = pv.mra_power_w(REQ)
    tolerance_w = MRA_MULTIPLIER * mra_p
    f_trip = min(hz for hz, _ in pv.param("PV-FMAX-TRIP", "stages_hz_s"))
    points = [f_start + d for d in OFFSETS_HZ if f_start + d <= f_trip - TRIP_MARGIN_HZ]
    if not points:
        check.inconclusive(REQ, "test frequencies below the f> stage", f"f_start {f_start} Hz, f> {f_trip} Hz")
        return

    pv.bring_to_production(fraction=1.0)
    measured = []
    for f_point in points:
        pv.step(f"LFSM-O point {f_point:.2f} Hz")
        pv.set_frequency_hz(pv.f_nom_hz)
        pv.wait(2.0 * tr)
        p_ref = pv.mean_over(5.0)
        t_step = pv.now_s()
        pv.set_frequency_hz(f_point)
        pv.wait(5.0 * tr, sample_period_s=FINE_SAMPLE_S)
        t, p = pv.series(t_step - 5.0)
        _, f = pv.series(t_step - 5.0, "frequency_hz")
        settled = t >= t_step + 3.0 * tr
        measured.append((f_point, p_ref, t_step, t, p, float(np.mean(f[settled])), float(np.mean(p[settled]))))
    pv.set_frequency_hz(pv.f_nom_hz)

    def band(f_hz: float, p_ref_w: float) -> tuple[float, float]:
        return lfsm_o_band_w(f_hz, p_ref_w, mra_f, mra_p, f_start_hz=f_start, droop_pct=droop,
                             f_nom_hz=pv.f_nom_hz, mra_multiplier=MRA_MULTIPLIER)

    p_ref_all = float(np.mean([m[1] for m in measured]))
    grid = np.linspace(pv.f_nom_hz, max(points) + 0.1, 60)
    bands = [band(g, p_ref_all) for g in grid]
    plot = {"type": "curve", "x_label": "frequency / Hz", "y_label": "active power / W",
            "points": [[m[5], m[6]] for m in measured],
            "band_low": [[g, b[0]] for g, b in zip(grid, bands)],
            "band_high": [[g, b[1]] for g, b in zip(grid, bands)]}
    for i, (f_point, p_ref, _, _, _, f_mean, p_mean) in enumerate(measured):
        low, high = band(f_mean, p_ref)
        expected = lfsm_o_expected_power_w(f_mean, p_ref, f_start, droop, pv.f_nom_hz)
        check.within(REQ, f"P at {f_mean:.3f} Hz", "active_power", "W", p_mean, pv.u_power_w, low, high,
                     detail=f"expected {expected:.0f} W from Pref {p_ref:.0f} W (power at activation), "
                            f"f_start {f_start:g} Hz, droop {droop:g} %; band +- {MRA_MULTIPLIER * mra_f:.3f} Hz, "
                            f"+- {tolerance_w:.0f} W",
                     plot=plot if i == len(measured) - 1 else None)

    # response: the largest step (first-order check against the measured settled power)
    f_point, p_ref, t_step, t, p, f_mean, p_final = measured[-1]
    if abs(p_final - p_ref) < 2 * tolerance_w:
        check.require_true(REQ, "largest frequency step produced a measurable power step", False,
                           f"P went from {p_ref:.0f} W to {p_final:.0f} W only at {f_mean:.3f} Hz")
        return
    res = first_order_response_check(t, p, t_step, p_ref, p_final, tr, tolerance_w,
                                     x_label="bench time / s", y_label="active power / W")
    check.within(REQ, f"share of the step at Tr ({f_point:.2f} Hz)", "step_fraction", "1", res.fraction_at_tr,
                 pv.u_power_w / abs(p_final - p_ref), res.required_fraction_at_tr, None,
                 detail=f"P {p_ref:.0f} W -> {p_final:.0f} W; at Tr = {tr:g} s: {res.value_at_tr:.0f} W",
                 plot=res.plot)
    check.within(REQ, f"power at 2 Tr ({f_point:.2f} Hz)", "active_power", "W", res.value_at_2tr, pv.u_power_w,
                 res.band_2tr[0], res.band_2tr[1], detail=f"settled value {p_final:.0f} W +- {tolerance_w:.0f} W")
