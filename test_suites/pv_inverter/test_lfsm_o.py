"""LFSM-O: active power reduction with over-frequency (droop from the power at activation).

Method (EN 50549-1 / VDE-AR-N 4105 droop, band after IEEE 1547.1): the droop settings are written
over SunSpec 711 by the campaign fixture; the droop must lie in the catalog's settable range
(``droop_range_pct``), else the test is inconclusive. From steady production at nominal frequency the AC
source steps the frequency to points above f_start, the last one the highest the catalog's f> stages
allow (:func:`highest_frequency_hz`); the reference power is the measured power just before the step
(the power at activation, the catalog's ``power_reference``). After the response has settled, the
measured power must lie in the droop curve evaluated at the measured frequency +-1.5 MRA_f, widened
by +-1.5 MRA_P. The response to that largest step (the largest power step the droop gives below the
trip stages, so the 1.5 MRA_P tolerance is small next to it) is judged as a first-order response
with the catalog's response time (>= 90 % at Tr, settled at 2 Tr).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from bench.analysis import first_order_response_check, lfsm_o_band_w, lfsm_o_expected_power_w
from bench.checks import observed_value
from test_suites.evidence import curve_plot, stimulus_series
from test_suites.pv_inverter.trip_stages import frequency_stages
from test_suites.sampling import DROOP_RESPONSE_SAMPLE_S

REQ = "PV-LFSM-O"
REQ_FMAX = "PV-FMAX-TRIP"
OFFSETS_HZ = (0.1, 0.3, 0.6, 1.0)     # above f_start, below the highest point
POWER_AT_ACTIVATION = "power_at_activation"   # the catalog's power_reference this method implements
MRA_MULTIPLIER = 1.5
REFERENCE_MEAN_S = 5.0                 # power at activation: mean just before the step


@dataclass(frozen=True)
class DroopPoint:
    """One frequency step: the reference power before it, the record from 5 s before the step and
    the settled means (from 3 Tr on)."""

    f_point_hz: float
    p_ref_w: float
    t_step_s: float
    t_s: np.ndarray
    power_w: np.ndarray
    f_mean_hz: float
    p_mean_w: float


@dataclass(frozen=True)
class Droop:
    """The catalog's droop setting and the measurement's tolerances."""

    f_start_hz: float
    droop_pct: float
    response_time_s: float
    mra_f_hz: float
    mra_p_w: float

    @property
    def tolerance_w(self) -> float:
        return MRA_MULTIPLIER * self.mra_p_w


def _step_through(dut: Any, points: list[float], tr: float) -> list[DroopPoint]:
    """Stimulus and record: for each point, nominal frequency for 2 Tr, the reference power over
    5 s, the step to the point and 5 Tr of fine record; then back to nominal."""
    measured = []
    for f_point in points:
        dut.step(f"LFSM-O point {f_point:.3f} Hz")
        dut.set_frequency_hz(dut.f_nom_hz)
        dut.wait(2.0 * tr)
        p_ref = dut.mean_over(REFERENCE_MEAN_S)
        t_step = dut.now_s()
        dut.set_frequency_hz(f_point)
        dut.wait(5.0 * tr, sample_period_s=DROOP_RESPONSE_SAMPLE_S)
        t, p = dut.series(t_step - REFERENCE_MEAN_S)
        _, f = dut.series(t_step - REFERENCE_MEAN_S, "frequency_hz")
        settled = t >= t_step + 3.0 * tr
        measured.append(DroopPoint(f_point, p_ref, t_step, t, p, float(np.mean(f[settled])),
                                   float(np.mean(p[settled]))))
    dut.set_frequency_hz(dut.f_nom_hz)
    return measured


def _judge_droop(dut: Any, check: Any, droop: Droop, points: list[float], measured: list[DroopPoint]) -> None:
    """Each settled point inside the droop band around the power at its activation."""
    def band(f_hz: float, p_ref_w: float) -> tuple[float, float]:
        return lfsm_o_band_w(f_hz, p_ref_w, droop.mra_f_hz, droop.mra_p_w, f_start_hz=droop.f_start_hz,
                             droop_pct=droop.droop_pct, f_nom_hz=dut.f_nom_hz, mra_multiplier=MRA_MULTIPLIER)

    p_ref_all = float(np.mean([m.p_ref_w for m in measured]))
    grid = np.linspace(dut.f_nom_hz, max(points) + 0.1, 60)
    bands = [band(g, p_ref_all) for g in grid]
    plot = curve_plot("frequency / Hz", "active power / W", [(m.f_mean_hz, m.p_mean_w) for m in measured],
                      [(g, b[0]) for g, b in zip(grid, bands, strict=True)],
                      [(g, b[1]) for g, b in zip(grid, bands, strict=True)])
    for i, m in enumerate(measured):
        low, high = band(m.f_mean_hz, m.p_ref_w)
        expected = lfsm_o_expected_power_w(m.f_mean_hz, m.p_ref_w, droop.f_start_hz, droop.droop_pct, dut.f_nom_hz)
        check.within(REQ, f"P at {m.f_mean_hz:.3f} Hz", "active_power", "W", m.p_mean_w, dut.u_power_w, low, high,
                     detail=f"expected {expected:.0f} W from Pref {m.p_ref_w:.0f} W (power at activation), "
                            f"f_start {droop.f_start_hz:g} Hz, droop {droop.droop_pct:g} %; band +- "
                            f"{MRA_MULTIPLIER * droop.mra_f_hz:.3f} Hz, +- {droop.tolerance_w:.0f} W",
                     plot=plot if i == len(measured) - 1 else None)


def _judge_response(dut: Any, check: Any, droop: Droop, largest: DroopPoint) -> None:
    """The largest step as a first-order response against the measured settled power."""
    tr, tolerance_w = droop.response_time_s, droop.tolerance_w
    f_point, p_ref, p_final = largest.f_point_hz, largest.p_ref_w, largest.p_mean_w
    if abs(p_final - p_ref) < 2 * tolerance_w:
        check.require_true(REQ, "largest frequency step produced a measurable power step", False,
                           f"P went from {p_ref:.0f} W to {p_final:.0f} W only at {largest.f_mean_hz:.3f} Hz",
                           observed=observed_value("power step", "W", abs(p_final - p_ref), low=2 * tolerance_w,
                                                   uncertainty=dut.u_power_w))
        return
    res = first_order_response_check(largest.t_s, largest.power_w, largest.t_step_s, p_ref, p_final, tr,
                                     tolerance_w, x_label="bench time / s", y_label="active power / W",
                                     stimulus=stimulus_series("AC source frequency (set) / Hz", [largest.t_step_s],
                                                              [f_point], staircase=True,
                                                              axis=(dut.f_nom_hz, f_point)))
    check.within(REQ, f"share of the step at Tr ({f_point:.3f} Hz)", "step_fraction", "1", res.fraction_at_tr,
                 dut.u_power_w / abs(p_final - p_ref), res.required_fraction_at_tr, None,
                 detail=f"P {p_ref:.0f} W -> {p_final:.0f} W; at Tr = {tr:g} s: {res.value_at_tr:.0f} W",
                 plot=res.plot, step_fraction_at_tr=res.fraction)
    check.within(REQ, f"power at 2 Tr ({f_point:.3f} Hz)", "active_power", "W", res.value_at_2tr, dut.u_power_w,
                 res.band_2tr[0], res.band_2tr[1], detail=f"settled value {p_final:.0f} W +- {tolerance_w:.0f} W")


def highest_frequency_hz(dut: Any) -> float:
    """The highest test frequency: the lowest f> trip stage of the catalog minus its margin (1.5
    MRA_f, the level the f> trip suite holds without a trip), so a compliant DUT never trips."""
    return min(stage.level_inside for stage in frequency_stages(dut, REQ_FMAX, over=True))


@pytest.mark.requirement(REQ)
def test_lfsm_o_droop(dut, check):
    """LFSM-O steady state on the droop curve at several frequencies, and the response time."""
    if not dut.profile.claims("frequency_droop"):
        check.require_true(REQ, "DUT claims LFSM-O (frequency droop)", False, "mandatory function not claimed")
        return
    droop = Droop(dut.param(REQ, "f_start_hz"), dut.param(REQ, "droop_pct"), dut.param(REQ, "response_time_s"),
                  dut.param(REQ, "mra_frequency_hz"), dut.mra_power_w(REQ))
    outside = dut.outside_settable_range(REQ, "droop_pct", "droop_range_pct")
    if outside:
        check.inconclusive(REQ, "droop setting inside its settable range", outside)
        return
    reference = dut.param(REQ, "power_reference")
    if reference != POWER_AT_ACTIVATION:
        check.inconclusive(REQ, "reference power of the droop", f"catalog asks for {reference!r}; this method "
                                                                f"judges against {POWER_AT_ACTIVATION!r}")
        return
    f_highest = highest_frequency_hz(dut)
    if f_highest <= droop.f_start_hz:
        check.inconclusive(REQ, "test frequencies below the f> stage",
                           f"f_start {droop.f_start_hz} Hz; the f> stages allow up to {f_highest:g} Hz")
        return
    points = [droop.f_start_hz + d for d in OFFSETS_HZ if droop.f_start_hz + d < f_highest] + [f_highest]
    dut.transition("producing", fraction=1.0)
    measured = _step_through(dut, points, droop.response_time_s)
    _judge_droop(dut, check, droop, points, measured)
    _judge_response(dut, check, droop, measured[-1])
