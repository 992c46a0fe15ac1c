"""Hand-written inline SVG plots for the HTML report (no plotting library, no scripts).

Two kinds, matching a check's ``plot`` in the record (docs/record-format.md):

* ``curve``: measured points against the required band, drawn as a shaded polygon between
  ``band_low`` and ``band_high``;
* ``series``: a time series with its limit line and the response-time window shaded.

Every string from the record is escaped; output is deterministic (fixed coordinate formatting).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from reports.decimation import display_indexes

WIDTH = 640
HEIGHT = 360
MARGIN_LEFT = 70
MARGIN_RIGHT = 18
MARGIN_TOP = 34
MARGIN_BOTTOM = 50

COLOR_MEASURED = "#1f4e99"
COLOR_BAND = "#2e8b57"
COLOR_LIMIT = "#c0392b"
COLOR_WINDOW = "#f0b429"
COLOR_GRID = "#d9d9d9"
COLOR_AXIS = "#333333"

Point = tuple[float, float]


def finite_float(value: Any) -> float | None:
    """A finite float, or None for anything else (null, NaN, strings, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _points(raw: Any) -> list[Point]:
    """``[[x, y], ...]`` -> finite (x, y) pairs; malformed pairs are dropped."""
    out: list[Point] = []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return out
    for item in raw:
        if isinstance(item, Sequence) and not isinstance(item, str) and len(item) >= 2:
            x, y = finite_float(item[0]), finite_float(item[1])
            if x is not None and y is not None:
                out.append((x, y))
    return out


def series_runs(xs: Any, ys: Any) -> list[list[Point]]:
    """Pair two parallel lists into runs of finite points; a null breaks the line."""
    runs: list[list[Point]] = []
    if not isinstance(xs, Sequence) or not isinstance(ys, Sequence):
        return runs
    current: list[Point] = []
    for x_raw, y_raw in zip(xs, ys, strict=False):   # a malformed series is cut, not fatal
        x, y = finite_float(x_raw), finite_float(y_raw)
        if x is None or y is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((x, y))
    if current:
        runs.append(current)
    return runs


def window_span(raw: Any) -> tuple[float, float] | None:
    """A series plot's response-time ``window`` [t0, t1] as (earlier, later), or None if malformed."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
        return None
    w0, w1 = finite_float(raw[0]), finite_float(raw[1])
    if w0 is None or w1 is None:
        return None
    return (min(w0, w1), max(w0, w1))


MAX_RUN_POINTS = 1200


def decimate(run: Sequence[Point], max_points: int = MAX_RUN_POINTS) -> list[Point]:
    """At most ~``max_points`` points, chosen as :func:`reports.decimation.display_indexes` does
    (per bucket its first, last, lowest and highest point), so spikes and extremes stay visible."""
    kept = display_indexes(len(run), [[p[1] for p in run]], max_points=max_points)
    return list(run) if kept is None else [run[i] for i in kept]


def nice_range(lo: float, hi: float, target_ticks: int = 6) -> tuple[float, float, float]:
    """Expand ``[lo, hi]`` to whole multiples of a 1/2/2.5/5 x 10^n step; return (lo, hi, step)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 0:
        pad = abs(lo) * 0.05 if lo != 0 else 1.0
        lo, hi = lo - pad, hi + pad
    raw_step = (hi - lo) / max(target_ticks - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw_step))
    step = 10.0 * magnitude
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mantissa * magnitude >= raw_step * (1 - 1e-9):
            step = mantissa * magnitude
            break
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step


def ticks(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of ``step`` within ``[lo, hi]`` (inclusive, with a little rounding slack)."""
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [i * step for i in range(first, last + 1)]


def padded_range(lo: float, hi: float, pad_fraction: float) -> tuple[float, float, float]:
    """The data range widened by ``pad_fraction`` of its span each side, and a nice tick step for it.

    Lines that sit exactly on a limit stay visible instead of merging into the frame."""
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 0:
        pad = abs(lo) * 0.05 if lo != 0 else 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    lo, hi = lo - span * pad_fraction, hi + span * pad_fraction
    _nice_lo, _nice_hi, step = nice_range(lo, hi, target_ticks=8)
    return lo, hi, step


def tick_label(value: float, step: float) -> str:
    """A tick label with just enough decimals for ``step``; never '-0'."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if ((decimals > 0 or not math.isclose(step, round(step)))
            and not math.isclose(step * 10 ** decimals, round(step * 10 ** decimals))):
        decimals += 1
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def _c(v: float) -> str:
    """One SVG coordinate, fixed two decimals."""
    text = f"{v:.2f}"
    return "0.00" if text == "-0.00" else text


