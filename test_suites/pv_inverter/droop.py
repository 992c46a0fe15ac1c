"""What LFSM-O and LFSM-U share: the droop settings and tolerances, the frequency steps with their
record, and the judgement of the settled points (band around the droop curve) and of the largest
step's first-order response.

The requirement's own test (test_lfsm_o.py, test_lfsm_u.py) picks the frequencies and the droop
curve (its expected power and pass band at a measured frequency); everything else is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from test_suites.evidence import curve_plot, stimulus_series
from test_suites.sampling import DROOP_RESPONSE_SAMPLE_S
from test_suites.step_response import ACTIVE_POWER, judge_step_response

MRA_MULTIPLIER = 1.5
REFERENCE_MEAN_S = 5.0                 # the power before the step: mean just before it

Band = Callable[[float, float], tuple[float, float]]     # (f_hz, power before the step) -> (low_w, high_w)
Expected = Callable[[float, float], float]               # (f_hz, power before the step) -> W


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


def read_droop(dut: Any, requirement_id: str) -> Droop:
    """The droop of ``requirement_id`` from the catalog (each value recorded as read)."""
    return Droop(dut.param(requirement_id, "f_start_hz"), dut.param(requirement_id, "droop_pct"),
                 dut.param(requirement_id, "response_time_s"), dut.param(requirement_id, "mra_frequency_hz"),
                 dut.mra_power_w(requirement_id))


def read_droop_checked(dut: Any, check: Any, requirement_id: str, reference: str) -> Droop | None:
    """:func:`read_droop`, or None after an INCONCLUSIVE check when the droop setting lies outside
    its settable range or the catalog's reference power is not ``reference`` (the one the method
    judges against)."""
    droop = read_droop(dut, requirement_id)
    outside = dut.outside_settable_range(requirement_id, "droop_pct", "droop_range_pct")
    if outside:
        check.inconclusive(requirement_id, "droop setting inside its settable range", outside)
        return None
    catalog_reference = dut.param(requirement_id, "power_reference")
    if catalog_reference != reference:
        check.inconclusive(requirement_id, "reference power of the droop",
                           f"catalog asks for {catalog_reference!r}; this method judges against {reference!r}")
        return None
    return droop


def step_through(dut: Any, points: list[float], tr: float, label: str) -> list[DroopPoint]:
    """Stimulus and record: for each point, nominal frequency for 2 Tr, the reference power over
    5 s, the step to the point and 5 Tr of fine record; then back to nominal."""
    measured = []
    for f_point in points:
        dut.step(f"{label} point {f_point:.3f} Hz")
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


def judge_droop(dut: Any, check: Any, requirement_id: str, measured: list[DroopPoint], band: Band,
                expected: Expected, grid_hz: np.ndarray, describe: Callable[[DroopPoint, float], str]) -> None:
    """Each settled point inside ``band`` at its measured frequency and its own power before the
    step; the plot draws the band for the mean power before the steps over ``grid_hz``.
    ``describe(point, expected_w)`` is the check's detail."""
    p_ref_all = float(np.mean([m.p_ref_w for m in measured]))
    bands = [band(g, p_ref_all) for g in grid_hz]
    plot = curve_plot("frequency / Hz", "active power / W", [(m.f_mean_hz, m.p_mean_w) for m in measured],
                      [(g, b[0]) for g, b in zip(grid_hz, bands, strict=True)],
                      [(g, b[1]) for g, b in zip(grid_hz, bands, strict=True)])
    for i, m in enumerate(measured):
        low, high = band(m.f_mean_hz, m.p_ref_w)
        check.within(requirement_id, f"P at {m.f_mean_hz:.3f} Hz", "active_power", "W", m.p_mean_w, dut.u_power_w,
                     low, high, detail=describe(m, expected(m.f_mean_hz, m.p_ref_w)),
                     plot=plot if i == len(measured) - 1 else None)


def judge_response(dut: Any, check: Any, requirement_id: str, droop: Droop, largest: DroopPoint) -> None:
    """The largest step as a first-order response against the measured settled power."""
    f_point = largest.f_point_hz
    judge_step_response(dut, check, requirement_id, ACTIVE_POWER, cause="largest frequency step",
                        t=largest.t_s, y=largest.power_w, t_step_s=largest.t_step_s, y_initial=largest.p_ref_w,
                        y_final=largest.p_mean_w, tr_s=droop.response_time_s, tolerance=droop.tolerance_w,
                        uncertainty=dut.u_power_w,
                        stimulus=stimulus_series("AC source frequency (set) / Hz", [largest.t_step_s], [f_point],
                                                 staircase=True, axis=(min(dut.f_nom_hz, f_point),
                                                                       max(dut.f_nom_hz, f_point))),
                        suffix=f" ({f_point:.3f} Hz)", context=f" at {largest.f_mean_hz:.3f} Hz")


def energy_short_of(dut: Any, power_w: float, duration_s: float) -> str | None:
    """Why the declared stored energy (``storage_energy_wh`` at ``storage_soc_pct``, when declared)
    cannot deliver ``power_w`` over ``duration_s`` (e.g. the LFSM-U steps below f_start), else None: a battery
    running empty mid-test would look like a wrong droop."""
    energy_wh = dut.profile.declared_value("storage_energy_wh")
    soc_pct = dut.profile.declared_value("storage_soc_pct", 100.0)
    if energy_wh is None:
        return None
    needed_wh = power_w * duration_s / 3600.0
    stored_wh = float(energy_wh) * float(soc_pct) / 100.0
    if stored_wh >= needed_wh:
        return None
    return f"the steps need up to {needed_wh:.0f} Wh; the profile declares {stored_wh:.0f} Wh stored"
