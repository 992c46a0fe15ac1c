"""The plots a check carries as evidence (the ``plot`` of a check record, docs/record-format.md).

Two shapes, drawn by reports/plotting.py (HTML and PDF alike):

* ``series``: a measured quantity against bench time, with an optional limit line and the judged
  window (e.g. the response-time window) shaded, and what proves the verdict: the ``stimulus`` on
  a second axis (:func:`stimulus_series`), the constant ``limits`` applied (:func:`applied_limit`), the
  ``instants`` that matter (:func:`key_instant`: step, trip, offline, reconnect) and ``t_zero_s``, the
  instant the time axis runs from;
* ``curve``: measured points of a characteristic (power over voltage or frequency) between the
  lower and upper band of the required curve.

Values are stored as plain floats (NaN is recorded as null by the recorder).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

BENCH_TIME_LABEL = "bench time / s"


def stimulus_series(label: str, t_s: Iterable[float], values: Iterable[float], *,
                    staircase: bool = False, axis: Sequence[float] | None = None,
                    others: Mapping[str, Iterable[float]] | None = None) -> dict[str, Any]:
    """What the bench applied (``label`` with its unit) over bench time; ``staircase``: each value
    holds until the next (setpoints, SG-Ready states, a charging profile's periods); ``axis``: the
    (low, high) its axis must show (e.g. SG-Ready states 1-4, a signal 0-1, a limit from 0);
    ``others``: further series at the same times on the same axis, by label (e.g. the other phases'
    voltages of an unbalanced grid, ``label`` then naming the first phase)."""
    t_list = [float(v) for v in t_s]
    out: dict[str, Any] = {"label": label, "t_s": t_list, "values": [float(v) for v in values],
                           "staircase": staircase}
    if axis is not None:
        out["axis"] = [float(axis[0]), float(axis[1])]
    if others:
        out["others"] = [{"label": name, "values": [float(v) for v in vals]} for name, vals in others.items()]
        if any(len(o["values"]) != len(t_list) for o in out["others"]):
            raise ValueError("each further stimulus series needs one value per time")
    return out


def applied_limit(label: str, value: float) -> dict[str, Any]:
    """A constant limit actually applied, ``label`` saying which and its value with unit."""
    return {"label": label, "value": float(value)}


def key_instant(label: str, t_s: float) -> dict[str, Any]:
    """An instant that matters for the verdict (step, trip, offline, reconnect), in bench time."""
    return {"label": label, "t_s": float(t_s)}


def series_plot(t_s: Iterable[float], y: Iterable[float], y_label: str, *,
                window: Sequence[float] | None = None,
                limit: float | Iterable[float] | None = None,
                limit_label: str | None = None,
                stimulus: dict[str, Any] | None = None,
                limits: Sequence[dict[str, Any]] = (),
                instants: Sequence[dict[str, Any]] = (),
                t_zero_s: float | None = None) -> dict[str, Any]:
    """A time series ``y`` (labelled ``y_label``, with its unit) over bench time ``t_s``.

    ``window``: the judged span [start, end] in bench time. ``limit``: a constant limit (one value)
    or a limit line (one value per sample), named ``limit_label`` (default "limit"). ``stimulus``,
    ``limits``, ``instants``: see :func:`stimulus_series`, :func:`applied_limit`, :func:`key_instant`;
    ``t_zero_s``: the step the time axis runs from (default: the earliest instant)."""
    plot: dict[str, Any] = {"type": "series", "x_label": BENCH_TIME_LABEL, "y_label": y_label,
                            "t_s": [float(v) for v in t_s], "y": [float(v) for v in y]}
    if window is not None:
        plot["window"] = [float(window[0]), float(window[1])]
    if limit is not None:
        line = [float(limit)] * len(plot["t_s"]) if isinstance(limit, (int, float)) else [float(v) for v in limit]
        plot["limit"] = line
        if limit_label:
            plot["limit_label"] = limit_label
    if stimulus is not None:
        plot["stimulus"] = stimulus
    if limits:
        plot["limits"] = list(limits)
    if instants:
        plot["instants"] = list(instants)
    if t_zero_s is not None:
        plot["t_zero_s"] = float(t_zero_s)
    return plot


def curve_plot(x_label: str, y_label: str, points: Iterable[Sequence[float]],
               band_low: Iterable[Sequence[float]], band_high: Iterable[Sequence[float]], *,
               required: Iterable[Sequence[float]] | None = None) -> dict[str, Any]:
    """Measured ``points`` (x, y) of a characteristic between the band's lower and upper (x, y) lines;
    ``required``: the required curve itself (x, y), drawn inside its band."""
    def pairs(rows: Iterable[Sequence[float]]) -> list[list[float]]:
        return [[float(x), float(y)] for x, y in rows]

    plot = {"type": "curve", "x_label": x_label, "y_label": y_label, "points": pairs(points),
            "band_low": pairs(band_low), "band_high": pairs(band_high)}
    if required is not None:
        plot["required_curve"] = pairs(required)
    return plot
