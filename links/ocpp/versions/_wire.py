"""Field readers and writers shared by the OCPP 1.6J and 2.0.1 version objects (v16.py, v201.py).

Payloads arrive as the ``ocpp`` library hands them to handlers: snake_case keys, date-times as
RFC 3339 strings, numbers as int / float (``decimal.Decimal`` for 1.6 SetChargingProfile, which
the library parses that way to check ``multipleOf 0.1``). Dataclasses of ``ocpp.v16`` /
``ocpp.v201`` datatypes and datetime objects are accepted too. Every error names its field path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import math
from collections.abc import Mapping
from typing import Any

from links.ocpp.smart_charging.model import (ChargingProfile, ProfileError, ProfileKind, RateUnit, Recurrency,
                                             SchedulePeriod)
from links.ocpp.timestamps import format_schedule_time, parse_timestamp

MISSING = object()


def as_mapping(value: Any, path: str) -> Mapping[str, Any]:
    """A payload object as a mapping (dataclasses are flattened, None fields dropped)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)
                 if getattr(value, f.name) is not None}
    if not isinstance(value, Mapping):
        raise ProfileError(path, f"expected an object, got {type(value).__name__}")
    return value


def check_keys(data: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            raise ProfileError(join(path, str(key)), "unknown field")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def get(data: Mapping[str, Any], key: str, path: str, *, required: bool) -> Any:
    value = data.get(key, MISSING)
    if value is MISSING or value is None:
        if required:
            raise ProfileError(join(path, key), "required field is missing")
        return MISSING
    return value


def integer(data: Mapping[str, Any], key: str, path: str, *, required: bool,
            minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = get(data, key, path, required=required)
    if value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal, float)) \
            or (isinstance(value, (float, decimal.Decimal)) and value != int(value)):
        raise ProfileError(join(path, key), f"expected an integer, got {value!r}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ProfileError(join(path, key), f"must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ProfileError(join(path, key), f"must be <= {maximum}, got {number}")
    return number


def required_integer(data: Mapping[str, Any], key: str, path: str, *,
                     minimum: int | None = None) -> int:
    value = integer(data, key, path, required=True, minimum=minimum)
    if value is None:  # unreachable: integer() raises for a missing required field
        raise ProfileError(join(path, key), "required field is missing")
    return value


def required_number(data: Mapping[str, Any], key: str, path: str, *,
                    minimum: float | None = None) -> float:
    value = number(data, key, path, required=True, minimum=minimum)
    if value is None:  # unreachable: number() raises for a missing required field
        raise ProfileError(join(path, key), "required field is missing")
    return value


def number(data: Mapping[str, Any], key: str, path: str, *, required: bool,
           minimum: float | None = None) -> float | None:
    value = get(data, key, path, required=required)
    if value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        raise ProfileError(join(path, key), f"expected a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ProfileError(join(path, key), f"expected a finite number, got {value!r}")
    if minimum is not None and result < minimum:
        raise ProfileError(join(path, key), f"must be >= {minimum:g}, got {result:g}")
    return result


def text(data: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
    value = get(data, key, path, required=required)
    if value is MISSING:
        return None
    if not isinstance(value, str):
        raise ProfileError(join(path, key), f"expected a string, got {value!r}")
    return str(value)


def choice(data: Mapping[str, Any], key: str, path: str, options: dict[str, Any], *,
           required: bool) -> Any:
    value = text(data, key, path, required=required)
    if value is None:
        return None
    if value not in options:
        raise ProfileError(join(path, key), f"expected one of {', '.join(options)}, got {value!r}")
    return options[value]


def timestamp(data: Mapping[str, Any], key: str, path: str, *,
              required: bool) -> dt.datetime | None:
    value = get(data, key, path, required=required)
    if value is MISSING:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise ProfileError(join(path, key), f"expected an RFC 3339 date-time, got {value!r}") \
                from None
    else:
        raise ProfileError(join(path, key), f"expected a date-time string, got {value!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ProfileError(join(path, key), f"date-time without a UTC offset: {value!r}")
    return parsed


UNITS = {"A": RateUnit.A, "W": RateUnit.W}
KINDS = {k.value: k for k in ProfileKind}
RECURRENCIES = {r.value: r for r in Recurrency}


def periods(raw: Any, path: str, *, allowed: set[str], recurrency: Recurrency | None,
            max_count: int | None) -> tuple[SchedulePeriod, ...]:
    """chargingSchedulePeriod: non-empty, first startPeriod 0, strictly increasing, limit >= 0,
    numberPhases 1..3, phaseToUse 1..3 only with numberPhases 1."""
    if not isinstance(raw, (list, tuple)):
        raise ProfileError(path, f"expected a list of periods, got {type(raw).__name__}")
    if not raw:
        raise ProfileError(path, "at least one period is required")
    if max_count is not None and len(raw) > max_count:
        raise ProfileError(path, f"at most {max_count} periods, got {len(raw)}")
    result: list[SchedulePeriod] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        data = as_mapping(item, where)
        check_keys(data, where, allowed)
        start = required_integer(data, "start_period", where, minimum=0)
        if index == 0 and start != 0:
            raise ProfileError(join(where, "start_period"), f"the first period must start at 0, "
                                                            f"got {start}")
        previous = result[-1].start_s if result else None
        if previous is not None and start <= previous:
            raise ProfileError(join(where, "start_period"),
                               f"must be greater than the previous period's {previous}")
        if recurrency is not None and start >= recurrency.period.total_seconds():
            raise ProfileError(join(where, "start_period"),
                               f"beyond the {recurrency.value} recurrence "
                               f"({int(recurrency.period.total_seconds())} s)")
        limit = required_number(data, "limit", where, minimum=0.0)
        phases = integer(data, "number_phases", where, required=False, minimum=1, maximum=3)
        phase_to_use = None
        if "phase_to_use" in allowed:
            phase_to_use = integer(data, "phase_to_use", where, required=False, minimum=1,
                                   maximum=3)
            if phase_to_use is not None and phases != 1:
                raise ProfileError(join(where, "phase_to_use"),
                                   "only allowed together with number_phases 1")
        result.append(SchedulePeriod(start, limit, phases, phase_to_use))
    return tuple(result)


def schedule(data: Mapping[str, Any], path: str, *, allowed: set[str], period_keys: set[str],
             kind: ProfileKind, recurrency: Recurrency | None,
             max_periods: int | None) -> dict[str, Any]:
    """A ChargingSchedule(Type) as the :class:`ChargingProfile` keyword arguments it fills (unit,
    periods, start_schedule, duration_s, min_charging_rate, schedule_id)."""
    check_keys(data, path, allowed)
    unit = choice(data, "charging_rate_unit", path, UNITS, required=True)
    start = timestamp(data, "start_schedule", path, required=False)
    duration = integer(data, "duration", path, required=False, minimum=0)
    min_rate = number(data, "min_charging_rate", path, required=False, minimum=0.0)
    raw_periods = get(data, "charging_schedule_period", path, required=True)
    parsed = periods(raw_periods, join(path, "charging_schedule_period"), allowed=period_keys,
                     recurrency=recurrency if kind is ProfileKind.RECURRING else None,
                     max_count=max_periods)
    schedule_id = integer(data, "id", path, required="id" in allowed) if "id" in allowed else None
    return {"unit": unit, "periods": parsed, "duration_s": duration, "start_schedule": start,
            "min_charging_rate": min_rate, "schedule_id": schedule_id}


def recurrency_and_validity(raw: Mapping[str, Any], path: str, kind: ProfileKind
                            ) -> tuple[Recurrency | None, dt.datetime | None, dt.datetime | None]:
    """A profile's recurrencyKind (required when Recurring), validFrom and validTo (after validFrom)."""
    recurrency = choice(raw, "recurrency_kind", path, RECURRENCIES, required=False)
    if kind is ProfileKind.RECURRING and recurrency is None:
        raise ProfileError(join(path, "recurrency_kind"),
                           "required when charging_profile_kind is Recurring")
    valid_from = timestamp(raw, "valid_from", path, required=False)
    valid_to = timestamp(raw, "valid_to", path, required=False)
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise ProfileError(join(path, "valid_to"), "must be after valid_from")
    return recurrency, valid_from, valid_to


# ---- writers ---------------------------------------------------------------------------------------
def without_nones(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def format_limit(value: float) -> float:
    """A limit with one decimal (1.6 schema ``multipleOf 0.1``; 2.0.1 "at most one digit fraction")."""
    return round(float(value), 1)


def time_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else format_schedule_time(value)


def period_dicts(periods_: tuple[SchedulePeriod, ...], *, with_phase_to_use: bool) -> list[dict[str, Any]]:
    """chargingSchedulePeriod entries (start_period, limit with one decimal, number_phases[, phase_to_use]).
    Every period needs a limit: a composite built without ``max_current_a`` cannot go on the wire."""
    out = []
    for period in periods_:
        if period.limit is None:
            raise ValueError(f"period at +{period.start_s} s has no limit; build the composite with "
                             f"max_current_a to report unconstrained periods")
        out.append(without_nones({"start_period": period.start_s, "limit": format_limit(period.limit),
                                  "number_phases": period.number_phases,
                                  "phase_to_use": period.phase_to_use if with_phase_to_use else None}))
    return out


def optional_limit(value: float | None) -> float | None:
    return None if value is None else format_limit(value)


def validity(profile: ChargingProfile) -> dict[str, Any]:
    """recurrencyKind, validFrom, validTo (None when absent)."""
    return {"recurrency_kind": None if profile.recurrency is None else profile.recurrency.value,
            "valid_from": time_or_none(profile.valid_from), "valid_to": time_or_none(profile.valid_to)}


def composite_periods(raw: Any) -> tuple[SchedulePeriod, ...]:
    """The periods of a charger's composite schedule, as given (the library checked the schema)."""
    return tuple(SchedulePeriod(int(p["start_period"]), float(p["limit"]),
                                None if p.get("number_phases") is None else int(p["number_phases"]))
                 for p in raw or ())


def composite_start(*texts: Any) -> dt.datetime | None:
    """The first of ``texts`` that is an RFC 3339 date-time with an offset (None if none is)."""
    for value in texts:
        if isinstance(value, str):
            parsed = parse_timestamp(value)
            if parsed is not None:
                return parsed
    return None
