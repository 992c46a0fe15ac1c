"""Simulated heat pump (SG-Ready, power limits, Modbus map, S2, hybrid): the compliant reference
device of the heat-pump suites.

Behaviour (compliant by default; :class:`HeatPumpKnobs` breaks one requirement per knob):

* thermal model: a house (capacity, envelope loss to the outdoor temperature) heated through its
  emitters from a buffer tank, which the compressor heats with a fixed COP (and, in the hybrid
  variant, a gas boiler); the buffer setpoint follows an ideal heating curve (the buffer
  temperature at which the emitters cover the house's loss at the indoor setpoint). The outdoor
  temperature is constant, or a daily sinusoid over the bench calendar (``ctx.calendar``:
  ``outdoor_temperature_c`` ± ``outdoor_daily_amplitude_k``, coldest at ``outdoor_coldest_hour``);
* compressor: modulates between ``min_modulation`` and 100 % of ``rated_power_w`` (electrical),
  proportional control on the buffer error with the emitter load as feed-forward, ramps up at
  ``ramp_up_w_per_s`` and down at ``ramp_down_w_per_s``, minimum on / off times (a block, a limit
  below the minimum modulation, gas mode, undervoltage or loss of AC stop it at once; a start
  waits for the minimum off time);
* SG-Ready (BWP) inputs, two contacts read from the lab's contact bank (``contact_channels``) or the
  Modbus point ``sg_ready_mode`` (the later change wins): 1:0 state 1 blocked (standby power only,
  for at most ``block_limit_s``), 0:0 state 2 normal, 0:1 state 3 recommended on (buffer setpoint +
  ``boost_offset_k``, up to ``boost_max_modulation``), 1:1 state 4 forced on (100 % until
  ``buffer_max_c``). The unit acts on an input change ``response_time_s`` after it;
* electrical power limit (consumption, W, standby included): the lowest of the Modbus point
  ``power_limit_w``, the upper bound of an S2 PEBC power envelope and, while the §14a control-box
  contact ``dimming_contact_channel`` is closed, ``dimming_limit_w`` (§14a EnWG: 4.2 kW). A change
  is acted on ``limit_response_time_s`` after it, then the compressor ramps down at
  ``ramp_down_w_per_s``; a limit below the minimum modulation stops the compressor;
* soft restart: after a block ends, or after a limit that held the compressor back is lifted or
  raised, the compressor's power is capped; the cap rises at ``release_ramp_w_per_s`` up to the
  power drawn before the block / limit, and is lifted once the buffer is back at its setpoint (no
  rebound surge);
* failsafe (EEBus LPC semantics): once the controller has written the Modbus heartbeat point, a
  heartbeat missing for ``watchdog_timeout_s`` puts the unit in failsafe; an S2 connection lost for
  ``s2_failsafe_timeout_s`` does the same. In failsafe that channel's limit is ``failsafe_limit_w``;
  the unit leaves failsafe only on a *new* limit / instruction received after the heartbeats (or
  the connection) resumed;
* undervoltage: when any phase stays below ``undervoltage_stop_v`` (0.8 Un) for more than
  ``undervoltage_stop_delay_s`` the compressor stops; it restarts once every phase is back at
  ``undervoltage_restart_v`` (0.85 Un) or more, and not before its minimum off time. At 195.5 V and
  207 V the compliant unit keeps its power (so it draws a higher current);
* hybrid variant (``hybrid: true``): operating mode ``gas`` (Modbus ``operating_mode`` or S2 DDBC
  operation mode ``gas``), acted on after ``limit_response_time_s``, stops the compressor (electric
  power drops to standby) while a gas boiler (up to ``boiler_max_heat_w`` thermal) keeps the buffer
  at its setpoint, so heat delivery continues;
* AC absent (highest phase below ``ac_absent_pct`` of Un): everything off, 0 W.

Electrical power is split equally over three phases and reported *export positive*, so a running
heat pump has a negative active power (Q = 0). Stepped by the lab every 20 ms; no randomness.

Modbus point roles (``links.<name>.register_map.points[].name``; a profile's map declares the ones
its model has, any subset; units are engineering units, the server scales them):

====================== ===== =====================================================================
role                   access meaning
====================== ===== =====================================================================
power_limit_w          rw    consumption limit, W (write: new limit, enables it; read: last written,
                             or the unit's maximum rated_power_w + standby_power_w when none)
power_limit_enabled    rw    1 limit in force / 0 limit lifted (write 0 lifts the Modbus limit)
effective_limit_w      r     the limit the unit reports in force (all sources; maximum when none)
failsafe_limit_w       rw    consumption limit in failsafe, W
failsafe_active        r     1 while any control channel is in failsafe
heartbeat / watchdog   w(r)  controller heartbeat (any value; the map's ``watchdog.point`` too)
operating_mode         rw    1 ``electric`` / 2 ``gas`` (enum labels of the map are accepted)
sg_ready_mode          rw    SG-Ready state 1..4 (write: the input; read: the state acted in)
active_power_w         r     active power, W, export positive (negative while running)
consumption_w          r     electrical consumption, W (positive)
heat_output_w          r     heat delivered to the buffer (compressor x COP + boiler), W
compressor_power_w     r     compressor electrical power, W
status                 r     :class:`HeatPumpStatus` code
dimming_active         r     1 while the §14a dimming contact is acted on
outdoor_temperature_c, buffer_temperature_c, indoor_temperature_c   r   °C
rated_power_w          r     rated electrical power, W
====================== ===== =====================================================================
"""

