"""Smart-charging profiles in one neutral shape, turned into OCPP 1.6J or 2.0.1 payloads.

A suite describes a charging profile once (:class:`ChargingProfileSpec`) and the link builds the
``SetChargingProfile`` request of the charger's version; a ``GetCompositeSchedule`` answer of
either version comes back as one :class:`CompositeSchedule`.

Sources: OCPP 1.6 §3.13 Smart Charging, §5.16 SetChargingProfile, §5.7 GetCompositeSchedule,
§7.7-7.10 ChargingProfile / ChargingSchedule / ChargingSchedulePeriod; OCPP 2.0.1 Part 2 K01
SetChargingProfile, K08 GetCompositeSchedule, ChargingProfileType / ChargingScheduleType.

What the builder refuses (:class:`InvalidProfileSpec`) is a description that contradicts itself or
cannot be put on the wire: no periods; a first period not starting at 0 (1.6 §7.10 "the startPeriod
of the first period SHALL always be 0"); periods out of order; a limit with more than one decimal
(1.6 schema ``multipleOf 0.1``; 2.0.1 "at most one digit fraction"); ``Recurring`` without a
recurrency (or a recurrency on another kind); ``Absolute``/``Recurring`` without a start, or
``Relative`` with one (2.0.1 K01.FR.40/41); a transaction id on a non-transaction profile; a 2.0.1
``TxProfile`` without a transaction id (K01.FR.03). Which connector/EVSE a profile is sent to is the
caller's choice, so a suite can probe that a charger *rejects* e.g. a TxProfile on EVSE 0; frames that
break the schema on purpose go through ``send_raw``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocpp.v16 import call as v16_call
from ocpp.v201 import call as v201_call

from bench.errors import BenchError

RATE_UNITS = ("A", "W")
RECURRENCIES = ("Daily", "Weekly")


class InvalidProfileSpec(BenchError, ValueError):
    """The neutral description cannot become a valid OCPP charging profile (a bench-side error)."""


class ProfilePurpose(str, enum.Enum):
    """Charging profile purpose; the names differ per version only for the station-wide one."""

    STATION_MAX = "station_max"   # 1.6 ChargePointMaxProfile, 2.0.1 ChargingStationMaxProfile
    TX_DEFAULT = "tx_default"     # TxDefaultProfile
    TX = "tx"                     # TxProfile

    def wire_name(self, ocpp_version: str) -> str:
        if self is ProfilePurpose.STATION_MAX:
            return "ChargePointMaxProfile" if ocpp_version == "1.6" else "ChargingStationMaxProfile"
        return "TxDefaultProfile" if self is ProfilePurpose.TX_DEFAULT else "TxProfile"

    @classmethod
    def parse(cls, value: ProfilePurpose | str) -> ProfilePurpose:
        """Accept the neutral name or either version's wire name."""
        if isinstance(value, ProfilePurpose):
            return value
        wire = {"ChargePointMaxProfile": cls.STATION_MAX, "ChargingStationMaxProfile": cls.STATION_MAX,
                "TxDefaultProfile": cls.TX_DEFAULT, "TxProfile": cls.TX}
        if value in wire:
            return wire[value]
        try:
            return cls(value)
        except ValueError:
            raise InvalidProfileSpec(f"unknown charging profile purpose {value!r}") from None


class ProfileKind(str, enum.Enum):
    """ChargingProfileKindType (1.6 §7.9) / ChargingProfileKindEnumType (2.0.1)."""

    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


@dataclass(frozen=True)
class SchedulePeriod:
    """One ChargingSchedulePeriod: from ``start_s`` (seconds after the schedule start) the limit holds.

    ``limit`` is in the schedule's unit: A per phase, or W in total (1.6 §3.13.4 / 2.0.1 K01).
    ``number_phases`` None means "not given" (the charger assumes 3).
    """

    start_s: int
    limit: float
    number_phases: int | None = None


