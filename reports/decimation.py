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
are left out. The choice is a pure function of the data (deterministic). :func:`display_plots`
applies it to a report's plots and puts each decimated plot's full arrays into the package's
``raw/plots/`` (docs/report-content.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reports import evidence

DISPLAY_POINTS = 1000        # longest plot array kept in report.json
STIMULUS_POINTS = 300        # longest stimulus kept in report.json (context on a second axis)


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


PLOTS_DIR = f"{evidence.RAW_DIR}/plots"


def _plot_csv(plot: Mapping[str, Any]) -> str:
    """A plot's full arrays as CSV: ``t_s,y[,limit]`` for a series, ``array,x,y`` for a curve."""
    fmt = evidence.format_cell
    if plot["type"] == "series":
        limit = plot.get("limit")
        header = "t_s,y,limit" if limit is not None else "t_s,y"
        columns = [plot["t_s"], plot["y"]] + ([limit] if limit is not None else [])
        n = max(len(c) for c in columns)
        rows = [",".join(fmt(c[i]) if i < len(c) else "" for c in columns) for i in range(n)]
    else:
        header = "array,x,y"
        rows = [f"{key},{fmt(x)},{fmt(y)}" for key in _CURVE_ARRAYS if key in plot for x, y in plot[key]]
    return "\n".join([header, *rows]) + "\n"


_CURVE_ARRAYS = ("points", "band_low", "band_high", "required_curve")   # required_curve is optional


def _window_marks(t_s: Sequence[Any], window: Sequence[Any] | None) -> list[int]:
    """The first sample at or after each edge of a response window."""
    marks: list[int] = []
    for edge in window or ():
        marks += [next((i for i, t in enumerate(t_s) if isinstance(t, (int, float)) and t >= edge), len(t_s) - 1)]
    return marks


def _decimate_plot(plot: dict[str, Any]) -> int | None:
    """Cut a plot's arrays for display in place (reports.decimation); the length before, or None
    when the plot is short enough to keep whole."""
    if plot["type"] == "series":
        t_s, y, limit = plot["t_s"], plot["y"], plot.get("limit")
        n = len(t_s)
        if len(y) != n or (limit is not None and len(limit) != n):
            return None             # malformed (unequal arrays): kept as recorded, drawn as far as it pairs
        kept = display_indexes(n, [y] + ([limit] if limit is not None else []),
                                          marks=_window_marks(t_s, plot.get("window")))
        if kept is None:
            return None
        plot["t_s"], plot["y"] = take(t_s, kept), take(y, kept)
        if limit is not None:
            plot["limit"] = take(limit, kept)
        return n
    keys = [key for key in _CURVE_ARRAYS if key in plot]
    longest = max(len(plot[key]) for key in keys)
    if longest <= DISPLAY_POINTS:
        return None
    for key in keys:
        pairs = plot[key]
        kept = display_indexes(len(pairs), [[p[1] for p in pairs]])
        if kept is not None:
            plot[key] = take(pairs, kept)
    return longest


def _decimate_stimulus(plot: dict[str, Any]) -> None:
    """Cut a series' long stimulus for display in place, noting its recorded length in
    ``full_points`` (the record keeps every sample)."""
    stimulus = plot.get("stimulus")
    if not isinstance(stimulus, dict) or len(stimulus["t_s"]) != len(stimulus["values"]):
        return
    others = [o for o in stimulus.get("others") or [] if len(o["values"]) == len(stimulus["t_s"])]
    kept = display_indexes(len(stimulus["t_s"]), [stimulus["values"]] + [o["values"] for o in others],
                           max_points=STIMULUS_POINTS)
    if kept is not None:
        plot["stimulus"] = {**stimulus, "t_s": take(stimulus["t_s"], kept),
                            "values": take(stimulus["values"], kept), "full_points": len(stimulus["t_s"])}
        if others:      # further series at the same times keep the same samples
            plot["stimulus"]["others"] = [{**o, "values": take(o["values"], kept)} for o in others]


def display_plots(requirements: Sequence[Mapping[str, Any]], files: dict[str, str]) -> None:
    """Decimate long plot arrays for display; each decimated plot's full arrays go to
    ``raw/plots/<requirement>__<check>.csv``, named with its SHA-256 in the plot's ``full_data``."""
    taken: set[str] = set()
    for req in requirements:
        for n, check in enumerate(req["checks"]):
            plot = check.get("plot")
            if plot is None:
                continue
            _decimate_stimulus(plot)
            full = dict(plot)       # decimation assigns new lists: ``full`` keeps the recorded arrays
            total = _decimate_plot(plot)
            if total is None:
                continue
            seq = check["seq"] if check["seq"] is not None else f"n{n}"
            rid = req["id"]
            path = f"{PLOTS_DIR}/{evidence.slug_for(f'{rid}::check{seq}', taken)}.csv"
            full_csv = files[path] = _plot_csv(full)
            plot["full_data"] = {"csv": path, "sha256": evidence.sha256_text(full_csv), "points": total}