from __future__ import annotations

import math
from collections import deque
from enum import IntEnum
from typing import Any, Callable, Generic, TypeVar

from bench.sim.devices.heat_pump_knobs import (
    HeatPumpKnobs,
    HeatPumpParameters,
    SimSettingError,
    parse_knobs,
    parse_parameters,
)
from bench.sim.physics import DeviceOutput, TerminalConditions

__all__ = ["HeatPumpSim", "SgReadyState", "HeatPumpMode", "HeatPumpStatus", "sg_ready_state", "build_heat_pump",
           "lab_device", "DEFAULT_CONTACT_CHANNELS", "DelayLine", "FailsafeLatch", "HeatPumpMapBackend",
           "HeatPumpS2Backend", "PointBackend", "UnknownPointError", "LinkServers", "LabHeatPump",
           "heartbeat_points_of", "SimSettingError"]

DEFAULT_CONTACT_CHANNELS: tuple[int, int] = (301, 302)
_BUFFER_RECOVERED_K = 0.1
_STOPS_AT_207V_MARGIN_V = 1.0          # knob stops_at_207v: stop threshold 0.9 Un + 1 V
_RESTART_HYSTERESIS_V = 5.0            # restart threshold at least stop threshold + this
_T = TypeVar("_T")


class SgReadyState(IntEnum):
    """SG-Ready (BWP) operating states."""

    BLOCKED = 1         # contacts 1:0
    NORMAL = 2          # 0:0
    RECOMMENDED_ON = 3  # 0:1
    FORCED_ON = 4       # 1:1


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


def sg_ready_state(contact_1_closed: bool, contact_2_closed: bool) -> SgReadyState:
    """The SG-Ready state of two contact positions (contact 1, contact 2)."""
    if contact_1_closed:
        return SgReadyState.FORCED_ON if contact_2_closed else SgReadyState.BLOCKED
    return SgReadyState.RECOMMENDED_ON if contact_2_closed else SgReadyState.NORMAL


class DelayLine(Generic[_T]):
    """A control input that takes effect a fixed delay after it changed (polling / debounce)."""

    def __init__(self, initial: _T) -> None:
        self.requested: _T = initial
        self.acting: _T = initial
        self._pending: deque[tuple[float, _T]] = deque()

    def request(self, t_s: float, value: _T, delay_s: float) -> None:
        if value != self.requested:
            self.requested = value
            self._pending.append((t_s + delay_s, value))

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def take_due(self, t_s: float) -> list[tuple[_T, _T]]:
        """Changes (old, new) of the acting value that are due by ``t_s``, in order."""
        changes = []
        while self._pending and self._pending[0][0] <= t_s + 1e-9:
            _, value = self._pending.popleft()
            if value != self.acting:
                changes.append((self.acting, value))
                self.acting = value
        return changes


