"""Simulated PV inverter (three-phase, or single-phase on L1, L2 or L3): the compliant reference
device for the PV suites.

Behaviour (compliant by default; :class:`PvInverterKnobs` breaks one requirement per knob):
available power with an MPPT lag, P(U) volt-watt limiting, remote WMaxLimPct limit with revert,
LFSM-O over-frequency droop, must-trip protection stages, U> on the 10-minute running mean, and
reconnection (window, observation time, ramp). Stepped by the lab every 20 ms of virtual time,
or in one step up to :meth:`PvInverterSim.quiet_until_s` while nothing can happen but lags and
the ramp; every step is O(1) apart from a 200-value sum every 3 s. No randomness: the same inputs and step
sequence give the same outputs (``seed`` is kept for future noise knobs).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from itertools import pairwise
from typing import Any

from simlab.devices.pv_inverter.api import (
    OperatingState,
    PvInverterNameplate,
    PvInverterReadings,
    PvInverterSettings,
)
from simlab.devices.pv_inverter.knobs import (
    PvInverterKnobs,
    PvInverterParameters,
    SimSettingError,
    parse_knobs,
    parse_parameters,
)
from simlab.devices.pv_inverter.reactive import ReactivePower, active_mode
from simlab.devices.pv_inverter.ride_through import RideThrough
from simlab.devices.pv_inverter.storage import LfsmUStorage
from simlab.devices.pv_inverter.unbalance import phase_shares, volt_watt_targets_pct
from simlab.physics import PHASE_NAMES, DeviceOutput, TerminalConditions, grid_phases_for
from links.sunspec_modbus.types import TripKind, TripStageSetting

__all__ = ["PvInverterSim", "PvInverterKnobs", "PvInverterParameters", "SimSettingError",
           "TenMinuteMeanVoltage", "build_pv_inverter", "parse_parameters_and_knobs"]

_LN10 = math.log(10.0)
_EPS_S = 1e-9
_AGGREGATE_S = 3.0          # IEC 61000-4-30 150-cycle aggregate at 50 Hz
_AGGREGATES_PER_MEAN = 200  # 200 x 3 s = 10 minutes
_QUANTITY_INDEX = {TripKind.OVER_VOLTAGE: 0, TripKind.UNDER_VOLTAGE: 1,   # highest / lowest phase
                   TripKind.OVER_FREQUENCY: 2, TripKind.UNDER_FREQUENCY: 2}
_OVER_KINDS = (TripKind.OVER_VOLTAGE, TripKind.OVER_FREQUENCY)
_QUIET_MARGIN_S = 1e-6      # a big step ends this much before a timer could act


def _lag(present: float, target: float, dt_s: float, tau_s: float) -> float:
    """Exact first-order step response over dt_s (instantaneous when tau_s <= 0)."""
    if tau_s <= 0.0:
        return target
    return target + (present - target) * math.exp(-dt_s / tau_s)


def _interpolate(points: list[tuple[float, float]], x: float) -> float:
    """Piecewise-linear curve value at x, flat beyond the first and last points."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return y0 if x1 <= x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


