"""The evidence plots of :mod:`reports.plotting` as ReportLab drawings for the PDF report.

The scene's WIDTH x HEIGHT box (y downwards) is scaled to the drawing's size (y upwards), so the
PDF shows exactly what the HTML's SVG shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Group, Line as RLine, PolyLine, Polygon, Rect, String
from reportlab.lib import colors

from reports.plotting import HEIGHT, WIDTH, Box, Dot, Label, Line, plot_scene

__all__ = ["plot_drawing"]


def plot_drawing(plot: Mapping[str, Any], title: str, width: float, height: float) -> Drawing:
    """A check's ``plot`` drawn at ``width`` x ``height`` points, its title above."""
    title_h = 12.0
    d = Drawing(width, height)
    d.add(String(0, height - 9, title[:110], fontName="Helvetica-Bold", fontSize=8))
    sx = width / WIDTH
    sy = (height - title_h) / HEIGHT
    scale = min(sx, sy)

    def x(v: float) -> float:
        return v * sx

    def y(v: float) -> float:
        return (HEIGHT - v) * sy

    g = Group()
    for item in plot_scene(plot, title).items:
        if isinstance(item, Line):
            coords = [c for px, py in item.points for c in (x(px), y(py))]
            if item.role == "band-fill":
                g.add(Polygon(coords, fillColor=colors.HexColor(item.color), fillOpacity=0.18, strokeColor=None))
                continue
            dash = [d_ * scale for d_ in item.dash] if item.dash else None
            style = {"strokeColor": colors.HexColor(item.color), "strokeWidth": max(item.width * scale, 0.3),
                     "strokeDashArray": dash}
            g.add(RLine(*coords, **style) if len(coords) == 4 else PolyLine(coords, **style))
        elif isinstance(item, Box):
            fill = colors.HexColor(item.fill) if item.fill else None
            g.add(Rect(x(item.x), y(item.y + item.h), item.w * sx, item.h * sy, fillColor=fill,
                       fillOpacity=item.opacity if fill is not None else None,
                       strokeColor=colors.HexColor(item.stroke) if item.stroke else None, strokeWidth=0.6))
        elif isinstance(item, Dot):
            g.add(Circle(x(item.x), y(item.y), item.r * scale, fillColor=colors.HexColor(item.color),
                         strokeColor=None))
        elif isinstance(item, Label):
            font = {"fontName": "Helvetica-Bold" if item.bold else "Helvetica", "fontSize": item.size * scale,
                    "fillColor": colors.HexColor(item.color), "textAnchor": item.anchor}
            if not item.rotate:
                g.add(String(x(item.x), y(item.y), item.text, **font))
                continue
            label = Group(String(0, 0, item.text, **font))
            label.translate(x(item.x), y(item.y))
            label.rotate(90)
            g.add(label)
    d.add(g)
    return d