class FailsafeLatch:
    """Failsafe of one control channel on loss of its controller (EEBus LPC semantics).

    Heartbeat channel (Modbus): armed by the first heartbeat; a heartbeat missing for ``timeout_s``
    enters failsafe. Connection channel (S2): armed once connected; a connection lost for
    ``timeout_s`` enters failsafe. Failsafe is left only by a new instruction that arrives after
    the heartbeats / the connection resumed (:meth:`instruction`).
    """

    def __init__(self, timeout_s: float, *, connection_based: bool = False, disabled: bool = False,
                 never_left: bool = False) -> None:
        self.timeout_s = timeout_s
        self.connection_based = connection_based
        self.disabled = disabled          # knob no_failsafe
        self.never_left = never_left      # knob failsafe_never_left
        self.armed = False
        self.active = False
        self.connected = False
        self._last_alive_s = 0.0
        self._resumed = False

    def alive(self, t_s: float) -> None:
        """A heartbeat (or the connection came back)."""
        self.armed = True
        self.connected = True
        self._last_alive_s = t_s
        if self.active:
            self._resumed = True

    def lost(self, t_s: float) -> None:
        """The connection went down (connection channels): the timeout starts now."""
        self.armed = True
        self.connected = False
        self._last_alive_s = t_s

    def instruction(self) -> bool:
        """A new instruction arrived; True when the channel follows it (it is not, or no longer, in failsafe)."""
        if self.connection_based and self.connected:
            self.armed = True
        if not self.active:
            return True
        if self._resumed and not self.never_left:
            self.active = False
            self._resumed = False
            return True
        return False

    def check(self, t_s: float) -> bool:
        """Enter failsafe when the timeout has passed; True when it entered now."""
        if self.disabled or self.active or not self.armed:
            return False
        if self.connection_based and self.connected:
            return False
        if t_s - self._last_alive_s >= self.timeout_s - 1e-9:
            self.active = True
            self._resumed = False
            return True
        return False