@dataclass(frozen=True)
class ChargingProfileSpec:
    """A charging profile, independent of the OCPP version.

    ``periods`` may be given as SchedulePeriod or as ``(start_s, limit[, number_phases])`` tuples.
    Datetimes must be timezone-aware (they go on the wire in UTC).
    """

    profile_id: int
    purpose: ProfilePurpose | str
    stack_level: int
    unit: str
    periods: Sequence[SchedulePeriod | tuple[Any, ...]]
    kind: ProfileKind | str = ProfileKind.ABSOLUTE
    recurrency: str | None = None
    start_schedule: dt.datetime | None = None
    duration_s: int | None = None
    valid_from: dt.datetime | None = None
    valid_to: dt.datetime | None = None
    transaction_id: str | int | None = None
    min_charging_rate: float | None = None
    schedule_id: int = 1                 # 2.0.1 ChargingScheduleType.id

    def __post_init__(self) -> None:
        object.__setattr__(self, "purpose", ProfilePurpose.parse(self.purpose))
        try:
            object.__setattr__(self, "kind", ProfileKind(self.kind))
        except ValueError:
            raise InvalidProfileSpec(f"unknown charging profile kind {self.kind!r}") from None
        periods = tuple(p if isinstance(p, SchedulePeriod) else SchedulePeriod(*p) for p in self.periods)
        object.__setattr__(self, "periods", periods)
        self._check()

    def _check(self) -> None:
        if self.unit not in RATE_UNITS:
            raise InvalidProfileSpec(f"charging rate unit must be one of {RATE_UNITS}, got {self.unit!r}")
        if not self.periods:
            raise InvalidProfileSpec("a charging schedule needs at least one period")
        if self.periods[0].start_s != 0:
            raise InvalidProfileSpec("the first schedule period must start at 0 s (OCPP 1.6 §7.10)")
        for before, after in zip(self.periods, self.periods[1:]):
            if after.start_s <= before.start_s:
                raise InvalidProfileSpec(f"schedule periods must start in increasing order "
                                         f"({before.start_s} s then {after.start_s} s)")
        for period in self.periods:
            _one_decimal(period.limit, "limit")
            if period.limit < 0:
                raise InvalidProfileSpec(f"a limit cannot be negative ({period.limit})")
            if period.number_phases is not None and period.number_phases not in (1, 2, 3):
                raise InvalidProfileSpec(f"number_phases must be 1, 2 or 3, got {period.number_phases}")
        if self.min_charging_rate is not None:
            _one_decimal(self.min_charging_rate, "min_charging_rate")
        if self.kind is ProfileKind.RECURRING:
            if self.recurrency not in RECURRENCIES:
                raise InvalidProfileSpec(f"a Recurring profile needs recurrency in {RECURRENCIES}")
        elif self.recurrency is not None:
            raise InvalidProfileSpec(f"recurrency is only for Recurring profiles, not {self.kind.value}")
        if self.kind is ProfileKind.RELATIVE and self.start_schedule is not None:
            raise InvalidProfileSpec("a Relative profile has no start_schedule (2.0.1 K01.FR.41)")
        if self.kind is not ProfileKind.RELATIVE and self.start_schedule is None:
            raise InvalidProfileSpec(f"an {self.kind.value} profile needs start_schedule (2.0.1 K01.FR.40)")
        if self.transaction_id is not None and self.purpose is not ProfilePurpose.TX:
            raise InvalidProfileSpec("transaction_id is only for TxProfile (OCPP 1.6 §7.8, 2.0.1 K01)")
        for name in ("start_schedule", "valid_from", "valid_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidProfileSpec(f"{name} must be a timezone-aware datetime")
        if self.duration_s is not None and self.duration_s <= 0:
            raise InvalidProfileSpec(f"duration_s must be positive, got {self.duration_s}")


def _one_decimal(value: float, name: str) -> None:
    if abs(value * 10 - round(value * 10)) > 1e-6:
        raise InvalidProfileSpec(f"{name} {value} has more than one decimal (OCPP allows one); round it")


def wire_time(value: dt.datetime) -> str:
    """An aware datetime as OCPP date-time in UTC with a ``Z`` (RFC 3339)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _without_nones(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _periods(spec: ChargingProfileSpec) -> list[dict[str, Any]]:
    return [_without_nones({"start_period": p.start_s, "limit": float(round(p.limit, 1)),
                            "number_phases": p.number_phases}) for p in spec.periods]


def _times(spec: ChargingProfileSpec) -> dict[str, Any]:
    return {"valid_from": wire_time(spec.valid_from) if spec.valid_from else None,
            "valid_to": wire_time(spec.valid_to) if spec.valid_to else None}


def charging_profile_16(spec: ChargingProfileSpec) -> dict[str, Any]:
    """``csChargingProfiles`` of a 1.6 SetChargingProfile.req (snake_case, as the ocpp library takes it)."""
    transaction_id = spec.transaction_id
    if transaction_id is not None:
        try:
            transaction_id = int(transaction_id)
        except (TypeError, ValueError):
            raise InvalidProfileSpec(f"OCPP 1.6 transaction ids are integers, got {transaction_id!r}") from None
    schedule = _without_nones({
        "duration": spec.duration_s,
        "start_schedule": wire_time(spec.start_schedule) if spec.start_schedule else None,
        "charging_rate_unit": spec.unit, "charging_schedule_period": _periods(spec),
        "min_charging_rate": spec.min_charging_rate})
    purpose, kind = ProfilePurpose.parse(spec.purpose), ProfileKind(spec.kind)
    return _without_nones({
        "charging_profile_id": spec.profile_id, "transaction_id": transaction_id,
        "stack_level": spec.stack_level, "charging_profile_purpose": purpose.wire_name("1.6"),
        "charging_profile_kind": kind.value, "recurrency_kind": spec.recurrency, **_times(spec),
        "charging_schedule": schedule})


def charging_profile_201(spec: ChargingProfileSpec) -> dict[str, Any]:
    """``chargingProfile`` of a 2.0.1 SetChargingProfileRequest (snake_case)."""
    purpose, kind = ProfilePurpose.parse(spec.purpose), ProfileKind(spec.kind)
    if purpose is ProfilePurpose.TX and spec.transaction_id is None:
        raise InvalidProfileSpec("a 2.0.1 TxProfile needs transaction_id (K01.FR.03)")
    schedule = _without_nones({
        "id": spec.schedule_id,
        "start_schedule": wire_time(spec.start_schedule) if spec.start_schedule else None,
        "duration": spec.duration_s, "charging_rate_unit": spec.unit,
        "charging_schedule_period": _periods(spec), "min_charging_rate": spec.min_charging_rate})
    return _without_nones({
        "id": spec.profile_id, "stack_level": spec.stack_level,
        "charging_profile_purpose": purpose.wire_name("2.0.1"),
        "charging_profile_kind": kind.value, "recurrency_kind": spec.recurrency, **_times(spec),
        "transaction_id": None if spec.transaction_id is None else str(spec.transaction_id),
        "charging_schedule": [schedule]})


def set_charging_profile_request(spec: ChargingProfileSpec, ocpp_version: str,
                                 connector_id: int) -> v16_call.SetChargingProfile | v201_call.SetChargingProfile:
    """The SetChargingProfile request for ``ocpp_version`` ("1.6" or "2.0.1").

    ``connector_id`` is the 1.6 connectorId or the 2.0.1 evseId (0 = the whole station).
    """
    if ocpp_version == "1.6":
        return v16_call.SetChargingProfile(connector_id=connector_id, cs_charging_profiles=charging_profile_16(spec))
    if ocpp_version == "2.0.1":
        return v201_call.SetChargingProfile(evse_id=connector_id, charging_profile=charging_profile_201(spec))
    raise InvalidProfileSpec(f"unsupported OCPP version {ocpp_version!r}")


@dataclass(frozen=True)
class CompositeSchedule:
    """A GetCompositeSchedule answer of either version.

    ``status`` is "Accepted" or "Rejected"; the schedule fields are None/empty when rejected.
    ``connector_id`` is the 1.6 connectorId or the 2.0.1 evseId.
    """

    status: str
    connector_id: int | None = None
    schedule_start: str | None = None
    duration_s: int | None = None
    unit: str | None = None
    periods: tuple[SchedulePeriod, ...] = field(default_factory=tuple)
    min_charging_rate: float | None = None

    def limit_at(self, offset_s: float) -> float | None:
        """The limit in force ``offset_s`` seconds after ``schedule_start`` (None past the end or when empty)."""
        if not self.periods or offset_s < 0 or (self.duration_s is not None and offset_s >= self.duration_s):
            return None
        current: float | None = None
        for period in self.periods:
            if period.start_s <= offset_s:
                current = period.limit
        return current


def _schedule_periods(raw: Sequence[Mapping[str, Any]]) -> tuple[SchedulePeriod, ...]:
    return tuple(SchedulePeriod(int(p["start_period"]), float(p["limit"]),
                                None if p.get("number_phases") is None else int(p["number_phases"]))
                 for p in raw)


def composite_schedule_16(result: Any) -> CompositeSchedule:
    """From a 1.6 ``call_result.GetCompositeSchedule`` (nested fields are snake_case dicts)."""
    schedule = result.charging_schedule or {}
    return CompositeSchedule(
        status=str(result.status), connector_id=result.connector_id,
        schedule_start=result.schedule_start or schedule.get("start_schedule"),
        duration_s=schedule.get("duration"), unit=schedule.get("charging_rate_unit"),
        periods=_schedule_periods(schedule.get("charging_schedule_period", [])),
        min_charging_rate=schedule.get("min_charging_rate"))


def composite_schedule_201(result: Any) -> CompositeSchedule:
    """From a 2.0.1 ``call_result.GetCompositeSchedule``."""
    schedule = result.schedule or {}
    return CompositeSchedule(
        status=str(result.status), connector_id=schedule.get("evse_id"),
        schedule_start=schedule.get("schedule_start"), duration_s=schedule.get("duration"),
        unit=schedule.get("charging_rate_unit"),
        periods=_schedule_periods(schedule.get("charging_schedule_period", [])))


__all__ = ["ChargingProfileSpec", "CompositeSchedule", "InvalidProfileSpec", "ProfileKind", "ProfilePurpose",
           "SchedulePeriod", "charging_profile_16", "charging_profile_201", "composite_schedule_16",
           "composite_schedule_201", "set_charging_profile_request", "wire_time"]