class TenMinuteMeanVoltage:
    """Per-phase 3-s RMS aggregates and their running RMS mean over the last 200 (10 min).

    Aggregates are aligned to multiples of 3 s of the bench clock; a step that straddles an
    aggregate boundary is split. Before 200 aggregates exist the mean covers those since
    energisation (a partial first aggregate counts for the time it covers).
    """

    def __init__(self, phase_count: int) -> None:
        self.phase_count = phase_count
        self.reset()

    def reset(self) -> None:
        self._square_sum_v2s = [0.0] * self.phase_count
        self._covered_s = 0.0
        self._next_boundary_s: float | None = None
        self._aggregates_v2: list[deque[float]] = [deque(maxlen=_AGGREGATES_PER_MEAN)
                                                   for _ in range(self.phase_count)]
        self.mean_v: tuple[float, ...] | None = None
        self.updated_at_s = 0.0     # bench time of the aggregate boundary of the last update

    @property
    def next_boundary_s(self) -> float | None:
        """The next aggregate boundary (None before the first step)."""
        return self._next_boundary_s

    def add(self, t_end_s: float, dt_s: float, voltage_v: tuple[float, ...]) -> bool:
        """Integrate one step; True when a new aggregate (and so a new mean) was produced."""
        cursor_s = t_end_s - dt_s
        if self._next_boundary_s is None:
            self._next_boundary_s = (math.floor(cursor_s / _AGGREGATE_S + 1e-9) + 1) * _AGGREGATE_S
        updated = False
        while t_end_s >= self._next_boundary_s - _EPS_S:
            self._integrate(voltage_v, max(self._next_boundary_s - cursor_s, 0.0))
            self._close_aggregate()
            self.updated_at_s = self._next_boundary_s
            cursor_s = self._next_boundary_s
            self._next_boundary_s += _AGGREGATE_S
            updated = True
        self._integrate(voltage_v, max(t_end_s - cursor_s, 0.0))
        return updated

    def _integrate(self, voltage_v: tuple[float, ...], span_s: float) -> None:
        if span_s <= 0.0:
            return
        for i in range(self.phase_count):
            self._square_sum_v2s[i] += voltage_v[i] * voltage_v[i] * span_s
        self._covered_s += span_s

    def _close_aggregate(self) -> None:
        if self._covered_s <= _EPS_S:
            return
        for i in range(self.phase_count):
            self._aggregates_v2[i].append(self._square_sum_v2s[i] / self._covered_s)
            self._square_sum_v2s[i] = 0.0
        self._covered_s = 0.0
        self.mean_v = tuple(math.sqrt(sum(q) / len(q)) for q in self._aggregates_v2)


