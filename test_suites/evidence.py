"""The plots a check carries as evidence (the ``plot`` of a check record, docs/record-format.md).

Two shapes, drawn by reports/svg.py:

* ``series``: a measured quantity against bench time, with an optional limit line and the judged
  window (e.g. the response-time window) shaded;
* ``curve``: measured points of a characteristic (power over voltage or frequency) between the
  lower and upper band of the required curve.

Values are stored as plain floats (NaN is recorded as null by the recorder).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

BENCH_TIME_LABEL = "bench time / s"


def series_plot(t_s: Iterable[float], y: Iterable[float], y_label: str, *,
                window: Sequence[float] | None = None,
                limit: float | Iterable[float] | None = None) -> dict[str, Any]:
    """A time series ``y`` (labelled ``y_label``, with its unit) over bench time ``t_s``.

    ``window``: the judged span [start, end] in bench time. ``limit``: a constant limit (one value)
    or a limit line (one value per sample)."""
    plot: dict[str, Any] = {"type": "series", "x_label": BENCH_TIME_LABEL, "y_label": y_label,
                            "t_s": [float(v) for v in t_s], "y": [float(v) for v in y]}
    if window is not None:
        plot["window"] = [float(window[0]), float(window[1])]
    if limit is not None:
        line = [float(limit)] * len(plot["t_s"]) if isinstance(limit, (int, float)) else [float(v) for v in limit]
        plot["limit"] = line
    return plot


def curve_plot(x_label: str, y_label: str, points: Iterable[Sequence[float]],
               band_low: Iterable[Sequence[float]], band_high: Iterable[Sequence[float]]) -> dict[str, Any]:
    """Measured ``points`` (x, y) of a characteristic between the band's lower and upper (x, y) lines."""
    def pairs(rows: Iterable[Sequence[float]]) -> list[list[float]]:
        return [[float(x), float(y)] for x, y in rows]

    return {"type": "curve", "x_label": x_label, "y_label": y_label, "points": pairs(points),
            "band_low": pairs(band_low), "band_high": pairs(band_high)}
