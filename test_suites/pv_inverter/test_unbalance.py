"""Unbalanced grid: P(U) on the response basis the device declares, and the unbalance between the
phases of a three-phase device.

PV-PU-UNBALANCED (after the IEEE 1547.1 imbalanced-grid test): NOT_APPLICABLE for a single-phase
device, one that claims no P(U) or declares no response basis (``declared.volt_watt_basis``:
highest_phase, per_phase or positive_sequence). With the market's P(U) curve written (706) and
full irradiance, the AC source sets each case's phase voltages (catalog ``unbalance_cases_pct_un``)
for 2 Tr, then the phase voltages and the total power are averaged over 10 s. The expected power
is computed from the measured phase voltages on the declared basis
(:func:`bench.analysis.volt_watt_unbalanced_band_w`: the curve over each voltage +-1.5 MRA_V,
+-1.5 MRA_P, capped by the available power); the power of a device on another basis lies outside.

PV-QU-UNBALANCED (Q(U) the same way): NOT_APPLICABLE for a single-phase device, one that claims no
Q(U) or declares no Q(U) response basis (``declared.volt_var_basis``, its own declaration: a device
may base P(U) and Q(U) on different voltages). At half irradiance (inside Srated) with the market's
Q(U) curve written (705), each PV-PU-UNBALANCED case is held for 2 Tr of Q(U), then averaged over
10 s; the analyzer's total Q is judged in the band of the curve on the declared basis from the
measured phase voltages (:func:`bench.analysis.volt_var_unbalanced_band_var`, PV-QU-STEADY's band
construction). The last check carries Q against the basis voltage with the required curve (for the
single-voltage bases; per phase has no one basis voltage).

PV-CURRENT-UNBALANCE: NOT_APPLICABLE for a single-phase device. At full output on a balanced
nominal grid, the spread (largest minus smallest) of the analyzer's per-phase apparent power,
averaged over 10 s, must not exceed the catalog's ``max_spread_va`` (or the profile's stricter
``declared.phase_unbalance_max_va``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from bench.analysis import (
    RESPONSE_BASES, basis_voltages_v, curve_band, phase_spread, positive_sequence_v, volt_var_unbalanced_band_var,
    volt_watt_unbalanced_band_w,
)
from test_suites.evidence import applied_limit, curve_plot, key_instant, series_plot, stimulus_series

REQ_PU = "PV-PU-UNBALANCED"
REQ_SPREAD = "PV-CURRENT-UNBALANCE"
REQ_STEADY = "PV-PU-STEADY"
REQ_RESPONSE = "PV-PU-RESPONSE"
REQ_QU = "PV-QU-UNBALANCED"
REQ_QU_STEADY = "PV-QU-STEADY"
REQ_QU_RESPONSE = "PV-QU-RESPONSE"
HALF_IRRADIANCE = 0.5        # Q(U) judged inside Srated, as PV-QU-STEADY
AVERAGING_S = 10.0
BEFORE_STEP_S = 5.0          # record shown before each case's step


def _phase_means(dut: Any, t0_s: float, attribute: str) -> list[float]:
    """Mean of each phase's ``attribute`` (voltage_v, apparent_power_va...) over the samples since t0_s."""
    samples = dut.samples_between(t0_s)
    return [float(np.mean([getattr(s.reading.phases[i], attribute) for s in samples]))
            for i in range(len(samples[0].reading.phases))]


def _set_phase_voltages(dut: Any, volts: list[float]) -> None:
    dut.step("AC source: " + ", ".join(f"L{i} {v:.1f} V ({v / dut.v_nom_v * 100:.1f} % Un)"
                                       for i, v in enumerate(volts, start=1)))
    for phase, v in enumerate(volts, start=1):
        dut.ac_source.set_voltage_v(v, phase=phase)


@dataclass(frozen=True)
class _Case:
    """One unbalance case as applied: set and measured (averaged) phase voltages and its instants."""

    n: int
    case_pct: list[float]
    set_v: list[float]
    t_step_s: float
    t_avg_s: float
    phase_v: list[float]

    @property
    def name(self) -> str:
        return f"L1/L2/L3 {'/'.join(f'{x:g}' for x in self.case_pct)} % Un"


def _unbalance_cases(dut: Any, settle_s: float) -> Iterator[_Case]:
    """Each catalog case (``unbalance_cases_pct_un``) applied for ``settle_s``, then averaged for
    AVERAGING_S; the caller judges it, then the grid returns to nominal for ``settle_s``."""
    for n, case_pct in enumerate(dut.param(REQ_PU, "unbalance_cases_pct_un"), start=1):
        set_v = [pct / 100.0 * dut.v_nom_v for pct in case_pct]
        t_step = dut.now_s()
        _set_phase_voltages(dut, set_v)
        dut.wait(settle_s)
        t_avg = dut.now_s()
        dut.wait(AVERAGING_S)
        yield _Case(n, list(case_pct), set_v, t_step, t_avg, _phase_means(dut, t_avg + 1e-6, "voltage_v"))
        dut.set_voltage_v(dut.v_nom_v)
        dut.wait(settle_s)


