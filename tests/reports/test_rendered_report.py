"""The report looked at as a person would: report.html rendered by headless Chromium (the DOM the
browser built, and a screenshot), a PDF evidence page rendered by pdfium.

One Chromium start per kind of look, for the whole module (a report built once from a synthetic
record whose plots carry stimulus, applied limit and instants, as the suites record them). Without
Chromium the browser tests skip with the reason, except under CI (CI=true), where they fail:
.ci/system-deps installs the Debian package.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from pdf_pages import page_texts
from reports.build import build_report
from reports.chromium import dump_dom, screenshot
from reports.pdf import render_pdf
from system_packages import chromium_or_skip
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series

TRIP_REQ, SETPOINT_REQ = "PV-VRT-01", "PV-PU-01"
_BUILT: dict[str, Any] = {}     # the module's one report package and one browser DOM


def _trip_plot() -> dict[str, Any]:
    t = [i * 0.02 for i in range(100)]
    p = [9800.0 if x < 1.1 else 0.0 for x in t]
    u = [230.0 if x < 1.0 else 264.5 for x in t]
    return series_plot(t, p, "active power / W", window=[1.0, 1.2], stimulus=stimulus_series("voltage / V", t, u),
                       limits=[applied_limit("trip = below 500 W", 500.0)],
                       instants=[key_instant("step", 1.0), key_instant("trip", 1.1)])


def _setpoint_plot() -> dict[str, Any]:
    t = [float(i) for i in range(60)]
    p = [2000.0 + 30.0 * min(x, 20.0) for x in t]
    return series_plot(t, p, "active power / W", window=[10.0, 40.0],
                       stimulus=stimulus_series("setpoint / W", [10.0], [3000.0], staircase=True),
                       limits=[applied_limit("setpoint - band 2900 W", 2900.0),
                               applied_limit("setpoint + band 3100 W", 3100.0)],
                       instants=[key_instant("setpoint written", 10.0), key_instant("Tr", 40.0)])


@pytest.fixture
def package(record: Any, helpers: Any) -> tuple[Path, dict[str, Any]]:
    """Built once for the module (the first test's record; pytest keeps its folder for the session)."""
    if "package" not in _BUILT:
        record.start()
        trip = {**helpers.make_check(TRIP_REQ, plot=_trip_plot()), "name": "U>>: clearing time"}
        setpoint = {**helpers.make_check(SETPOINT_REQ, "FAIL", plot=_setpoint_plot()), "name": "setpoint 3000 W: band"}
        record.test("test_suites/pv/test_trip.py::test_trip", [TRIP_REQ], "PASS", checks=[trip])
        record.test("test_suites/pv/test_set.py::test_setpoint", [SETPOINT_REQ], "FAIL", checks=[setpoint])
        record.end("NON_COMPLIANT")
        out = record.path.parent / "out"
        _BUILT["package"] = (out, build_report(record.path, out))
    return _BUILT["package"]


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip("the rendered-report tests")


@pytest.fixture
def dom(chromium: str, package: tuple[Path, dict[str, Any]]) -> str:
    if "dom" not in _BUILT:
        _BUILT["dom"] = dump_dom(chromium, package[0] / "report.html")
    return str(_BUILT["dom"])


def test_browser_dom_has_contents_linked_to_every_section_and_evidence(dom: str) -> None:
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', dom, re.S)
    assert toc is not None, "no table of contents"
    targets = re.findall(r'href="#([^"]+)"', toc.group(1))
    assert {"s1", "s6", "s7"} <= set(targets) and f"ev-{TRIP_REQ}" in targets and f"ev-{SETPOINT_REQ}" in targets
    for target in targets:
        assert f'id="{target}"' in dom, f"contents link #{target} has no anchor"
    assert re.search(r'<h2 id="s6">6 Results by requirement</h2>', dom)


def test_browser_dom_shows_plots_with_their_limit_line_stimulus_and_instants(dom: str) -> None:
    evidence = re.search(rf'<details class="evidence" id="ev-{SETPOINT_REQ}" open="?"?>(.*?)</details>', dom, re.S)
    assert evidence is not None, "the failed requirement's evidence is not open"
    svg = evidence.group(1)
    for role in ("measured", "limit", "stimulus", "instant"):
        assert f'data-role="{role}"' in svg, role
    assert "setpoint + band 3100 W" in svg and "setpoint written" in svg and "time from setpoint written / s" in svg
    legend = {"applied limit", "instants", "judged window", "stimulus: setpoint / W", "measured"}
    assert legend <= set(re.findall(r"<text[^>]*>([^<]+)</text>", svg))


def test_browser_dom_keeps_requirement_ids_whole_and_loads_nothing_external(dom: str) -> None:
    assert f'<span class="rid">{TRIP_REQ}</span>' in dom
    assert not re.search(r'(src|href)="(https?:)?//', dom), "the report must work offline"


def test_screenshot_shows_the_rendered_report(chromium: str, package: tuple[Path, dict[str, Any]],
                                              tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "top.png"
    screenshot(chromium, package[0] / "report.html", png, height_px=900)
    with Image.open(png) as image:
        assert image.size == (1100, 900)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50, "a blank page"


def test_pdf_evidence_page_shows_the_plot_with_limit_and_stimulus(package: tuple[Path, dict[str, Any]]) -> None:
    from PIL import Image

    pdf = render_pdf(package[1])
    texts = page_texts(pdf, render=True)
    page = next(i for i, text in enumerate(texts) if "setpoint + band 3100 W" in text)
    text = texts[page]
    for label in ("applied limit", "stimulus: setpoint / W", "setpoint written", "time from setpoint written / s"):
        assert label in text, label
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        image = doc[page].render(scale=1).to_pil().convert("RGB")
    finally:
        doc.close()
    assert isinstance(image, Image.Image)
    # the limit is a dashed line across the plot: one pixel row holds a long run of its red
    # (the legend's swatch alone is a few pixels)
    red = (0xC0, 0x39, 0x2B)
    width, height = image.size
    pixels = image.load()
    longest = max(sum(1 for x in range(width) if _near(pixels[x, y], red)) for y in range(height))
    assert longest > width // 4, f"no limit line drawn (longest red row {longest} px)"


def _near(colour: Any, target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(colour, target, strict=True))
