"""Simulated home battery: follows charge / discharge setpoints within its state-of-charge limits.

The compliant reference device for home-battery suites (REQUIREMENTS "Heat pumps, e-boilers, home
batteries": home batteries follow charge/discharge setpoints, SunSpec 713/802 or vendor maps).
:class:`HomeBatteryKnobs` breaks one behaviour per knob.

**Sign convention** (the bench's): power is *export positive*. A setpoint of +3000 W discharges
3 kW into the grid; -3000 W charges 3 kW from it. ``active_power_w`` is reported the same way.

Behaviour:

* setpoint: written over the Modbus map point ``setpoint_w`` (W, export positive) and clamped to
  [-``max_charge_w``, ``max_discharge_w``]; acted on ``response_time_s`` after the write, then the
  converter slews at ``ramp_w_per_s``. Setpoints are followed at the AC terminals: the standby
  power (``standby_power_w``) is covered by the battery while it may discharge, so setpoint 0 gives
  0 W at the meter; once discharging is not allowed the standby is drawn from the grid;
* state of charge: SoC moves with the DC energy (√``round_trip_efficiency`` on the way in and on the
  way out, over ``capacity_wh``). Charging stops at once at ``max_soc_pct``, discharging at
  ``min_soc_pct`` (a BMS cut-off); the converter is never above its ratings;
* failsafe (EEBus LPC semantics, as the heat pump): once the controller has written the heartbeat
  point, a heartbeat missing for ``watchdog_timeout_s`` sets the setpoint to ``failsafe_setpoint_w``
  (0 W); the battery leaves failsafe only on a *new* setpoint written after the heartbeats resumed;
* AC absent (highest phase below ``ac_absent_pct`` of Un): converter off, 0 W.

Modbus point roles (``links.<name>.register_map.points[].name``; any subset):

=================== ====== ====================================================================
role                access meaning
=================== ====== ====================================================================
setpoint_w          rw     active power setpoint, W, export positive (discharge +, charge -);
                           read: the last setpoint written
heartbeat/watchdog  w(r)   controller heartbeat (any value; the map's ``watchdog.point`` too)
active_power_w      r      active power at the AC terminals, W, export positive
soc_pct             r      state of charge, %
state               r      :class:`BatteryState` code (enum labels off, idle, charging, ...)
failsafe_active     r      1 while in failsafe
capacity_wh, min_soc_pct, max_soc_pct, max_charge_w, max_discharge_w    r   the ratings
=================== ====== ====================================================================

Stepped by the lab every 20 ms; no randomness.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any, Callable

from simlab.devices.control_inputs import DelayLine, FailsafeLatch
from simlab.devices.hooks import DefaultLabHooks
from simlab.devices.home_battery.knobs import (
    HomeBatteryKnobs,
    HomeBatteryParameters,
    SimSettingError,
    parse_knobs,
    parse_parameters,
)
from simlab.devices.map_backend import LinkServers, PointBackend
from simlab.physics import DeviceOutput, TerminalConditions

__all__ = ["HomeBatterySim", "BatteryState", "HomeBatteryMapBackend", "LabHomeBattery", "build_home_battery",
           "lab_device", "SimSettingError"]

_SOURCE_PHASES = 3


class BatteryState(IntEnum):
    """State readback (Modbus ``state``)."""

    OFF = 0             # no AC
    IDLE = 1            # converter at 0 W
    CHARGING = 2
    DISCHARGING = 3
    FULL = 4            # a charge setpoint refused at max SoC
    EMPTY = 5           # a discharge setpoint refused at min SoC


class HomeBatterySim:
    """Home battery implementing :class:`simlab.physics.SimDevice` (see the module docstring)."""

    def __init__(self, parameters: HomeBatteryParameters, knobs: HomeBatteryKnobs) -> None:
        self.p = parameters
        self.k = knobs
        self.phase_count = parameters.phase_count
        self.soc_pct = parameters.initial_soc_pct
        self.setpoint_w = 0.0                  # last written (read back)
        self.converter_w = 0.0                 # DC-side converter power, export positive, standby included
        self.powered = False
        self.refused: BatteryState | None = None
        self._t_s = 0.0
        self.watchdog = FailsafeLatch(parameters.watchdog_timeout_s, disabled=knobs.no_failsafe,
                                      never_left=knobs.failsafe_never_left,
                                      left_on_alive=knobs.failsafe_left_on_heartbeat)
        self.acting = DelayLine[float](0.0)

    # --- readbacks --------------------------------------------------------------------------------
    def active_power_w(self) -> float:
        """True AC power, W, export positive."""
        return self.converter_w - self.p.standby_power_w if self.powered else 0.0

    @property
    def failsafe_active(self) -> bool:
        return self.watchdog.active

    @property
    def response_time_s(self) -> float:
        return self.p.response_time_s * self.k.response_time_factor

    def state(self) -> BatteryState:
        if not self.powered:
            return BatteryState.OFF
        if self.refused is not None:
            return self.refused
        ac_w = self.active_power_w()
        if abs(ac_w) < 1.0 or self.converter_w == 0.0:
            return BatteryState.IDLE
        return BatteryState.DISCHARGING if ac_w > 0 else BatteryState.CHARGING

    # --- control inputs (called by the Modbus backend at the present bench time) -----------------
    def write_setpoint(self, setpoint_w: float) -> None:
        if not math.isfinite(setpoint_w):
            raise ValueError(f"setpoint {setpoint_w!r} is not a number")
        self.setpoint_w = min(max(setpoint_w, -self.p.max_charge_w), self.p.max_discharge_w)
        self.watchdog.instruction()

    def heartbeat(self) -> None:
        self.watchdog.alive(self._t_s)

    # --- SimDevice -------------------------------------------------------------------------------
    def output(self) -> DeviceOutput:
        power = self.active_power_w()
        if self.phase_count == 1:
            per_phase: tuple[float, ...] = (power,) + (0.0,) * (_SOURCE_PHASES - 1)
        else:
            per_phase = (power / _SOURCE_PHASES,) * _SOURCE_PHASES
        return DeviceOutput(active_power_w=per_phase, reactive_power_var=(0.0,) * _SOURCE_PHASES)

    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        p, k = self.p, self.k
        self._t_s = t_s
        self.watchdog.check(t_s)
        wanted = p.failsafe_setpoint_w if self.watchdog.active else self.setpoint_w
        self.acting.request(t_s, wanted, self.response_time_s)
        self.acting.take_due(t_s)
        self.powered = max(terminal.voltage_v, default=0.0) >= p.ac_absent_pct / 100.0 * p.nominal_voltage_v
        if not self.powered:
            self.converter_w = 0.0
            self.refused = None
            return
        ac_target = 0.0 if k.ignores_setpoints else self.acting.acting * k.overshoot_factor
        target = ac_target + p.standby_power_w
        target = min(max(target, -p.max_charge_w * k.overshoot_factor),
                     (p.max_discharge_w + p.standby_power_w) * k.overshoot_factor)
        low_pct, high_pct = (0.0, 100.0) if k.ignores_soc_limits else (p.min_soc_pct, p.max_soc_pct)
        self.refused = None
        cut_off = False
        if target > 0 and self.soc_pct <= low_pct + 1e-9:
            cut_off = True
            self.refused = BatteryState.EMPTY if ac_target > 0 else None
        elif target < 0 and self.soc_pct >= high_pct - 1e-9:
            cut_off = True
            self.refused = BatteryState.FULL
        if cut_off:
            self.converter_w = 0.0             # BMS cut-off: at once
        elif target > self.converter_w:
            self.converter_w = min(target, self.converter_w + p.ramp_w_per_s * dt_s)
        else:
            self.converter_w = max(target, self.converter_w - p.ramp_w_per_s * dt_s)
        self._integrate(dt_s)

    # --- internals -------------------------------------------------------------------------------
    def _integrate(self, dt_s: float) -> None:
        p = self.p
        one_way = math.sqrt(p.round_trip_efficiency)
        dc_w = self.converter_w / one_way if self.converter_w > 0 else self.converter_w * one_way
        self.soc_pct -= dc_w * dt_s / 3600.0 / p.capacity_wh * 100.0
        self.soc_pct = min(max(self.soc_pct, 0.0), 100.0)


class HomeBatteryMapBackend(PointBackend):
    """The home battery's ``MapBackend``: the point roles of the module docstring -> device."""

    labels = {"state": {s.value: (s.name.lower(),) for s in BatteryState}}

    def __init__(self, device: HomeBatterySim, register_map: Any | None = None) -> None:
        self.device = b = device
        readers: dict[str, Callable[[], Any]] = {
            "setpoint_w": lambda: b.setpoint_w,
            "active_power_w": lambda: b.active_power_w() * b.k.readback_power_factor,
            "soc_pct": lambda: b.soc_pct,
            "state": lambda: int(b.state()),
            "failsafe_active": lambda: int(b.failsafe_active),
            "capacity_wh": lambda: b.p.capacity_wh,
            "min_soc_pct": lambda: b.p.min_soc_pct,
            "max_soc_pct": lambda: b.p.max_soc_pct,
            "max_charge_w": lambda: b.p.max_charge_w,
            "max_discharge_w": lambda: b.p.max_discharge_w,
        }
        writers: dict[str, Callable[[Any], None]] = {"setpoint_w": lambda v: b.write_setpoint(float(v))}
        super().__init__(register_map, readers, writers, b.heartbeat)


