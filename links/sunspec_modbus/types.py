"""Typed values the SunSpec link reads from and writes to a DER (units in the names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class DeviceIdentity:
    """SunSpec model 1 (common)."""

    manufacturer: str
    model: str
    serial_number: str
    firmware_version: str


@dataclass(frozen=True)
class Nameplate:
    """SunSpec model 702 (DERCapacity) ratings; None where the DUT does not implement a point."""

    rated_power_w: float | None
    rated_apparent_power_va: float | None
    rated_var_injected_var: float | None
    rated_var_absorbed_var: float | None
    nominal_voltage_v: float | None
    max_voltage_v: float | None
    min_voltage_v: float | None
    max_current_a: float | None
    normal_operating_category: str | None      # e.g. "CAT_B" (IEEE 1547)
    abnormal_operating_category: str | None    # e.g. "CAT_3"


@dataclass(frozen=True)
class AcMeasurements:
    """SunSpec model 701 (DERMeasureAC), scale factors applied; per-phase tuples in phase order."""

    voltage_v: tuple[float, ...]                # phase-neutral
    current_a: tuple[float, ...]
    active_power_w: float                       # export positive
    reactive_power_var: float
    apparent_power_va: float
    frequency_hz: float
    inverter_state: str                         # InvSt symbol: OFF, STARTING, RUNNING, FAULT, STANDBY ...
    connected: bool                             # ConnSt == CONNECTED
    alarm_info: str                             # MnAlrmInfo (manufacturer text, "" if none)


class TripKind(str, Enum):
    """Must-trip curve families, SunSpec 707-710."""

    UNDER_VOLTAGE = "under_voltage"             # 707 DERTripLV, threshold in % of Vnom
    OVER_VOLTAGE = "over_voltage"               # 708 DERTripHV, threshold in % of Vnom
    UNDER_FREQUENCY = "under_frequency"         # 709 DERTripLF, threshold in Hz
    OVER_FREQUENCY = "over_frequency"           # 710 DERTripHF, threshold in Hz


@dataclass(frozen=True)
class TripStageSetting:
    """One must-trip curve point: beyond ``threshold`` for ``clearing_time_s`` -> cease to energise."""

    kind: TripKind
    threshold: float            # % of Vnom for voltage stages, Hz for frequency stages
    clearing_time_s: float


@dataclass(frozen=True)
class VoltWattSetting:
    """Active curve of SunSpec 706 (points: (% of Vnom, % of rated W))."""

    enabled: bool
    points_pct: list[tuple[float, float]]
    response_time_s: float


@dataclass(frozen=True)
class VoltVarSetting:
    """Active curve of SunSpec 705 (points: (% of Vnom, var in % of VarMax)); ``reactive_priority``:
    Crv.Pri REACTIVE (Q kept at the S limit, P reduced) rather than ACTIVE."""

    enabled: bool
    points_pct: list[tuple[float, float]]
    response_time_s: float
    reactive_priority: bool


@dataclass(frozen=True)
class WattVarSetting:
    """Active curve of SunSpec 712 (points: (% of WMax, var in % of VarMax))."""

    enabled: bool
    points_pct: list[tuple[float, float]]
    reactive_priority: bool


@dataclass(frozen=True)
class FixedReactiveSetting:
    """SunSpec 704 fixed cos phi (PFWInj) and fixed reactive power (VarSet, % of VarMax)."""

    power_factor_enabled: bool
    power_factor: float | None
    under_excited: bool                         # PFWInj.Ext UNDER_EXCITED (absorbing)
    var_enabled: bool
    var_pct: float | None
    reactive_priority: bool                     # VarSetPri REACTIVE


@dataclass(frozen=True)
class FrequencyDroopSetting:
    """Active control of SunSpec 711 (over-frequency side)."""

    enabled: bool
    deadband_hz: float                          # DbOf
    droop_pct: float                            # KOf as droop, 100 * KOf
    response_time_s: float


@dataclass(frozen=True)
class EnterServiceSetting:
    """SunSpec 703."""

    enabled: bool
    voltage_high_pct: float
    voltage_low_pct: float
    frequency_high_hz: float
    frequency_low_hz: float
    delay_s: float
    ramp_time_s: float


@dataclass(frozen=True)
class DerSettings:
    """What the DUT reports as its active settings; None for a model it lacks."""

    power_limit_enabled: bool | None            # WMaxLimPctEna; None: model 704 missing
    power_limit_pct: float | None               # WMaxLimPct (meaningful when enabled)
    power_limit_revert_time_s: float | None
    volt_watt: VoltWattSetting | None
    frequency_droop: FrequencyDroopSetting | None
    enter_service: EnterServiceSetting | None
    trip_stages: list[TripStageSetting] = field(default_factory=list)
    volt_var: VoltVarSetting | None = None
    watt_var: WattVarSetting | None = None
    fixed_reactive: FixedReactiveSetting | None = None
    unimplemented: list[str] = field(default_factory=list)   # curve points the DUT leaves unimplemented,
                                                             # e.g. "706.Crv.Pt[2].W" (left out above)
