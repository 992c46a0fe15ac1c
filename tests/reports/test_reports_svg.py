"""The hand-written SVG plots."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reports.svg import curve_svg, nice_range, plot_svg, series_svg, tick_label, ticks

NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (195.5, 264.5, (180.0, 280.0, 20.0)),
    (0.0, 1.0, (0.0, 1.0, 0.2)),
    (-0.3, 0.7, (-0.4, 0.8, 0.2)),
])
def test_nice_range(lo: float, hi: float, expected: tuple[float, float, float]) -> None:
    assert nice_range(lo, hi) == pytest.approx(expected)


def test_nice_range_of_a_constant_is_not_empty() -> None:
    lo, hi, step = nice_range(5.0, 5.0)
    assert lo < 5.0 < hi and step > 0


def test_tick_labels() -> None:
    lo, hi, step = nice_range(0.0, 2.3, 11)
    labels = [tick_label(t, step) for t in ticks(lo, hi, step)]
    assert labels[:3] == ["0.00", "0.25", "0.50"]
    assert tick_label(-0.0001, 0.1) == "0.0"


def test_curve_svg_is_wellformed_with_band_points_and_axes() -> None:
    plot = {"type": "curve", "x_label": "U / V", "y_label": "P / Pn",
            "points": [[240, 1.0], [255, 0.7], [None, 1]],
            "band_low": [[240, 0.95], [264.5, 0.0]], "band_high": [[240, 1.05], [264.5, 0.1]]}
    root = ET.fromstring(curve_svg(plot, "P(U)"))
    assert root.tag == NS + "svg"
    assert len(root.findall(NS + "polygon")) == 1
    assert len(root.findall(NS + "circle")) == 2 + 1  # measured points + legend swatch
    texts = [t.text for t in root.iter(NS + "text")]
    assert "U / V" in texts and "P / Pn" in texts and "240" in texts


def test_series_svg_has_limit_and_window() -> None:
    plot = {"type": "series", "x_label": "t / s", "y_label": "P / W", "t_s": [0, 1, 2, 3],
            "y": [5000, 4000, None, 3000], "limit": [3000, 3000, 3000, 3000], "window": [1, 2.5]}
    svg = series_svg(plot, "response")
    root = ET.fromstring(svg)
    roles = [e.get("data-role") for e in root.iter() if e.get("data-role") in ("measured", "limit")]
    # the first run of y, the single point after the gap, the limit on top
    assert roles == ["measured", "measured", "limit"]
    assert "judged window" in svg and 'fill="#f0b429"' in svg


def test_unplottable_data_gives_an_empty_frame() -> None:
    for plot in ({"type": "curve", "points": []}, {"type": "series", "t_s": [], "y": []}, {"type": "bar"}):
        assert "no plottable data" in plot_svg(plot, "x")


def test_long_series_are_decimated_but_keep_extremes() -> None:
    from reports.svg import MAX_RUN_POINTS, decimate

    run = [(i * 0.001, 1.0) for i in range(50_000)]
    run[31_337] = (31.337, 9.0)  # a spike must survive
    out = decimate(run)
    assert len(out) <= MAX_RUN_POINTS + 1
    assert (31.337, 9.0) in out and out[0] == run[0] and out[-1] == run[-1]
    assert [p[0] for p in out] == sorted(p[0] for p in out)


def _frame_ticks(svg: str) -> list[float]:
    """The left axis' tick values of a rendered series plot."""
    root = ET.fromstring(svg)
    return [float(t.text or "nan") for t in root.iter(NS + "text") if t.get("text-anchor") == "end"
            and t.get("fill") is None and t.text and t.text.lstrip("-").replace(".", "").isdigit()]


def test_flat_noise_is_drawn_flat_and_limits_are_always_in_range() -> None:
    flat = {"type": "series", "y_label": "P / W", "t_s": [0, 1, 2, 3], "y": [3000.0, 3000.2, 2999.8, 3000.1]}
    values = _frame_ticks(series_svg(flat, "stays connected"))
    assert max(values) - min(values) >= 0.1 * 3000     # not a 0.4 W scale
    limited = {**flat, "limits": [{"label": "trip = below 500 W", "value": 500.0}]}
    values = _frame_ticks(series_svg(limited, "stays connected"))
    assert min(values) <= 500.0 <= max(values)


def test_legend_names_only_what_is_drawn_and_time_runs_from_the_step() -> None:
    from reports.plotting import plot_scene

    plain = plot_scene({"type": "series", "t_s": [0, 1], "y": [1.0, 2.0]}, "plain")
    assert plain.legend == ["measured"]
    full = {"type": "series", "t_s": [10, 11, 12], "y": [1.0, 2.0, 2.0], "window": [11, 12],
            "limits": [{"label": "<= 2.5", "value": 2.5}], "instants": [{"label": "step", "t_s": 11}],
            "stimulus": {"label": "U / V", "t_s": [10, 11], "values": [230, 253], "staircase": True}}
    scene = plot_scene(full, "full")
    assert scene.legend == ["measured", "stimulus: U / V", "applied limit", "instants", "judged window"]
    roles = {getattr(item, "role", "") for item in scene.items}
    assert {"measured", "stimulus", "limit", "instant", "window"} <= roles
    svg = series_svg(full, "full")
    assert "time from step / s" in svg and ">-1<" in svg.replace(".0<", "<")    # 10 s is 1 s before the step


def test_markers_and_stimulus_outside_the_time_span_get_no_legend_entry() -> None:
    from reports.plotting import plot_scene

    plot = {"type": "series", "t_s": [0, 1, 2], "y": [1.0, 2.0, 2.0], "t_zero_s": 0,
            "stimulus": {"label": "U / V", "t_s": [50, 60], "values": [230, 253]}}
    assert plot_scene(plot, "x").legend == ["measured"]
