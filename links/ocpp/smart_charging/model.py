"""The one smart-charging model: charging profiles, schedule periods and composite schedules.

One model serves OCPP 1.6J (§3.13 Smart Charging; ChargingProfile, ChargingSchedule,
ChargingSchedulePeriod) and OCPP 2.0.1 (block K; ChargingProfileType, ChargingScheduleType). The
bench builds the profiles it sends with it, the simulated charger reads what it receives into it,
and :mod:`~links.ocpp.smart_charging.compute` combines them. What differs per version (names,
wire forms) is the business of the version objects in :mod:`links.ocpp.versions`.

A :class:`ChargingProfile` holds one schedule (2.0.1 allows up to three for ISO 15118 offers;
without ISO 15118 the first one counts, so that is the one kept). Building one normalises names
(``purpose="tx_default"`` or ``"TxDefaultProfile"``, ``unit="A"``, periods as tuples) and refuses
unknown ones (:class:`InvalidChargingProfile`); :meth:`ChargingProfile.check_sendable` refuses what
cannot go on the wire (the bench calls it before sending). Every datetime is timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from bench.errors import BenchError

__all__ = ["ProfilePurpose", "ProfileKind", "Recurrency", "RateUnit", "ProfileError", "InvalidChargingProfile",
           "SchedulePeriod", "ChargingProfile", "InstalledProfile", "Limit", "CompositeSchedule",
           "require_aware", "DEFAULT_NUMBER_PHASES", "NOMINAL_VOLTAGE_V"]

DEFAULT_NUMBER_PHASES = 3
"""1.6 ChargingSchedulePeriod / 2.0.1 ChargingSchedulePeriodType: numberPhases = 3 when absent."""

NOMINAL_VOLTAGE_V = 230.0
"""Phase-to-neutral voltage used to turn a W limit into A per phase (and back)."""


class InvalidChargingProfile(BenchError, ValueError):
    """The bench described a charging profile that contradicts itself or cannot go on the wire."""


class ProfileError(ValueError):
    """A charging profile (or a composite-schedule reply) received on the wire is invalid.

    ``field`` is the dotted path of the offending field in the payload as the ``ocpp`` library
    hands it over (snake_case), e.g.
    ``cs_charging_profiles.charging_schedule.charging_schedule_period[1].start_period``.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ProfilePurpose(StrEnum):
    """ChargingProfilePurposeType; each version's wire name is its version object's business
    (``ChargePointMaxProfile`` in 1.6 is ``ChargingStationMaxProfile`` in 2.0.1)."""

    STATION_MAX = "station_max"
    TX_DEFAULT = "tx_default"
    TX = "tx"

    @classmethod
    def parse(cls, value: ProfilePurpose | str) -> ProfilePurpose:
        """The purpose from its neutral name or from either version's wire name."""
        if isinstance(value, ProfilePurpose):
            return value
        try:
            return cls(value)
        except ValueError:
            pass
        from links.ocpp.versions import VERSIONS     # the wire names live with the versions
        for version in VERSIONS:
            found = version.purpose_of(str(value))
            if found is not None:
                return found
        raise InvalidChargingProfile(f"unknown charging profile purpose {value!r}")


class ProfileKind(StrEnum):
    """ChargingProfileKindType (1.6) / ChargingProfileKindEnumType (2.0.1)."""

    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"

    @classmethod
    def parse(cls, value: ProfileKind | str) -> ProfileKind:
        """The kind from its name; :class:`InvalidChargingProfile` for another one."""
        return _member(cls, value, "the charging profile kind")


class Recurrency(StrEnum):
    """RecurrencyKindType: the period after which a Recurring schedule starts again."""

    DAILY = "Daily"
    WEEKLY = "Weekly"

    @classmethod
    def parse(cls, value: Recurrency | str) -> Recurrency:
        """The recurrency from its name; :class:`InvalidChargingProfile` for another one."""
        return _member(cls, value, "recurrency")

    @property
    def period(self) -> dt.timedelta:
        return dt.timedelta(days=1) if self is Recurrency.DAILY else dt.timedelta(days=7)