class PvInverterSim:
    """PV inverter model implementing :class:`simlab.physics.SimDevice`: three-phase, or single-phase
    on the grid phase of ``parameters.phase_connection`` (its ``grid_phases``)."""

    def __init__(self, parameters: PvInverterParameters | None = None,
                 knobs: PvInverterKnobs | None = None, seed: int = 0) -> None:
        self.parameters = parameters or PvInverterParameters()
        self.knobs = knobs or PvInverterKnobs()
        self.seed = seed
        p = self.parameters
        self.nameplate = PvInverterNameplate(
            manufacturer=p.manufacturer, model=p.model, serial_number=p.serial_number,
            firmware_version=p.firmware_version, rated_power_w=p.rated_power_w,
            rated_apparent_power_va=p.rated_apparent_power_va,
            nominal_voltage_v=p.nominal_voltage_v, nominal_frequency_hz=p.nominal_frequency_hz,
            phase_count=p.phase_count)
        self.phase_count: int = self.nameplate.phase_count
        self.grid_phases = grid_phases_for(p.phase_count, p.phase_connection)
        sensed = self.knobs.sensed_phase
        self._sensed_index = PHASE_NAMES.index(sensed) if sensed is not None else None
        self.settings = PvInverterSettings(
            trip_stages=list(p.trip_stages),
            ten_minute_mean_trip_pct=p.ten_minute_mean_trip_pct,
            ten_minute_mean_trip_delay_s=p.ten_minute_mean_trip_delay_s)
        self.state = OperatingState.OFF
        self.last_trip: str | None = None
        self._schedule_t_s = [t for t, _ in p.available_power_schedule_w or []]
        self._voltage_v: tuple[float, ...] = (0.0,) * self.phase_count
        self._frequency_hz = p.nominal_frequency_hz
        self._phase_power_w = 0.0
        self._phase_var = 0.0
        self._reactive = ReactivePower(p.rated_apparent_power_va, p.rated_power_w, p.reactive_response_time_s)
        self._available_w = 0.0
        self._volt_watt_pct: float | None = None
        self._remote_pct: float | None = None
        self._remote_snapshot = self._power_limit_snapshot()
        self._remote_elapsed_s = 0.0
        self._remote_reverted = False
        self._lfsm_active = False
        self._lfsm_pref_w = 0.0
        self._lfsm_limit_w = 0.0
        self._ramp_limit_w = math.inf
        self._ramp_rate_w_per_s = 0.0
        self._first_start_done = False
        self._window_elapsed_s = 0.0
        self._compile_trip_stages()
        self._mean_over_since_s: float | None = None
        self._ten_minute = TenMinuteMeanVoltage(self.phase_count)
        self._ride_through = RideThrough(p.ride_through_recovery_time_s, self.knobs)
        self._storage = LfsmUStorage(p.storage) if p.storage is not None else None
        self._phase_shares: tuple[float, ...] = (1.0 / self.phase_count,) * self.phase_count

    # ----------------------------------------------------------------- SimDevice protocol
    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        """Advance by dt_s ending at bench time t_s with the given terminal conditions."""
        volts = self._sensed_volts(terminal)
        self._voltage_v = volts
        self._frequency_hz = f_hz = terminal.frequency_hz
        un = self.nameplate.nominal_voltage_v
        v_max_pct = max(volts) / un * 100.0
        v_min_pct = min(volts) / un * 100.0
        if self._stage_count != len(self.settings.trip_stages):
            self._compile_trip_stages()
        self._track_available_power(t_s, dt_s, terminal.dc_available_power_w)
        self._track_volt_watt(dt_s, volts)
        self._track_remote_limit(dt_s)

        producing = self.state in (OperatingState.CONNECTED, OperatingState.RAMPING)
        if v_max_pct < self.parameters.ac_absent_pct and not self._ride_through.bridges(producing, v_max_pct):
            if self.state is not OperatingState.OFF:
                self._switch_off()
            return
        self._ten_minute.add(t_s, dt_s, volts)
        if self.state is OperatingState.OFF:
            self.state = OperatingState.WAITING
            self._window_elapsed_s = 0.0
        if self.state in (OperatingState.WAITING, OperatingState.TRIPPED):
            self._observe_window(dt_s, v_min_pct, v_max_pct, f_hz)
            if self.state in (OperatingState.WAITING, OperatingState.TRIPPED):
                self._phase_power_w = 0.0
                return
        if not self.settings.enter_service.enabled:
            self._cease(OperatingState.WAITING)
            return
        if self._protection_tripped(t_s, dt_s, v_min_pct, v_max_pct, f_hz):
            return
        ride_through_trip = self._ride_through.observe(t_s, dt_s, v_min_pct, v_max_pct, f_hz, terminal.phase_shift_deg)
        if ride_through_trip is not None:
            self._trip(ride_through_trip)
            return
        self._track_lfsm_o(dt_s, f_hz)
        target_w = self._unramped_target_w()
        if self.state is OperatingState.RAMPING:
            self._ramp_limit_w += self._ramp_rate_w_per_s * dt_s
            if self._ramp_limit_w >= self.nameplate.rated_power_w:
                self.state = OperatingState.CONNECTED
                self._ramp_limit_w = math.inf
            target_w = min(target_w, self._ramp_limit_w)
        if self._storage is not None:
            target_w = self._storage.step(dt_s, f_hz, target_w, self.nameplate.rated_power_w,
                                          self.nameplate.nominal_frequency_hz, self.settings.frequency_droop,
                                          self.knobs)
        self._produce(dt_s, volts, max(target_w, 0.0) * self._ride_through.output_share())

    def _produce(self, dt_s: float, volts: tuple[float, ...], p_w: float) -> None:
        """Output ``p_w`` with the reactive power law's Q (simlab/devices/pv_inverter/reactive.py),
        both inside the S rating with the set priority."""
        r, un = self.settings.reactive, self.nameplate.nominal_voltage_v
        target_var = self._reactive.target(r, self.knobs, [v / un * 100.0 for v in volts], p_w,
                                           self.knobs.volt_var_wrong_basis or self.parameters.volt_var_basis)
        self._reactive.advance(target_var, dt_s, self._reactive.response_time_s(r, self.knobs))
        p_w, q_var = self._reactive.limited(r, self.knobs, p_w)
        self._phase_power_w, self._phase_var = p_w / self.phase_count, q_var / self.phase_count

    def _sensed_volts(self, terminal: TerminalConditions) -> tuple[float, ...]:
        """The phase voltages the inverter acts on (a knob may make it sense the wrong phase)."""
        volts = tuple(terminal.voltage_v[:self.phase_count])
        if self._sensed_index is not None and terminal.grid_voltage_v:   # knob: the wrong phase's voltage
            volts = (terminal.grid_voltage_v[self._sensed_index],) * self.phase_count
        if len(volts) < self.phase_count:
            volts = volts + (0.0,) * (self.phase_count - len(volts))
        return volts

    def quiet_until_s(self, t_s: float, terminal: TerminalConditions) -> float:
        """The latest bench time at which ONE step from ``t_s`` under unchanged ``terminal`` ends the
        same as fixed steps would (simlab/devices/hooks.py): before any protection timer, window
        observation, remote-limit revert, schedule point or 10-minute aggregate boundary can act.
        Lags (exact exponentials) and the reconnection ramp (linear) integrate exactly in one step.
        ``t_s`` itself (no big step) whenever a transition is pending or a timer is running."""
        p, k = self.parameters, self.knobs
        volts = self._sensed_volts(terminal)
        un = self.nameplate.nominal_voltage_v
        v_max_pct = max(volts) / un * 100.0
        v_min_pct = min(volts) / un * 100.0
        f_hz = terminal.frequency_hz
        if not self._reactive_quiet(volts):
            return t_s
        if (self._stage_count != len(self.settings.trip_stages) or self._volt_watt_pct is None
                or self._remote_pct is None or self._power_limit_snapshot() != self._remote_snapshot
                or self._ride_through.busy(t_s, f_hz, terminal.phase_shift_deg)):
            return t_s
        horizon_s = math.inf
        # the available-power schedule's next point (the step's end picks the target)
        if p.available_power_schedule_w and terminal.dc_available_power_w <= 0.0:
            index = bisect.bisect_right(self._schedule_t_s, t_s + _EPS_S)
            if index < len(self._schedule_t_s):
                horizon_s = self._schedule_t_s[index] - _QUIET_MARGIN_S
        pl = self.settings.power_limit
        if pl.enabled and not self._remote_reverted and pl.revert_time_s > 0.0 and not k.power_limit_revert_ignored:
            horizon_s = min(horizon_s, t_s + pl.revert_time_s - _EPS_S - self._remote_elapsed_s - _QUIET_MARGIN_S)
        if v_max_pct < p.ac_absent_pct:
            return horizon_s if self.state is OperatingState.OFF else t_s
        if self.state is OperatingState.OFF:
            return t_s
        boundary_s = self._ten_minute.next_boundary_s
        if boundary_s is None:
            return t_s
        horizon_s = min(horizon_s, boundary_s)
        if self.state in (OperatingState.WAITING, OperatingState.TRIPPED):
            es = self.settings.enter_service
            if es.enabled and (self._inside_window(v_min_pct, v_max_pct, f_hz) or k.reconnect_ignores_window):
                remaining_s = es.delay_s * k.reconnect_delay_factor - _EPS_S - self._window_elapsed_s
                horizon_s = min(horizon_s, t_s + remaining_s - _QUIET_MARGIN_S)
            return max(horizon_s, t_s)
        if not self.settings.enter_service.enabled or self._mean_over_since_s is not None:
            return t_s
        quantities = (v_max_pct, v_min_pct, f_hz)
        if any(_beyond(quantities[quantity], threshold, over) for _, quantity, over, threshold, _ in self._stages):
            return t_s
        if k.trip_instead_of_limiting_pct is not None and v_max_pct > k.trip_instead_of_limiting_pct:
            return t_s
        if k.ten_minute_mean_instantaneous and not k.ten_minute_mean_disabled and (
                v_max_pct > self.settings.ten_minute_mean_trip_pct + k.ten_minute_mean_threshold_offset_pct):
            return t_s
        droop = self.settings.frequency_droop
        if not k.lfsm_o_ignored and droop.enabled:
            f1_hz = self._lfsm_start_hz()
            if (f_hz > f1_hz) if not self._lfsm_active else (f_hz < f1_hz):
                return t_s          # LFSM-O engages (taking its reference power) or releases
        if self._storage is not None and not self._storage.quiet(f_hz, self.nameplate.nominal_frequency_hz, droop):
            return t_s              # LFSM-U engaged or releasing
        return max(horizon_s, t_s)

    def _reactive_quiet(self, volts: tuple[float, ...]) -> bool:
        """A quiet step keeps Q exact: its target under the sensed ``volts`` is the one it lags
        towards now (and, for a target that follows P, Q has settled)."""
        r = self.settings.reactive
        if self.state not in (OperatingState.RAMPING, OperatingState.CONNECTED):
            return self._reactive.settled()
        un = self.nameplate.nominal_voltage_v
        target = self._reactive.target(r, self.knobs, [v / un * 100.0 for v in volts], self._reactive.unlimited_p_w,
                                       self.knobs.volt_var_wrong_basis or self.parameters.volt_var_basis)
        if target != self._reactive.target_var:
            return False        # the target moves: the lag integrates exactly only towards a fixed target
        # a target that follows P (Q(P), fixed cos phi) holds only once P and Q have settled
        return active_mode(r) not in ("watt_var", "fixed_pf") or self._reactive.settled()

    def output(self) -> DeviceOutput:
        """Present AC output: active power shared over the phases (equally unless unbalanced:
        unbalance.py), reactive power split equally."""
        total_w = self._phase_power_w * self.phase_count
        return DeviceOutput(active_power_w=tuple(total_w * share for share in self._phase_shares),
                            reactive_power_var=(self._phase_var,) * self.phase_count)

    # ------------------------------------------------------------------------ public API
    def settings_changed(self) -> None:
        """Called by the SunSpec server after it mutated ``settings``."""
        self._compile_trip_stages()
        self._sync_power_limit()

    def readings(self) -> PvInverterReadings:
        """Model 701 content: true values unless a readings knob distorts them."""
        k = self.knobs
        gain = k.readings_power_gain
        phase_var = self._phase_var
        total_w = self._phase_power_w * self.phase_count
        phase_va = tuple(math.hypot(total_w * share, phase_var) for share in self._phase_shares)
        currents = tuple((va / v if v > 1.0 else 0.0) * gain
                         for v, va in zip(self._voltage_v, phase_va, strict=True))
        return PvInverterReadings(
            voltage_v=tuple(max(0.0, v + k.readings_voltage_offset_v) for v in self._voltage_v),
            current_a=currents,
            active_power_w=total_w * gain,
            reactive_power_var=phase_var * self.phase_count * gain,
            apparent_power_va=sum(phase_va) * gain,
            frequency_hz=self._frequency_hz + k.readings_frequency_offset_hz,
            state=self.state,
            last_trip=self.last_trip)

    @property
    def available_power_w(self) -> float:
        """AC power the array could deliver now (after efficiency, MPPT lag, rated cap)."""
        return self._available_w

    @property
    def ten_minute_mean_v(self) -> tuple[float, ...] | None:
        """Present per-phase 10-minute running mean (None before the first 3-s aggregate)."""
        return self._ten_minute.mean_v

    # ------------------------------------------------------------------ power limiters
    def _track_available_power(self, t_s: float, dt_s: float, dc_w: float) -> None:
        schedule = self.parameters.available_power_schedule_w
        if dc_w > 0.0:
            raw_w = dc_w * self.parameters.efficiency
        elif schedule:
            index = bisect.bisect_right(self._schedule_t_s, t_s + _EPS_S) - 1
            raw_w = schedule[index][1] if index >= 0 else 0.0
        else:
            raw_w = 0.0
        raw_w = min(raw_w, self.nameplate.rated_power_w)
        self._available_w = _lag(self._available_w, raw_w, dt_s,
                                 self.parameters.mppt_time_constant_s)

    def _track_volt_watt(self, dt_s: float, volts: tuple[float, ...]) -> None:
        vw = self.settings.volt_watt
        k = self.knobs
        target_pct = 100.0
        targets: tuple[float, ...] = (100.0,) * self.phase_count
        if vw.enabled and vw.points:
            points = sorted(vw.points)
            un = self.nameplate.nominal_voltage_v
            basis = k.volt_watt_wrong_basis or self.parameters.volt_watt_basis
            targets = volt_watt_targets_pct([v / un * 100.0 for v in volts], basis,
                                            lambda x: _interpolate(points, x - k.volt_watt_voltage_offset_pct))
            target_pct = sum(targets) / len(targets)
            if target_pct < 100.0:  # the power offset acts where the curve limits
                target_pct = min(max(target_pct + self.knobs.volt_watt_power_offset_pct, 0.0), 100.0)
        limiting = not k.volt_watt_ignored and k.trip_instead_of_limiting_pct is None
        self._phase_shares = phase_shares(targets if limiting else (100.0,) * self.phase_count, k.phase_power_shares)
        if self._volt_watt_pct is None:
            self._volt_watt_pct = target_pct
            return
        tau_s = vw.response_time_s * self.knobs.volt_watt_response_time_factor / _LN10
        self._volt_watt_pct = _lag(self._volt_watt_pct, target_pct, dt_s, tau_s)

    def _volt_watt_limit_w(self) -> float:
        vw = self.settings.volt_watt
        k = self.knobs
        if (not vw.enabled or not vw.points or k.volt_watt_ignored
                or k.trip_instead_of_limiting_pct is not None or self._volt_watt_pct is None):
            return math.inf
        return self._volt_watt_pct / 100.0 * self.nameplate.rated_power_w

    def _power_limit_snapshot(self) -> tuple[bool, float, float, float]:
        pl = self.settings.power_limit
        return (pl.enabled, pl.limit_pct, pl.revert_time_s, pl.response_time_s)

    def _sync_power_limit(self) -> None:
        snapshot = self._power_limit_snapshot()
        if snapshot != self._remote_snapshot:
            self._remote_snapshot = snapshot
            self._remote_elapsed_s = 0.0
            self._remote_reverted = False

    def _track_remote_limit(self, dt_s: float) -> None:
        self._sync_power_limit()
        pl = self.settings.power_limit
        k = self.knobs
        active = pl.enabled and not self._remote_reverted
        if active and pl.revert_time_s > 0.0 and not k.power_limit_revert_ignored:
            self._remote_elapsed_s += dt_s
            if self._remote_elapsed_s >= pl.revert_time_s - _EPS_S:
                self._remote_reverted = True
                active = False
        target_pct = min(max(pl.limit_pct + k.power_limit_offset_pct, 0.0), 100.0) if active else 100.0
        if self._remote_pct is None:
            self._remote_pct = target_pct
            return
        response_s = pl.response_time_s if pl.response_time_s > 0.0 else (
            self.parameters.power_limit_response_time_s)
        tau_s = response_s * k.power_limit_response_time_factor / _LN10
        self._remote_pct = _lag(self._remote_pct, target_pct, dt_s, tau_s)

    def _remote_limit_w(self) -> float:
        if self.knobs.power_limit_ignored or self._remote_pct is None:
            return math.inf
        return self._remote_pct / 100.0 * self.nameplate.rated_power_w

    def _track_lfsm_o(self, dt_s: float, f_hz: float) -> None:
        droop = self.settings.frequency_droop
        k = self.knobs
        if k.lfsm_o_ignored or not droop.enabled:
            self._lfsm_active = False
            return
        fn_hz = self.nameplate.nominal_frequency_hz
        f1_hz = self._lfsm_start_hz()
        if not self._lfsm_active:
            if f_hz <= f1_hz:
                return
            self._lfsm_active = True
            self._lfsm_pref_w = self._lfsm_limit_w = self._phase_power_w * self.phase_count
        elif f_hz < f1_hz:
            self._lfsm_active = False
            return
        droop_pct = k.lfsm_o_droop_pct if k.lfsm_o_droop_pct is not None else droop.droop_pct
        droop_pct = max(droop_pct, 1e-6)
        pref_w = self._lfsm_pref_w
        target_w = max(pref_w - pref_w * (f_hz - f1_hz) / (fn_hz * droop_pct / 100.0), 0.0)
        tau_s = droop.response_time_s * k.lfsm_o_response_time_factor / _LN10
        self._lfsm_limit_w = _lag(self._lfsm_limit_w, target_w, dt_s, tau_s)

    def _lfsm_start_hz(self) -> float:
        """LFSM-O's start frequency: nominal + the over-frequency deadband (+ a knob's offset)."""
        return (self.nameplate.nominal_frequency_hz + self.settings.frequency_droop.deadband_over_hz
                + self.knobs.lfsm_o_start_offset_hz)

    def _unramped_target_w(self) -> float:
        target_w = min(self._available_w, self._volt_watt_limit_w(), self._remote_limit_w())
        if self._lfsm_active:
            target_w = min(target_w, self._lfsm_limit_w)
        cap_pct = self.knobs.fixed_export_cap_pct
        if cap_pct is not None:
            target_w = min(target_w, cap_pct / 100.0 * self.nameplate.rated_power_w)
        return target_w

    # ---------------------------------------------------------- protection and reconnection
    def _compile_trip_stages(self) -> None:
        """Apply the trip knobs to the present stages once (not on every step)."""
        k = self.knobs
        previous = dict(zip((entry[1:] for entry in getattr(self, "_stages", [])),
                            getattr(self, "_trip_elapsed_s", []), strict=True))
        self._stage_count = len(self.settings.trip_stages)
        self._stages = [
            (stage, _QUANTITY_INDEX[stage.kind], stage.kind in _OVER_KINDS,
             stage.threshold + k.trip_threshold_offset.get(stage.kind, 0.0),
             stage.clearing_time_s * k.trip_time_factor.get(stage.kind, 1.0) - _EPS_S)
            for stage in self.settings.trip_stages if stage.kind not in k.trip_disabled]
        # an unchanged stage keeps its running timer (a write elsewhere must not delay a trip)
        self._trip_elapsed_s = [previous.get(entry[1:], 0.0) for entry in self._stages]

    def _protection_tripped(self, t_s: float, dt_s: float, v_min_pct: float, v_max_pct: float,
                            f_hz: float) -> bool:
        k = self.knobs
        quantities = (v_max_pct, v_min_pct, f_hz)
        elapsed = self._trip_elapsed_s
        for index, (stage, quantity, over, threshold, clearing_s) in enumerate(self._stages):
            if _beyond(quantities[quantity], threshold, over):
                elapsed[index] += dt_s
                if elapsed[index] >= clearing_s:
                    self._trip(_describe_stage(stage))
                    return True
            else:
                elapsed[index] = 0.0
        if k.trip_instead_of_limiting_pct is not None and v_max_pct > k.trip_instead_of_limiting_pct:
            self._trip(f"over_voltage {k.trip_instead_of_limiting_pct:.1f}% 0.00 s")
            return True
        return self._ten_minute_mean_tripped(t_s, dt_s, v_max_pct)

    def _ten_minute_mean_tripped(self, t_s: float, dt_s: float, v_max_pct: float) -> bool:
        k = self.knobs
        if k.ten_minute_mean_disabled:
            self._mean_over_since_s = None
            return False
        threshold_pct = self.settings.ten_minute_mean_trip_pct + k.ten_minute_mean_threshold_offset_pct
        delay_s = (k.ten_minute_mean_delay_s if k.ten_minute_mean_delay_s is not None
                   else self.settings.ten_minute_mean_trip_delay_s)
        if k.ten_minute_mean_instantaneous:
            value_pct: float | None = v_max_pct
        else:
            mean_v = self._ten_minute.mean_v
            value_pct = None if mean_v is None else max(mean_v) / self.nameplate.nominal_voltage_v * 100.0
        if value_pct is None or value_pct <= threshold_pct:
            self._mean_over_since_s = None
            return False
        if self._mean_over_since_s is None:  # the mean changes only at aggregate boundaries
            self._mean_over_since_s = (t_s - dt_s if k.ten_minute_mean_instantaneous
                                       else max(self._ten_minute.updated_at_s, t_s - dt_s))
        if t_s - self._mean_over_since_s >= delay_s - _EPS_S:
            self._trip(f"ten_minute_mean {self.settings.ten_minute_mean_trip_pct:.1f}% "
                       f"{self.settings.ten_minute_mean_trip_delay_s:.2f} s")
            return True
        return False

    def _trip(self, description: str) -> None:
        self.last_trip = description
        self._cease(OperatingState.TRIPPED)

    def _cease(self, state: OperatingState) -> None:
        """Stop producing at once and go to ``state`` (observation restarts)."""
        self.state = state
        self._phase_power_w = self._phase_var = 0.0
        self._reactive.reset()
        self._window_elapsed_s = 0.0
        self._trip_elapsed_s = [0.0] * len(self._stages)
        self._mean_over_since_s = None
        self._lfsm_active = False
        self._ramp_limit_w = 0.0
        self._ride_through.reset()
        if self._storage is not None:
            self._storage.reset()

    def _switch_off(self) -> None:
        self._cease(OperatingState.OFF)
        self._ten_minute.reset()

    def _observe_window(self, dt_s: float, v_min_pct: float, v_max_pct: float,
                        f_hz: float) -> None:
        es = self.settings.enter_service
        k = self.knobs
        if not es.enabled:
            self._window_elapsed_s = 0.0
            return
        if self._inside_window(v_min_pct, v_max_pct, f_hz) or k.reconnect_ignores_window:
            self._window_elapsed_s += dt_s
        else:
            self._window_elapsed_s = 0.0
        if self._window_elapsed_s >= es.delay_s * k.reconnect_delay_factor - _EPS_S:
            self._connect()

    def _inside_window(self, v_min_pct: float, v_max_pct: float, f_hz: float) -> bool:
        """The grid inside the enter-service window (voltage and frequency)."""
        es = self.settings.enter_service
        return (es.voltage_low_pct <= v_min_pct and v_max_pct <= es.voltage_high_pct
                and es.frequency_low_hz <= f_hz <= es.frequency_high_hz)

    def _connect(self) -> None:
        ramp_time_s = self.settings.enter_service.ramp_time_s
        if not self._first_start_done:
            ramp_time_s = self.parameters.first_start_ramp_time_s
            self._first_start_done = True
        self._window_elapsed_s = 0.0
        self._trip_elapsed_s = [0.0] * len(self._stages)
        self._mean_over_since_s = None
        self._lfsm_active = False
        if ramp_time_s <= 0.0:
            self.state = OperatingState.CONNECTED
            self._ramp_limit_w = math.inf
            return
        self.state = OperatingState.RAMPING
        self._ramp_limit_w = 0.0
        self._ramp_rate_w_per_s = (self.nameplate.rated_power_w / ramp_time_s
                                   * self.knobs.ramp_rate_factor)


