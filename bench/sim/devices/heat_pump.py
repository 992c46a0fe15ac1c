"""Simulated SG-Ready heat pump: the compliant reference device for the heat-pump suites.

Behaviour (compliant by default; :class:`HeatPumpKnobs` breaks one requirement per knob):

* thermal model: a house (capacity, envelope loss to a fixed outdoor temperature) heated through
  its emitters from a buffer tank, which the compressor heats with a fixed COP; the buffer
  setpoint follows an ideal heating curve (the buffer temperature at which the emitters cover the
  house's loss at the indoor setpoint), so the unit starts in thermal equilibrium;
* compressor: modulates between ``min_modulation`` and 100 % of ``rated_power_w`` (electrical),
  proportional control on the buffer error with the emitter load as feed-forward, ramps up at
  ``ramp_up_w_per_s`` and down at ``ramp_down_w_per_s``, minimum on / off times (a block or loss
  of AC stops it at once; a start waits for the minimum off time);
* SG-Ready (BWP) inputs, two contacts read from the lab's contact bank (``contact_channels``):
  1:0 state 1 blocked (standby power only, for at most ``block_limit_s``, then the unit resumes),
  0:0 state 2 normal, 0:1 state 3 recommended on (buffer setpoint + ``boost_offset_k``, up to
  ``boost_max_modulation``), 1:1 state 4 forced on (100 % until ``buffer_max_c``). The unit acts on
  an input change ``response_time_s`` after it (polling / debounce delay line);
* after a block ends the compressor restarts softly: its power is capped at the power it drew when
  the block began, and the cap rises from 0 at ``release_ramp_w_per_s`` (no rebound surge); the cap
  is lifted once the buffer is back at its setpoint;
* AC absent (highest phase below ``ac_absent_pct`` of Un): everything off, 0 W.

Electrical power is split equally over three phases and reported *export positive*, so a running
heat pump has a negative active power (Q = 0). Stepped by the lab every 20 ms; no randomness.
"""

from __future__ import annotations

from collections import deque
from enum import IntEnum
from typing import Any

from bench.sim.devices.heat_pump_knobs import (
    HeatPumpKnobs,
    HeatPumpParameters,
    SimSettingError,
    parse_knobs,
    parse_parameters,
)
from bench.sim.physics import DeviceOutput, TerminalConditions

__all__ = ["HeatPumpSim", "SgReadyState", "sg_ready_state", "build_heat_pump", "DEFAULT_CONTACT_CHANNELS"]

DEFAULT_CONTACT_CHANNELS: tuple[int, int] = (301, 302)
_BUFFER_RECOVERED_K = 0.1


class SgReadyState(IntEnum):
    """SG-Ready (BWP) operating states."""

    BLOCKED = 1         # contacts 1:0
    NORMAL = 2          # 0:0
    RECOMMENDED_ON = 3  # 0:1
    FORCED_ON = 4       # 1:1


def sg_ready_state(contact_1_closed: bool, contact_2_closed: bool) -> SgReadyState:
    """The SG-Ready state of two contact positions (contact 1, contact 2)."""
    if contact_1_closed:
        return SgReadyState.FORCED_ON if contact_2_closed else SgReadyState.BLOCKED
    return SgReadyState.RECOMMENDED_ON if contact_2_closed else SgReadyState.NORMAL


