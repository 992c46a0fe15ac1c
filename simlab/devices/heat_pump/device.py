"""The simulated heat pump's compressor and control: SG-Ready inputs, power limits (Modbus, S2
PEBC, §14a dimming), failsafe, soft restart, undervoltage stop and the hybrid gas mode.

The behaviour and the Modbus point roles are described in simlab/devices/heat_pump/lab_wiring.py (the
device kind's module); the house / buffer thermal model is simlab/devices/heat_pump/thermal.py.
"""

from __future__ import annotations

import math
from enum import IntEnum

from links.sg_ready_contacts import SgReadyState, sg_ready_state
from simlab.devices.control_inputs import DelayLine, FailsafeLatch
from simlab.devices.heat_pump import restart
from simlab.devices.heat_pump.knobs import HeatPumpKnobs, HeatPumpParameters
from simlab.devices.heat_pump.thermal import HouseBufferModel
from simlab.physics import DeviceOutput, TerminalConditions

__all__ = ["HeatPumpSim", "HeatPumpMode", "HeatPumpStatus", "DEFAULT_CONTACT_CHANNELS"]

DEFAULT_CONTACT_CHANNELS: tuple[int, int] = (301, 302)
_BUFFER_RECOVERED_K = 0.1
_STOPS_AT_207V_MARGIN_V = 1.0          # knob stops_at_207v: stop threshold 0.9 Un + 1 V
_RESTART_HYSTERESIS_V = 5.0            # restart threshold at least stop threshold + this


class HeatPumpMode(IntEnum):
    """Operating mode (Modbus ``operating_mode``; S2 DDBC operation mode ids ``electric`` / ``gas``)."""

    ELECTRIC = 1
    GAS = 2


class HeatPumpStatus(IntEnum):
    """Status readback (Modbus ``status``)."""

    OFF = 0             # no AC
    STANDBY = 1         # compressor off (no demand, minimum off time)
    HEATING = 2         # compressor running
    BLOCKED = 3         # SG-Ready state 1, or a limit below the minimum modulation
    GAS = 4             # hybrid: heating with the gas boiler
    UNDERVOLTAGE = 5    # stopped on undervoltage



