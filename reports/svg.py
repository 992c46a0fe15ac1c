"""Inline SVG for the HTML report: the evidence plots of :mod:`reports.plotting` as markup
(no plotting library, no scripts).

Every string from the record is escaped; output is deterministic (fixed coordinate formatting).
The curve band's fill is a polygon; lines are polylines; markers and legend swatches rects,
circles and lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from reports.plotting import (HEIGHT, MAX_RUN_POINTS, WIDTH, Box, Dot, Line, Primitive, Scene,
                              decimate, finite_float, nice_range, plot_scene, series_runs, tick_label, ticks,
                              window_span)

__all__ = ["MAX_RUN_POINTS", "curve_svg", "decimate", "finite_float", "nice_range", "plot_svg", "scene_svg",
           "series_runs", "series_svg", "tick_label", "ticks", "window_span"]


def _c(v: float) -> str:
    """One SVG coordinate, fixed two decimals."""
    text = f"{v:.2f}"
    return "0.00" if text == "-0.00" else text


def _dash(dash: tuple[float, ...] | None) -> str:
    return f' stroke-dasharray="{" ".join(f"{d:g}" for d in dash)}"' if dash else ""


def _role(role: str) -> str:
    return f' data-role="{role}"' if role else ""


def _primitive(item: Primitive) -> str:
    if isinstance(item, Line):
        pts = " ".join(f"{_c(x)},{_c(y)}" for x, y in item.points)
        if item.role == "band-fill":
            return f'<polygon points="{pts}" fill="{item.color}" fill-opacity="0.18" stroke="none"/>'
        if len(item.points) == 2:
            (x1, y1), (x2, y2) = item.points
            return (f'<line x1="{_c(x1)}" y1="{_c(y1)}" x2="{_c(x2)}" y2="{_c(y2)}" stroke="{item.color}" '
                    f'stroke-width="{item.width:g}"{_dash(item.dash)}{_role(item.role)}/>')
        return (f'<polyline points="{pts}" fill="none" stroke="{item.color}" stroke-width="{item.width:g}"'
                f'{_dash(item.dash)}{_role(item.role)}/>')
    if isinstance(item, Box):
        fill = f'fill="{item.fill}"' + (f' fill-opacity="{item.opacity:g}"' if item.opacity != 1 else "") \
            if item.fill else 'fill="none"'
        stroke = f' stroke="{item.stroke}"{_dash(item.dash)}' if item.stroke else ""
        return (f'<rect x="{_c(item.x)}" y="{_c(item.y)}" width="{_c(item.w)}" height="{_c(item.h)}" '
                f'{fill}{stroke}{_role(item.role)}/>')
    if isinstance(item, Dot):
        return f'<circle cx="{_c(item.x)}" cy="{_c(item.y)}" r="{item.r:g}" fill="{item.color}"{_role(item.role)}/>'
    anchor = f' text-anchor="{item.anchor}"' if item.anchor != "start" else ""
    style = (f' fill="{item.color}"' if item.color != "#000000" else "") + (
        f' font-size="{item.size:g}"' if item.size != 11 else "") + (' font-weight="bold"' if item.bold else "")
    rotate = f' transform="rotate(-90 {_c(item.x)} {_c(item.y)})"' if item.rotate else ""
    return f'<text x="{_c(item.x)}" y="{_c(item.y)}"{anchor}{style}{rotate}>{escape(item.text)}</text>'


def scene_svg(scene: Scene) -> str:
    """A scene as one ``<svg>`` element."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" class="plot" role="img" '
           f'aria-label="{escape(scene.title)}" font-family="sans-serif" font-size="11">',
           f"<title>{escape(scene.title)}</title>"]
    out += [_primitive(item) for item in scene.items]
    out.append("</svg>")
    return "\n".join(out)


def plot_svg(plot: Mapping[str, Any], title: str) -> str:
    """The SVG for a check's ``plot``; an unknown type yields a labelled empty frame."""
    return scene_svg(plot_scene(plot, title))


def curve_svg(plot: Mapping[str, Any], title: str) -> str:
    """A ``curve`` plot's SVG."""
    return plot_svg({**plot, "type": "curve"}, title)


def series_svg(plot: Mapping[str, Any], title: str) -> str:
    """A ``series`` plot's SVG."""
    return plot_svg({**plot, "type": "series"}, title)
