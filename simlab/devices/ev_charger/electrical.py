"""The power side of the simulated AC charger (EVSE): pilot PWM, contactor, phases, grid
behaviour, standby consumption, the charger's own meter.

The smart-charging controller decides a limit every step and hands it over with
:meth:`EvseElectrical.set_offered_current_a`; this module turns it into what the cable carries
(:class:`simlab.ev_port.EvPort`) and what the grid sees (:meth:`EvseElectrical.output`).

Compliant behaviour (parameters, :class:`ElectricalParameters`):

* the offer becomes the pilot duty of IEC 61851-1 Table A.7 after the charger's own update delay
  (``evse_response_delay_s``); it never exceeds ``rated_current_a``. Without an EV (state A)
  the pilot is a steady +12 V (A1, no PWM);
* below 6 A (``min_current_a``) or with no offer the charger **pauses**: no PWM (state x1). The
  contactor stays closed while the EV keeps state C (it stops drawing on its own), and opens
  when the EV leaves state C;
* grid voltage: when any wired phase is below ``undervoltage_stop_v`` or above
  ``overvoltage_stop_v`` the charger stops at once (no PWM, contactor open) and restarts after
  every wired phase has been back in range for ``restart_delay_s``. The thresholds are
  declared values ['unverified' defaults: 0.85 Un and 1.15 Un, 60 s]. With L1 dead the charger
  is simply off and starts afresh when L1 returns (no restart delay);
* phase switching (``supply_phases`` of the port): a change between 1 and 3 phases (or of the one
  phase used) pauses the PWM, opens the contactor for ``phase_switch_pause_s``, switches, then
  resumes; when a switch may start and where one phase lands: phase_switching.py;
* ``standby_power_w`` is drawn on L1 whenever L1 is live (not metered: the meter is on the
  outlet circuit);
* :meth:`EvseElectrical.output` is export-positive, so a charging EV gives negative active
  power, per phase P = U x I (unity power factor).

Fault knobs (:class:`ElectricalKnobs`, every default compliant):

* ``evse_response_delay_factor``: slow (or fast) update of the pilot after a new limit;
* ``overshoot_factor`` / ``overshoot_duration_s``: every new offer is first
  ``overshoot_factor`` x the target for that long (also on a reduction);
* ``meter_error_factor``: the meter reports ``factor`` x the true current, power and energy
  (voltage and offered current untouched; the physics is untouched);
* ``keeps_minimum_instead_of_pause``: offers 6 A for a limit between 0 and 6 A instead of
  pausing (a limit of exactly 0 A, or no offer, still pauses).

Until ``simlab/devices/ev_charger/knobs.py`` carries these fields in ``EvChargerParameters``
/ ``EvChargerKnobs``, :class:`ElectricalParameters` / :class:`ElectricalKnobs` hold them; the
constructor accepts any objects with the same attribute names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from simlab.devices.ev_charger.phase_switching import PhaseSwitchPolicy
from simlab.devices.pv_inverter.knobs import SimSettingError
from simlab.ev_port import (LIVE_PHASE_V, MAX_PILOT_CURRENT_A, EvModel, EvPort,
                               duty_for_current_a, pilot_current_a)
from simlab.physics import DeviceOutput, TerminalConditions

__all__ = ["EvseElectrical", "MeterReading", "ElectricalParameters", "ElectricalKnobs",
           "check_electrical_settings", "QUIET_MARGIN_S"]

CHARGING_THRESHOLD_A = 0.05
"""Below this per-phase current the charger does not count as charging."""
QUIET_MARGIN_S = 1e-3
"""A quiet horizon of the charger (``quiet_until_s``) ends this long before the instant a timer or a
schedule boundary could act (far more than the rounding of bench time to calendar microseconds)."""


class ElectricalParameterSource(Protocol):
    """The parameter fields this module reads (``EvChargerParameters`` carries them too)."""

    phase_count: int
    rated_current_a: float
    min_current_a: float
    nominal_voltage_v: float
    evse_response_delay_s: float
    undervoltage_stop_v: float
    overvoltage_stop_v: float
    restart_delay_s: float
    phase_switch_pause_s: float
    standby_power_w: float


class ElectricalKnobSource(Protocol):
    """The knob fields this module reads, never writes (``EvChargerKnobs`` carries them too, the last
    one as a read-only property)."""

    evse_response_delay_factor: float
    overshoot_factor: float
    overshoot_duration_s: float
    meter_error_factor: float

    @property
    def keeps_minimum_instead_of_pause(self) -> bool: ...


@dataclass
class ElectricalParameters:
    """Compliant-charger electrical parameters (profile ``simulation.parameters``)."""

    phase_count: int = 3                 # phases wired to the charger (1 or 3)
    rated_current_a: float = 32.0        # per phase; at most 80 A (IEC 61851-1 Table A.7)
    min_current_a: float = 6.0           # IEC 61851-1: below this the charger pauses
    nominal_voltage_v: float = 230.0
    evse_response_delay_s: float = 1.0   # controller decision -> pilot duty
    undervoltage_stop_v: float = 195.5   # 0.85 Un ['unverified' default]
    overvoltage_stop_v: float = 264.5    # 1.15 Un ['unverified' default]
    restart_delay_s: float = 60.0        # in range this long before restarting ['unverified']
    phase_switch_pause_s: float = 5.0    # contactor open while switching 1 <-> 3 phases
    standby_power_w: float = 5.0         # charger electronics, on L1


@dataclass
class ElectricalKnobs:
    """Electrical fault knobs (profile ``simulation.knobs``); every default is compliant."""

    evse_response_delay_factor: float = 1.0     # x evse_response_delay_s
    overshoot_factor: float = 1.0               # a new offer first goes factor x target ...
    overshoot_duration_s: float = 3.0           # ... for this long
    meter_error_factor: float = 1.0             # reported = factor x true (current, power, energy)
    keeps_minimum_instead_of_pause: bool = False  # offers 6 A for limits below 6 A


def check_electrical_settings(params: ElectricalParameterSource,
                              knobs: ElectricalKnobSource) -> None:
    """Raise :class:`SimSettingError` (section ``parameters`` or ``knobs``) for a bad value."""

    def number(section: str, key: str, value: Any, low: float, high: float = math.inf) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not low <= value <= high:
            raise SimSettingError(key, f"expected a number in [{low:g}, {high:g}], got {value!r}",
                                  section)

    if params.phase_count not in (1, 3) or isinstance(params.phase_count, bool):
        raise SimSettingError("phase_count", f"expected 1 or 3, got {params.phase_count!r}",
                              "parameters")
    number("parameters", "min_current_a", params.min_current_a, 6.0, MAX_PILOT_CURRENT_A)
    number("parameters", "rated_current_a", params.rated_current_a, params.min_current_a,
           MAX_PILOT_CURRENT_A)
    number("parameters", "nominal_voltage_v", params.nominal_voltage_v, 1.0)
    for key in ("evse_response_delay_s", "restart_delay_s", "phase_switch_pause_s",
                "standby_power_w"):
        number("parameters", key, getattr(params, key), 0.0)
    number("parameters", "undervoltage_stop_v", params.undervoltage_stop_v, 0.0,
           params.nominal_voltage_v)
    number("parameters", "overvoltage_stop_v", params.overvoltage_stop_v, params.nominal_voltage_v)
    number("knobs", "evse_response_delay_factor", knobs.evse_response_delay_factor, 0.0)
    number("knobs", "overshoot_factor", knobs.overshoot_factor, 1.0)
    number("knobs", "overshoot_duration_s", knobs.overshoot_duration_s, 0.0)
    number("knobs", "meter_error_factor", knobs.meter_error_factor, 0.0)
    if not isinstance(knobs.keeps_minimum_instead_of_pause, bool):
        raise SimSettingError("keeps_minimum_instead_of_pause", "expected true or false, got "
                              f"{knobs.keeps_minimum_instead_of_pause!r}", "knobs")


@dataclass(frozen=True)
class MeterReading:
    """What the charger's own meter reports (OCPP MeterValues measurands), knob applied."""

    energy_import_wh: float                 # Energy.Active.Import.Register
    power_active_import_w: float            # Power.Active.Import (sum of phases)
    current_import_a: tuple[float, ...]     # Current.Import, per phase L1..L3
    voltage_v: tuple[float, ...]            # Voltage, per phase L1..L3 (phase-neutral)
    current_offered_a: float                # Current.Offered (0 while paused)