@dataclass(frozen=True)
class _Frame:
    """Maps data coordinates onto the plot area."""

    x_lo: float
    x_hi: float
    x_step: float
    y_lo: float
    y_hi: float
    y_step: float

    @staticmethod
    def around(points: Iterable[Point]) -> "_Frame | None":
        pts = list(points)
        if not pts:
            return None
        x_lo, x_hi, x_step = padded_range(min(p[0] for p in pts), max(p[0] for p in pts), 0.02)
        y_lo, y_hi, y_step = padded_range(min(p[1] for p in pts), max(p[1] for p in pts), 0.06)
        return _Frame(x_lo, x_hi, x_step, y_lo, y_hi, y_step)

    def px(self, x: float) -> float:
        return MARGIN_LEFT + (x - self.x_lo) / (self.x_hi - self.x_lo) * (WIDTH - MARGIN_LEFT - MARGIN_RIGHT)

    def py(self, y: float) -> float:
        return HEIGHT - MARGIN_BOTTOM - (y - self.y_lo) / (self.y_hi - self.y_lo) * (
            HEIGHT - MARGIN_TOP - MARGIN_BOTTOM)

    def path(self, pts: Sequence[Point]) -> str:
        return " ".join(f"{_c(self.px(x))},{_c(self.py(y))}" for x, y in pts)


