"""The home battery's strategy: the setpoint link, the measured active power and its named states.

States (``dut.transition(name, ...)``):

* ``idle``: nominal grid, setpoint 0 W, settled;
* ``discharging``: setpoint ``+power_w`` (into the grid), held ``settle_s``;
* ``charging``: setpoint ``-power_w`` (from the grid), held ``settle_s``.

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

from bench.errors import BenchError
from test_suites.common import DutStrategy
from test_suites.sampling import STEADY_SAMPLE_S

IDLE_SETTLE_S = 30.0
POWER_LABEL = "active power (export +) / W"


class HomeBatteryStrategy(DutStrategy):
    """The home-battery suites' view of the bench and the DUT's named states."""

    def __init__(self, *, ac_source: Any, clock: Any, dut_profile: Any, catalog: Any, market: str,
                 bench: Any, step: Callable[[str], None], dut_links: dict[str, Any]) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.links = dict(dut_links)
        self.link = self.link_of(self.links, "modbus_map_tcp", "modbus_map_rtu")

    # --- catalog and declarations ---------------------------------------------------------------
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

    def follows_setpoints(self, check: Any, requirement_id: str) -> bool:
        """Following setpoints is the home battery's mandatory function: a profile without a register
        map with a writable ``setpoint_w`` FAILs ``requirement_id`` (not NOT_APPLICABLE)."""
        if self.has_point("setpoint_w", writable=True):
            return True
        check.require_true(requirement_id, "DUT declares a writable setpoint_w", False,
                           "mandatory function not declared: no Modbus register map with a writable setpoint_w")
        return False

    # --- actions --------------------------------------------------------------------------------
    def write_setpoint(self, setpoint_w: float) -> None:
        self.step(f"setpoint {setpoint_w:+.0f} W (export positive)")
        self.link.write("setpoint_w", setpoint_w)

    # --- measurements ---------------------------------------------------------------------------
    def series(self, t0_s: float, t1_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(bench time / s, active power / W, export positive) of the samples in [t0_s, t1_s]."""
        samples = self.samples_between(t0_s, t1_s)
        return (np.array([s.t_s for s in samples]), np.array([s.reading.active_power_w for s in samples]))

    # --- named states ---------------------------------------------------------------------------
    def _preparations(self) -> dict[str, Callable[..., Any]]:
        return {"idle": self._idle, "discharging": self._discharging, "charging": self._charging}

    def _idle(self) -> None:
        """Nominal grid, setpoint 0 W, settled."""
        self.step("bring DUT to idle (nominal grid, setpoint 0 W)")
        self.energize_nominal()
        self.write_setpoint(0.0)
        self.wait(IDLE_SETTLE_S, sample_period_s=STEADY_SAMPLE_S)

    def _hold_setpoint(self, setpoint_w: float, settle_s: float) -> None:
        self.write_setpoint(setpoint_w)
        self.wait(settle_s, sample_period_s=STEADY_SAMPLE_S)

    def _discharging(self, *, power_w: float, settle_s: float) -> None:
        """Setpoint ``+power_w`` (W into the grid), held ``settle_s``."""
        if power_w < 0:
            raise BenchError(f"discharging needs a power of 0 W or more, not {power_w:g} W")
        self._hold_setpoint(power_w, settle_s)

    def _charging(self, *, power_w: float, settle_s: float) -> None:
        """Setpoint ``-power_w`` (W from the grid), held ``settle_s``."""
        if power_w < 0:
            raise BenchError(f"charging needs a power of 0 W or more, not {power_w:g} W")
        self._hold_setpoint(-power_w, settle_s)