class EvseElectrical:
    """The charger's power stage on one :class:`EvPort` (see the module docstring)."""

    def __init__(self, params: ElectricalParameterSource, knobs: ElectricalKnobSource,
                 port: EvPort) -> None:
        check_electrical_settings(params, knobs)
        self.params = params
        self.knobs = knobs
        self.port = port
        self.phase_count = params.phase_count
        self.ev = EvModel()
        # the controller's latest request, and what is due / applied on the pilot
        self._requested: tuple[float | None, int, int | None] = (None, params.phase_count, None)
        self._scheduled: list[tuple[float, float | None, int, int]] = []   # (apply at, amps, phases, grid)
        self._last_scheduled: tuple[float | None, int, int] | None = None
        self._applied_a: float | None = None
        self._applied_phases = params.phase_count
        self._overshoot_until_s = -math.inf
        self._offered_a: float | None = None
        # grid behaviour
        self._suspended = False
        self._in_range_since_s: float | None = None
        # phase switching: (phases, 0-based grid phase of one phase) wanted and applied
        self.switching = PhaseSwitchPolicy(params, knobs)
        self._switch_until_s: float | None = None
        self._wanted: tuple[int, int] = (params.phase_count, 0)
        self._applied_grid = 0
        # terminals and metering
        self._terminal_v: tuple[float, ...] = (0.0,) * 3
        self._energy_import_wh = 0.0
        self._zero_var: tuple[float, ...] = (0.0,) * self.phase_count   # output()'s reactive power
        self.port.supply_phases = min(self._applied_phases, params.phase_count)

    # -- the controller's side ----------------------------------------------------------------
    def set_offered_current_a(self, amps_per_phase: float | None, phases: int,
                              phase_to_use: int | None = None) -> None:
        """The controller's decision for this step (A per phase, or None: no charging allowed).

        Below ``min_current_a`` (or None) the charger pauses; above ``rated_current_a`` it
        offers its rating. ``phases`` (1 or 3) beyond the wired phases is reduced to them. The
        change reaches the pilot after ``evse_response_delay_s x evse_response_delay_factor``.
        ``phase_to_use`` (1..3): the phase of a one-phase period (phase_switching.py).
        """
        if phases not in (1, 3) or isinstance(phases, bool):
            raise ValueError(f"phases must be 1 or 3, got {phases!r}")
        if amps_per_phase is not None and (math.isnan(amps_per_phase) or amps_per_phase < 0):
            raise ValueError(f"offered current must be >= 0 A, got {amps_per_phase!r}")
        self._requested = (amps_per_phase, min(phases, self.params.phase_count), phase_to_use)

    def _target_a(self, amps: float | None) -> float | None:
        if amps is None:
            return None
        if amps < self.params.min_current_a:
            if self.knobs.keeps_minimum_instead_of_pause and amps > 0.0:
                return self.params.min_current_a
            return None
        return min(amps, self.params.rated_current_a)

    # -- properties -----------------------------------------------------------------------------
    @property
    def offered_current_a(self) -> float:
        """The current offered on the pilot now, A per phase (0 while paused or stopped)."""
        return pilot_current_a(self.port.pilot_duty_pct)

    @property
    def suspended_by_grid(self) -> bool:
        """True while stopped because the grid voltage is (or recently was) out of range."""
        return self._suspended

    @property
    def charging(self) -> bool:
        """Current flows to the EV."""
        return max(self.port.ev_current_a, default=0.0) > CHARGING_THRESHOLD_A

    @property
    def cp_state(self) -> str:
        return self.port.cp_state()

    @property
    def powered(self) -> bool:
        """L1 is live, so the charger's electronics run."""
        return self._l1_live()

    @property
    def phase_switching(self) -> bool:
        """True while the contactor is open for a 1 <-> 3 phase switch."""
        return self._switch_until_s is not None

    # -- stepping -------------------------------------------------------------------------------
    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        """Advance by ``dt_s`` ending at bench time ``t_s``."""
        # runs every physics step: tuples built directly (same values, same float operations)
        volts = terminal.voltage_v
        if type(volts) is not tuple or len(volts) != 3:
            volts = tuple(volts) + (0.0,) * (3 - len(volts))
        self._terminal_v = volts[:3]
        self._grid(t_s, volts)
        self._schedule(t_s)
        self._phase_switch(t_s)
        self._pilot(t_s)
        self._contactor()
        port = self.port
        if self._switch_until_s is None:
            port.supply_phases = self._applied_phases
        closed, n = port.contactor_closed, port.supply_phases
        if n == 1 and self._applied_grid:        # one phase, not the charger's L1 (phaseToUse)
            port.supply_voltage_v = (volts[self._applied_grid] if closed else 0.0, 0.0, 0.0)
        else:
            port.supply_voltage_v = (volts[0] if closed and n > 0 else 0.0,
                                     volts[1] if closed and n > 1 else 0.0,
                                     volts[2] if closed and n > 2 else 0.0)
        self.ev.step(port, dt_s)
        supply, current = port.supply_voltage_v, port.ev_current_a
        if len(current) == 3:
            power_w = 0 + supply[0] * current[0] + supply[1] * current[1] + supply[2] * current[2]
        else:
            # a shorter current tuple (fewer phases drawn) is legitimate: the missing phases carry no power
            power_w = sum(u * i for u, i in zip(supply, current, strict=False))
        self._energy_import_wh += power_w * dt_s / 3600.0

    def quiet_until_s(self, t_s: float, terminal: TerminalConditions) -> float:
        """The latest bench time up to which one :meth:`step` from ``t_s`` under ``terminal`` (and the
        request of the last step) ends as fixed steps would (simlab/devices/hooks.py): the request is
        on the pilot (nothing scheduled, no overshoot, no phase switch wanted or running), the pilot,
        contactor and supply are what a step would set, the grid state holds (or the restart delay
        runs: until its end) and the EV has settled (:meth:`simlab.ev_port.EvModel.quiet_until_s`).
        ``t_s`` when anything is in transition."""
        if self._scheduled or t_s < self._overshoot_until_s or self._switch_until_s is not None \
                or self._wanted != (self._applied_phases, self._applied_grid):
            return t_s
        amps, phases, phase_to_use = self._requested
        if (self._target_a(amps), *self.switching.target(phases, phase_to_use)) != self._last_scheduled:
            return t_s
        volts = terminal.voltage_v
        if len(volts) != 3:
            volts = tuple(volts) + (0.0,) * (3 - len(volts))
        if tuple(volts[:3]) != self._terminal_v:
            return t_s
        horizon_s = self._grid_quiet_until_s(t_s, volts)
        port = self.port
        l1_live = self._l1_live()
        duty = None
        if self._applied_a is not None and not self._suspended and l1_live and port.ev_connected:
            duty = duty_for_current_a(self._applied_a)
        if horizon_s <= t_s or port.pilot_duty_pct != duty or port.supply_phases != self._applied_phases:
            return t_s
        closed = port.contactor_closed
        if port.cp_state() != "C" or self._suspended or not l1_live:
            closed = False
        elif duty is not None:
            closed = True
        if closed != port.contactor_closed:
            return t_s
        n = port.supply_phases
        if n == 1 and self._applied_grid:
            supply = (volts[self._applied_grid] if closed else 0.0, 0.0, 0.0)
        else:
            supply = (volts[0] if closed and n > 0 else 0.0, volts[1] if closed and n > 1 else 0.0,
                      volts[2] if closed and n > 2 else 0.0)
        if port.supply_voltage_v != supply:
            return t_s
        return min(horizon_s, self.ev.quiet_until_s(port, t_s))

    def _grid_quiet_until_s(self, t_s: float, volts: tuple[float, ...]) -> float:
        """Until when :meth:`_grid` keeps its state under ``volts``: for ever when settled, the end of a
        running restart delay, ``t_s`` when its next call changes something."""
        settled = not self._suspended and self._in_range_since_s is None
        if volts[0] < LIVE_PHASE_V:
            return math.inf if settled else t_s
        low_v, high_v = self.params.undervoltage_stop_v, self.params.overvoltage_stop_v
        if not all(low_v <= u <= high_v for u in volts[:self.params.phase_count]):
            return math.inf if self._suspended and self._in_range_since_s is None else t_s
        if settled:
            return math.inf
        if self._in_range_since_s is None:
            return t_s
        return self._in_range_since_s + self.params.restart_delay_s - 1e-9 - QUIET_MARGIN_S

    def _grid(self, t_s: float, volts: tuple[float, ...]) -> None:
        params = self.params
        if not self._l1_live():
            # unpowered: the charger is off (no PWM, contactor open); it starts afresh
            self._suspended = False
            self._in_range_since_s = None
            return
        low_v, high_v = params.undervoltage_stop_v, params.overvoltage_stop_v
        in_range = True
        for u in volts[:params.phase_count]:
            if not low_v <= u <= high_v:
                in_range = False
                break
        if not in_range:
            self._suspended = True
            self._in_range_since_s = None
            return
        if self._suspended:
            if self._in_range_since_s is None:
                self._in_range_since_s = t_s
            if t_s - self._in_range_since_s >= self.params.restart_delay_s - 1e-9:
                self._suspended = False
                self._in_range_since_s = None

    def _schedule(self, t_s: float) -> None:
        amps, phases, phase_to_use = self._requested
        request = (self._target_a(amps), *self.switching.target(phases, phase_to_use))
        if request != self._last_scheduled:
            self._last_scheduled = request
            delay_s = self.params.evse_response_delay_s * self.knobs.evse_response_delay_factor
            self._scheduled.append((t_s + delay_s, request[0], request[1], request[2]))
        if not self._scheduled:
            return
        due = [entry for entry in self._scheduled if entry[0] <= t_s + 1e-9]
        if not due:
            return
        self._scheduled = self._scheduled[len(due):]
        _, target, phases, grid = due[-1]
        if target is not None and target != self._applied_a:
            self._overshoot_until_s = t_s + self.knobs.overshoot_duration_s
        self._applied_a = target
        self._wanted = (phases, grid)

    def _phase_switch(self, t_s: float) -> None:
        """Start a wanted switch when the policy allows it; end a running one after the pause (on
        what is wanted by then)."""
        if self._switch_until_s is None:
            if self._wanted != (self._applied_phases, self._applied_grid) and self.switching.may_start(t_s):
                self._switch_until_s = t_s + self.params.phase_switch_pause_s
                self.switching.started(t_s)
        elif t_s >= self._switch_until_s - 1e-9:
            self._applied_phases, self._applied_grid = self._wanted
            self.port.supply_phases = self._applied_phases
            self._switch_until_s = None

    def _pilot(self, t_s: float) -> None:
        target = self._applied_a
        if target is None or self._suspended or self._switch_until_s is not None \
                or not self._l1_live() or not self.port.ev_connected:
            self._offered_a = None
            self.port.pilot_duty_pct = None
            return
        if t_s < self._overshoot_until_s:
            target = min(target * self.knobs.overshoot_factor, MAX_PILOT_CURRENT_A)
        self._offered_a = target
        self.port.pilot_duty_pct = duty_for_current_a(target)

    def _contactor(self) -> None:
        port = self.port
        if port.cp_state() != "C" or self._suspended or self._switch_until_s is not None \
                or not self._l1_live():
            port.contactor_closed = False
        elif port.pilot_duty_pct is not None:
            port.contactor_closed = True
        # else: paused with the EV still in state C: the contactor keeps its position

    def _l1_live(self) -> bool:
        return self._terminal_v[0] >= LIVE_PHASE_V

    # -- what the grid and the meter see --------------------------------------------------------
    def output(self) -> DeviceOutput:
        """Export-positive per-phase power at the charger's input terminals."""
        port = self.port
        # per-phase tuples of a port may differ in length; a phase missing from either carries no power
        power = [-(u * i) for u, i in zip(port.supply_voltage_v, port.ev_current_a, strict=False)]
        if self._applied_grid and power:        # the EV's one phase is on grid phase _applied_grid
            power = self._on_grid_phases(power)
        if self._terminal_v[0] >= LIVE_PHASE_V:         # _l1_live(), inlined: runs every step
            power[0] -= self.params.standby_power_w
        n = self.phase_count
        reactive = self._zero_var
        if len(reactive) != n:
            reactive = self._zero_var = (0.0,) * n
        return DeviceOutput(active_power_w=tuple(power[:n]), reactive_power_var=reactive)

    def grid_draw(self, wiring: tuple[int, ...] | None) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """The 0-based grid phases the stage charges on now, and the EV's current per grid phase
        L1..L3 (``wiring``: a single-phase charger's grid phases; None: phase k on grid phase k)."""
        n = self._applied_phases
        grid = tuple(wiring)[:n] if wiring is not None else (self._applied_grid,) if n == 1 else (0, 1, 2)[:n]
        amps = [0.0, 0.0, 0.0]
        for k, g in enumerate(grid):
            amps[g] = self.port.ev_current_a[k] if k < len(self.port.ev_current_a) else 0.0
        return grid, tuple(amps)

    def _on_grid_phases(self, per_ev_phase: list[float]) -> list[float]:
        """A per-EV-phase list moved onto the grid phases: the EV's L1 on ``_applied_grid``."""
        out = [0.0] * max(3, len(per_ev_phase))
        out[self._applied_grid] = per_ev_phase[0]
        return out

    def meter(self) -> MeterReading:
        """The charger's meter (outlet circuit), with the ``meter_error_factor`` knob applied."""
        port = self.port
        error = self.knobs.meter_error_factor
        n = self.phase_count
        currents = tuple(i * error for i in port.ev_current_a[:n])
        if self._applied_grid and currents:
            currents = tuple(self._on_grid_phases(list(currents))[:n])
        # per-phase tuples of a port may differ in length; a phase missing from either carries no power
        power = sum(u * i for u, i in zip(port.supply_voltage_v, port.ev_current_a, strict=False)) * error
        return MeterReading(energy_import_wh=self._energy_import_wh * error,
                            power_active_import_w=power,
                            current_import_a=currents,
                            voltage_v=tuple(self._terminal_v[:n]),
                            current_offered_a=self.offered_current_a)
