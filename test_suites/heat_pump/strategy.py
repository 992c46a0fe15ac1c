"""The heat pump's strategy: its control links, the measured consumption and its named state.

State (``dut.transition(name, ...)``):

* ``running``: nominal grid, SG-Ready state 2 (normal) when the DUT has SG-Ready contacts, and the
  DUT running steadily; returns its consumption P2 (W).

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

from bench.errors import BenchError
from links.sg_ready_contacts import SgReadyState
from test_suites.common import DutStrategy
from test_suites.sampling import LONG_OBSERVATION_SAMPLE_S, STEADY_SAMPLE_S

RUNNING_TIMEOUT_S = 3 * 3600.0       # a buffer overheated by a boost may need a while to call for heat
STEADY_WINDOW_S = 60.0
STEADY_SPREAD_SHARE_OF_RATED = 0.02  # steady: max - min over the window below 2 % of rated power
CONSUMPTION_LABEL = "consumption / W"


def consumption_w(active_power_w: Any) -> Any:
    """Consumption (positive) from export-positive active power (scalar or array)."""
    return -active_power_w


class HeatPumpStrategy(DutStrategy):
    """The heat-pump suites' view of the bench: capabilities, links, catalog values and the DUT's state."""

    def __init__(self, *, ac_source: Any, dut_link: Any, clock: Any, dut_profile: Any, catalog: Any,
                 market: str, bench: Any, step: Callable[[str], None],
                 dut_links: dict[str, Any] | None = None, digital_io: Any = None) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.links: dict[str, Any] = dict(dut_links or {"control": dut_link})
        self.digital_io = digital_io
        self.sg_ready = self.link_of(self.links, "sg_ready_contacts")
        self.modbus = self.link_of(self.links, "modbus_map_tcp", "modbus_map_rtu")
        self.s2 = self.link_of(self.links, "s2")
        self._rebound_event_s: float | None = None     # note_rebound_event

    def modbus_point(self, name: str, *, writable: bool = False) -> Any:
        """The Modbus-map link when its register map declares point ``name`` (writable if asked)."""
        link = self.modbus
        if link is None:
            return None
        for point in link.register_map.points:
            if point.name == name and (point.writable or not writable):
                return link
        return None

    # --- catalog and declarations ---------------------------------------------------------------
    @property
    def response_time_s(self) -> float:
        """The declared SG-Ready response time, else the catalog default (HP-SGREADY-BLOCK)."""
        return self.declared("sg_ready_response_time_s", "HP-SGREADY-BLOCK", "response_time_s")

    @property
    def standby_limit_w(self) -> float:
        """Declared standby power (else the catalog's) plus the catalog's standby band."""
        standby = self.declared("standby_power_w", "HP-SGREADY-BLOCK", "standby_power_w")
        return standby + self.pct_of_rated_w(self.param("HP-SGREADY-BLOCK", "standby_tolerance_pct_rated"))

    # --- actions --------------------------------------------------------------------------------
    def set_sg_ready(self, state: SgReadyState) -> None:
        """Set the SG-Ready contacts and read them back (a mismatch is a bench ERROR)."""
        self.step(f"SG-Ready state {int(state)} ({state.name})")
        self.sg_ready.set_state(state)
        read = self.sg_ready.read_state()
        if read != state:
            raise BenchError(f"SG-Ready contacts read back as state {int(read)}, set {int(state)}")

    def note_rebound_event(self) -> None:
        """A control that held the running unit back was lifted now (§14a dimming): a unit that
        declares a randomised restart (HP-REBOUND) may keep the held power, steadily, up to its
        declared maximum delay, which the ``running`` state waits out before judging it steady."""
        self._rebound_event_s = self.now_s()

    def rebound_seen(self) -> None:
        """The restart after the last rebound event was observed: nothing left to wait out."""
        self._rebound_event_s = None

    def _wait_out_rebound(self) -> None:
        if self._rebound_event_s is None or not self.profile.claims("randomised_restart"):
            return
        max_delay_s = float(self._declarations.declared_value("randomised_restart_max_delay_s") or 0.0)
        remaining_s = self._rebound_event_s + max_delay_s - self.now_s()
        self._rebound_event_s = None
        if remaining_s > 0:
            self.step(f"wait out the declared randomised restart delay ({remaining_s:.0f} s left)")
            self.wait(remaining_s, sample_period_s=LONG_OBSERVATION_SAMPLE_S)

    # --- measurements ---------------------------------------------------------------------------
    def series(self, t0_s: float, t1_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(bench time / s, consumption / W) of the samples in [t0_s, t1_s]."""
        samples = self.samples_between(t0_s, t1_s)
        t = np.array([s.t_s for s in samples])
        return t, consumption_w(np.array([s.reading.active_power_w for s in samples]))

    # --- named states ---------------------------------------------------------------------------
    def _preparations(self) -> dict[str, Callable[..., Any]]:
        return {"running": self._running}

    def _running(self, *, timeout_s: float = RUNNING_TIMEOUT_S) -> float:
        """Nominal grid, SG-Ready state 2; wait until the DUT runs steadily. Returns its consumption.

        A DUT that does not run (no heat demand) makes this an ERROR (inconclusive), not a FAIL.
        """
        self.step("bring DUT to steady normal operation (nominal grid, SG-Ready state 2)")
        self.energize_nominal()
        if self.sg_ready is not None:
            self.set_sg_ready(SgReadyState.NORMAL)
        self._wait_out_rebound()
        t_start = self.now_s()
        while self.now_s() - t_start < timeout_s:
            self.wait(STEADY_WINDOW_S, sample_period_s=STEADY_SAMPLE_S)
            _, c = self.series(self.now_s() - STEADY_WINDOW_S + 1e-6)
            if c.size and c.min() > self.standby_limit_w \
                    and c.max() - c.min() < STEADY_SPREAD_SHARE_OF_RATED * self.p_rated_w:
                return float(c.mean())
        raise BenchError(f"DUT did not run steadily in SG-Ready state 2 within {timeout_s:.0f} s of bench time")
