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
heat pump has a negative active power (Q = 0). Stepped by the lab every 20 ms; no randomness but
the seeded randomised restart (heat_pump/restart.py) when the parameters declare one.

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

Modules: this one is the device kind (the lab's builder :func:`lab_device`, :class:`LabHeatPump`)
and re-exports the public names of heat_pump_sim.py (:class:`HeatPumpSim`: compressor and control),
heat_pump_thermal.py (house, buffer, outdoor temperature), heat_pump_backends.py (Modbus map and S2
backends), control_inputs.py (:class:`DelayLine`, :class:`FailsafeLatch`) and map_backend.py
(:class:`PointBackend`, :class:`LinkServers`).
"""

from __future__ import annotations

from typing import Any

from simlab.devices.control_inputs import DelayLine, FailsafeLatch
from simlab.devices.hooks import DefaultLabHooks
from simlab.devices.heat_pump.backends import HeatPumpMapBackend, HeatPumpS2Backend
from simlab.devices.heat_pump.knobs import SimSettingError, parse_knobs, parse_parameters
from simlab.devices.heat_pump.device import (
    DEFAULT_CONTACT_CHANNELS,
    HeatPumpMode,
    HeatPumpSim,
    HeatPumpStatus,
)
from simlab.devices.map_backend import LinkServers, PointBackend, UnknownPointError, heartbeat_points_of

__all__ = ["HeatPumpSim", "HeatPumpMode", "HeatPumpStatus", "build_heat_pump",
           "lab_device", "DEFAULT_CONTACT_CHANNELS", "DelayLine", "FailsafeLatch", "HeatPumpMapBackend",
           "HeatPumpS2Backend", "PointBackend", "UnknownPointError", "LinkServers", "LabHeatPump",
           "heartbeat_points_of", "SimSettingError"]


def build_heat_pump(parameters: dict[str, Any], knobs: dict[str, Any],
                    contact_channels: tuple[int, int] = DEFAULT_CONTACT_CHANNELS,
                    seconds_of_day_at_start: float = 0.0) -> HeatPumpSim:
    """Build a simulated heat pump from profile dicts; bad keys raise :class:`SimSettingError`
    (a ValueError) whose ``key`` and ``section`` ("parameters"/"knobs") name the entry.
    ``seconds_of_day_at_start``: local time of day at bench time 0 (for the daily outdoor sinusoid)."""
    return HeatPumpSim(parse_parameters(parameters), parse_knobs(knobs), contact_channels, seconds_of_day_at_start)


class LabHeatPump(HeatPumpSim, DefaultLabHooks):
    """The heat pump as the lab runs it: serves the profile's Modbus map / S2 links (lab hooks of
    simlab/devices/hooks.py)."""

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
    from simlab.devices.s2_resource_manager import RmConfig, RmFaults, SimResourceManager

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
    """The lab's builder (simlab/devices/registry.py, contract (a)): SG-Ready contacts on the
    lab's bank, the daily outdoor temperature on ``ctx.calendar``, Modbus-map / S2 links served."""
    params = dict(ctx.parameters)
    params.setdefault("nameplate", ctx.nameplate)
    start = ctx.calendar(0.0)
    day_s = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6
    channels = tuple(ctx.contact_channels or DEFAULT_CONTACT_CHANNELS)
    device = LabHeatPump(parse_parameters(params), parse_knobs(ctx.knobs), channels, day_s)
    device.servers = LinkServers(dict(ctx.links), lambda rmap: HeatPumpMapBackend(device, rmap),
                                 _resource_manager(ctx, device))
    device.servers.register_maps()       # a bad map fails at build time (ConfigError naming its field)
    device.physics_step_s = device.p.physics_step_s   # read by the lab (simlab/lab.py)
    return device
