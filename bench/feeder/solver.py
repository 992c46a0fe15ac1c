"""The feeder's power flow, solved with pandapower (imported on first use: ~1.5 s).

The network: an external grid at ``mv_voltage_pu`` on the transformer's MV side, the LV busbar
(node 0), the main cable's segments (node i at the end of segment i) and the DUT's own bus at the
end of its service cable from its node. A balanced three-phase model: each bus carries one load
whose power is the sum of what its neighbours (and the DUT) inject, consumption positive as
pandapower counts loads.

Neighbours with P(U) respond to their own node voltage, which depends on what they all inject. Each
step finds that equilibrium on the feeder's linear voltage sensitivity (computed once, one
pandapower solve per injection point; a damped fixed-point iteration of numpy products), solves
the network with pandapower at the powers found, and repeats from that solution (at most
:data:`EQUILIBRIUM_MAX_SOLVES` times) until every P(U) neighbour lies within
:data:`SOLVED_TOLERANCE_KW` of its curve at its solved voltage: the state reported is pandapower's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.feeder.neighbours import Neighbours
from bench.feeder.scenario import Cable, Scenario

PERTURBATION_MW = 0.01
RECYCLE = {"trafo": False, "gen": False, "bus_pq": True}   # pandapower: rebuild only the PQ injections
EQUILIBRIUM_TOLERANCE_KW = 1e-4
EQUILIBRIUM_MAX_ITERATIONS = 5000
EQUILIBRIUM_MAX_SOLVES = 4          # pandapower solves per step, re-linearised around the last one
SOLVED_TOLERANCE_KW = 0.02          # P(U) neighbours within this of their curve at the solved voltage


@dataclass(frozen=True)
class FeederState:
    """The feeder at one step."""

    day_s: float
    dut_export_w: float                          # the DUT's power used (measured), export positive
    dut_voltage_v: float                         # phase-to-neutral at the DUT's bus
    node_voltage_v: NDArray[np.float64]          # phase-to-neutral at nodes 1..N
    transformer_loading_pct: float               # of its rating
    neighbour_kw: NDArray[np.float64]            # each neighbour's injection after P(U)
    solve_s: float                               # wall time of this step's solve


class FeederModel:
    """A scenario's feeder and neighbours, solved step by step."""

    def __init__(self, scenario: Scenario, *, v_nom_v: float = 230.0) -> None:
        import pandapower as pp  # type: ignore[import-untyped]  # no type information

        self._pp = pp
        self.scenario = scenario
        self.v_nom_v = v_nom_v
        self.neighbours = Neighbours(scenario)
        self.net, self._loads = self._build()
        n = scenario.feeder.node_count
        # injection points: nodes 1..N, then the DUT bus (index n)
        self._neighbour_point = self.neighbours.nodes - 1
        self._dut_point = n
        self._points = n + 1
        self._u0_pu, self.sensitivity_pu_per_kw = self._sensitivity()
        self._ref_u_pu = self._u0_pu.copy()
        self._ref_injection_kw = np.zeros(self._points)
        self._gain = self._loop_gain()
        self._last_kw = np.full(len(self.neighbours), np.inf)

    # --- network -----------------------------------------------------------------------------
    def _line(self, net: Any, a: int, b: int, length_m: float, cable: Cable, name: str) -> None:
        self._pp.create_line_from_parameters(net, a, b, length_km=max(length_m, 1e-3) / 1000.0,
                                             r_ohm_per_km=cable.r_ohm_per_km, x_ohm_per_km=cable.x_ohm_per_km,
                                             c_nf_per_km=0.0, max_i_ka=cable.max_i_ka, name=name)

    def _build(self) -> tuple[Any, list[int]]:
        pp = self._pp
        f = self.scenario.feeder
        t = f.transformer
        net = pp.create_empty_network(sn_mva=1.0)
        mv = pp.create_bus(net, vn_kv=t.mv_kv, name="MV")
        lv = [pp.create_bus(net, vn_kv=0.4, name="node 0 (LV busbar)")]
        pp.create_ext_grid(net, mv, vm_pu=f.mv_voltage_pu)
        pp.create_transformer_from_parameters(net, mv, lv[0], sn_mva=t.rated_kva / 1000.0, vn_hv_kv=t.mv_kv,
                                              vn_lv_kv=0.4, vkr_percent=t.vkr_pct, vk_percent=t.vk_pct,
                                              pfe_kw=0.0, i0_percent=0.0, name="transformer")
        for i, length_m in enumerate(f.segments_m, start=1):
            lv.append(pp.create_bus(net, vn_kv=0.4, name=f"node {i}"))
            self._line(net, lv[i - 1], lv[i], length_m, f.cable, f"segment {i}")
        dut_bus = pp.create_bus(net, vn_kv=0.4, name="DUT")
        self._line(net, lv[f.dut_node], dut_bus, f.dut_service_cable_m, f.dut_service_cable, "DUT service cable")
        loads = [pp.create_load(net, bus, p_mw=0.0, q_mvar=0.0) for bus in [*lv[1:], dut_bus]]
        self._buses = [*lv[1:], dut_bus]
        return net, loads

    def _run(self, injection_kw: NDArray[np.float64]) -> NDArray[np.float64]:
        """Solve with ``injection_kw`` per injection point; the per-unit voltage of each point."""
        self.net.load.loc[self._loads, "p_mw"] = -injection_kw / 1000.0
        # only the loads' powers change between solves: pandapower reuses its internal model
        self._pp.runpp(self.net, numba=False, recycle=RECYCLE)
        return np.asarray(self.net.res_bus.vm_pu.loc[self._buses].to_numpy(), dtype=float)

    def _sensitivity(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Voltages at no load and d(vm_pu at i)/d(kW injected at j) around it."""
        base = self._run(np.zeros(self._points))
        s = np.zeros((self._points, self._points))
        for j in range(self._points):
            inj = np.zeros(self._points)
            inj[j] = PERTURBATION_MW * 1000.0
            s[:, j] = (self._run(inj) - base) / inj[j]
        return base, s

    def _loop_gain(self) -> float:
        """An upper bound of how strongly the P(U) neighbours' powers act back on themselves."""
        slopes = np.zeros(len(self.neighbours))
        for i, m in enumerate(self.neighbours.members):
            curve = m.group.volt_watt_points_pct
            if curve is not None and len(curve) > 1:
                steepest = max(abs((b[1] - a[1]) / (b[0] - a[0])) for a, b in zip(curve, curve[1:], strict=False))
                slopes[i] = m.group.rated_kw * steepest      # kW per % Un
        if not slopes.any():
            return 0.0
        s_pct = self.sensitivity_pu_per_kw[np.ix_(self._neighbour_point, self._neighbour_point)] * 100.0
        return float(np.max(np.abs(s_pct) @ slopes))

    # --- steps -------------------------------------------------------------------------------
    def _aggregate(self, neighbour_kw: NDArray[np.float64], dut_kw: float) -> NDArray[np.float64]:
        inj = np.bincount(self._neighbour_point, weights=neighbour_kw, minlength=self._points).astype(float)
        inj[self._dut_point] += dut_kw
        return inj

    def _equilibrium_kw(self, available_kw: NDArray[np.float64], dut_kw: float) -> NDArray[np.float64]:
        """Each neighbour's injection with the P(U) neighbours at their curve's equilibrium."""
        vw = self.neighbours.has_volt_watt
        p = available_kw.copy()
        if not vw.any():
            return p
        p[vw] = np.minimum(available_kw, self._last_kw)[vw]     # start from the previous step's equilibrium
        alpha = 1.0 / (1.0 + self._gain)
        for _ in range(EQUILIBRIUM_MAX_ITERATIONS):
            u_pu = self._ref_u_pu + self.sensitivity_pu_per_kw @ (self._aggregate(p, dut_kw) - self._ref_injection_kw)
            target = np.minimum(available_kw, self.neighbours.volt_watt_cap_kw(u_pu[self._neighbour_point] * 100.0))
            step = alpha * (target - p) * vw
            p += step
            if np.max(np.abs(step)) < EQUILIBRIUM_TOLERANCE_KW:
                break
        return p

    def solve(self, day_s: float, dut_export_w: float) -> FeederState:
        """The feeder at ``day_s`` with the DUT injecting ``dut_export_w`` (its measured power)."""
        started = time.perf_counter()
        dut_kw = dut_export_w / 1000.0
        available = self.neighbours.available_kw(day_s)
        vw = self.neighbours.has_volt_watt
        for _ in range(EQUILIBRIUM_MAX_SOLVES):
            p = self._equilibrium_kw(available, dut_kw)
            injection = self._aggregate(p, dut_kw)
            u_pu = self._run(injection)
            self._ref_u_pu, self._ref_injection_kw, self._last_kw = u_pu, injection, p
            cap = self.neighbours.volt_watt_cap_kw(u_pu[self._neighbour_point] * 100.0)
            if not vw.any() or np.max(np.abs(np.minimum(available, cap) - p)[vw]) < SOLVED_TOLERANCE_KW:
                break
        loading = float(self.net.res_trafo.loading_percent.iloc[0])
        return FeederState(day_s=day_s, dut_export_w=dut_export_w,
                           dut_voltage_v=float(u_pu[self._dut_point]) * self.v_nom_v,
                           node_voltage_v=u_pu[:self._dut_point] * self.v_nom_v, transformer_loading_pct=loading,
                           neighbour_kw=p, solve_s=time.perf_counter() - started)
