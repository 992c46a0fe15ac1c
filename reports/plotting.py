"""One home for the evidence plots: a check's ``plot`` -> a backend-neutral :class:`Scene`.

reports/svg.py (HTML) and reports/pdf.py (ReportLab) only translate the scene's primitives, so
both show the same frame, ranges, lines, markers and legend. A ``series`` plot shows:

* the measured quantity (left axis) and the limit actually applied: the recorded ``limit`` line
  (one value per sample) and each constant ``limits`` entry, labelled with its value;
* the ``stimulus`` (voltage, frequency, SG-Ready state, setpoint, charging-profile staircase) on a
  second (right) axis, drawn as a staircase when recorded as one;
* the ``instants`` that matter (step, trip, offline, reconnect) as labelled vertical markers, and
  the judged ``window`` shaded;
* time relative to ``t_zero_s`` (the step; the first instant when not given).

The y-range always holds every limit and spans at least :data:`MIN_SPAN_FRACTION` of the
quantity's magnitude, so sensor noise on a flat line is not drawn as behaviour. A legend entry is
only made for something drawn. Coordinates are in a WIDTH x HEIGHT box, y downwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.decimation import display_indexes

WIDTH = 640.0
HEIGHT = 360.0
MARGIN_LEFT = 70.0
MARGIN_RIGHT = 18.0
MARGIN_RIGHT_STIMULUS = 62.0
MARGIN_TOP = 46.0
MARGIN_BOTTOM = 50.0
FONT = 11.0

COLOR_MEASURED = "#1f4e99"
COLOR_BAND = "#2e8b57"
COLOR_LIMIT = "#c0392b"
COLOR_WINDOW = "#f0b429"
COLOR_STIMULUS = "#7b3fa0"
COLOR_INSTANT = "#555555"
COLOR_GRID = "#d9d9d9"
COLOR_AXIS = "#333333"

MIN_SPAN_FRACTION = 0.1      # smallest y span, as a fraction of the largest |value| or |limit| drawn
MAX_RUN_POINTS = 1200

Point = tuple[float, float]


# ----------------------------------------------------------------------------- primitives

@dataclass(frozen=True)
class Line:
    points: tuple[Point, ...]
    color: str
    width: float = 1.0
    dash: tuple[float, ...] | None = None
    role: str = ""            # what it shows: measured, limit, band, stimulus, instant, grid, axis


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str | None
    opacity: float = 1.0
    stroke: str | None = None
    dash: tuple[float, ...] | None = None
    role: str = ""


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    color: str
    role: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"     # start | middle | end
    size: float = FONT
    color: str = "#000000"
    rotate: bool = False      # vertical text (reads bottom to top)
    bold: bool = False


Primitive = Line | Box | Dot | Label


@dataclass
class Scene:
    """A plot as primitives in a WIDTH x HEIGHT box (y downwards), plus the legend labels drawn."""

    title: str
    items: list[Primitive] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- data helpers

def finite_float(value: Any) -> float | None:
    """A finite float, or None for anything else (null, NaN, strings, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def xy_runs(raw: Any) -> list[list[Point]]:
    """``[[x, y], ...]`` -> runs of finite pairs; a malformed pair breaks the line."""
    runs: list[list[Point]] = [[]]
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    for item in raw:
        ok = isinstance(item, Sequence) and not isinstance(item, str) and len(item) >= 2
        x, y = (finite_float(item[0]), finite_float(item[1])) if ok else (None, None)
        if x is None or y is None:
            runs.append([])
        else:
            runs[-1].append((x, y))
    return [r for r in runs if r]


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
    """A series plot's ``window`` [t0, t1] as (earlier, later), or None if malformed."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
        return None
    w0, w1 = finite_float(raw[0]), finite_float(raw[1])
    if w0 is None or w1 is None:
        return None
    return (min(w0, w1), max(w0, w1))


def decimate(run: Sequence[Point], max_points: int = MAX_RUN_POINTS) -> list[Point]:
    """At most ~``max_points`` points chosen by :func:`reports.decimation.display_indexes`
    (extremes of every bucket kept)."""
    kept = display_indexes(len(run), [[p[1] for p in run]], max_points=max_points)
    return list(run) if kept is None else [run[i] for i in kept]


def staircase(points: Sequence[Point], x_end: float | None) -> list[Point]:
    """A value held until the next one: (t0, v0), (t1, v0), (t1, v1), ... up to ``x_end``."""
    out: list[Point] = []
    for i, (x, y) in enumerate(points):
        if i:
            out.append((x, points[i - 1][1]))
        out.append((x, y))
    if points and x_end is not None and x_end > points[-1][0]:
        out.append((x_end, points[-1][1]))
    return out


def _labelled(raw: Any, key: str) -> list[tuple[str, float]]:
    """(label, finite ``key`` value) of each mapping in ``raw``; malformed entries are dropped."""
    out: list[tuple[str, float]] = []
    for item in raw if isinstance(raw, Sequence) and not isinstance(raw, str) else []:
        if isinstance(item, Mapping) and (v := finite_float(item.get(key))) is not None:
            out.append((str(item.get("label") or ""), v))
    return out


def limit_entries(raw: Any) -> list[tuple[str, float]]:
    """A plot's constant ``limits`` as (label, value) pairs; malformed entries are dropped."""
    return _labelled(raw, "value")


def instant_entries(raw: Any) -> list[tuple[str, float]]:
    """A plot's ``instants`` as (label, t_s) pairs; malformed entries are dropped."""
    return _labelled(raw, "t_s")


def t_zero(plot: Mapping[str, Any]) -> tuple[float, str] | None:
    """The instant a series' time axis runs from and its name: ``t_zero_s`` (named by the instant
    at that time, else "step"), else the earliest instant; None for absolute bench time."""
    instants = instant_entries(plot.get("instants"))
    t0 = finite_float(plot.get("t_zero_s"))
    if t0 is not None:
        return t0, next((label for label, t in instants if t == t0), "step")
    if not instants:
        return None
    label, t_first = min(instants, key=lambda e: e[1])
    return t_first, label


# ----------------------------------------------------------------------------- ranges and ticks

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
    """The data range widened by ``pad_fraction`` of its span each side, and a nice tick step."""
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 0:
        pad = abs(lo) * 0.05 if lo != 0 else 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    lo, hi = lo - span * pad_fraction, hi + span * pad_fraction
    _nice_lo, _nice_hi, step = nice_range(lo, hi, target_ticks=8)
    return lo, hi, step


def value_range(values: Sequence[float], pad_fraction: float = 0.06) -> tuple[float, float, float]:
    """A y-range holding ``values`` (data and limits) and spanning at least MIN_SPAN_FRACTION of
    their largest magnitude, centred on them: a flat 3 kW line with 0.2 W of noise is drawn flat."""
    lo, hi = min(values), max(values)
    min_span = MIN_SPAN_FRACTION * max(abs(lo), abs(hi))
    if hi - lo < min_span:
        mid = (lo + hi) / 2.0
        lo, hi = mid - min_span / 2.0, mid + min_span / 2.0
    return padded_range(lo, hi, pad_fraction)


def tick_label(value: float, step: float) -> str:
    """A tick label with just enough decimals for ``step``; never '-0'."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if ((decimals > 0 or not math.isclose(step, round(step)))
            and not math.isclose(step * 10 ** decimals, round(step * 10 ** decimals))):
        decimals += 1
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def _g(value: float) -> str:
    """A limit value for a legend: up to 4 significant digits, no float noise."""
    return f"{value:.4g}"


# ----------------------------------------------------------------------------- the frame

@dataclass(frozen=True)
class _Frame:
    x_lo: float
    x_hi: float
    x_step: float
    y_lo: float
    y_hi: float
    y_step: float
    right: float

    def px(self, x: float) -> float:
        return MARGIN_LEFT + (x - self.x_lo) / (self.x_hi - self.x_lo) * (self.right - MARGIN_LEFT)

    def py(self, y: float, lo: float | None = None, hi: float | None = None) -> float:
        lo = self.y_lo if lo is None else lo
        hi = self.y_hi if hi is None else hi
        return HEIGHT - MARGIN_BOTTOM - (y - lo) / (hi - lo) * (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM)

    def pts(self, run: Sequence[Point]) -> tuple[Point, ...]:
        return tuple((self.px(x), self.py(y)) for x, y in run)


def _axes(scene: Scene, f: _Frame, x_label: str, y_label: str) -> None:
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    for t in ticks(f.x_lo, f.x_hi, f.x_step):
        x = f.px(t)
        scene.items.append(Line(((x, top), (x, bottom)), COLOR_GRID, 0.5, role="grid"))
        scene.items.append(Line(((x, bottom), (x, bottom + 5)), COLOR_AXIS, 1.0, role="axis"))
        scene.items.append(Label(x, bottom + 18, tick_label(t, f.x_step), "middle"))
    for t in ticks(f.y_lo, f.y_hi, f.y_step):
        y = f.py(t)
        scene.items.append(Line(((MARGIN_LEFT, y), (f.right, y)), COLOR_GRID, 0.5, role="grid"))
        scene.items.append(Line(((MARGIN_LEFT - 5, y), (MARGIN_LEFT, y)), COLOR_AXIS, 1.0, role="axis"))
        scene.items.append(Label(MARGIN_LEFT - 8, y + 4, tick_label(t, f.y_step), "end"))
    scene.items.append(Label((MARGIN_LEFT + f.right) / 2, HEIGHT - 10, x_label, "middle", FONT + 1))
    scene.items.append(Label(16, (top + bottom) / 2, y_label, "middle", FONT + 1, rotate=True))


def _frame_box(f: _Frame) -> Box:
    return Box(MARGIN_LEFT, MARGIN_TOP, f.right - MARGIN_LEFT, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
               None, stroke=COLOR_AXIS, role="frame")


def _legend(scene: Scene, entries: Sequence[tuple[str, str, str]]) -> None:
    """Legend rows above the plot area: (kind line|dash|box|dot, colour, label); wraps to a 2nd row."""
    x, y = MARGIN_LEFT, 8.0
    for kind, color, label in entries:
        width = 30 + 6.2 * len(label)
        if x + width > WIDTH - 4 and x > MARGIN_LEFT:
            x, y = MARGIN_LEFT, y + 16
        if kind == "box":
            scene.items.append(Box(x, y, 18, 10, color, 0.4, stroke=color))
        elif kind == "dot":
            scene.items.append(Dot(x + 9, y + 5, 3, color))
        else:
            scene.items.append(Line(((x, y + 5), (x + 18, y + 5)), color, 2.0,
                                    (6, 3) if kind == "dash" else None))
        scene.items.append(Label(x + 22, y + 9, label))
        scene.legend.append(label)
        x += width


def _empty(title: str) -> Scene:
    return Scene(title, [Label(WIDTH / 2, HEIGHT / 2, "no plottable data", "middle")])


# ----------------------------------------------------------------------------- curve

def curve_scene(plot: Mapping[str, Any], title: str) -> Scene:
    """Measured points of a characteristic against the required band (the stimulus is the x axis)."""
    measured = [p for run in xy_runs(plot.get("points")) for p in run]
    low = [p for run in xy_runs(plot.get("band_low")) for p in run]
    high = [p for run in xy_runs(plot.get("band_high")) for p in run]
    required = [p for run in xy_runs(plot.get("required_curve")) for p in run]
    pts = measured + low + high + required
    if not pts:
        return _empty(title)
    x_lo, x_hi, x_step = padded_range(min(p[0] for p in pts), max(p[0] for p in pts), 0.02)
    y_lo, y_hi, y_step = value_range([p[1] for p in pts])
    f = _Frame(x_lo, x_hi, x_step, y_lo, y_hi, y_step, WIDTH - MARGIN_RIGHT)
    scene = Scene(title)
    scene.items.append(Box(MARGIN_LEFT, MARGIN_TOP, f.right - MARGIN_LEFT, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
                           "#ffffff", role="background"))
    _axes(scene, f, str(plot.get("x_label", "")), str(plot.get("y_label", "")))
    legend: list[tuple[str, str, str]] = []
    if low and high:
        scene.items.append(Line(f.pts(low + list(reversed(high))), COLOR_BAND, 0.0, role="band-fill"))
    for edge in (low, high):
        if edge:
            scene.items.append(Line(f.pts(edge), COLOR_BAND, 1.2, (5, 3), role="limit"))
    if low or high:
        legend.append(("dash", COLOR_BAND, "required band"))
    if required:
        scene.items.append(Line(f.pts(required), COLOR_BAND, 1.6, role="required"))
        legend.append(("line", COLOR_BAND, "required curve"))
    if measured:
        scene.items.append(Line(f.pts(measured), COLOR_MEASURED, 1.0, role="measured"))
        scene.items.extend(Dot(f.px(x), f.py(y), 3, COLOR_MEASURED, role="measured") for x, y in measured)
        legend.append(("dot", COLOR_MEASURED, "measured"))
    scene.items.append(_frame_box(f))
    _legend(scene, legend)
    return scene


# ----------------------------------------------------------------------------- series

def _stimulus(plot: Mapping[str, Any], shift: float) -> tuple[str, list[Point], bool, list[float]]:
    raw = plot.get("stimulus")
    if not isinstance(raw, Mapping):
        return "", [], False, []
    runs = series_runs(raw.get("t_s"), raw.get("values"))
    pts = decimate([(x - shift, y) for run in runs for x, y in run])
    axis = [v for v in (finite_float(a) for a in raw.get("axis") or ()) if v is not None]
    return str(raw.get("label") or "stimulus"), pts, bool(raw.get("staircase")), axis


_OTHER_STIMULUS_DASHES = ((5.0, 3.0), (1.5, 2.5), (8.0, 2.0, 2.0, 2.0))


def _other_stimuli(plot: Mapping[str, Any], shift: float) -> list[tuple[str, list[Point]]]:
    """The stimulus's further series at its times (``others``: e.g. the other phases), by label."""
    raw = plot.get("stimulus")
    if not isinstance(raw, Mapping) or not isinstance(raw.get("others"), list):
        return []
    out = []
    for other in raw["others"]:
        if isinstance(other, Mapping):
            runs = series_runs(raw.get("t_s"), other.get("values"))
            out.append((str(other.get("label") or "stimulus"), [(x - shift, y) for run in runs for x, y in run]))
    return out


def series_scene(plot: Mapping[str, Any], title: str) -> Scene:
    """A time series with its stimulus, applied limits, judged window and instants."""
    zero = t_zero(plot)
    shift = zero[0] if zero is not None else 0.0
    t_s = plot.get("t_s")
    runs = [decimate([(x - shift, y) for x, y in r]) for r in series_runs(t_s, plot.get("y"))]
    limit_runs = ([decimate([(x - shift, y) for x, y in r]) for r in series_runs(t_s, plot.get("limit"))]
                  if plot.get("limit") is not None else [])
    limits = limit_entries(plot.get("limits"))
    instants = [(label, t - shift) for label, t in instant_entries(plot.get("instants"))]
    window = window_span(plot.get("window"))
    if window is not None:
        window = (window[0] - shift, window[1] - shift)
    stim_label, stim, stim_stairs, stim_axis = _stimulus(plot, shift)
    others = _other_stimuli(plot, shift)
    data = [p for run in runs + limit_runs for p in run]
    if not data:
        return _empty(title)
    xs = [p[0] for p in data] + [t for _, t in instants] + (list(window) if window else [])
    x_lo, x_hi, x_step = padded_range(min(xs), max(xs), 0.02)
    y_lo, y_hi, y_step = value_range([p[1] for p in data] + [v for _, v in limits])
    right = WIDTH - (MARGIN_RIGHT_STIMULUS if stim else MARGIN_RIGHT)
    f = _Frame(x_lo, x_hi, x_step, y_lo, y_hi, y_step, right)
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    scene = Scene(title)
    scene.items.append(Box(MARGIN_LEFT, top, right - MARGIN_LEFT, bottom - top, "#ffffff", role="background"))
    legend: list[tuple[str, str, str]] = [("line", COLOR_MEASURED, "measured")]
    if window is not None:
        x0, x1 = f.px(max(window[0], x_lo)), f.px(min(window[1], x_hi))
        scene.items.append(Box(x0, top, x1 - x0, bottom - top, COLOR_WINDOW, 0.22, role="window"))
    x_label = f"time from {zero[1]} / s" if zero is not None else str(plot.get("x_label", "t / s"))
    _axes(scene, f, x_label, str(plot.get("y_label", "")))
    if stim and _stimulus_layer(scene, f, stim_label, stim, stim_stairs, x_hi, stim_axis, others):
        legend.append(("line", COLOR_STIMULUS, f"stimulus: {stim_label}"))
        legend += [("dash", COLOR_STIMULUS, f"stimulus: {label}") for label, _ in others]
    for run in runs:
        if len(run) == 1:
            scene.items.append(Dot(f.px(run[0][0]), f.py(run[0][1]), 2, COLOR_MEASURED, role="measured"))
        else:
            scene.items.append(Line(f.pts(run), COLOR_MEASURED, 1.5, role="measured"))
    for run in limit_runs:   # on top of the measurement, so a limit it follows closely stays visible
        scene.items.append(Line(f.pts(run), COLOR_LIMIT, 1.5, (6, 3), role="limit"))
    if limit_runs:
        legend.append(("dash", COLOR_LIMIT, str(plot.get("limit_label") or "limit")))
    for label, value in limits:
        y = f.py(value)
        scene.items.append(Line(((MARGIN_LEFT, y), (right, y)), COLOR_LIMIT, 1.5, (6, 3), role="limit"))
        scene.items.append(Label(right - 4, y - 3, label or _g(value), "end", FONT - 1, COLOR_LIMIT))
    if limits:
        legend.append(("dash", COLOR_LIMIT, "applied limit"))
    shown = [(label, t) for label, t in instants if x_lo <= t <= x_hi]
    for i, (label, t) in enumerate(shown):
        x = f.px(t)
        scene.items.append(Line(((x, top), (x, bottom)), COLOR_INSTANT, 1.2, (2, 2), role="instant"))
        scene.items.append(Label(x + 3, top + 11 + 12 * (i % 3), label, "start", FONT - 1, COLOR_INSTANT))
    if shown:
        legend.append(("dash", COLOR_INSTANT, "instants"))
    if window is not None:
        legend.append(("box", COLOR_WINDOW, "judged window"))
    scene.items.append(_frame_box(f))
    _legend(scene, legend)
    return scene


def _stimulus_layer(scene: Scene, f: _Frame, label: str, pts: list[Point], stairs: bool, x_end: float,
                    axis: Sequence[float], others: Sequence[tuple[str, list[Point]]] = ()) -> bool:
    """The stimulus on the right axis, scaled to its own range (holding ``axis`` when recorded),
    its ``others`` (further series, dashed) on the same axis; whether any of it lies within the
    plot's time span (else nothing is drawn)."""
    lo, hi, step = value_range([p[1] for p in pts] + [p[1] for _, o in others for p in o] + list(axis), 0.1)
    for i, (_, other) in enumerate(others):
        line_o = staircase(other, x_end) if stairs else other
        inside_o = [(x, y) for x, y in line_o if f.x_lo <= x <= f.x_hi]
        if len(inside_o) > 1:
            scene.items.append(Line(tuple((f.px(x), f.py(y, lo, hi)) for x, y in inside_o), COLOR_STIMULUS, 1.1,
                                    _OTHER_STIMULUS_DASHES[i % len(_OTHER_STIMULUS_DASHES)], role="stimulus"))
    line = staircase(pts, x_end) if stairs else pts
    inside = [(x, y) for x, y in line if f.x_lo <= x <= f.x_hi]
    if stairs and line and line[0][0] < f.x_lo:
        before = [p for p in line if p[0] < f.x_lo]
        inside = [(f.x_lo, before[-1][1])] + inside
    if not inside:
        return False
    if len(inside) == 1:
        scene.items.append(Dot(f.px(inside[0][0]), f.py(inside[0][1], lo, hi), 2.5, COLOR_STIMULUS, role="stimulus"))
    else:
        scene.items.append(Line(tuple((f.px(x), f.py(y, lo, hi)) for x, y in inside), COLOR_STIMULUS, 1.3,
                                role="stimulus"))
    for t in ticks(lo, hi, step):
        y = f.py(t, lo, hi)
        scene.items.append(Line(((f.right, y), (f.right + 5, y)), COLOR_STIMULUS, 1.0, role="axis"))
        scene.items.append(Label(f.right + 8, y + 4, tick_label(t, step), "start", FONT - 1, COLOR_STIMULUS))
    cy = (MARGIN_TOP + HEIGHT - MARGIN_BOTTOM) / 2
    scene.items.append(Label(WIDTH - 6, cy, label, "middle", FONT, COLOR_STIMULUS, rotate=True))
    return True


def plot_scene(plot: Mapping[str, Any], title: str) -> Scene:
    """The scene of a check's ``plot``; an unknown type yields a labelled empty frame."""
    kind = plot.get("type")
    if kind == "curve":
        return curve_scene(plot, title)
    if kind == "series":
        return series_scene(plot, title)
    return _empty(title)
