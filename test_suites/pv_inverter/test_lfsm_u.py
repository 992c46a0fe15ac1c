"""LFSM-U: active power increase with under-frequency, for a device with storage (hybrid inverter).

Method (EN 50549-1 4.6.2 / VDE-AR-N 4105 droop, band after IEEE 1547.1; the same steps and
judgement as LFSM-O, test_suites/pv_inverter/droop.py): NOT_APPLICABLE unless the profile claims
``lfsm_u``; the profile then declares the power its storage can add (``declared.storage_power_w``).
The droop is written over SunSpec 711 (DbUf, KUf) by the campaign fixture and must lie in the
catalog's settable range. From steady production at part irradiance (so the device has room to
raise its output) the AC source steps the frequency to points below f_start, the lowest one where
the droop asks for 90 % of the headroom (the rating or the storage's power above the power before
the step, whichever is less), but no lower than the f< stages allow; inconclusive when the declared
stored energy (``storage_energy_wh`` at ``storage_soc_pct``) could not deliver that. After the response has
settled the measured power must lie in the droop curve (the power before the step raised by
Pref·(f_start - f)/(fn·s), Pref the rated power) at the measured frequency +-1.5 MRA_f, widened by
+-1.5 MRA_P. The largest step is judged as a first-order response with the catalog's response
time (>= 90 % at Tr, settled at 2 Tr).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.analysis import lfsm_u_band_w, lfsm_u_expected_power_w
from test_suites.pv_inverter.droop import (
    MRA_MULTIPLIER,
    DroopPoint,
    energy_short_of,
    judge_droop,
    judge_response,
    read_droop_checked,
    step_through,
)
from test_suites.pv_inverter.trip_stages import frequency_stages

REQ = "PV-LFSM-U"
REQ_FMIN = "PV-FMIN-TRIP"
OFFSETS_HZ = (0.1, 0.3, 0.6)          # below f_start, above the deepest point
RATED_POWER = "rated_power"           # the catalog's power_reference this method implements
PRODUCING_FRACTION = 0.5              # irradiance: room for the increase below the rating
HEADROOM_SHARE = 0.9                  # the deepest point asks for this share of the headroom


def lowest_frequency_hz(dut: Any) -> float:
    """The lowest test frequency the f< stages allow: the highest f< stage of the catalog plus its
    margin (1.5 MRA_f, the level the f< trip suite holds without a trip)."""
    return max(stage.level_inside for stage in frequency_stages(dut, REQ_FMIN, over=False))


def _points_hz(f_start_hz: float, f_deepest_hz: float) -> list[float]:
    """The frequencies stepped to: f_start minus each offset above the deepest point, then it."""
    return [f_start_hz - d for d in OFFSETS_HZ if f_start_hz - d > f_deepest_hz] + [f_deepest_hz]


@pytest.mark.requirement(REQ)
def test_lfsm_u_droop(dut, check):
    """LFSM-U steady state on the droop curve at several frequencies, and the response time."""
    if not dut.profile.claims("lfsm_u"):
        pytest.skip("NOT_APPLICABLE: the profile claims no LFSM-U (functions.lfsm_u: a device with storage)")
    storage_w = dut.profile.declared_value("storage_power_w")
    if not storage_w or storage_w <= 0:
        check.inconclusive(REQ, "storage power declared", "the profile claims LFSM-U but declares no "
                                                          "storage_power_w: the headroom is unknown")
        return
    droop = read_droop_checked(dut, check, REQ, RATED_POWER)
    if droop is None:
        return
    p_before = dut.transition("producing", fraction=PRODUCING_FRACTION)
    headroom_w = min(dut.p_rated_w - p_before, float(storage_w))
    if headroom_w < 4.0 * droop.tolerance_w:
        check.inconclusive(REQ, "room for a measurable increase",
                           f"{headroom_w:.0f} W below the rating / storage power at {p_before:.0f} W")
        return
    slope_w_per_hz = dut.p_rated_w / (dut.f_nom_hz * droop.droop_pct / 100.0)
    f_lowest = lowest_frequency_hz(dut)
    f_deepest = max(f_lowest, droop.f_start_hz - HEADROOM_SHARE * headroom_w / slope_w_per_hz)
    if f_deepest >= droop.f_start_hz:
        check.inconclusive(REQ, "test frequencies above the f< stage",
                           f"f_start {droop.f_start_hz} Hz; the f< stages allow down to {f_lowest:g} Hz")
        return
    points = _points_hz(droop.f_start_hz, f_deepest)
    short = energy_short_of(dut, headroom_w, len(points) * 5.0 * droop.response_time_s)
    if short:
        check.inconclusive(REQ, "stored energy for the test", short)
        return
    measured = step_through(dut, points, droop.response_time_s, "LFSM-U")

    def p_max_w(p_initial_w: float) -> float:
        return min(dut.p_rated_w, p_initial_w + float(storage_w))

    def band(f_hz: float, p_initial_w: float) -> tuple[float, float]:
        return lfsm_u_band_w(f_hz, p_initial_w, dut.p_rated_w, droop.mra_f_hz, droop.mra_p_w,
                             f_start_hz=droop.f_start_hz, droop_pct=droop.droop_pct, f_nom_hz=dut.f_nom_hz,
                             p_max_w=p_max_w(p_initial_w), mra_multiplier=MRA_MULTIPLIER)

    def expected(f_hz: float, p_initial_w: float) -> float:
        return float(lfsm_u_expected_power_w(f_hz, p_initial_w, dut.p_rated_w, droop.f_start_hz, droop.droop_pct,
                                             dut.f_nom_hz, p_max_w(p_initial_w)))

    def describe(m: DroopPoint, expected_w: float) -> str:
        return (f"expected {expected_w:.0f} W: {m.p_ref_w:.0f} W before the step + Prated {dut.p_rated_w:.0f} W "
                f"x (f_start {droop.f_start_hz:g} Hz - f) / (fn x {droop.droop_pct:g} %), at most "
                f"{p_max_w(m.p_ref_w):.0f} W; band +- {MRA_MULTIPLIER * droop.mra_f_hz:.3f} Hz, "
                f"+- {droop.tolerance_w:.0f} W")

    judge_droop(dut, check, REQ, measured, band, expected, np.linspace(min(points) - 0.1, dut.f_nom_hz, 60),
                describe)
    judge_response(dut, check, REQ, droop, measured[-1])
