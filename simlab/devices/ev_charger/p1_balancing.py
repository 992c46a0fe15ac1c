"""Site load balancing from the smart meter's P1 port (profile ``functions.p1_load_balancing``).

The charger reads the lab meter's telegrams (simlab/site.py, published by
simlab/instruments/p1_meter.py; parsed with links/p1/telegram.py like any P1 reader) and keeps each
phase's import at the connection point at or under the main fuse. Per grid phase g

    household_a[g] = meter import current of phase g - the charger's own current on g
    limit_a(set)   = main_fuse_a - margin_a - max(household_a[g] for g in set)

and it offers the limit of the phases it charges on (below ``min_current_a`` the power stage pauses).
A limit takes effect ``p1_response_delay_s`` after the telegram arrived; when the household load
drops the limit rises again with the next telegram (it resumes). The import current of a phase is
the telegram's power over its voltage (the 1 A current field is too coarse to balance on). A garbled
telegram is ignored (the last limit holds). Without telegrams (no meter in the lab) there is no P1
limit.

With ``p1_switches_phases`` (and phase switching) the charger also chooses its phases: on three
phases, when their limit falls below ``min_current_a`` but the least loaded phase alone allows it, it
asks for one phase there; on one phase it asks for three again once their limit is
``SWITCH_BACK_MARGIN_A`` above the minimum. The power stage switches no sooner than its minimum
interval (phase_switching.py); until then the offer stays within the limit of the phases in use.

Parameters (``simulation.parameters``): ``p1_load_balancing`` (on / off), ``p1_main_fuse_a``,
``p1_margin_a``, ``p1_response_delay_s``, ``p1_switches_phases``. Fault knobs: ``ignores_p1`` (never
limits), ``p1_reads_phase`` ("L1" / "L2" / "L3": takes that meter phase for every phase, a phase
mix-up), ``p1_response_delay_factor`` (x the response delay: too slow).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from links.p1.telegram import P1Reading, TelegramError, crc_ok, instantaneous_part, parse_telegram
from simlab.physics import PHASE_NAMES
from simlab.site import SiteState

__all__ = ["P1Balancer", "SWITCH_BACK_MARGIN_A"]

SWITCH_BACK_MARGIN_A = 1.0
"""Hysteresis of a self-chosen switch back to three phases, A above ``min_current_a``."""
ALL_PHASES = (0, 1, 2)


class P1Balancer:
    """The charger's P1 limit and, when it switches by itself, its wish of phases (module docstring)."""

    def __init__(self, params: Any, knobs: Any, site: SiteState) -> None:
        self.fuse_a = float(params.p1_main_fuse_a)
        self.margin_a = float(params.p1_margin_a)
        self.delay_s = float(params.p1_response_delay_s) * float(knobs.p1_response_delay_factor)
        self.min_a = float(params.min_current_a)
        self.switches = bool(params.p1_switches_phases and params.phase_switching_supported
                             and params.phase_count == 3)
        self.ignores = bool(knobs.ignores_p1)
        self.reads_phase = None if knobs.p1_reads_phase is None else PHASE_NAMES.index(knobs.p1_reads_phase)
        self.site = site
        self._seen_seq = site.telegram_seq
        self._parsed: tuple[str, P1Reading] | None = None   # (instantaneous part, its reading): see _reading
        self._pending: list[tuple[float, tuple[float, ...]]] = []     # (applies at, household A per phase)
        self.household_a: tuple[float, ...] | None = None
        self.one_phase: int | None = None       # the wish: one phase on this grid phase (None: as asked)
        self.garbled = 0
        self._decided_on: tuple[int, ...] | None = None     # grid_phases of the last decide (quiet)
        site.p1_readers += 1

    @property
    def limit_a(self) -> float | None:
        """The limit of three phases in force (None: no telegram yet)."""
        return None if self.household_a is None else self._limit(ALL_PHASES)

    def in_transition(self) -> bool:
        """A limit is waiting for its response delay."""
        return bool(self._pending)

    def quiet(self, grid_phases: Sequence[int]) -> bool:
        """:meth:`decide` answers as at its last call, given the same request, when the charger
        charges on ``grid_phases`` now (simlab/devices/hooks.py quiet_until_s): the phases in use are
        those of that call, no telegram waits to be read, and every limit waiting for its response
        delay is the one in force (the meter repeats the household load once a second; taking it
        again changes nothing)."""
        if self.ignores:
            return True
        if tuple(grid_phases) != self._decided_on:
            return False
        if self.site.telegram_seq != self._seen_seq and self.site.telegram is not None:
            return False
        return all(household == self.household_a for _, household in self._pending)

    def _limit(self, grid_phases: Sequence[int]) -> float:
        assert self.household_a is not None
        return self.fuse_a - self.margin_a - max(self.household_a[g] for g in grid_phases)

    def _update(self, t_s: float, own_current_a: Sequence[float]) -> None:
        if self.site.telegram_seq != self._seen_seq and self.site.telegram is not None:
            self._seen_seq = self.site.telegram_seq
            household = self._household_from(self.site.telegram, own_current_a)
            if household is not None:
                self._pending.append((t_s + self.delay_s, household))
        while self._pending and self._pending[0][0] <= t_s + 1e-9:
            self.household_a = self._pending.pop(0)[1]
            if self.switches:
                self._choose_phases()

    def _choose_phases(self) -> None:
        best = max(ALL_PHASES, key=lambda g: self._limit((g,)))     # the least loaded phase
        if self.one_phase is None:
            if self._limit(ALL_PHASES) < self.min_a <= self._limit((best,)):
                self.one_phase = best
        elif self._limit(ALL_PHASES) >= self.min_a + SWITCH_BACK_MARGIN_A:
            self.one_phase = None
        elif self._limit((self.one_phase,)) < self.min_a <= self._limit((best,)):
            self.one_phase = best

    def cap_a(self, t_s: float, amps: float, grid_phases: Sequence[int], own_current_a: Sequence[float]) -> float:
        """``amps`` (A per phase) capped by the P1 limit in force at ``t_s``; ``grid_phases`` the
        0-based grid phases the charger charges on now, ``own_current_a`` what it draws per grid phase
        L1..L3 (electrical.py ``grid_draw``)."""
        return self.decide(t_s, amps, 3, None, grid_phases, own_current_a)[0]

    def decide(self, t_s: float, amps: float, phases: int, phase_to_use: int | None, grid_phases: Sequence[int],
               own_current_a: Sequence[float]) -> tuple[float, int, int | None]:
        """(A per phase, phases, phaseToUse) to offer: the controller's ``amps`` / ``phases`` /
        ``phase_to_use`` capped by the P1 limit of the phases in use (``grid_phases``) and, when it
        switches by itself, of the phase it wishes."""
        if self.ignores:
            return amps, phases, phase_to_use
        self._decided_on = tuple(grid_phases)
        self._update(t_s, own_current_a)
        if self.household_a is None:
            return amps, phases, phase_to_use
        if self.one_phase is not None and phases == 3:
            phases, phase_to_use = 1, self.one_phase + 1
            amps = min(amps, self._limit((self.one_phase,)))
        in_use = list(grid_phases) or list(ALL_PHASES)
        return max(min(amps, self._limit(in_use)), 0.0), phases, phase_to_use

    def _reading(self, telegram: str) -> P1Reading:
        """The telegram parsed with dsmr-parser (TelegramError when garbled). The meter sends one a
        second and its instantaneous values rarely change: a telegram whose CRC holds and whose
        instantaneous objects equal the last parsed one's reuses that reading (only voltages and
        powers are used here; its timestamp and energy registers are the earlier telegram's)."""
        key = instantaneous_part(telegram)
        if self._parsed is not None and self._parsed[0] == key and crc_ok(telegram):
            return self._parsed[1]
        reading = parse_telegram(telegram)
        self._parsed = (key, reading)
        return reading

    def _household_from(self, telegram: str, own_current_a: Sequence[float]) -> tuple[float, ...] | None:
        try:
            reading = self._reading(telegram)
        except TelegramError:
            self.garbled += 1
            return None
        household = []
        for grid in ALL_PHASES:
            meter_phase = grid if self.reads_phase is None else self.reads_phase
            volts = reading.voltage_v[meter_phase]
            import_a = reading.net_import_w(meter_phase) / volts if volts > 1.0 else 0.0
            household.append(import_a - own_current_a[grid])
        return tuple(household)