class HeatPumpSim:
    """Three-phase heat pump implementing :class:`bench.sim.physics.SimDevice` (see the module docstring)."""

    phase_count = 3

    def __init__(self, parameters: HeatPumpParameters, knobs: HeatPumpKnobs,
                 contact_channels: tuple[int, int] = DEFAULT_CONTACT_CHANNELS,
                 seconds_of_day_at_start: float = 0.0) -> None:
        self.p = parameters
        self.k = knobs
        self.contact_channels = contact_channels
        self._day_offset_s = seconds_of_day_at_start
        self.outdoor_c = self.outdoor_temperature_c(0.0)
        self.t_house_c = parameters.indoor_setpoint_c
        self.t_buffer_c = self.buffer_setpoint_c()
        self.compressor_on = True
        self.compressor_w = 0.0
        self.boiler_w = 0.0                         # thermal
        self.powered = False
        self._last_switch_s = -1e12
        self._t_s = 0.0
        # SG-Ready
        self.input_state = SgReadyState.NORMAL      # what the contacts (or sg_ready_mode) say
        self.acting_state = SgReadyState.NORMAL     # what the unit has taken in (after the delay)
        self._contacts_state = SgReadyState.NORMAL
        self._pending: deque[tuple[float, SgReadyState]] = deque()
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
                                             never_left=knobs.failsafe_never_left)
        self.s2_latch = FailsafeLatch(parameters.s2_failsafe_timeout_s, connection_based=True,
                                      disabled=knobs.no_failsafe, never_left=knobs.failsafe_never_left)
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

    # --- derived settings ------------------------------------------------------------------
    def outdoor_temperature_c(self, t_s: float) -> float:
        """Constant, or a daily sinusoid (coldest at ``outdoor_coldest_hour`` local time)."""
        p = self.p
        if p.outdoor_daily_amplitude_k == 0.0:
            return p.outdoor_temperature_c
        hour = ((self._day_offset_s + t_s) % 86400.0) / 3600.0
        return p.outdoor_temperature_c - p.outdoor_daily_amplitude_k * math.cos(
            2.0 * math.pi * (hour - p.outdoor_coldest_hour) / 24.0)

    def buffer_setpoint_c(self) -> float:
        """Ideal heating curve: emitters cover the envelope loss at the indoor setpoint."""
        p = self.p
        loss_w = p.house_loss_w_per_k * (p.indoor_setpoint_c - self.outdoor_c)
        return p.indoor_setpoint_c + max(loss_w, 0.0) / p.emitter_w_per_k

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

    def heat_demand_w(self) -> float:
        """Heat the emitters draw from the buffer now (the DDBC demand rate)."""
        return max(self.p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)

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
        self.modbus_watchdog.alive(self._t_s)

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
        self.s2_latch.alive(self._t_s)

    # --- SimDevice ---------------------------------------------------------------------------
    def output(self) -> DeviceOutput:
        per_phase = -self.consumption_w() / self.phase_count
        return DeviceOutput(active_power_w=(per_phase,) * self.phase_count,
                            reactive_power_var=(0.0,) * self.phase_count)

    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        self._t_s = t_s
        if self.p.outdoor_daily_amplitude_k:
            self.outdoor_c = self.outdoor_temperature_c(t_s)
        self._observe_inputs(t_s, terminal)
        self._observe_control(t_s, terminal)
        volts = terminal.voltage_v
        powered = max(volts, default=0.0) >= self._ac_present_v
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
        self._thermal(dt_s)

    # --- internals: inputs ---------------------------------------------------------------------
    def _observe_inputs(self, t_s: float, terminal: TerminalConditions) -> None:
        closed = terminal.closed_contacts
        seen = sg_ready_state(self.contact_channels[0] in closed, self.contact_channels[1] in closed)
        if seen != self._contacts_state:
            self._contacts_state = seen
            self._set_input(seen, t_s)
        while self._pending and self._pending[0][0] <= t_s + 1e-9:
            _, state = self._pending.popleft()
            self._take_in(state)
        if (self.acting_state == SgReadyState.BLOCKED and self._block_started_s is not None
                and not self._block_expired and t_s - self._block_started_s >= self.block_limit_s - 1e-9):
            self._block_expired = True     # at most block_limit_s: resume (softly)
            self._start_block_release()

    def _set_input(self, state: SgReadyState, t_s: float) -> None:
        if state != self.input_state:
            self.input_state = state
            self._pending.append((t_s + self.response_time_s, state))

    def _observe_control(self, t_s: float, terminal: TerminalConditions) -> None:
        p, k = self.p, self.k
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
        if state == SgReadyState.BLOCKED or self.undervoltage_stopped or self.gas_mode:
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
            emit_w = max(p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)
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
            self._release_cap_w = min(self._release_cap_w + p.release_ramp_w_per_s * self.k.release_ramp_factor * dt_s,
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
        emit_w = max(p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)
        demand_w = emit_w + p.controller_gain_w_per_k * (self.buffer_setpoint_c() - self.t_buffer_c)
        return min(max(demand_w, 0.0), p.boiler_max_heat_w)

    def _thermal(self, dt_s: float) -> None:
        p = self.p
        heat_w = self.compressor_w * p.cop + self.boiler_w
        emit_w = max(p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)
        loss_w = p.house_loss_w_per_k * (self.t_house_c - self.outdoor_c)
        self.t_buffer_c += (heat_w - emit_w) * dt_s / p.buffer_capacity_j_per_k
        self.t_house_c += (emit_w - loss_w) * dt_s / p.house_capacity_j_per_k


# --- protocol backends ------------------------------------------------------------------------------

class UnknownPointError(KeyError):
    """A register map names a point role the simulated device does not implement."""


_MODE_LABELS: dict[int, tuple[str, ...]] = {HeatPumpMode.ELECTRIC: ("electric", "heat_pump", "hp"),
                                           HeatPumpMode.GAS: ("gas", "boiler")}
_SG_READY_LABELS: dict[int, tuple[str, ...]] = {
    SgReadyState.BLOCKED: ("blocked", "block", "state_1"), SgReadyState.NORMAL: ("normal", "state_2"),
    SgReadyState.RECOMMENDED_ON: ("recommended_on", "boost", "state_3"),
    SgReadyState.FORCED_ON: ("forced_on", "forced", "state_4")}
_STATUS_LABELS: dict[int, tuple[str, ...]] = {s.value: (s.name.lower(),) for s in HeatPumpStatus}


def _code_of(value: Any, labels: dict[int, tuple[str, ...]], what: str) -> int:
    """The device code of a written value: a code, or one of its labels."""
    if isinstance(value, str):
        for code, names in labels.items():
            if value.lower() in names:
                return code
        raise ValueError(f"unknown {what} {value!r} (known: {', '.join(n[0] for n in labels.values())})")
    code = int(value)
    if code not in labels:
        raise ValueError(f"unknown {what} {value!r} (known codes: {', '.join(map(str, labels))})")
    return code


class PointBackend:
    """A ``MapBackend`` (bench/sim/modbus_map/server.py) built from per-role readers and writers.

    Values are engineering units. A point the map declares with an ``enum`` is translated: a written
    raw value becomes its label, and the label (``labels[role]``) the device code; a read gives the
    map's label of the device code (or the code when the map has no such label). A point used as a
    SunSpec scale factor (``scale: <point>``) and not served by the device reads 0 (values are sent
    unscaled). Heartbeat roles read back the last value written. Shared with the home battery.
    """

    labels: dict[str, dict[int, tuple[str, ...]]] = {}

    def __init__(self, register_map: Any | None, readers: dict[str, Callable[[], Any]],
                 writers: dict[str, Callable[[Any], None]], heartbeat: Callable[[], None]) -> None:
        self.map = register_map
        self.readers = dict(readers)
        self.writers = dict(writers)
        self._heartbeat_value: Any = 0
        for name in heartbeat_points_of(register_map):
            self.readers[name] = lambda: self._heartbeat_value
            self.writers[name] = self._beat(heartbeat)
        points = getattr(register_map, "points", ())
        self._scale_points = {p.scale_point for p in points if p.scale_point} - set(self.readers)
        self._enums = {p.name: p for p in points if p.enum}

    def _beat(self, heartbeat: Callable[[], None]) -> Callable[[Any], None]:
        def write(value: Any) -> None:
            self._heartbeat_value = value
            heartbeat()
        return write

    def roles(self) -> set[str]:
        return set(self.readers) | set(self.writers)

    def unknown_points(self) -> list[tuple[int, str, str]]:
        """(index, role, problem) of every declared point the device cannot serve as declared."""
        out = []
        for i, point in enumerate(getattr(self.map, "points", ())):
            if point.name in self._scale_points:
                continue
            if point.name not in self.roles():
                out.append((i, point.name, f"the simulated device has no point role {point.name!r} "
                                           f"(it has: {', '.join(sorted(self.roles()))})"))
            elif point.writable and point.name not in self.writers:
                out.append((i, point.name, f"point role {point.name!r} is read-only on the simulated device"))
            elif point.readable and point.name not in self.readers:
                out.append((i, point.name, f"point role {point.name!r} is write-only on the simulated device"))
        return out

    def read_point(self, name: str) -> Any:
        if name in self._scale_points:
            return 0
        reader = self.readers.get(name)
        if reader is None:
            raise UnknownPointError(name)
        value = reader()
        point = self._enums.get(name)
        if point is not None and name in self.labels:
            declared = point.enum_values
            for label in self.labels[name].get(int(value), ()):
                if label in declared:
                    return label
        return value

    def write_point(self, name: str, value: Any) -> None:
        writer = self.writers.get(name)
        if writer is None:
            if name in self.readers:
                raise ValueError(f"point {name!r} is read-only on this device")
            raise UnknownPointError(name)
        point = self._enums.get(name)
        if point is not None and name in self.labels and not isinstance(value, bool):
            label = point.label_of(int(value))
            if label is not None:
                value = label
        writer(value)


class HeatPumpMapBackend(PointBackend):
    """The heat pump's ``MapBackend``: the point roles of the module docstring -> device."""

    labels = {"operating_mode": _MODE_LABELS, "sg_ready_mode": _SG_READY_LABELS, "status": _STATUS_LABELS}

    def __init__(self, device: HeatPumpSim, register_map: Any | None = None) -> None:
        self.device = hp = device
        readers: dict[str, Callable[[], Any]] = {
            "power_limit_w": lambda: hp.modbus_limit_w if hp.modbus_limit_w is not None else hp.max_consumption_w,
            "power_limit_enabled": lambda: int(hp.modbus_limit_w is not None),
            "effective_limit_w": lambda: hp.effective_limit_w if hp.effective_limit_w is not None
            else hp.max_consumption_w,
            "failsafe_limit_w": lambda: hp.failsafe_limit_w,
            "failsafe_active": lambda: int(hp.failsafe_active),
            "operating_mode": lambda: int(hp.requested_mode),
            "sg_ready_mode": lambda: int(hp.effective_state()),
            "active_power_w": lambda: -hp.consumption_w() * hp.k.readback_power_factor,
            "consumption_w": lambda: hp.consumption_w() * hp.k.readback_power_factor,
            "heat_output_w": hp.heat_output_w,
            "compressor_power_w": lambda: hp.compressor_w,
            "status": lambda: int(hp.status()),
            "dimming_active": lambda: int(hp.limit.acting[2]),
            "outdoor_temperature_c": lambda: hp.outdoor_c,
            "buffer_temperature_c": lambda: hp.t_buffer_c,
            "indoor_temperature_c": lambda: hp.t_house_c,
            "rated_power_w": lambda: hp.p.rated_power_w,
        }
        writers: dict[str, Callable[[Any], None]] = {
            "power_limit_w": lambda v: hp.write_power_limit(float(v)),
            "power_limit_enabled": lambda v: None if v else hp.write_power_limit(None),
            "failsafe_limit_w": lambda v: hp.write_failsafe_limit(float(v)),
            "operating_mode": lambda v: hp.write_operating_mode(
                HeatPumpMode(_code_of(v, _MODE_LABELS, "operating mode"))),
            "sg_ready_mode": lambda v: hp.write_sg_ready_mode(
                SgReadyState(_code_of(v, _SG_READY_LABELS, "SG-Ready mode"))),
        }
        super().__init__(register_map, readers, writers, hp.heartbeat)


_NATURAL_GAS_J_PER_L = 35.17e3         # gross calorific value of natural gas, ~35.17 MJ/m³
_BOILER_EFFICIENCY = 0.95


class HeatPumpS2Backend:
    """The ``S2DeviceBackend`` (bench/sim/s2/backend.py) of the heat pump: PEBC power envelopes and,
    for the hybrid variant, DDBC operation modes ``electric`` / ``gas`` (EN 50491-12-2). Power is
    consumption positive, W; the DDBC supply rate is heat to the buffer, W. The DDBC factor is not
    followed: the unit modulates itself within the chosen mode."""

    def __init__(self, device: HeatPumpSim) -> None:
        self.device = device

    def control_types(self) -> list[str]:
        return ["PEBC", "DDBC"] if self.device.p.hybrid else ["PEBC"]

    def power_w(self) -> float:
        return self.device.consumption_w() * self.device.k.readback_power_factor

    def pebc_upper_limit_range_w(self) -> tuple[float, float]:
        return (self.device.p.standby_power_w, self.device.max_consumption_w)

    def apply_pebc_envelope(self, upper_w: float | None, lower_w: float | None) -> None:
        self.device.apply_pebc_envelope(upper_w, lower_w)

    def ddbc_description(self) -> Any:
        from bench.sim.s2.backend import DdbcDescription, DdbcModeSpec

        p = self.device.p
        min_w = p.min_modulation * p.rated_power_w
        gas_l_per_s = p.boiler_max_heat_w / _BOILER_EFFICIENCY / _NATURAL_GAS_J_PER_L
        demand_w = self.device.heat_demand_w()
        return DdbcDescription(modes=(
            DdbcModeSpec("electric", "heat pump", (p.standby_power_w + min_w, self.device.max_consumption_w),
                         (min_w * p.cop, p.rated_power_w * p.cop)),
            DdbcModeSpec("gas", "gas boiler", (p.standby_power_w, p.standby_power_w), (0.0, p.boiler_max_heat_w),
                         gas_flow_l_per_s=(0.0, gas_l_per_s)),
        ), present_demand_rate=(demand_w, demand_w))

    def ddbc_active_mode(self) -> tuple[str, float]:
        hp = self.device
        p = hp.p
        if hp.mode.acting == HeatPumpMode.GAS:
            return "gas", min(hp.boiler_w / p.boiler_max_heat_w, 1.0)
        min_w = p.min_modulation * p.rated_power_w
        return "electric", min(max((hp.compressor_w - min_w) / (p.rated_power_w - min_w), 0.0), 1.0) \
            if p.rated_power_w > min_w else 1.0

    def apply_ddbc_mode(self, mode_id: str, factor: float = 1.0) -> None:
        self.device.apply_ddbc_mode(HeatPumpMode(_code_of(mode_id, _MODE_LABELS, "DDBC operation mode")))

    def on_connection_lost(self) -> None:
        self.device.s2_connection_lost()

    def on_connection_restored(self) -> None:
        self.device.s2_connection_restored()


# --- lab wiring ---------------------------------------------------------------------------------------

class LinkServers:
    """Starts the protocol endpoints a simulated device's profile links ask for (Modbus map over TCP
    or RTU, the S2 resource manager dialing the bench's CEM) and closes them; shared with the home
    battery. ``map_backend`` builds the device's ``MapBackend`` for a parsed register map."""

    def __init__(self, links: dict[str, dict[str, Any]], map_backend: Callable[[Any], PointBackend],
                 resource_manager: Any | None = None) -> None:
        self.links = links
        self._map_backend = map_backend
        self.resource_manager = resource_manager      # bench.sim.s2.SimResourceManager, or None
        self._handles: list[Any] = []

    def register_maps(self) -> dict[str, Any]:
        """The parsed register map of every Modbus-map link (the profile's, with the one parser
        links/modbus_map/register_map.py), checked against the device's point roles: a bad map or a
        point the device cannot serve raises :class:`~bench.errors.ConfigError` naming the field."""
        from bench.errors import ConfigError
        from links.modbus_map.register_map import parse_register_map

        maps = {}
        for name, link in self.links.items():
            if link.get("protocol") not in ("modbus_map_tcp", "modbus_map_rtu"):
                continue
            path = f"links.{name}.register_map"
            maps[name] = rmap = parse_register_map(link.get("register_map"), path=path)
            for index, _role, problem in self._map_backend(rmap).unknown_points():
                raise ConfigError(problem, field=f"{path}.points[{index}].name")
        return maps

    async def start(self, host: str) -> dict[str, int | str]:
        endpoints: dict[str, int | str] = {}
        maps = self.register_maps()
        for name, link in self.links.items():
            protocol = link.get("protocol")
            if protocol == "modbus_map_tcp":
                from bench.sim.modbus_map.server import start_modbus_map_tcp

                handle, port = await start_modbus_map_tcp(maps[name], self._map_backend(maps[name]), host, 0)
                self._handles.append(handle)
                endpoints.setdefault("dut_modbus", port)
            elif protocol == "modbus_map_rtu":
                from bench.sim.modbus_map.server import start_modbus_map_rtu

                handle, tty = await start_modbus_map_rtu(maps[name], self._map_backend(maps[name]))
                self._handles.append(handle)
                endpoints.setdefault("dut_rtu", tty)
        if self.resource_manager is not None:
            endpoints.update(await self.resource_manager.start() or {})
        return endpoints

    def next_event_s(self) -> float | None:
        return self.resource_manager.next_event_s() if self.resource_manager is not None else None

    async def on_time(self, t_s: float) -> None:
        if self.resource_manager is not None:
            await self.resource_manager.on_time(t_s)

    async def aclose(self) -> None:
        if self.resource_manager is not None:
            await self.resource_manager.aclose()
        handles, self._handles = self._handles, []
        for handle in reversed(handles):
            await handle.close()


def heartbeat_points_of(register_map: Any) -> tuple[str, ...]:
    """Role names written as a heartbeat: ``heartbeat``, ``watchdog`` and the map's ``watchdog.point``."""
    watchdog = getattr(register_map, "watchdog", None)
    names = ("heartbeat", "watchdog")
    return names + ((watchdog.point,) if watchdog is not None and watchdog.point not in names else ())


def build_heat_pump(parameters: dict[str, Any], knobs: dict[str, Any],
                    contact_channels: tuple[int, int] = DEFAULT_CONTACT_CHANNELS,
                    seconds_of_day_at_start: float = 0.0) -> HeatPumpSim:
    """Build a simulated heat pump from profile dicts; bad keys raise :class:`SimSettingError`
    (a ValueError) whose ``key`` and ``section`` ("parameters"/"knobs") name the entry.
    ``seconds_of_day_at_start``: local time of day at bench time 0 (for the daily outdoor sinusoid)."""
    return HeatPumpSim(parse_parameters(parameters), parse_knobs(knobs), contact_channels, seconds_of_day_at_start)


class LabHeatPump(HeatPumpSim):
    """The heat pump as the lab runs it: serves the profile's Modbus map / S2 links (lab hooks of
    bench/sim/devices/registry.py)."""

    servers: LinkServers

    async def serve(self, host: str) -> dict[str, int | str]:
        return await self.servers.start(host)

    def next_event_s(self) -> float | None:
        return self.servers.next_event_s()

    async def on_time(self, t_s: float) -> None:
        await self.servers.on_time(t_s)

    async def aclose(self) -> None:
        await self.servers.aclose()


def _resource_manager(ctx: Any, device: HeatPumpSim) -> Any | None:
    """The S2 RM dialing the bench's CEM (``ctx.links[<s2 link>]["cem_url"]``), when the profile has
    an S2 link and a lab runs (``ctx.physics``)."""
    found = ctx.link_with_protocol("s2")
    if found is None or ctx.physics is None:
        return None
    from bench.sim.s2 import RmConfig, RmFaults, SimResourceManager

    _name, link = found
    p, k = device.p, device.k
    roles = (("ENERGY_CONSUMER", "ELECTRICITY"),) + ((("ENERGY_CONSUMER", "GAS"),) if p.hybrid else ())
    config = RmConfig.from_link(link, ctx.nameplate, roles=roles,
                                instruction_processing_delay_s=p.s2_instruction_processing_delay_s,
                                measurement_interval_s=p.s2_measurement_interval_s)
    physics = ctx.physics
    return SimResourceManager(config, HeatPumpS2Backend(device), now_s=lambda: physics.t_s, calendar=ctx.calendar,
                              faults=RmFaults(ignores_instruction=k.s2_ignores_instruction,
                                              rejects_valid=k.s2_rejects_valid, malformed_frame=k.s2_malformed_frame))


def lab_device(ctx: Any) -> LabHeatPump:
    """The lab's builder (bench/sim/devices/registry.py, contract (a)): SG-Ready contacts on the
    lab's bank, the daily outdoor temperature on ``ctx.calendar``, Modbus-map / S2 links served."""
    params = dict(ctx.parameters)
    params.setdefault("nameplate", ctx.nameplate)
    start = ctx.calendar(0.0)
    day_s = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6
    channels = tuple(ctx.contact_channels or DEFAULT_CONTACT_CHANNELS)
    device = LabHeatPump(parse_parameters(params), parse_knobs(ctx.knobs), channels, day_s)   # type: ignore[arg-type]
    device.servers = LinkServers(dict(ctx.links), lambda rmap: HeatPumpMapBackend(device, rmap),
                                 _resource_manager(ctx, device))
    device.servers.register_maps()       # a bad map fails at build time (ConfigError naming its field)
    return device