class HeatPumpSim:
    """Three-phase heat pump implementing :class:`simlab.physics.SimDevice` (see the module docstring)."""

    phase_count = 3

    def __init__(self, parameters: HeatPumpParameters, knobs: HeatPumpKnobs,
                 contact_channels: tuple[int, int] = DEFAULT_CONTACT_CHANNELS,
                 seconds_of_day_at_start: float = 0.0) -> None:
        self.p = parameters
        self.k = knobs
        self.contact_channels = contact_channels
        self.thermal = HouseBufferModel(parameters, seconds_of_day_at_start)
        self.compressor_on = True
        self.compressor_w = 0.0
        self.boiler_w = 0.0                         # thermal
        self.powered = False
        self._last_switch_s = -1e12
        self._t_s = 0.0
        # SG-Ready
        # requested: what the contacts (or sg_ready_mode) say; acting: what the unit has taken in (after the delay)
        self.sg_ready = DelayLine[SgReadyState](SgReadyState.NORMAL)
        self._contacts_state = SgReadyState.NORMAL
        self._contacts_seen: frozenset[int] | None = None   # the contacts the state was last read from
        self._block_started_s: float | None = None
        self._block_expired = False
        self._pre_block_w = 0.0
        self._release_cap_w: float | None = None    # soft-restart cap, None = no cap
        self._release_ceiling_w = 0.0
        self._sticky_block = False
        # power limits, failsafe, modes
        self.modbus_limit_w: float | None = None
        self.failsafe_limit_w = parameters.failsafe_limit_w
        self.s2_upper_w: float | None = None
        self.s2_lower_w: float | None = None
        self.dimming_input = False
        self.modbus_watchdog = FailsafeLatch(parameters.watchdog_timeout_s, disabled=knobs.no_failsafe,
                                             never_left=knobs.failsafe_never_left,
                                             left_on_alive=knobs.failsafe_left_on_heartbeat)
        self.s2_latch = FailsafeLatch(parameters.s2_failsafe_timeout_s, connection_based=True,
                                      disabled=knobs.no_failsafe, never_left=knobs.failsafe_never_left,
                                      left_on_alive=knobs.failsafe_left_on_reconnect)
        self.limit = DelayLine[tuple[float | None, float | None, bool]]((None, None, False))  # (limit, floor, dimming)
        self.requested_mode = HeatPumpMode.ELECTRIC
        self.mode = DelayLine[HeatPumpMode](HeatPumpMode.ELECTRIC)
        self._limit_binding = False
        self._pre_limit_w = 0.0
        self._control_changed = False       # a control input was written since the last step
        self._limit_response_s = parameters.limit_response_time_s * knobs.limit_response_time_factor
        self._ac_present_v = parameters.ac_absent_pct / 100.0 * parameters.nominal_voltage_v
        self._min_w = parameters.min_modulation * parameters.rated_power_w
        # undervoltage
        self.undervoltage_stopped = False
        self._below_s = 0.0
        self.rebound = restart.rebound_of(self)    # randomised restart (heat_pump/restart.py), None: none

    # --- thermal model (simlab/devices/heat_pump/thermal.py) -------------------------------
    @property
    def outdoor_c(self) -> float:
        return self.thermal.outdoor_c

    @property
    def t_house_c(self) -> float:
        return self.thermal.t_house_c

    @property
    def t_buffer_c(self) -> float:
        return self.thermal.t_buffer_c

    def outdoor_temperature_c(self, t_s: float) -> float:
        """Constant, or a daily sinusoid (coldest at ``outdoor_coldest_hour`` local time)."""
        return self.thermal.outdoor_temperature_c(t_s)

    def buffer_setpoint_c(self) -> float:
        """Ideal heating curve: emitters cover the envelope loss at the indoor setpoint."""
        return self.thermal.buffer_setpoint_c()

    # --- derived settings ------------------------------------------------------------------

    @property
    def response_time_s(self) -> float:
        return self.p.response_time_s * self.k.response_time_factor

    @property
    def limit_response_time_s(self) -> float:
        return self._limit_response_s

    @property
    def block_limit_s(self) -> float:
        return self.k.block_limit_s if self.k.block_limit_s is not None else self.p.block_limit_s

    @property
    def max_consumption_w(self) -> float:
        return self.p.rated_power_w + self.p.standby_power_w

    @property
    def undervoltage_stop_v(self) -> float:
        if self.k.stops_at_207v:
            return 0.9 * self.p.nominal_voltage_v + _STOPS_AT_207V_MARGIN_V
        return self.p.undervoltage_stop_v

    @property
    def undervoltage_restart_v(self) -> float:
        return max(self.p.undervoltage_restart_v,
                   self.undervoltage_stop_v + (_RESTART_HYSTERESIS_V if self.k.stops_at_207v else 0.0))

    @property
    def failsafe_active(self) -> bool:
        return self.modbus_watchdog.active or self.s2_latch.active

    @property
    def gas_mode(self) -> bool:
        """The unit heats with the boiler (hybrid, mode ``gas`` acted on)."""
        return self.p.hybrid and self.mode.acting == HeatPumpMode.GAS and not self.k.hybrid_does_not_switch

    @property
    def effective_limit_w(self) -> float | None:
        """The consumption limit the unit acts on (None = none)."""
        return self.limit.acting[0]

    @property
    def input_state(self) -> SgReadyState:
        """The SG-Ready state the contacts (or ``sg_ready_mode``) ask for."""
        return self.sg_ready.requested

    @property
    def acting_state(self) -> SgReadyState:
        """The SG-Ready state the unit has taken in (after its response time)."""
        return self.sg_ready.acting

    def effective_state(self) -> SgReadyState:
        """The state the unit behaves in (its input after delay, block limit and knobs)."""
        return self._effective(self.sg_ready.acting)

    def _effective(self, state: SgReadyState) -> SgReadyState:
        if state == SgReadyState.BLOCKED and (self.k.ignores_block or self._block_expired):
            return SgReadyState.NORMAL
        if state == SgReadyState.NORMAL and self._sticky_block:
            return SgReadyState.BLOCKED
        if state == SgReadyState.RECOMMENDED_ON and self.k.boost_ignored:
            return SgReadyState.NORMAL
        if state == SgReadyState.FORCED_ON and self.k.forced_on_ignored:
            return SgReadyState.NORMAL
        return state

    def consumption_w(self) -> float:
        """Electrical power drawn (consumption positive)."""
        return self.p.standby_power_w + self.compressor_w if self.powered else 0.0

    def heat_demand_w(self) -> float:
        """Heat the emitters draw from the buffer now (the DDBC demand rate)."""
        return self.thermal.emitter_heat_w()

    def heat_output_w(self) -> float:
        """Heat delivered to the buffer by the compressor and the boiler."""
        return self.compressor_w * self.p.cop + self.boiler_w

    def status(self) -> HeatPumpStatus:
        if not self.powered:
            return HeatPumpStatus.OFF
        if self.undervoltage_stopped:
            return HeatPumpStatus.UNDERVOLTAGE
        if self.gas_mode:
            return HeatPumpStatus.GAS
        if self.compressor_on and self.compressor_w > 0.0:
            return HeatPumpStatus.HEATING
        if self.effective_state() == SgReadyState.BLOCKED or self._limit_stops():
            return HeatPumpStatus.BLOCKED
        return HeatPumpStatus.STANDBY

    # --- control inputs (called by the protocol backends at the present bench time) ------------
    def write_power_limit(self, limit_w: float | None) -> None:
        """Modbus ``power_limit_w`` (None lifts the limit). A negative limit is refused (EEBus LPC)."""
        if limit_w is not None and limit_w < 0:
            raise ValueError(f"power limit {limit_w:g} W is negative")
        self.modbus_limit_w = limit_w
        self.modbus_watchdog.instruction()
        self._control_changed = True

    def heartbeat(self) -> None:
        if self.modbus_watchdog.alive(self._t_s):      # knob failsafe_left_on_heartbeat
            self._control_changed = True

    def write_failsafe_limit(self, limit_w: float) -> None:
        if limit_w < 0:
            raise ValueError(f"failsafe limit {limit_w:g} W is negative")
        self.failsafe_limit_w = limit_w
        self._control_changed = True

    def write_operating_mode(self, mode: HeatPumpMode) -> None:
        if mode == HeatPumpMode.GAS and not self.p.hybrid:
            raise ValueError("operating mode 'gas' needs the hybrid variant (a gas boiler)")
        self.requested_mode = mode
        self._control_changed = True

    def write_sg_ready_mode(self, state: SgReadyState) -> None:
        self._set_input(SgReadyState(state), self._t_s)

    def apply_pebc_envelope(self, upper_w: float | None, lower_w: float | None) -> None:
        """S2 PEBC: consumption envelope (consumption positive, W; None = unbounded)."""
        self.s2_upper_w = upper_w
        self.s2_lower_w = lower_w
        self.s2_latch.instruction()
        self._control_changed = True

    def apply_ddbc_mode(self, mode: HeatPumpMode) -> None:
        """S2 DDBC operation mode (``electric`` / ``gas``)."""
        self.write_operating_mode(mode)
        self.s2_latch.instruction()
        self._control_changed = True

    def s2_connection_lost(self) -> None:
        self.s2_latch.lost(self._t_s)

    def s2_connection_restored(self) -> None:
        if self.s2_latch.alive(self._t_s):             # knob failsafe_left_on_reconnect
            self._control_changed = True

    # --- SimDevice ---------------------------------------------------------------------------
    def output(self) -> DeviceOutput:
        per_phase = -self.consumption_w() / self.phase_count
        return DeviceOutput(active_power_w=(per_phase,) * self.phase_count,
                            reactive_power_var=(0.0,) * self.phase_count)

    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        self._t_s = t_s
        self.thermal.follow_outdoor(t_s)
        self._observe_inputs(t_s, terminal)
        self._observe_control(t_s, terminal)
        volts = terminal.voltage_v
        powered = max(volts, default=0.0) >= self._ac_present_v
        if self.rebound is not None and powered != self.powered:
            restart.on_power_change(self, self.rebound, powered, t_s)
        self._observe_undervoltage(t_s, dt_s, min(volts, default=0.0) if powered else None)
        if not powered:
            if self.compressor_on:
                self._switch(False, t_s)
            self.compressor_w = 0.0
        self.powered = powered
        target_w = self._target_w(t_s, dt_s) if powered else 0.0
        if target_w > self.compressor_w:
            self.compressor_w = min(target_w, self.compressor_w + self.p.ramp_up_w_per_s * dt_s)
        else:
            self.compressor_w = max(target_w, self.compressor_w - self.p.ramp_down_w_per_s * dt_s)
        self.boiler_w = self._boiler_w() if powered and self.gas_mode else 0.0
        self.thermal.integrate(self.compressor_w * self.p.cop + self.boiler_w, dt_s)

    # --- internals: inputs ---------------------------------------------------------------------
    def _observe_inputs(self, t_s: float, terminal: TerminalConditions) -> None:
        closed = terminal.closed_contacts
        if closed != self._contacts_seen:          # the state follows the contacts only
            self._contacts_seen = closed
            seen = sg_ready_state(self.contact_channels[0] in closed, self.contact_channels[1] in closed)
            if seen != self._contacts_state:
                self._contacts_state = seen
                self._set_input(seen, t_s)
        if self.sg_ready.pending:
            for before, state in self.sg_ready.take_due(t_s):
                self._take_in(before, state)
        if (self.acting_state == SgReadyState.BLOCKED and self._block_started_s is not None
                and not self._block_expired and t_s - self._block_started_s >= self.block_limit_s - 1e-9):
            self._block_expired = True     # at most block_limit_s: resume (softly)
            self._start_block_release()

    def _set_input(self, state: SgReadyState, t_s: float) -> None:
        self.sg_ready.request(t_s, state, self.response_time_s)

    def _observe_control(self, t_s: float, terminal: TerminalConditions) -> None:
        p = self.p
        entered = self.modbus_watchdog.check(t_s) | self.s2_latch.check(t_s)
        channel = p.dimming_contact_channel
        dimming_input = channel is not None and channel in terminal.closed_contacts
        if entered or self._control_changed or dimming_input != self.dimming_input:
            self.dimming_input = dimming_input
            self._control_changed = False
            self._request_limit(t_s)
        if self.limit.pending:
            for old, new in self.limit.take_due(t_s):
                self._limit_changed(old[0], new[0])
                if self.rebound is not None and old[2] and not new[2]:
                    restart.on_dimming_lifted(self, self.rebound)
        if self.mode.pending:
            self.mode.take_due(t_s)

    def _request_limit(self, t_s: float) -> None:
        """The limit, floor and dimming flag the inputs ask for now, into the response delay line."""
        p, k = self.p, self.k
        limits: list[float] = []
        if self.modbus_watchdog.active:
            limits.append(self.failsafe_limit_w)
        elif self.modbus_limit_w is not None and not k.ignores_power_limit:
            limits.append(self.modbus_limit_w)
        if self.s2_latch.active:
            limits.append(self.failsafe_limit_w)
        elif self.s2_upper_w is not None and not k.ignores_power_limit:
            limits.append(self.s2_upper_w)
        dimming = self.dimming_input and not k.ignores_dimming
        if dimming:
            limits.append(p.dimming_limit_w)
        floor = self.s2_lower_w if (self.s2_lower_w and not self.s2_latch.active) else None
        self.limit.request(t_s, (min(limits) if limits else None, floor, dimming), self.limit_response_time_s)
        self.mode.request(t_s, self.requested_mode, self.limit_response_time_s)

    def _observe_undervoltage(self, t_s: float, dt_s: float, lowest_v: float | None) -> None:
        if lowest_v is None:               # AC absent: handled as "off"
            self._below_s = 0.0
            return
        if not self.undervoltage_stopped:
            self._below_s = self._below_s + dt_s if lowest_v < self.undervoltage_stop_v else 0.0
            if self._below_s > self.p.undervoltage_stop_delay_s + 1e-9:
                self.undervoltage_stopped = True
        elif lowest_v >= self.undervoltage_restart_v:
            self.undervoltage_stopped = False
            self._below_s = 0.0
            if self.k.ignores_min_off_time_on_restart:
                self._last_switch_s = -1e12

    def _take_in(self, acting_before: SgReadyState, state: SgReadyState) -> None:
        """The unit takes in SG-Ready ``state`` (it acted on ``acting_before`` until now)."""
        before = self._effective(acting_before)
        leaving_block = acting_before == SgReadyState.BLOCKED and state != SgReadyState.BLOCKED
        if state == SgReadyState.BLOCKED:
            self._block_started_s = self._t_s
            self._block_expired = False
            if before != SgReadyState.BLOCKED:
                self._pre_block_w = self.compressor_w if self.compressor_on else 0.0
        else:
            self._block_started_s = None
            if leaving_block and before == SgReadyState.BLOCKED:
                if self.k.keeps_blocking_after_release and state == SgReadyState.NORMAL:
                    self._sticky_block = True
                elif self.rebound is not None:
                    restart.on_block_lifted(self, self.rebound)
                else:
                    self._start_block_release()
            if state != SgReadyState.NORMAL:
                self._sticky_block = False

    def _start_block_release(self) -> None:
        min_w = self.p.min_modulation * self.p.rated_power_w
        self._release_cap_w = 0.0
        self._release_ceiling_w = max(self._pre_block_w, min_w) * self.k.surge_on_release_factor

    def _limit_changed(self, old_w: float | None, new_w: float | None) -> None:
        old_cap = math.inf if old_w is None else old_w
        new_cap = math.inf if new_w is None else new_w
        if new_cap < old_cap and not self._limit_binding:
            self._pre_limit_w = self.compressor_w if self.compressor_on else 0.0
        elif new_cap > old_cap and self._limit_binding:
            min_w = self.p.min_modulation * self.p.rated_power_w
            start_w = self.compressor_w if self.compressor_on else 0.0
            self._release_cap_w = start_w
            self._release_ceiling_w = max(max(self._pre_limit_w, min_w) * self.k.surge_after_limit, start_w)
            self._limit_binding = False

    # --- internals: control law --------------------------------------------------------------
    def _switch(self, on: bool, t_s: float) -> None:
        self.compressor_on = on
        self._last_switch_s = t_s

    def _limit_cap_w(self) -> float | None:
        """Compressor power allowed by the acting limit (None = none)."""
        limit_w = self.limit.acting[0]
        return None if limit_w is None else max(limit_w - self.p.standby_power_w, 0.0)

    def _limit_stops(self) -> bool:
        cap = self._limit_cap_w()
        return cap is not None and cap < self.p.min_modulation * self.p.rated_power_w - 1e-9

    def _stop(self, t_s: float) -> float:
        """Stop the compressor at once (regardless of its minimum on time)."""
        if self.compressor_on:
            self._switch(False, t_s)
        return 0.0

    def _target_w(self, t_s: float, dt_s: float) -> float:
        p = self.p
        state = self.effective_state()
        since_switch_s = t_s - self._last_switch_s
        if state == SgReadyState.BLOCKED or self.undervoltage_stopped or self.gas_mode or (
                self.rebound is not None and restart.holds_off(self, self.rebound, t_s)):
            return self._stop(t_s)
        min_w = self._min_w
        limit_w = self.limit.acting[0]
        cap = None if limit_w is None else max(limit_w - p.standby_power_w, 0.0)
        if cap is not None and cap < min_w - 1e-9:            # below the minimum modulation: stop
            if self.compressor_on or self.compressor_w > 0.0:
                self._limit_binding = True
            return self._stop(t_s)
        floor_target = 0.0
        if state == SgReadyState.FORCED_ON:
            want_on = self.t_buffer_c < p.buffer_max_c
            target = p.rated_power_w * self.k.forced_power_factor
        else:
            boost = state == SgReadyState.RECOMMENDED_ON
            setpoint = self.buffer_setpoint_c() + (p.boost_offset_k if boost else 0.0)
            emit_w = self.thermal.emitter_heat_w()
            demand_w = (emit_w + p.controller_gain_w_per_k * (setpoint - self.t_buffer_c)) / p.cop
            ceiling = p.rated_power_w * (p.boost_max_modulation if boost else 1.0)
            if self.compressor_on:
                want_on = not (demand_w < min_w and self.t_buffer_c > setpoint + p.hysteresis_k)
            else:
                want_on = demand_w >= min_w or self.t_buffer_c < setpoint - p.hysteresis_k
            target = min(max(demand_w, min_w), ceiling)
            floor_w = self.limit.acting[1]
            if floor_w is not None and floor_w - p.standby_power_w >= min_w and self.t_buffer_c < p.buffer_max_c:
                want_on = True              # S2 PEBC lower bound: consume at least this (not soft-capped)
                floor_target = min(floor_w - p.standby_power_w, p.rated_power_w)
        if want_on != self.compressor_on:
            min_time = p.min_on_time_s if self.compressor_on else p.min_off_time_s
            if since_switch_s >= min_time:
                self._switch(want_on, t_s)
        if not self.compressor_on:
            return 0.0
        if self._release_cap_w is not None:
            ramp_w_per_s = (p.release_ramp_w_per_s if self.rebound is None
                            else restart.release_ramp_w_per_s(self.rebound))
            self._release_cap_w = min(self._release_cap_w + ramp_w_per_s * self.k.release_ramp_factor * dt_s,
                                      self._release_ceiling_w)
            if (self._release_cap_w >= self._release_ceiling_w - 1e-9
                    and self.t_buffer_c >= self.buffer_setpoint_c() - _BUFFER_RECOVERED_K):
                self._release_cap_w = None     # recovered: normal control again
            elif state == SgReadyState.NORMAL:
                target = min(target, max(self._release_cap_w, 0.0))
        target = max(target, floor_target)
        if cap is not None and target >= cap:
            target = cap
            self._limit_binding = True
        return target

    def _boiler_w(self) -> float:
        p = self.p
        emit_w = self.thermal.emitter_heat_w()
        demand_w = emit_w + p.controller_gain_w_per_k * (self.buffer_setpoint_c() - self.t_buffer_c)
        return min(max(demand_w, 0.0), p.boiler_max_heat_w)
