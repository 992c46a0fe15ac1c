"""Site load balancing from the smart meter's P1 port (profile ``functions.p1_load_balancing``).

The charger reads the lab meter's telegrams (simlab/site.py, published by
simlab/instruments/p1_meter.py; parsed with links/p1/telegram.py like any P1 reader) and keeps each
phase's import at the connection point at or under the main fuse: for each phase it charges on,

    household_a = meter import current of that phase - the charger's own current on it
    limit_a     = main_fuse_a - margin_a - household_a

and offers the lowest limit of its phases (below ``min_current_a`` the power stage pauses). A limit takes
effect ``p1_response_delay_s`` after the telegram arrived; when the household load drops the limit
rises again with the next telegram (it resumes). The import current of a phase is the telegram's
power over its voltage (the 1 A current field is too coarse to balance on). A garbled telegram is
ignored (the last limit holds). Without telegrams (no meter in the lab) there is no P1 limit.

Parameters (``simulation.parameters``): ``p1_load_balancing`` (on / off), ``p1_main_fuse_a``,
``p1_margin_a``, ``p1_response_delay_s``. Fault knobs: ``ignores_p1`` (never limits),
``p1_reads_phase`` ("L1" / "L2" / "L3": takes that meter phase for every phase it charges on, a phase
mix-up), ``p1_response_delay_factor`` (x the response delay: too slow).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from links.p1.telegram import TelegramError, parse_telegram
from simlab.physics import PHASE_NAMES
from simlab.site import SiteState

__all__ = ["P1Balancer"]


class P1Balancer:
    """The charger's P1 limit (see the module docstring)."""

    def __init__(self, params: Any, knobs: Any, site: SiteState) -> None:
        self.fuse_a = float(params.p1_main_fuse_a)
        self.margin_a = float(params.p1_margin_a)
        self.delay_s = float(params.p1_response_delay_s) * float(knobs.p1_response_delay_factor)
        self.ignores = bool(knobs.ignores_p1)
        self.reads_phase = None if knobs.p1_reads_phase is None else PHASE_NAMES.index(knobs.p1_reads_phase)
        self.site = site
        self._seen_seq = site.telegram_seq
        self._pending: list[tuple[float, float]] = []     # (applies at, limit A)
        self.limit_a: float | None = None
        self.garbled = 0
        site.p1_readers += 1

    def in_transition(self) -> bool:
        """A limit is waiting for its response delay."""
        return bool(self._pending)

    def cap_a(self, t_s: float, amps: float, grid_phases: Sequence[int], own_current_a: Sequence[float]) -> float:
        """``amps`` (A per phase) capped by the P1 limit in force at ``t_s``; ``grid_phases`` the
        0-based grid phases the charger charges on now, ``own_current_a`` what it draws per grid phase
        L1..L3 (electrical.py ``grid_draw``)."""
        if self.ignores:
            return amps
        if self.site.telegram_seq != self._seen_seq and self.site.telegram is not None:
            self._seen_seq = self.site.telegram_seq
            limit = self._limit_from(self.site.telegram, grid_phases, own_current_a)
            if limit is not None:
                self._pending.append((t_s + self.delay_s, limit))
        while self._pending and self._pending[0][0] <= t_s + 1e-9:
            self.limit_a = self._pending.pop(0)[1]
        return amps if self.limit_a is None else min(amps, max(self.limit_a, 0.0))

    def _limit_from(self, telegram: str, grid_phases: Sequence[int], own_current_a: Sequence[float]) -> float | None:
        try:
            reading = parse_telegram(telegram)
        except TelegramError:
            self.garbled += 1
            return None
        limits = []
        for grid in grid_phases:
            meter_phase = grid if self.reads_phase is None else self.reads_phase
            volts = reading.voltage_v[meter_phase]
            if volts <= 1.0:
                continue
            import_a = reading.net_import_w(meter_phase) / volts
            limits.append(self.fuse_a - self.margin_a - (import_a - own_current_a[grid]))
        return min(limits) if limits else None