def _case_plot(dut: Any, case: _Case, quantity: str, y_label: str, basis: str, low: float,
               high: float) -> dict[str, Any]:
    """The case's ``quantity`` over time with the set phase voltages as stimulus and the band."""
    t, y = dut.series(case.t_step_s - BEFORE_STEP_S, quantity)
    before = [case.t_step_s - BEFORE_STEP_S, case.t_step_s]
    return series_plot(t, y, y_label, window=(case.t_avg_s, dut.now_s()),
                       stimulus=stimulus_series("AC source L1 voltage (set) / V", before,
                                                [dut.v_nom_v, case.set_v[0]], staircase=True,
                                                others={"L2 voltage (set) / V": [dut.v_nom_v, case.set_v[1]],
                                                        "L3 voltage (set) / V": [dut.v_nom_v, case.set_v[2]]}),
                       limits=[applied_limit(f"band low ({basis})", low), applied_limit("band high", high)],
                       instants=[key_instant(f"case {case.n}: unbalanced voltages applied", case.t_step_s)])


def _skip_unless_three_phase(dut: Any) -> None:
    if len(dut.phases) != 3:
        pytest.skip(f"NOT_APPLICABLE: a {len(dut.phases)}-phase device (unbalance concerns three-phase devices)")


def _declared_basis(dut: Any, check: Any, requirement: str, function: str, law: str) -> str | None:
    """The response basis the profile declares for ``function`` (``declared.<function>_basis``);
    skips NOT_APPLICABLE when the function is not claimed or no basis declared, None (INCONCLUSIVE
    recorded) when the declaration is none of :data:`bench.analysis.RESPONSE_BASES`."""
    _skip_unless_three_phase(dut)
    if not dut.profile.claims(function):
        pytest.skip(f"NOT_APPLICABLE: the profile claims no {law} (functions.{function})")
    basis = dut.profile.declared_value(f"{function}_basis")
    if basis is None:
        pytest.skip(f"NOT_APPLICABLE: the profile declares no {law} response basis (declared.{function}_basis)")
    if basis not in RESPONSE_BASES:
        check.inconclusive(requirement, "declared response basis", f"{basis!r} is none of {', '.join(RESPONSE_BASES)}")
        return None
    return str(basis)


@pytest.mark.requirement(REQ_PU)
def test_volt_watt_unbalanced(dut, check):
    """P(U) under unbalanced phase voltages on the declared response basis."""
    basis = _declared_basis(dut, check, REQ_PU, "volt_watt", "P(U)")
    if basis is None:
        return
    points = dut.param(REQ_STEADY, "volt_watt_points_pct")
    tr = dut.param(REQ_RESPONSE, "response_time_s")
    mra_v, mra_p = dut.mra_voltage_v(REQ_PU), dut.mra_power_w(REQ_PU)
    p_avail = dut.transition("producing", fraction=1.0)
    for case in _unbalance_cases(dut, 2.0 * tr):
        phase_v = case.phase_v
        p_mean = float(np.mean(dut.series(case.t_avg_s + 1e-6)[1]))
        low, high = volt_watt_unbalanced_band_w(phase_v, basis, points, dut.v_nom_v, dut.p_rated_w, p_avail,
                                                mra_v, mra_p)
        others = {b: volt_watt_unbalanced_band_w(phase_v, b, points, dut.v_nom_v, dut.p_rated_w, p_avail, 0.0, 0.0)[0]
                  for b in RESPONSE_BASES if b != basis}
        plot = _case_plot(dut, case, "active_power_w", "active power / W", basis, low, high)
        check.within(REQ_PU, f"P at {case.name} ({basis})", "active_power",
                     "W", p_mean, dut.u_power_w, low, high, plot=plot,
                     detail=f"measured phase voltages {', '.join(f'{v:.1f}' for v in phase_v)} V (positive sequence "
                            f"{positive_sequence_v(phase_v):.1f} V); declared basis {basis}; curve {points} "
                            f"+- {1.5 * mra_v:.2f} V, +- {1.5 * mra_p:.0f} W, capped at {p_avail:.0f} W; "
                            + ", ".join(f"{b} would give {w:.0f} W" for b, w in others.items()))


