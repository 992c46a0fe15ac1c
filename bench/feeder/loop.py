"""The feeder step loop: each step, the DUT's measured power in, the feeder solved, the AC source set.

The loop runs on the bench clock it is given (``wait``/``now_s``): virtual time on the simulated lab,
wall time on a real device; it does not know which. Every voltage goes to the AC source through
``set_voltage_v`` (the suites pass the safety-guarded source: a voltage outside the bench's limits is
refused there, a bench ERROR).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from bench.feeder.neighbours import profile_value
from bench.feeder.solver import FeederModel


@dataclass
class FeederTrace:
    """One entry per feeder step (bench time, time of day, what was used and what was commanded)."""

    t_s: list[float] = field(default_factory=list)
    day_s: list[float] = field(default_factory=list)
    dut_export_w: list[float] = field(default_factory=list)
    commanded_v: list[float] = field(default_factory=list)
    transformer_loading_pct: list[float] = field(default_factory=list)
    neighbour_kw: list[float] = field(default_factory=list)     # the neighbours' total injection
    solve_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0                                         # wall time of the whole loop


def run_feeder(model: FeederModel, *, now_s: Callable[[], float], wait: Callable[[float], None],
               set_voltage_v: Callable[[float], None], dut_export_w: Callable[[], float],
               set_dut_level: Callable[[float], None] | None = None,
               duration_s: float | None = None) -> FeederTrace:
    """Run the scenario for ``duration_s`` of bench time (default: its whole part of the day).

    Each step: the time of day from the bench time elapsed; ``set_dut_level`` (if given) with the
    DUT's own day profile (e.g. the PV simulator's irradiance); the feeder solved with
    ``dut_export_w()`` (the DUT's latest measured power, export positive); ``set_voltage_v`` with the
    DUT node's voltage; then ``wait`` one feeder step."""
    scenario = model.scenario
    duration = scenario.bench_duration_s if duration_s is None else duration_s
    dut_profile = scenario.dut_profile
    trace = FeederTrace()
    started = time.perf_counter()
    t0 = now_s()
    while (elapsed := now_s() - t0) < duration - 1e-9:
        day = scenario.day_s(elapsed)
        if set_dut_level is not None and dut_profile is not None:
            set_dut_level(profile_value(scenario.profiles[dut_profile], day))
        state = model.solve(day, dut_export_w())
        set_voltage_v(state.dut_voltage_v)
        trace.t_s.append(now_s())
        trace.day_s.append(day)
        trace.dut_export_w.append(state.dut_export_w)
        trace.commanded_v.append(state.dut_voltage_v)
        trace.transformer_loading_pct.append(state.transformer_loading_pct)
        trace.neighbour_kw.append(float(state.neighbour_kw.sum()))
        trace.solve_s.append(state.solve_s)
        wait(min(scenario.step_s, duration - elapsed))
    trace.wall_s = time.perf_counter() - started
    return trace
