"""OCPP date-times as text: RFC 3339 in UTC with a ``Z`` (OCPP 1.6 §2.4 / 2.0.1 Part 2 §2.1.1 dateTime).

Two spellings are in use, one per kind of field, so the frames the bench and the simulated charger
write stay the same campaign after campaign:

* :func:`format_timestamp` — message timestamps (BootNotification ``currentTime``, MeterValues,
  StatusNotification, transactions): always with milliseconds;
* :func:`format_schedule_time` — charging-schedule instants (``startSchedule``, ``validFrom``,
  ``scheduleStart``): whole seconds, milliseconds only when the instant has a fraction.

A naive datetime is taken as UTC.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["format_schedule_time", "format_timestamp", "parse_timestamp"]


def _utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def format_timestamp(when: dt.datetime) -> str:
    """``2026-06-21T14:00:00.000Z``: a message timestamp, with milliseconds."""
    return _utc(when).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def format_schedule_time(when: dt.datetime) -> str:
    """``2026-06-21T14:00:00Z``: a schedule instant (milliseconds only when it has a fraction)."""
    utc = _utc(when)
    return utc.replace(tzinfo=None).isoformat(timespec="seconds" if utc.microsecond == 0
                                              else "milliseconds") + "Z"


def parse_timestamp(text: str) -> dt.datetime | None:
    """An RFC 3339 date-time with its offset; None when it is not one (or carries no offset)."""
    try:
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None