@pytest.mark.requirement(REQ_QU)
def test_volt_var_unbalanced(dut, check):
    """Q(U) under unbalanced phase voltages on the declared response basis."""
    basis = _declared_basis(dut, check, REQ_QU, "volt_var", "Q(U)")
    if basis is None:
        return
    points = dut.param(REQ_QU_STEADY, "volt_var_points_pct")
    curve_v = [(x / 100.0 * dut.v_nom_v, y / 100.0 * dut.s_rated_va) for x, y in points]
    tr = dut.param(REQ_QU_RESPONSE, "response_time_s")
    mra_v = dut.mra_voltage_v(REQ_QU)
    mra_q = dut.param(REQ_QU, "mra_reactive_power_pct_srated") / 100.0 * dut.s_rated_va
    dut.transition("producing", fraction=HALF_IRRADIANCE)
    measured = []      # (basis voltage, Q) for the curve plot
    dut.step("enable Q(U) (705)")
    dut.write_volt_var(enabled=True)
    try:
        last = len(dut.param(REQ_PU, "unbalance_cases_pct_un"))
        for case in _unbalance_cases(dut, 2.0 * tr):
            phase_v = case.phase_v
            q_mean = float(np.mean(dut.series(case.t_avg_s + 1e-6, "reactive_power_var")[1]))
            low, high = volt_var_unbalanced_band_var(phase_v, basis, points, dut.v_nom_v, dut.s_rated_va, mra_v,
                                                     mra_q)
            others = {b: volt_var_unbalanced_band_var(phase_v, b, points, dut.v_nom_v, dut.s_rated_va, 0.0, 0.0)[0]
                      for b in RESPONSE_BASES if b != basis}
            v_basis = basis_voltages_v(phase_v, basis)
            measured.append((v_basis[0], q_mean))
            plot = _case_plot(dut, case, "reactive_power_var", "reactive power (injected > 0) / var", basis, low, high)
            if case.n == last and basis != "per_phase":
                plot = _volt_var_curve_plot(measured, curve_v, mra_v, mra_q, basis)
            check.within(REQ_QU, f"Q at {case.name} ({basis})",
                         "reactive_power", "var", q_mean, dut.u_reactive_power_var, low, high, plot=plot,
                         detail=f"measured phase voltages {', '.join(f'{v:.1f}' for v in phase_v)} V (on the "
                                f"declared basis {basis}: {', '.join(f'{v:.1f}' for v in v_basis)} V); curve {points} "
                                f"(% Un, % Srated) +- {1.5 * mra_v:.2f} V, +- {1.5 * mra_q:.0f} var; "
                                + ", ".join(f"{b} would give {q:.0f} var" for b, q in others.items()))
    finally:
        dut.step("disable Q(U) (705)")
        dut.write_volt_var(enabled=False)


def _volt_var_curve_plot(measured: list[tuple[float, float]], curve_v: list[tuple[float, float]], mra_v: float,
                         mra_q: float, basis: str) -> dict[str, Any]:
    """Q against the basis voltage with the required curve and its band (PV-QU-STEADY's plot)."""
    xs = [v for v, _ in measured] + [x for x, _ in curve_v]
    grid = np.linspace(min(xs) - 2.0, max(xs) + 2.0, 80)
    bands = [curve_band(g, curve_v, mra_v, mra_q) for g in grid]
    return curve_plot(f"phase voltage on the declared basis ({basis}) / V", "reactive power (injected > 0) / var",
                      measured, [(g, b[0]) for g, b in zip(grid, bands, strict=True)],
                      [(g, b[1]) for g, b in zip(grid, bands, strict=True)],
                      required=[(g, float(np.interp(g, [c[0] for c in curve_v], [c[1] for c in curve_v])))
                                for g in grid])


@pytest.mark.requirement(REQ_SPREAD)
def test_phase_unbalance(dut, check):
    """The spread of the per-phase apparent power at full output within the limit."""
    _skip_unless_three_phase(dut)
    limit_va = float(dut.param(REQ_SPREAD, "max_spread_va"))
    declared = dut.profile.declared_value("phase_unbalance_max_va")
    source = "catalog"
    if declared is not None and float(declared) < limit_va:
        limit_va, source = float(declared), "declared by the profile"
    dut.transition("producing", fraction=1.0)
    t0 = dut.now_s()
    dut.wait(AVERAGING_S)
    phase_va = _phase_means(dut, t0 + 1e-6, "apparent_power_va")
    spread_va = phase_spread(phase_va)
    samples = dut.samples_between(t0 + 1e-6)
    t = [s.t_s for s in samples]
    spreads = [phase_spread([ph.apparent_power_va for ph in s.reading.phases]) for s in samples]
    u_spread_va = 2.0 * dut.u_power_w / 3.0      # two phases' readings, each with its own error
    plot = series_plot(t, spreads, "largest - smallest phase apparent power / VA", window=(t0, dut.now_s()),
                       stimulus=stimulus_series("AC source voltage, all phases (set) / V", [t0], [dut.v_nom_v],
                                                staircase=True),
                       limits=[applied_limit(f"max spread {limit_va:.0f} VA ({source})", limit_va)],
                       instants=[key_instant("averaging starts (full output)", t0)])
    check.within(REQ_SPREAD, "spread of the phase apparent powers", "phase_apparent_power_spread", "VA", spread_va,
                 u_spread_va, None, limit_va, plot=plot,
                 detail=f"per phase {', '.join(f'{v:.0f}' for v in phase_va)} VA at full output; "
                        f"limit {limit_va:.0f} VA ({source})")
