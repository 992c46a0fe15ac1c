"""When the simulated charger's power stage switches between one and three phases, and where one phase
lands (electrical.py asks this policy; the pause itself is electrical.py's ``phase_switch_pause_s``).

Compliant behaviour (parameters):

* ``phase_switch_min_interval_s``: a switch starts at least this long after the previous one started
  (a request in between waits; the charger keeps charging as it is);
* one phase lands on the period's ``phaseToUse`` (OCPP 2.0.1 ChargingSchedulePeriodType; 1 = L1), else
  on ``phase_switch_single_phase`` ("L1" / "L2" / "L3", default L1: what a 1.6 charger declares).

Fault knobs: ``phase_switch_too_fast`` (ignores the minimum interval), ``lands_on_wrong_phase`` (ignores
phaseToUse: always its default phase), ``ignores_number_phases`` (stays on the phases it has).
"""

from __future__ import annotations

from typing import Any

from simlab.physics import PHASE_NAMES

__all__ = ["PhaseSwitchPolicy"]


class PhaseSwitchPolicy:
    """See the module docstring; ``params`` / ``knobs`` may lack the fields (compliant defaults)."""

    def __init__(self, params: Any, knobs: Any) -> None:
        self.wired = int(params.phase_count)
        self.min_interval_s = float(getattr(params, "phase_switch_min_interval_s", 0.0))
        self.default_phase = PHASE_NAMES.index(getattr(params, "phase_switch_single_phase", "L1") or "L1")
        self.too_fast = bool(getattr(knobs, "phase_switch_too_fast", False))
        self.wrong_phase = bool(getattr(knobs, "lands_on_wrong_phase", False))
        self.ignores = bool(getattr(knobs, "ignores_number_phases", False))
        self.last_start_s: float | None = None

    def target(self, phases: int, phase_to_use: int | None) -> tuple[int, int]:
        """(phases, 0-based grid phase of one phase; 0 for three) the stage should run on."""
        if self.ignores or self.wired == 1:
            phases = self.wired
        if phases != 1 or self.wired == 1:
            return phases, 0
        if phase_to_use is None or self.wrong_phase:
            return 1, self.default_phase
        return 1, phase_to_use - 1

    def may_start(self, t_s: float) -> bool:
        """A switch may start now (the minimum interval since the last one has passed)."""
        return self.too_fast or self.last_start_s is None or t_s - self.last_start_s >= self.min_interval_s - 1e-9

    def started(self, t_s: float) -> None:
        self.last_start_s = t_s