class RateUnit(StrEnum):
    """ChargingRateUnitType: ``A`` is current per phase, ``W`` is total power (1.6, 2.0.1)."""

    A = "A"
    W = "W"

    @classmethod
    def parse(cls, value: RateUnit | str) -> RateUnit:
        """The unit from its name; :class:`InvalidChargingProfile` for another one."""
        return _member(cls, value, "the charging rate unit")


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
    """ChargingSchedulePeriod: from ``start_s`` seconds after the schedule start, ``limit`` (in the
    schedule's unit: A per phase, or W in total) holds until the next period's start.

    ``limit`` None only in a composite schedule: no profile constrains that period.
    """

    start_s: int
    limit: float | None
    number_phases: int | None = None     # None: 3 assumed (DEFAULT_NUMBER_PHASES)
    phase_to_use: int | None = None      # 2.0.1 only, with number_phases == 1


def _member(enum: Any, value: Any, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        names = ", ".join(repr(m.value) for m in enum)
        raise InvalidChargingProfile(f"{what} must be one of {names}, got {value!r}") from None


def _period(value: SchedulePeriod | Sequence[Any]) -> SchedulePeriod:
    return value if isinstance(value, SchedulePeriod) else SchedulePeriod(*value)


@dataclass(frozen=True)
class ChargingProfile:
    """ChargingProfile (1.6 csChargingProfiles) / ChargingProfileType (2.0.1) with its schedule.

    ``periods`` may be given as SchedulePeriod or ``(start_s, limit[, number_phases])`` tuples,
    names as text (``purpose="tx_default"``, ``kind="Relative"``, ``unit="W"``, ``recurrency="Daily"``).
    ``start_schedule`` None: the schedule starts with the transaction (Relative, or a 1.6 Absolute
    profile without startSchedule). ``transaction_id`` is kept as text (1.6 ids are integers).
    """

    profile_id: int
    purpose: ProfilePurpose
    stack_level: int
    unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    kind: ProfileKind = ProfileKind.ABSOLUTE
    recurrency: Recurrency | None = None
    start_schedule: dt.datetime | None = None
    duration_s: int | None = None            # None: the last period holds indefinitely
    valid_from: dt.datetime | None = None    # None: valid as soon as received
    valid_to: dt.datetime | None = None      # None: valid until replaced (exclusive bound)
    transaction_id: str | None = None        # TxProfile only
    min_charging_rate: float | None = None
    schedule_id: int | None = None           # 2.0.1 ChargingScheduleType.id

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "purpose", ProfilePurpose.parse(self.purpose))
        set_(self, "kind", ProfileKind.parse(self.kind))
        set_(self, "unit", RateUnit.parse(self.unit))
        if self.recurrency is not None:
            set_(self, "recurrency", Recurrency.parse(self.recurrency))
        set_(self, "periods", tuple(_period(p) for p in self.periods))
        if self.transaction_id is not None and not isinstance(self.transaction_id, str):
            set_(self, "transaction_id", str(self.transaction_id))

    def valid_at(self, at: dt.datetime) -> bool:
        """validFrom <= at < validTo."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_to is None or at < self.valid_to

    def check_sendable(self) -> None:
        """Raise :class:`InvalidChargingProfile` for a profile no version may carry: no periods; a
        first period not at 0 (1.6 §7.10); periods out of order; a limit missing, negative or with
        more than one decimal (1.6 schema ``multipleOf 0.1``; 2.0.1 "at most one digit fraction");
        numberPhases outside 1..3; ``Recurring`` without a recurrency (or one on another kind);
        ``Absolute``/``Recurring`` without a start or ``Relative`` with one (2.0.1 K01.FR.40/41); a
        transaction id on another purpose than TxProfile; a naive datetime; a duration <= 0. Which
        connector/EVSE it goes to is the caller's choice (a suite may probe a refusal)."""
        if not self.periods:
            raise InvalidChargingProfile("a charging schedule needs at least one period")
        if self.periods[0].start_s != 0:
            raise InvalidChargingProfile("the first schedule period must start at 0 s (OCPP 1.6 §7.10)")
        for before, after in pairwise(self.periods):
            if after.start_s <= before.start_s:
                raise InvalidChargingProfile(f"schedule periods must start in increasing order "
                                             f"({before.start_s} s then {after.start_s} s)")
        for period in self.periods:
            if period.limit is None:
                raise InvalidChargingProfile(f"the period at {period.start_s} s has no limit")
            _one_decimal(period.limit, "limit")
            if period.limit < 0:
                raise InvalidChargingProfile(f"a limit cannot be negative ({period.limit})")
            if period.number_phases is not None and period.number_phases not in (1, 2, 3):
                raise InvalidChargingProfile(f"number_phases must be 1, 2 or 3, got {period.number_phases}")
        if self.min_charging_rate is not None:
            _one_decimal(self.min_charging_rate, "min_charging_rate")
        if self.kind is ProfileKind.RECURRING:
            if self.recurrency is None:
                raise InvalidChargingProfile(f"a Recurring profile needs recurrency in "
                                             f"{tuple(r.value for r in Recurrency)}")
        elif self.recurrency is not None:
            raise InvalidChargingProfile(f"recurrency is only for Recurring profiles, not {self.kind.value}")
        if self.kind is ProfileKind.RELATIVE and self.start_schedule is not None:
            raise InvalidChargingProfile("a Relative profile has no start_schedule (2.0.1 K01.FR.41)")
        if self.kind is not ProfileKind.RELATIVE and self.start_schedule is None:
            raise InvalidChargingProfile(f"an {self.kind.value} profile needs start_schedule (2.0.1 K01.FR.40)")
        if self.transaction_id is not None and self.purpose is not ProfilePurpose.TX:
            raise InvalidChargingProfile("transaction_id is only for TxProfile (OCPP 1.6 §7.8, 2.0.1 K01)")
        for name in ("start_schedule", "valid_from", "valid_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidChargingProfile(f"{name} must be a timezone-aware datetime")
        if self.duration_s is not None and self.duration_s <= 0:
            raise InvalidChargingProfile(f"duration_s must be positive, got {self.duration_s}")


def _one_decimal(value: float, name: str) -> None:
    if abs(value * 10 - round(value * 10)) > 1e-6:
        raise InvalidChargingProfile(f"{name} {value} has more than one decimal (OCPP allows one); round it")


@dataclass(frozen=True)
class InstalledProfile:
    """A profile as installed on a connector / EVSE (0 = the whole charge point / station)."""

    connector_id: int
    profile: ChargingProfile


@dataclass(frozen=True)
class Limit:
    """A charging-rate limit in force at one instant, in ``unit``."""

    limit: float
    unit: RateUnit
    number_phases: int | None = None
    phase_to_use: int | None = None      # 2.0.1: the phase of a one-phase period (None: the charger's choice)


@dataclass(frozen=True)
class CompositeSchedule:
    """The composite schedule (1.6 §5.7 GetCompositeSchedule.conf; 2.0.1 K08 CompositeScheduleType):
    the limits that will actually be applied from ``start`` for ``duration_s`` seconds, in ``unit``.

    As a charger's answer it also carries ``status`` ("Accepted" / "Rejected") and ``connector_id``
    (the 1.6 connectorId or 2.0.1 evseId); an answer without a schedule (Rejected, or a 1.6
    Accepted without chargingSchedule) has no periods, and None where the charger gave nothing.
    """

    start: dt.datetime | None
    duration_s: int | None
    unit: RateUnit | None
    periods: tuple[SchedulePeriod, ...] = ()
    status: str = "Accepted"
    connector_id: int | None = None
    min_charging_rate: float | None = None

    def period_at(self, offset_s: float) -> SchedulePeriod | None:
        """The period in force ``offset_s`` seconds after ``start`` (None outside the schedule)."""
        if offset_s < 0 or (self.duration_s is not None and offset_s >= self.duration_s):
            return None
        current = None
        for period in self.periods:
            if period.start_s <= offset_s:
                current = period
            else:
                break
        return current

    def limit_at_offset(self, offset_s: float) -> float | None:
        """The limit ``offset_s`` seconds after ``start`` (None: unconstrained, outside, or no schedule)."""
        period = self.period_at(offset_s)
        return None if period is None else period.limit
