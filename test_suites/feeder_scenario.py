"""Running a feeder scenario (bench/feeder) on the DUT, and the evidence every scenario requirement
shows: the DUT node's voltage and the transformer's loading over the scenario's part of the day.

The suites call :func:`run_on_feeder` with the DUT's measured export (latest analyzer sample) and,
where their DUT has one, the setter of its own day level (a PV inverter's irradiance); every
voltage goes to the DUT through the safety-guarded AC source.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from bench.analysis import ten_minute_running_mean_v
from bench.feeder import Scenario, clock_text
from bench.feeder.loop import FeederTrace, run_feeder
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import AGGREGATE_SAMPLE_S


def run_on_feeder(dut: Any, scenario: Scenario, dut_export_w: Callable[[], float],
                  set_dut_level: Callable[[float], None] | None = None,
                  sample_period_s: float = AGGREGATE_SAMPLE_S) -> FeederTrace:
    """Stimulus: the scenario's whole part of the day on the bench clock, sampled every
    ``sample_period_s`` (default: the 10-minute mean's aggregation needs 1 s); the source back to
    nominal voltage afterwards (also after an error)."""
    from bench.feeder.solver import FeederModel

    model = FeederModel(scenario, v_nom_v=dut.v_nom_v)
    dut.step(f"feeder in the loop: {scenario.describe()}; {scenario.bench_duration_s:.0f} s of bench time")
    try:
        return run_feeder(model, now_s=dut.now_s, wait=lambda s: dut.wait(s, sample_period_s=sample_period_s),
                          set_voltage_v=dut.ac_source.set_voltage_v,
                          dut_export_w=dut_export_w, set_dut_level=set_dut_level)
    finally:
        dut.step(f"feeder off: AC source back to {dut.v_nom_v:.1f} V")
        dut.ac_source.set_voltage_v(dut.v_nom_v)


def day_instants(trace: FeederTrace) -> list[dict[str, Any]]:
    """The scenario's start and each full hour of its day, as instants in bench time."""
    t, day = np.array(trace.t_s), np.array(trace.day_s)
    out = [key_instant(f"feeder on ({clock_text(day[0])})", float(t[0]))]
    for hour in range(int(day[0] // 3600) + 1, int(day[-1] // 3600) + 1):
        out.append(key_instant(f"{hour:02d}:00", float(np.interp(hour * 3600.0, day, t))))
    return out


def scenario_label(scenario: Scenario) -> str:
    """The scenario as a check's detail names it (the record's event holds its file's hash)."""
    return (f"scenario {scenario.name} ({scenario.file.name}, {clock_text(scenario.start_s)}-"
            f"{clock_text(scenario.end_s)}, {scenario.neighbour_count} neighbours)")


def solve_summary(trace: FeederTrace) -> str:
    """The feeder solves' cost, for a check's detail."""
    solve_ms = 1000.0 * np.array(trace.solve_s)
    return (f"{len(trace.t_s)} feeder steps, solve {np.median(solve_ms):.0f} ms median "
            f"({solve_ms.max():.0f} ms max), loop wall time {trace.wall_s:.1f} s")


def judge_transformer_loading(dut: Any, check: Any, requirement: str, scenario: Scenario, trace: FeederTrace,
                              limit_pct: float, *, name: str = "highest transformer loading over the day",
                              window_s: tuple[float, float] | None = None) -> None:
    """The bench-computed transformer loading (from the DUT's measured power and the neighbours)
    within ``limit_pct`` of its rating over the day (or the ``window_s`` of day seconds); its
    uncertainty is the DUT's power uncertainty as a share of the rating."""
    t, load, day = np.array(trace.t_s), np.array(trace.transformer_loading_pct), np.array(trace.day_s)
    judged = np.ones(t.size, dtype=bool) if window_s is None else (day >= window_s[0]) & (day <= window_s[1])
    if not judged.any():
        check.inconclusive(requirement, name, f"no feeder step inside {window_s}")
        return
    i = int(np.argmax(np.where(judged, load, -np.inf)))
    rated_va = scenario.feeder.transformer.rated_kva * 1000.0
    u_pct = 100.0 * dut.u_power_w / rated_va
    plot = series_plot(t, load, "transformer loading / % of rating",
                       stimulus=stimulus_series("neighbours' net injection / kW", t, trace.neighbour_kw),
                       limits=[applied_limit(f"<= {limit_pct:g} % of {rated_va / 1000:g} kVA", limit_pct)],
                       instants=[*day_instants(trace), key_instant(f"highest ({clock_text(day[i])})", float(t[i]))],
                       window=(float(t[judged][0]), float(t[judged][-1])) if window_s is not None else None)
    check.within(requirement, name, "transformer_loading", "%", float(load[i]), u_pct, None, limit_pct,
                 detail=f"{scenario_label(scenario)}: {load[i]:.1f} % at {clock_text(day[i])} "
                        f"(DUT {trace.dut_export_w[i]:.0f} W, neighbours "
                        f"{trace.neighbour_kw[i]:.1f} kW net injection); {solve_summary(trace)}", plot=plot)


def judge_node_mean_voltage(dut: Any, check: Any, requirement: str, scenario: Scenario, trace: FeederTrace,
                            t: np.ndarray, v: np.ndarray, *, v_max: float | None = None,
                            v_min: float | None = None, detail: str = "") -> None:
    """The 10-minute running mean of the measured voltage at the DUT's node (``v`` at ``t``) judged
    against ``v_max`` (its highest mean) or ``v_min`` (its lowest), uncertainty ``dut.u_voltage_v``;
    INCONCLUSIVE when the scenario was shorter than one window. ``detail`` is added to the check's."""
    highest = v_max is not None
    t_mean, v_mean = ten_minute_running_mean_v(t, v)
    finite = np.isfinite(v_mean)
    if not finite.any():
        check.inconclusive(requirement, "10-minute running mean at the DUT's node",
                           f"scenario ran {t[-1] - t[0]:.0f} s, shorter than one 10-minute window")
        return
    i = int(np.nanargmax(v_mean) if highest else np.nanargmin(v_mean))
    which = "highest" if highest else "lowest"
    bound = v_max if highest else v_min
    assert bound is not None
    day_at = clock_text(float(np.interp(t_mean[i], trace.t_s, trace.day_s)))
    plot = series_plot(t_mean[finite], v_mean[finite], "10-min mean voltage at the DUT's node / V",
                       stimulus=stimulus_series("feeder voltage commanded at the DUT's node / V", trace.t_s,
                                                trace.commanded_v, staircase=True),
                       limits=[applied_limit(f"{'<=' if highest else '>='} {bound:.1f} V", bound)],
                       instants=[*day_instants(trace), key_instant(f"{which} mean ({day_at})", float(t_mean[i]))])
    check.within(requirement, f"{which} 10-minute running mean at the DUT's node", "voltage", "V",
                 float(v_mean[i]), dut.u_voltage_v, v_min, v_max, plot=plot,
                 detail=f"{scenario_label(scenario)}: {v_mean[i]:.2f} V at {day_at}; node voltage "
                        f"{v.min():.1f}-{v.max():.1f} V; {detail}{solve_summary(trace)}")