class HeatPumpSim:
    """Three-phase SG-Ready heat pump implementing :class:`bench.sim.physics.SimDevice`."""

    phase_count = 3

    def __init__(self, parameters: HeatPumpParameters, knobs: HeatPumpKnobs,
                 contact_channels: tuple[int, int] = DEFAULT_CONTACT_CHANNELS) -> None:
        self.p = parameters
        self.k = knobs
        self.contact_channels = contact_channels
        self.t_house_c = parameters.indoor_setpoint_c
        self.t_buffer_c = self.buffer_setpoint_c()
        self.compressor_on = True
        self.compressor_w = 0.0
        self.powered = False
        self._last_switch_s = -1e12
        self._t_s = 0.0
        self.input_state = SgReadyState.NORMAL      # what the contacts say
        self.acting_state = SgReadyState.NORMAL     # what the unit has taken in (after the delay)
        self._pending: deque[tuple[float, SgReadyState]] = deque()
        self._block_started_s: float | None = None
        self._block_expired = False
        self._pre_block_w = 0.0
        self._release_cap_w: float | None = None    # soft-restart cap after a block, None = no cap
        self._sticky_block = False

    # --- derived settings ------------------------------------------------------------------
    def buffer_setpoint_c(self) -> float:
        """Ideal heating curve: emitters cover the envelope loss at the indoor setpoint."""
        p = self.p
        loss_w = p.house_loss_w_per_k * (p.indoor_setpoint_c - p.outdoor_temperature_c)
        return p.indoor_setpoint_c + max(loss_w, 0.0) / p.emitter_w_per_k

    @property
    def response_time_s(self) -> float:
        return self.p.response_time_s * self.k.response_time_factor

    @property
    def block_limit_s(self) -> float:
        return self.k.block_limit_s if self.k.block_limit_s is not None else self.p.block_limit_s

    def effective_state(self) -> SgReadyState:
        """The state the unit behaves in (its input after delay, block limit and knobs)."""
        state = self.acting_state
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

    # --- SimDevice ---------------------------------------------------------------------------
    def output(self) -> DeviceOutput:
        per_phase = -self.consumption_w() / self.phase_count
        return DeviceOutput(active_power_w=(per_phase,) * self.phase_count,
                            reactive_power_var=(0.0,) * self.phase_count)

    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        self._t_s = t_s
        self._observe_inputs(t_s, terminal)
        powered = max(terminal.voltage_v, default=0.0) >= self.p.ac_absent_pct / 100.0 * self.p.nominal_voltage_v
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
        self._thermal(dt_s)

    # --- internals ---------------------------------------------------------------------------
    def _observe_inputs(self, t_s: float, terminal: TerminalConditions) -> None:
        closed = terminal.closed_contacts
        seen = sg_ready_state(self.contact_channels[0] in closed, self.contact_channels[1] in closed)
        if seen != self.input_state:
            self.input_state = seen
            self._pending.append((t_s + self.response_time_s, seen))
        while self._pending and self._pending[0][0] <= t_s + 1e-9:
            _, state = self._pending.popleft()
            self._take_in(state)
        if (self.acting_state == SgReadyState.BLOCKED and self._block_started_s is not None
                and not self._block_expired and t_s - self._block_started_s >= self.block_limit_s - 1e-9):
            self._block_expired = True     # at most block_limit_s: resume (softly)
            self._start_release()

    def _take_in(self, state: SgReadyState) -> None:
        before = self.effective_state()
        leaving_block = self.acting_state == SgReadyState.BLOCKED and state != SgReadyState.BLOCKED
        self.acting_state = state
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
                else:
                    self._start_release()
            if state != SgReadyState.NORMAL:
                self._sticky_block = False

    def _start_release(self) -> None:
        self._release_cap_w = 0.0

    def _switch(self, on: bool, t_s: float) -> None:
        self.compressor_on = on
        self._last_switch_s = t_s

    def _target_w(self, t_s: float, dt_s: float) -> float:
        p = self.p
        state = self.effective_state()
        since_switch_s = t_s - self._last_switch_s
        if state == SgReadyState.BLOCKED:
            if self.compressor_on:
                self._switch(False, t_s)       # a block stops the compressor regardless of min on time
            return 0.0
        min_w = p.min_modulation * p.rated_power_w
        if state == SgReadyState.FORCED_ON:
            want_on = self.t_buffer_c < p.buffer_max_c
            target = p.rated_power_w * self.k.forced_power_factor
        else:
            boost = state == SgReadyState.RECOMMENDED_ON
            setpoint = self.buffer_setpoint_c() + (p.boost_offset_k if boost else 0.0)
            emit_w = max(p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)
            demand_w = (emit_w + p.controller_gain_w_per_k * (setpoint - self.t_buffer_c)) / p.cop
            ceiling = p.rated_power_w * (p.boost_max_modulation if boost else 1.0)
            if self.compressor_on:
                want_on = not (demand_w < min_w and self.t_buffer_c > setpoint + p.hysteresis_k)
            else:
                want_on = demand_w >= min_w or self.t_buffer_c < setpoint - p.hysteresis_k
            target = min(max(demand_w, min_w), ceiling)
        if want_on != self.compressor_on:
            min_time = p.min_on_time_s if self.compressor_on else p.min_off_time_s
            if since_switch_s >= min_time:
                self._switch(want_on, t_s)
        if not self.compressor_on:
            return 0.0
        if self._release_cap_w is not None:
            limit_w = max(self._pre_block_w, min_w) * self.k.surge_on_release_factor
            self._release_cap_w = min(self._release_cap_w + p.release_ramp_w_per_s * self.k.release_ramp_factor * dt_s,
                                      limit_w)
            if self._release_cap_w >= limit_w - 1e-9 and self.t_buffer_c >= self.buffer_setpoint_c() - _BUFFER_RECOVERED_K:
                self._release_cap_w = None     # recovered: normal control again
            elif state == SgReadyState.NORMAL:
                target = min(target, max(self._release_cap_w, 0.0))
        return target

    def _thermal(self, dt_s: float) -> None:
        p = self.p
        heat_w = self.compressor_w * p.cop
        emit_w = max(p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)
        loss_w = p.house_loss_w_per_k * (self.t_house_c - p.outdoor_temperature_c)
        self.t_buffer_c += (heat_w - emit_w) * dt_s / p.buffer_capacity_j_per_k
        self.t_house_c += (emit_w - loss_w) * dt_s / p.house_capacity_j_per_k


def build_heat_pump(parameters: dict[str, Any], knobs: dict[str, Any],
                    contact_channels: tuple[int, int] = DEFAULT_CONTACT_CHANNELS) -> HeatPumpSim:
    """Build a simulated heat pump from profile dicts; bad keys raise :class:`SimSettingError`
    (a ValueError) whose ``key`` and ``section`` ("parameters"/"knobs") name the entry."""
    return HeatPumpSim(parse_parameters(parameters), parse_knobs(knobs), contact_channels)


def lab_device(ctx: Any) -> HeatPumpSim:
    """The lab's builder (bench/sim/devices/registry.py): SG-Ready contacts on the lab's bank."""
    params = dict(ctx.parameters)
    params.setdefault("nameplate", ctx.nameplate)
    return build_heat_pump(params, ctx.knobs, contact_channels=tuple(ctx.contact_channels or DEFAULT_CONTACT_CHANNELS))
