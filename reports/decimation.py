"""Display decimation of plot arrays: few enough points to draw, no extreme hidden.

A plot array longer than :data:`DISPLAY_POINTS` is cut into equal buckets of consecutive samples
(the last one may be shorter). From each bucket the report keeps, in their original order:

* its first and its last sample,
* for every value column (a series' ``y`` and ``limit``, a curve's ``y``): the sample holding the
  column's lowest and the one holding its highest finite value (the earliest on ties), each with
  the sample just before it, so a step (a trip, a reconnection) is drawn between the two samples it
  happened between,
* the first sample whose value is missing (null or not finite), so a break in the line stays a break,

plus any ``marks`` (e.g. the samples at a response window's edges). So a trip edge or a one-sample
spike is always drawn at its true time and height; only samples between extremes of one bucket
are left out. The choice is a pure function of the data (deterministic). The full arrays go to the
package's ``raw/plots/`` (see reports.build).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

DISPLAY_POINTS = 1000        # longest plot array kept in report.json


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _bucket_picks(column: Sequence[Any], start: int, stop: int) -> list[int]:
    """Indexes of the lowest and highest finite value (each with the index before it) and of the
    first missing value in ``column[start:stop]``."""
    lo = hi = gap = -1
    lo_v = hi_v = 0.0
    for i in range(start, stop):
        v = _finite(column[i])
        if v is None:
            if gap < 0:
                gap = i
            continue
        if lo < 0 or v < lo_v:
            lo, lo_v = i, v
        if hi < 0 or v > hi_v:
            hi, hi_v = i, v
    return [i for i in (lo - 1, lo, hi - 1, hi, gap) if i >= 0]


def display_indexes(length: int, columns: Sequence[Sequence[Any]], *, max_points: int = DISPLAY_POINTS,
                    marks: Iterable[int] = ()) -> list[int] | None:
    """The sorted indexes a display keeps of ``length`` samples (``columns``: the value columns,
    each at least ``length`` long), or None when ``length <= max_points`` (keep everything)."""
    if length <= max_points:
        return None
    per_bucket = 2 + 5 * len(columns)
    buckets = max(max_points // per_bucket, 1)
    size = math.ceil(length / buckets)
    keep: set[int] = {i for i in marks if 0 <= i < length}
    for start in range(0, length, size):
        stop = min(start + size, length)
        keep.update((start, stop - 1))
        for column in columns:
            keep.update(_bucket_picks(column, start, stop))
    return sorted(keep)


def take(values: Sequence[Any], indexes: Sequence[int]) -> list[Any]:
    """``values`` at ``indexes``."""
    return [values[i] for i in indexes]
