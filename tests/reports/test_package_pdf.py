"""report.pdf: renders (page 1 as an image is not blank), report id and "page x of y" on every page,
SIMULATED on every page of a simulated report, a clear end, deterministic bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from reports.build import build_report
from reports.pdf import plot_drawing, render_pdf
from pdf_pages import page_texts


def _many_checks_report(record: Any, helpers: Any, tmp_path: Path, *, simulated: bool) -> dict[str, Any]:
    """A report long enough for several pages: many checks, plots of both kinds."""
    record.start(simulated=simulated)
    checks = [helpers.make_check("PV-VRT-01", measured=230.25 + i) for i in range(60)]
    record.test("test_suites/pv/test_vrt.py::test_stay_connected", ["PV-VRT-01"], "PASS",
                checks=checks + [helpers.make_check("PV-VRT-01", plot=helpers.CURVE_PLOT)])
    record.test("test_suites/pv/test_pu.py::test_pu_curve", ["PV-PU-01"], "PASS",
                checks=[helpers.make_check("PV-PU-01", plot=helpers.SERIES_PLOT)])
    record.end()
    return build_report(record.path, tmp_path / "out")


def test_pdf_page_one_renders_and_is_not_blank(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    data = render_pdf(build_report(record.path, tmp_path / "out"))
    assert data.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(data)
    try:
        image = doc[0].render(scale=1.0).to_pil().convert("L")
    finally:
        doc.close()
    width, height = image.size
    assert abs(width - 595) <= 1 and abs(height - 842) <= 1      # A4 at 72 dpi
    histogram = image.histogram()
    dark_pixels = sum(histogram[:200])                    # text, rules, tables, the verdict
    assert dark_pixels > 0.01 * width * height, dark_pixels


def test_every_page_names_the_report_and_counts_pages(record: Any, helpers: Any, tmp_path: Path) -> None:
    report = _many_checks_report(record, helpers, tmp_path, simulated=True)
    texts = page_texts(render_pdf(report))
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert report["report_id"] in text, number
        assert f"Page {number} of {len(texts)}" in text, number
        assert "SIMULATED" in text, number
    assert "End of report " + report["report_id"] in texts[-1]
    assert all("End of report" not in t for t in texts[:-1])
    whole = "\n".join(texts)
    for section in ("Report identification", "Method", "Device under test", "Bench and instruments",
                    "Results by requirement", "Evidence plots", "Tests and raw data", "Observations",
                    "Authorisation"):
        assert section in whole, section
    assert report["verdict"] in texts[0]
    # the results table carries every measured value
    assert "PV-VRT-01" in whole and "230.25" in whole and "289.25" in whole


def test_real_device_report_carries_no_simulated_mark(record: Any, helpers: Any, tmp_path: Path) -> None:
    report = _many_checks_report(record, helpers, tmp_path, simulated=False)
    if report["simulated"]:
        pytest.skip("the report builder marks this synthetic record simulated for another reason")
    texts = page_texts(render_pdf(report))
    assert all("SIMULATED" not in t for t in texts)
    assert all(report["report_id"] in t for t in texts)


def test_pdf_bytes_are_deterministic(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    assert render_pdf(report) == render_pdf(report)


def test_record_text_cannot_inject_markup(record: Any, helpers: Any, tmp_path: Path) -> None:
    record.start()
    record.test("test_suites/pv/test_x.py::test_x", ["PV-VRT-01"], "FAIL",
                checks=[helpers.make_check("PV-VRT-01", verdict="FAIL", detail="<b>bold</b> & <font>x")],
                message="<para>broken & </para>")
    record.end()
    texts = page_texts(render_pdf(build_report(record.path, tmp_path / "out")))
    assert "<para>broken & </para>" in "".join(texts).replace("\r\n", "").replace("\n", "")


def test_plot_drawing_draws_measured_band_and_window(helpers: Any) -> None:
    from reportlab.graphics.shapes import Circle, Group, Line, PolyLine, Rect
    from reportlab.lib import colors

    from reports.plotting import COLOR_BAND, COLOR_LIMIT, COLOR_MEASURED, COLOR_WINDOW

    def shapes(node: Any) -> list[Any]:
        return [s for c in node.contents for s in ([c] if not isinstance(c, Group) else shapes(c))]

    def lines(drawing: Any, colour: str) -> list[Any]:
        return [s for s in shapes(drawing)
                if isinstance(s, (PolyLine, Line)) and s.strokeColor == colors.HexColor(colour)]

    curve = plot_drawing(helpers.CURVE_PLOT, "curve")
    assert len(lines(curve, COLOR_BAND)) == 2 + 1        # two band edges + the legend swatch
    assert len(lines(curve, COLOR_MEASURED)) == 1
    series = plot_drawing(helpers.SERIES_PLOT, "series")
    # the measured run before the gap (None) + legend swatch; the single point after it is a marker
    assert len(lines(series, COLOR_MEASURED)) == 2
    assert sum(isinstance(s, Circle) for s in shapes(series)) == 1
    assert len(lines(series, COLOR_LIMIT)) == 2          # the limit line + legend swatch
    assert any(isinstance(s, Rect) and s.fillColor == colors.HexColor(COLOR_WINDOW) for s in shapes(series))
    empty = plot_drawing({"type": "series", "t_s": [], "y": []}, "empty")
    assert any(getattr(s, "text", "") == "no plottable data" for s in shapes(empty))
