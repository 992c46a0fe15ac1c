"""The version-neutral smart-charging model: charging profiles, schedules and composite schedules.

One model serves OCPP 1.6J (§3.13 Smart Charging; types ChargingProfile, ChargingSchedule,
ChargingSchedulePeriod)
and OCPP 2.0.1 (functional block K, ChargingProfileType / ChargingScheduleType). The 2.0.1 purpose
``ChargingStationMaxProfile`` is the 1.6 ``ChargePointMaxProfile``; both map to
:attr:`Purpose.STATION_MAX`. The wire forms live in :mod:`links.ocpp.smart_charging.ocpp16` and
:mod:`links.ocpp.smart_charging.ocpp201`.

Every datetime in this package is timezone-aware; naive datetimes are refused (OCPP date-time
fields are RFC 3339 strings, which always carry an offset).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

__all__ = ["Purpose", "ProfileKind", "Recurrency", "RateUnit", "ProfileError", "SchedulePeriod",
           "ChargingSchedule", "ChargingProfile", "InstalledProfile", "Transaction", "Limit",
           "CompositePeriod", "CompositeSchedule", "require_aware", "DEFAULT_NUMBER_PHASES",
           "NOMINAL_VOLTAGE_V"]

DEFAULT_NUMBER_PHASES = 3
"""1.6 ChargingSchedulePeriod / 2.0.1 ChargingSchedulePeriodType: numberPhases = 3 when absent."""

NOMINAL_VOLTAGE_V = 230.0
"""Phase-to-neutral voltage used to turn a W limit into A per phase (and back)."""


class Purpose(str, Enum):
    """ChargingProfilePurposeType. Values are the OCPP 1.6 names."""

    STATION_MAX = "ChargePointMaxProfile"        # 2.0.1: ChargingStationMaxProfile
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class ProfileKind(str, Enum):
    """ChargingProfileKindType (1.6) / ChargingProfileKindEnumType (2.0.1)."""

    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Recurrency(str, Enum):
    """RecurrencyKindType: the period after which a Recurring schedule starts again."""

    DAILY = "Daily"
    WEEKLY = "Weekly"

    @property
    def period(self) -> dt.timedelta:
        return dt.timedelta(days=1) if self is Recurrency.DAILY else dt.timedelta(days=7)


class RateUnit(str, Enum):
    """ChargingRateUnitType: ``A`` is current per phase, ``W`` is total power (1.6, 2.0.1)."""

    A = "A"
    W = "W"


class ProfileError(ValueError):
    """A charging profile (or a composite-schedule reply) is invalid.

    ``field`` is the dotted path of the offending field in the payload as the ``ocpp`` library
    hands it over (snake_case), e.g.
    ``cs_charging_profiles.charging_schedule.charging_schedule_period[1].start_period``.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def require_aware(name: str, value: dt.datetime) -> dt.datetime:
    """Return ``value`` if it is an aware datetime, else raise ValueError naming ``name``."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{name}: expected a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: expected a timezone-aware datetime, "
                         f"got naive {value.isoformat()}")
    return value


@dataclass(frozen=True)
class SchedulePeriod:
    """ChargingSchedulePeriod: from ``start_s`` seconds after the schedule start, ``limit``
    (in the schedule's unit) holds until the next period's start."""

    start_s: int
    limit: float
    number_phases: int | None = None     # None: 3 assumed (DEFAULT_NUMBER_PHASES)
    phase_to_use: int | None = None      # 2.0.1 only, with number_phases == 1


@dataclass(frozen=True)
class ChargingSchedule:
    """ChargingSchedule (1.6) / ChargingScheduleType (2.0.1)."""

    unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    duration_s: int | None = None            # None: the last period holds indefinitely
    start_schedule: dt.datetime | None = None
    min_charging_rate: float | None = None
    schedule_id: int | None = None           # 2.0.1 ChargingScheduleType.id


@dataclass(frozen=True)
class ChargingProfile:
    """ChargingProfile (1.6 csChargingProfiles) / ChargingProfileType (2.0.1)."""

    profile_id: int
    stack_level: int
    purpose: Purpose
    kind: ProfileKind
    schedule: ChargingSchedule
    recurrency: Recurrency | None = None
    valid_from: dt.datetime | None = None    # None: valid as soon as received
    valid_to: dt.datetime | None = None      # None: valid until replaced (exclusive bound)
    transaction_id: str | None = None        # TxProfile only; 1.6 integer ids kept as text

    def valid_at(self, at: dt.datetime) -> bool:
        """validFrom <= at < validTo."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_to is None or at < self.valid_to


@dataclass(frozen=True)
class InstalledProfile:
    """A profile as installed on a connector / EVSE (0 = the whole charge point / station)."""

    connector_id: int
    profile: ChargingProfile


@dataclass(frozen=True)
class Transaction:
    """A running transaction: Relative profiles start at ``start`` (1.6 ChargingProfileKindType);
    a TxProfile with a ``transaction_id`` applies only to the transaction with that id."""

    connector_id: int
    start: dt.datetime
    transaction_id: str | None = None


@dataclass(frozen=True)
class Limit:
    """A charging-rate limit in force at one instant, in ``unit``."""

    limit: float
    unit: RateUnit
    number_phases: int | None = None


@dataclass(frozen=True)
class CompositePeriod:
    """One period of a composite schedule: ``limit`` from ``start_s`` seconds after the
    schedule start. ``limit`` None means no profile constrains charging in this period."""

    start_s: int
    limit: float | None
    number_phases: int | None = None


@dataclass(frozen=True)
class CompositeSchedule:
    """The composite schedule (1.6 §5.7 GetCompositeSchedule.conf; 2.0.1 K08
    CompositeScheduleType): the limits that will actually be applied from ``start`` for
    ``duration_s`` seconds, in ``unit``."""

    start: dt.datetime
    duration_s: int
    unit: RateUnit
    periods: tuple[CompositePeriod, ...]

    def period_at(self, offset_s: float) -> CompositePeriod | None:
        """The period in force ``offset_s`` seconds after ``start`` (None outside the schedule)."""
        if offset_s < 0 or offset_s >= self.duration_s:
            return None
        current = None
        for period in self.periods:
            if period.start_s <= offset_s:
                current = period
            else:
                break
        return current

    def limit_at_offset(self, offset_s: float) -> float | None:
        """The limit ``offset_s`` seconds after ``start`` (None: unconstrained or outside)."""
        period = self.period_at(offset_s)
        return None if period is None else period.limit
