"""Heat-pump campaign fixtures: the SG-Ready inputs, the measured consumption and named DUT states.

Sign convention: the power analyzer (and the whole bench) reports active power *export positive*
(simlab/physics.py, docs/record-format.md). A heat pump consumes, so its analyzer active power
is negative; these suites judge **consumption** = ``-active_power_w`` (W, consumption positive),
and every check's quantity is named ``consumption`` so no limit is compared with the wrong sign.

Everything here reaches the DUT only through capabilities (AC source, power analyzer, digital_io)
and the profile's links, found by protocol whatever their names: the SG-Ready contacts
(links.sg_ready_contacts over the bench's DigitalIO), a vendor Modbus register map
(modbus_map_tcp / modbus_map_rtu, points named by role) and an S2 CEM link (s2). So it means the
same on hardware. The lab must keep the DUT's heat sink loaded (heat demand present) for state 2
to run.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from bench.errors import BenchError
from links.sg_ready_contacts import SgReadyState
from test_suites.common import SuiteBench

NORMAL_TIMEOUT_S = 3 * 3600.0        # a buffer overheated by a boost may need a while to call for heat
STEADY_WINDOW_S = 60.0
STEADY_SAMPLE_S = 1.0
STEADY_SPREAD_SHARE_OF_RATED = 0.02  # steady: max - min over the window below 2 % of rated power


def consumption_w(active_power_w: Any) -> Any:
    """Consumption (positive) from export-positive active power (scalar or array)."""
    return -active_power_w


class HpBench(SuiteBench):
    """The heat-pump suites' view of the bench: capabilities, catalog values and named states."""

    def __init__(self, *, ac_source: Any, dut_link: Any, clock: Any, dut_profile: Any, catalog: Any,
                 market: str, bench: Any, step: Callable[[str], None],
                 dut_links: dict[str, Any] | None = None, digital_io: Any = None) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.links: dict[str, Any] = dict(dut_links or {"control": dut_link})
        self.digital_io = digital_io
        self.sg_ready = self.link_of("sg_ready_contacts")
        self.modbus = self.link_of("modbus_map_tcp", "modbus_map_rtu")
        self.s2 = self.link_of("s2")

    # --- links by protocol ----------------------------------------------------------------------
    def link_of(self, *protocols: str) -> Any:
        """The first declared link (control first) speaking one of ``protocols``, else None."""
        declared = self.profile.links
        for name in sorted(declared, key=lambda n: (n != "control", n)):
            if declared[name].get("protocol") in protocols and name in self.links:
                return self.links[name]
        return None

    def modbus_point(self, name: str, *, writable: bool = False) -> Any:
        """The Modbus-map link when its register map declares point ``name`` (writable if asked)."""
        link = self.modbus
        if link is None:
            return None
        for point in link.register_map.points:
            if point.name == name and (point.writable or not writable):
                return link
        return None

    def declared(self, name: str, requirement_id: str, param: str) -> float:
        """The profile's declared value ``name``, else the catalog parameter (market value)."""
        value = self.profile.declared_value(name)
        return float(value) if value is not None else float(self.param(requirement_id, param))

    def sample_now(self) -> Any:
        """The latest recorded analyzer sample (the clock samples at the end of every wait)."""
        samples = self._bench.samples
        if not samples:
            raise BenchError("no analyzer sample recorded yet")
        return samples[-1]

    # --- catalog and declarations ---------------------------------------------------------------
    def pct_of_rated_w(self, pct: float) -> float:
        return float(pct) / 100.0 * self.p_rated_w

    @property
    def response_time_s(self) -> float:
        """The declared SG-Ready response time, else the catalog default (HP-SGREADY-BLOCK)."""
        declared = self.profile.declared_value("sg_ready_response_time_s")
        return float(declared) if declared is not None else float(self.param("HP-SGREADY-BLOCK", "response_time_s"))

    @property
    def standby_limit_w(self) -> float:
        """Declared standby power (else the catalog's) plus the catalog's standby band."""
        declared = self.profile.declared_value("standby_power_w")
        standby = float(declared) if declared is not None else float(self.param("HP-SGREADY-BLOCK", "standby_power_w"))
        return standby + self.pct_of_rated_w(self.param("HP-SGREADY-BLOCK", "standby_tolerance_pct_rated"))

    # --- actions --------------------------------------------------------------------------------
    def set_state(self, state: SgReadyState) -> None:
        """Set the SG-Ready contacts and read them back (a mismatch is a bench ERROR)."""
        self.step(f"SG-Ready state {int(state)} ({state.name})")
        self.sg_ready.set_state(state)
        read = self.sg_ready.read_state()
        if read != state:
            raise BenchError(f"SG-Ready contacts read back as state {int(read)}, set {int(state)}")

    # --- measurements ---------------------------------------------------------------------------
    def series(self, t0_s: float, t1_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(bench time / s, consumption / W) of the samples in [t0_s, t1_s]."""
        samples = [s for s in self._bench.samples_since(t0_s) if t1_s is None or s.t_s <= t1_s + 1e-9]
        t = np.array([s.t_s for s in samples])
        return t, consumption_w(np.array([s.reading.active_power_w for s in samples]))

    # --- named states ---------------------------------------------------------------------------
    def bring_to_normal(self, *, timeout_s: float = NORMAL_TIMEOUT_S) -> float:
        """Nominal grid, SG-Ready state 2; wait until the DUT runs steadily. Returns its consumption.

        A DUT that does not run (no heat demand) makes this an ERROR (inconclusive), not a FAIL.
        """
        self.step("bring DUT to steady normal operation (nominal grid, SG-Ready state 2)")
        self.energize_nominal()
        if self.sg_ready is not None:
            self.set_state(SgReadyState.NORMAL)
        t_start = self.now_s()
        while self.now_s() - t_start < timeout_s:
            self.wait(STEADY_WINDOW_S, sample_period_s=STEADY_SAMPLE_S)
            _, c = self.series(self.now_s() - STEADY_WINDOW_S + 1e-6)
            if c.size and c.min() > self.standby_limit_w \
                    and c.max() - c.min() < STEADY_SPREAD_SHARE_OF_RATED * self.p_rated_w:
                return float(c.mean())
        raise BenchError(f"DUT did not run steadily in SG-Ready state 2 within {timeout_s:.0f} s of bench time")


@pytest.fixture(scope="session")
def hp(bench: Any, ac_source: Any, dut_link: Any, clock: Any, dut_profile: Any, catalog: Any,
       market: str) -> HpBench:
    if bench.digital_io is None:
        raise BenchError("the heat-pump suites drive SG-Ready contacts: the bench needs a digital_io instrument")
    return HpBench(ac_source=ac_source, dut_link=dut_link, clock=clock, dut_profile=dut_profile,
                   catalog=catalog, market=market, bench=bench, step=lambda text: bench.step("campaign", text),
                   dut_links=dict(bench.dut_links), digital_io=bench.digital_io)


@pytest.fixture
def hp_step(hp: HpBench, step: Callable[[str], None]) -> HpBench:
    """The session's HpBench with progress steps attributed to the running test."""
    hp.step = step
    return hp
