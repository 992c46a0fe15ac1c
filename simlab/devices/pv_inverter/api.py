"""Contract between the simulated PV inverter's behaviour (``device.py``) and its SunSpec Modbus
server (``links/sunspec_modbus/server.py`` with this folder's ``sunspec_codec.py``).

The SunSpec server decodes writes to models 703/704/706/707-711 into :class:`PvInverterSettings`
(the inverter object's ``settings`` attribute, mutated in place, then ``settings_changed()`` is
called), and encodes :meth:`PvInverterSim.readings` into model 701 on every read.
Voltages in percent are of the nominal voltage; powers in percent are of rated active power.
Must-trip stages are the SunSpec link's own values (``links.sunspec_modbus.types.TripStageSetting``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from links.sunspec_modbus.types import TripStageSetting


@dataclass
class VoltWattSettings:
    """SunSpec 706 (DERVoltWatt), curve 1 active."""

    enabled: bool = True
    # (voltage % of Vnom, active power % of rated power); monotonic in voltage.
    points: list[tuple[float, float]] = field(default_factory=lambda: [(106.0, 100.0), (110.0, 20.0)])
    response_time_s: float = 10.0   # open-loop response time Tr: 90 % of a step after Tr


@dataclass
class FrequencyDroopSettings:
    """SunSpec 711 (DERFreqDroop): LFSM-O over-frequency response (and LFSM-U, which only a
    device with storage can deliver: simlab/devices/pv_inverter/storage.py)."""

    enabled: bool = True
    deadband_over_hz: float = 0.2       # DbOf: response starts at fnom + DbOf (50.2 Hz)
    droop_pct: float = 5.0              # KOf expressed as droop s: dP/Pref = -(f - f1)/(fn * s)
    response_time_s: float = 2.0        # RspTms (open loop)
    deadband_under_hz: float = 0.2      # DbUf: LFSM-U starts at fnom - DbUf (49.8 Hz)
    droop_under_pct: float = 5.0        # KUf as droop s: dP/Pref = (f1 - f)/(fn * s)


@dataclass
class EnterServiceSettings:
    """SunSpec 703 (DEREnterService): reconnection window, observation time, ramp."""

    enabled: bool = True
    voltage_high_pct: float = 110.0
    voltage_low_pct: float = 85.0
    frequency_high_hz: float = 50.1
    frequency_low_hz: float = 49.9
    delay_s: float = 60.0               # observation time inside the window before reconnecting
    ramp_time_s: float = 600.0          # 0 -> 100 % of rated power (600 s = 10 % Pn/min)


@dataclass
class PowerLimitSettings:
    """SunSpec 704 (DERCtlAC): remote active power limit."""

    enabled: bool = False
    limit_pct: float = 100.0            # WMaxLimPct
    revert_time_s: float = 0.0          # WMaxLimPctRvrtTms; 0 = never revert
    response_time_s: float = 0.0        # declared by the profile, not a SunSpec point


@dataclass
class ReactivePowerSettings:
    """Reactive power modes: SunSpec 705 (DERVoltVar, Q(U)), 712 (DERWattVar, Q(P): the bench's
    cos phi(P) characteristic as var points), 704 PFWInj (fixed cos phi) and VarSet (fixed Q).
    Reactive power in % of the rated apparent power (705/712 DeptRef VAR_MAX_PCT, 704 VarSetMod
    VAR_MAX_PCT; VarMaxInjRtg = VarMaxAbsRtg = VAMaxRtg), generator convention: > 0 injected
    (over-excited). At most one mode acts: the first enabled of fixed cos phi, fixed Q, Q(U), Q(P)."""

    volt_var_enabled: bool = False
    volt_var_points: list[tuple[float, float]] = field(
        default_factory=lambda: [(92.0, 44.0), (98.0, 0.0), (102.0, 0.0), (108.0, -44.0)])
    volt_var_response_time_s: float = 10.0      # 705 RspTms: 90 % of a step after it
    watt_var_enabled: bool = False
    watt_var_points: list[tuple[float, float]] = field(
        default_factory=lambda: [(50.0, 0.0), (100.0, -33.0)])    # (% rated W, % rated VA)
    fixed_pf_enabled: bool = False
    fixed_pf: float = 1.0                       # 704 PFWInj.PF
    fixed_pf_under_excited: bool = True         # 704 PFWInj.Ext: absorbing reactive power
    fixed_var_enabled: bool = False
    fixed_var_pct: float = 0.0                  # 704 VarSetPct
    # priority at the S limit, each mode its own point (True: REACTIVE, Q kept and P reduced); a
    # fixed cos phi keeps its ratio (both reduced)
    volt_var_reactive_priority: bool = True     # 705 Crv.Pri
    watt_var_reactive_priority: bool = True     # 712 Crv.Pri
    fixed_var_reactive_priority: bool = True    # 704 VarSetPri


@dataclass
class PvInverterSettings:
    volt_watt: VoltWattSettings = field(default_factory=VoltWattSettings)
    frequency_droop: FrequencyDroopSettings = field(default_factory=FrequencyDroopSettings)
    enter_service: EnterServiceSettings = field(default_factory=EnterServiceSettings)
    power_limit: PowerLimitSettings = field(default_factory=PowerLimitSettings)
    reactive: ReactivePowerSettings = field(default_factory=ReactivePowerSettings)
    trip_stages: list[TripStageSetting] = field(default_factory=list)  # SunSpec 707-710 must-trip points
    # U> on the 10-minute running mean (not a SunSpec point; a grid-code setting of the device)
    ten_minute_mean_trip_pct: float = 110.0
    ten_minute_mean_trip_delay_s: float = 3.0


class OperatingState(str, Enum):
    OFF = "off"                 # no AC voltage / not yet started
    WAITING = "waiting"         # observing the reconnection window
    RAMPING = "ramping"         # connected, ramping up after (re)connection
    CONNECTED = "connected"     # producing normally
    TRIPPED = "tripped"         # disconnected by a protection stage (until the window is met)


@dataclass(frozen=True)
class PvInverterReadings:
    """What model 701 reports (possibly distorted by a fault knob)."""

    voltage_v: tuple[float, ...]        # per phase, phase-neutral
    current_a: tuple[float, ...]
    active_power_w: float               # total, export positive
    reactive_power_var: float
    apparent_power_va: float
    frequency_hz: float
    state: OperatingState
    last_trip: str | None               # e.g. "over_voltage 115.0% 0.1s", or None


@dataclass(frozen=True)
class PvInverterNameplate:
    """Models 1 and 702 content."""

    manufacturer: str = "flexbench"
    model: str = "SIM-PV-10K-3P"
    serial_number: str = "SIM0000001"
    firmware_version: str = "1.0.0"
    rated_power_w: float = 10000.0
    rated_apparent_power_va: float = 10000.0
    nominal_voltage_v: float = 230.0
    nominal_frequency_hz: float = 50.0
    phase_count: int = 3