def build_home_battery(parameters: dict[str, Any], knobs: dict[str, Any]) -> HomeBatterySim:
    """Build a simulated home battery from profile dicts; bad keys raise :class:`SimSettingError`
    (a ValueError) whose ``key`` and ``section`` ("parameters"/"knobs") name the entry."""
    return HomeBatterySim(parse_parameters(parameters), parse_knobs(knobs))


class LabHomeBattery(HomeBatterySim, DefaultLabHooks):
    """The home battery as the lab runs it: serves the profile's Modbus-map links (``serve``)."""

    servers: LinkServers

    async def serve(self, host: str) -> dict[str, int | str]:
        return await self.servers.start(host)

    async def aclose(self) -> None:
        await self.servers.aclose()


def lab_device(ctx: Any) -> LabHomeBattery:
    """The lab's builder (simlab/devices/registry.py, contract (a)): the battery with its
    profile-declared Modbus register map served over TCP / RTU."""
    params = dict(ctx.parameters)
    params.setdefault("nameplate", ctx.nameplate)
    device = LabHomeBattery(parse_parameters(params), parse_knobs(ctx.knobs))
    device.servers = LinkServers(dict(ctx.links), lambda rmap: HomeBatteryMapBackend(device, rmap))
    device.servers.register_maps()       # a bad map fails at build time (ConfigError naming its field)
    return device
