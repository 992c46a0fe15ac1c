"""Home-battery campaign fixtures: the setpoint link, the measured active power and named states.

Sign convention: the power analyzer (and the whole bench) reports active power *export positive*,
and so are the battery's setpoints (+ discharges into the grid, - charges from it); these suites
compare them directly.

Everything here reaches the DUT only through capabilities (AC source, power analyzer) and its
vendor Modbus register map (links.modbus_map, found by protocol whatever the link's name; points
named by role: ``setpoint_w``, ``active_power_w``, ``soc_pct``...), so it means the same on hardware.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from bench.errors import BenchError
from test_suites.common import SuiteBench

IDLE_SETTLE_S = 30.0


class BatBench(SuiteBench):
    """The home-battery suites' view of the bench."""

    def __init__(self, *, ac_source: Any, clock: Any, dut_profile: Any, catalog: Any, market: str,
                 bench: Any, step: Callable[[str], None], dut_links: dict[str, Any]) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.links = dict(dut_links)
        self.link = self._modbus_link()

    def _modbus_link(self) -> Any:
        declared = self.profile.links
        for name in sorted(declared, key=lambda n: (n != "control", n)):
            if declared[name].get("protocol") in ("modbus_map_tcp", "modbus_map_rtu") and name in self.links:
                return self.links[name]
        return None

    # --- catalog and declarations ---------------------------------------------------------------
    def pct_of_rated_w(self, pct: float) -> float:
        return float(pct) / 100.0 * self.p_rated_w

    def declared(self, name: str, requirement_id: str, param: str) -> float:
        """The profile's declared value ``name``, else the catalog parameter (market value)."""
        value = self.profile.declared_value(name)
        return float(value) if value is not None else float(self.param(requirement_id, param))

    def has_point(self, name: str, *, writable: bool = False) -> bool:
        if self.link is None:
            return False
        return any(p.name == name and (p.writable or not writable) for p in self.link.register_map.points)

    def declared_or_read(self, name: str) -> float:
        """A declared rating (profile ``declared.<name>``), else the map's readback point ``name``."""
        value = self.profile.declared_value(name)
        if value is not None:
            return float(value)
        if self.has_point(name):
            return float(self.link.read(name))
        raise BenchError(f"the profile declares no {name} and the register map has no such point")

    # --- actions --------------------------------------------------------------------------------
    def write_setpoint(self, setpoint_w: float) -> None:
        self.step(f"setpoint {setpoint_w:+.0f} W (export positive)")
        self.link.write("setpoint_w", setpoint_w)

    # --- measurements ---------------------------------------------------------------------------
    def series(self, t0_s: float, t1_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(bench time / s, active power / W, export positive) of the samples in [t0_s, t1_s]."""
        samples = [s for s in self._bench.samples_since(t0_s) if t1_s is None or s.t_s <= t1_s + 1e-9]
        return (np.array([s.t_s for s in samples]), np.array([s.reading.active_power_w for s in samples]))

    def sample_now(self) -> Any:
        samples = self._bench.samples
        if not samples:
            raise BenchError("no analyzer sample recorded yet")
        return samples[-1]

    # --- named states ---------------------------------------------------------------------------
    def bring_to_idle(self) -> None:
        """Nominal grid, setpoint 0 W, settled."""
        self.step("bring DUT to idle (nominal grid, setpoint 0 W)")
        self.energize_nominal()
        self.write_setpoint(0.0)
        self.wait(IDLE_SETTLE_S, sample_period_s=1.0)


@pytest.fixture(scope="session")
def bat(bench: Any, ac_source: Any, clock: Any, dut_profile: Any, catalog: Any, market: str) -> BatBench:
    return BatBench(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog, market=market,
                    bench=bench, step=lambda text: bench.step("campaign", text), dut_links=dict(bench.dut_links))


@pytest.fixture
def bat_step(bat: BatBench, step: Callable[[str], None]) -> BatBench:
    """The session's BatBench with progress steps attributed to the running test."""
    bat.step = step
    return bat


def follows_setpoints(bat: BatBench, check: Any, requirement_id: str) -> bool:
    """Following setpoints is the home battery's mandatory function: a profile without a register
    map with a writable ``setpoint_w`` FAILs (not NOT_APPLICABLE)."""
    if bat.has_point("setpoint_w", writable=True):
        return True
    check.require_true(requirement_id, "DUT declares a writable setpoint_w", False,
                       "mandatory function not declared: no Modbus register map with a writable setpoint_w")
    return False