def _beyond(value: float, threshold: float, over: bool) -> bool:
    """A must-trip stage's condition: above an over-stage's threshold, below an under-stage's."""
    return value > threshold if over else value < threshold


def _describe_stage(stage: TripStageSetting) -> str:
    if stage.kind in (TripKind.OVER_VOLTAGE, TripKind.UNDER_VOLTAGE):
        return f"{stage.kind.value} {stage.threshold:.1f}% {stage.clearing_time_s:.2f} s"
    return f"{stage.kind.value} {stage.threshold:.2f}Hz {stage.clearing_time_s:.2f} s"


def parse_parameters_and_knobs(parameters: dict[str, Any],
                               knobs: dict[str, Any]) -> tuple[PvInverterParameters, PvInverterKnobs]:
    """Parse a profile's ``simulation.parameters`` and ``simulation.knobs``; bad keys raise
    :class:`SimSettingError` (a ValueError) whose ``key`` and ``section`` ("parameters"/"knobs")
    name the entry."""
    try:
        parsed_parameters = parse_parameters(parameters)
    except SimSettingError as error:
        error.section = "parameters"
        raise
    try:
        parsed_knobs = parse_knobs(knobs)
    except SimSettingError as error:
        error.section = "knobs"
        raise
    return parsed_parameters, parsed_knobs


def build_pv_inverter(parameters: dict[str, Any], knobs: dict[str, Any],
                      seed: int = 0) -> PvInverterSim:
    """Build a simulated PV inverter from profile dicts (errors: :func:`parse_parameters_and_knobs`)."""
    return PvInverterSim(*parse_parameters_and_knobs(parameters, knobs), seed=seed)