def _axes(frame: _Frame, x_label: str, y_label: str) -> list[str]:
    """Grid, axes, ticks and axis labels."""
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    out = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
           f'fill="#ffffff" stroke="{COLOR_AXIS}" stroke-width="1"/>']
    for t in ticks(frame.x_lo, frame.x_hi, frame.x_step):
        x = _c(frame.px(t))
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{COLOR_GRID}" stroke-width="0.5"/>')
        out.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="{COLOR_AXIS}"/>')
        out.append(f'<text x="{x}" y="{bottom + 18}" text-anchor="middle">{tick_label(t, frame.x_step)}</text>')
    for t in ticks(frame.y_lo, frame.y_hi, frame.y_step):
        y = _c(frame.py(t))
        out.append(f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="{COLOR_GRID}" stroke-width="0.5"/>')
        out.append(f'<line x1="{left - 5}" y1="{y}" x2="{left}" y2="{y}" stroke="{COLOR_AXIS}"/>')
        out.append(f'<text x="{left - 8}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                   f'{tick_label(t, frame.y_step)}</text>')
    out.append(f'<text x="{_c((left + right) / 2)}" y="{HEIGHT - 10}" text-anchor="middle" '
               f'class="axis-label">{escape(x_label)}</text>')
    cy = _c((top + bottom) / 2)
    out.append(f'<text x="16" y="{cy}" text-anchor="middle" transform="rotate(-90 16 {cy})" '
               f'class="axis-label">{escape(y_label)}</text>')
    return out


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """A one-line legend above the plot area: (svg swatch element kind, label)."""
    out: list[str] = []
    x = MARGIN_LEFT
    for swatch, label in items:
        out.append(swatch.format(x=x, y=12))
        out.append(f'<text x="{x + 22}" y="20">{escape(label)}</text>')
        x += 30 + 7 * len(label)
    return out


def _open(title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'class="plot" role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
            f"<title>{escape(title)}</title>"]


def _empty(title: str) -> str:
    return "\n".join(_open(title) + [
        f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">no plottable data</text>', "</svg>"])


def curve_svg(plot: Mapping[str, Any], title: str) -> str:
    """Measured points against the required band (shaded polygon between band_low and band_high)."""
    measured = _points(plot.get("points"))
    band_low = _points(plot.get("band_low"))
    band_high = _points(plot.get("band_high"))
    frame = _Frame.around(measured + band_low + band_high)
    if frame is None:
        return _empty(title)
    out = _open(title) + _axes(frame, str(plot.get("x_label", "")), str(plot.get("y_label", "")))
    if band_low and band_high:
        polygon = frame.path(band_low + list(reversed(band_high)))
        out.append(f'<polygon points="{polygon}" fill="{COLOR_BAND}" fill-opacity="0.18" stroke="none"/>')
    for edge in (band_low, band_high):
        if edge:
            out.append(f'<polyline points="{frame.path(edge)}" fill="none" stroke="{COLOR_BAND}" '
                       f'stroke-width="1" stroke-dasharray="5 3"/>')
    if measured:
        out.append(f'<polyline points="{frame.path(measured)}" fill="none" stroke="{COLOR_MEASURED}" '
                   f'stroke-width="1"/>')
        out.extend(f'<circle cx="{_c(frame.px(x))}" cy="{_c(frame.py(y))}" r="3" fill="{COLOR_MEASURED}"/>'
                   for x, y in measured)
    out += _legend([
        (f'<rect x="{{x}}" y="{{y}}" width="18" height="10" fill="{COLOR_BAND}" fill-opacity="0.3" '
         f'stroke="{COLOR_BAND}" stroke-dasharray="5 3"/>', "required band"),
        (f'<circle cx="{{x}}" cy="{{y}}" r="3" transform="translate(9 5)" fill="{COLOR_MEASURED}"/>', "measured"),
    ])
    out.append("</svg>")
    return "\n".join(out)


def series_svg(plot: Mapping[str, Any], title: str) -> str:
    """A time series with the limit line and the response-time window shaded."""
    t_s = plot.get("t_s")
    runs = [decimate(r) for r in series_runs(t_s, plot.get("y"))]
    limit_runs = [decimate(r) for r in series_runs(t_s, plot.get("limit"))] if plot.get("limit") is not None else []
    window = window_span(plot.get("window"))
    data = [p for run in runs + limit_runs for p in run]
    if not data:
        return _empty(title)
    if window is not None:
        data += [(window[0], data[0][1]), (window[1], data[0][1])]
    frame = _Frame.around(data)
    assert frame is not None
    out = _open(title)
    axes = _axes(frame, str(plot.get("x_label", "t / s")), str(plot.get("y_label", "")))
    out.append(axes[0])  # plot background first, so the window shading sits above it
    if window is not None:
        x0, x1 = frame.px(window[0]), frame.px(window[1])
        out.append(f'<rect x="{_c(x0)}" y="{MARGIN_TOP}" width="{_c(x1 - x0)}" '
                   f'height="{HEIGHT - MARGIN_TOP - MARGIN_BOTTOM}" fill="{COLOR_WINDOW}" fill-opacity="0.22"/>')
    out += axes[1:]
    for run in runs:
        if len(run) == 1:
            x, y = run[0]
            out.append(f'<circle cx="{_c(frame.px(x))}" cy="{_c(frame.py(y))}" r="2" fill="{COLOR_MEASURED}"/>')
        else:
            out.append(f'<polyline points="{frame.path(run)}" fill="none" stroke="{COLOR_MEASURED}" '
                       f'stroke-width="1.5"/>')
    for run in limit_runs:  # on top of the measurement, so a limit it follows closely stays visible
        out.append(f'<polyline points="{frame.path(run)}" fill="none" stroke="{COLOR_LIMIT}" '
                   f'stroke-width="1.5" stroke-dasharray="6 3"/>')
    legend = [(f'<rect x="{{x}}" y="16" width="18" height="2" fill="{COLOR_MEASURED}"/>', "measured")]
    if limit_runs:
        legend.append((f'<rect x="{{x}}" y="16" width="18" height="2" fill="{COLOR_LIMIT}"/>', "limit"))
    if window is not None:
        legend.append((f'<rect x="{{x}}" y="{{y}}" width="18" height="10" fill="{COLOR_WINDOW}" '
                       f'fill-opacity="0.4"/>', "response-time window"))
    out += _legend(legend)
    out.append("</svg>")
    return "\n".join(out)


def plot_svg(plot: Mapping[str, Any], title: str) -> str:
    """The SVG for a check's ``plot``; an unknown type yields a labelled empty frame."""
    kind = plot.get("type")
    if kind == "curve":
        return curve_svg(plot, title)
    if kind == "series":
        return series_svg(plot, title)
    return _empty(title)
