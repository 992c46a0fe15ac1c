"""Small builders for the smart-charging tests (neutral dataclasses, UTC calendar times)."""

from __future__ import annotations

import datetime as dt

from links.ocpp.smart_charging import ChargingProfile, InstalledProfile, ProfileKind, ProfilePurpose, Recurrency

UTC = dt.timezone.utc


def at(day: int, hour: int, minute: int = 0, second: int = 0, *, month: int = 11,
       tz: dt.tzinfo = UTC) -> dt.datetime:
    """A calendar time in November 2026 (2026-11-02 is a Monday)."""
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=tz)


def profile(profile_id: int, purpose: ProfilePurpose, periods: list[tuple[int, float] | tuple[int, float, int]],
            *, stack: int = 0, unit: str = "A", kind: ProfileKind = ProfileKind.ABSOLUTE,
            start: dt.datetime | None = None, duration_s: int | None = None,
            recurrency: Recurrency | None = None, valid_from: dt.datetime | None = None,
            valid_to: dt.datetime | None = None, transaction_id: str | None = None
            ) -> ChargingProfile:
    return ChargingProfile(profile_id=profile_id, purpose=purpose, stack_level=stack, unit=unit,
                           periods=[(p[0], float(p[1]), *p[2:]) for p in periods], kind=kind,
                           recurrency=recurrency, start_schedule=start, duration_s=duration_s,
                           valid_from=valid_from, valid_to=valid_to, transaction_id=transaction_id)


def on(connector_id: int, *profiles: ChargingProfile) -> list[InstalledProfile]:
    return [InstalledProfile(connector_id, p) for p in profiles]


def steps(schedule) -> list[tuple[int, float | None]]:
    """(start offset s, limit) of every period, limits rounded to 3 decimals."""
    return [(p.start_s, None if p.limit is None else round(p.limit, 3)) for p in schedule.periods]
