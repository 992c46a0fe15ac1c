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

from typing import Any

import numpy as np
import pytest

from bench.analysis import lfsm_o_band_w, lfsm_o_expected_power_w
from test_suites.pv_inverter.droop import (
    MRA_MULTIPLIER,
    Droop,
    DroopPoint,
    judge_droop,
    judge_response,
    read_droop_checked,
    step_through,
)
from test_suites.pv_inverter.trip_stages import frequency_stages

REQ = "PV-LFSM-O"
REQ_FMAX = "PV-FMAX-TRIP"
OFFSETS_HZ = (0.1, 0.3, 0.6, 1.0)     # above f_start, below the highest point
POWER_AT_ACTIVATION = "power_at_activation"   # the catalog's power_reference this method implements


def _judge_droop(dut: Any, check: Any, droop: Droop, points: list[float], measured: list[DroopPoint]) -> None:
    """Each settled point inside the droop band around the power at its activation."""
    def band(f_hz: float, p_ref_w: float) -> tuple[float, float]:
        return lfsm_o_band_w(f_hz, p_ref_w, droop.mra_f_hz, droop.mra_p_w, f_start_hz=droop.f_start_hz,
                             droop_pct=droop.droop_pct, f_nom_hz=dut.f_nom_hz, mra_multiplier=MRA_MULTIPLIER)

    def expected(f_hz: float, p_ref_w: float) -> float:
        return float(lfsm_o_expected_power_w(f_hz, p_ref_w, droop.f_start_hz, droop.droop_pct, dut.f_nom_hz))

    def describe(m: DroopPoint, expected_w: float) -> str:
        return (f"expected {expected_w:.0f} W from Pref {m.p_ref_w:.0f} W (power at activation), "
                f"f_start {droop.f_start_hz:g} Hz, droop {droop.droop_pct:g} %; band +- "
                f"{MRA_MULTIPLIER * droop.mra_f_hz:.3f} Hz, +- {droop.tolerance_w:.0f} W")

    judge_droop(dut, check, REQ, measured, band, expected, np.linspace(dut.f_nom_hz, max(points) + 0.1, 60),
                describe)


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
    droop = read_droop_checked(dut, check, REQ, POWER_AT_ACTIVATION)
    if droop is None:
        return
    f_highest = highest_frequency_hz(dut)
    if f_highest <= droop.f_start_hz:
        check.inconclusive(REQ, "test frequencies below the f> stage",
                           f"f_start {droop.f_start_hz} Hz; the f> stages allow up to {f_highest:g} Hz")
        return
    points = [droop.f_start_hz + d for d in OFFSETS_HZ if droop.f_start_hz + d < f_highest] + [f_highest]
    dut.transition("producing", fraction=1.0)
    measured = step_through(dut, points, droop.response_time_s, "LFSM-O")
    _judge_droop(dut, check, droop, points, measured)
    judge_response(dut, check, REQ, droop, measured[-1])
