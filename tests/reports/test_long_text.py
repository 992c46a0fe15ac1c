"""Issue 13, finding 3: long text never breaks the report. A 10 KB customer name or a 60 KB event
message ended in ReportLab's LayoutError (no report.pdf, no manifest), and the PDF's layout time grew
about quadratically with a text's length (200 KB: 55 s). Record text is now bounded for display in
the PDF and the HTML, with a note naming where the full text is."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bench.recorder import MAX_TEXT_CHARS, Recorder, read_record
from reports.display import DISPLAY_TEXT_CHARS, RECORD_FULL_TEXT
from reports.integrity import MANIFEST_NAME, verify_folder
from reports.package import build_package
from reports.pdf import _story, render_pdf
from reportlab.platypus import KeepTogether, Paragraph, Table
from pdf_pages import page_texts

NOTE_CHARS = 200      # the "(cut: ... full text in ...)" note after a cut text


def _long_text_record(record: Any, helpers: Any, *, customer: str = "Customer Ltd", message: str = "",
                      detail: str = "") -> None:
    record.start(order={"customer": customer, "reference": "PO-1"})
    if message:
        record.line("event", level="warning", message=message)
    record.test("test_suites/pv/test_vrt.py::test_stay_connected", ["PV-VRT-01"], "PASS",
                checks=[helpers.make_check("PV-VRT-01", detail=detail)], message=message)
    record.end()


def _package(record: Any, tmp_path: Path, name: str = "pkg") -> Path:
    out = tmp_path / name
    build_package(record.path, out, dev_key_dir=tmp_path / "dev-key")
    assert (out / "report.pdf").is_file() and (out / MANIFEST_NAME).is_file()
    return out


def _flowable_texts(flowables: list[Any]) -> list[str]:
    """The plain text of every paragraph in the story, table cells and kept-together blocks included."""
    out: list[str] = []
    for f in flowables:
        if isinstance(f, Paragraph):
            out.append(f.getPlainText())
        elif isinstance(f, Table):
            out += _flowable_texts([cell for row in f._cellvalues for cell in row])
        elif isinstance(f, KeepTogether):
            out += _flowable_texts(list(f._content))
    return out


def test_10_kb_customer_name_builds_a_signed_package(record: Any, helpers: Any, tmp_path: Path) -> None:
    customer = "ACME " + "C" * 10_000
    _long_text_record(record, helpers, customer=customer)
    out = _package(record, tmp_path)
    assert verify_folder(out).intact
    text = "".join(page_texts((out / "report.pdf").read_bytes(), render=True, join_lines=True))
    assert "ACME CCC" in text and f"full text in {RECORD_FULL_TEXT}" in text
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["customer"]["name"] == customer                # report.json keeps the full text
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "C" * DISPLAY_TEXT_CHARS not in html.replace("ACME ", "") and f"of {len(customer)} characters" in html


def test_60_kb_event_message_builds_a_signed_package(record: Any, helpers: Any, tmp_path: Path) -> None:
    message = "violation: " + "x" * 60_000
    _long_text_record(record, helpers, message=message)
    out = _package(record, tmp_path)
    pages = page_texts((out / "report.pdf").read_bytes(), render=True, join_lines=True)
    assert sum(p.count(f"of {len(message)} characters shown") for p in pages) >= 2    # event and test message
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "x" * (DISPLAY_TEXT_CHARS + 1) not in html and len(html) < 100_000


@pytest.mark.parametrize("spaces", [False, True], ids=["one-word", "words"])
def test_200_kb_text_is_bounded_in_every_flowable(record: Any, helpers: Any, tmp_path: Path, spaces: bool) -> None:
    """What the PDF lays out does not grow with a text's length: the 200 KB texts give the same
    flowables as 50 KB ones (so layout time is linear in the record, not quadratic in a text)."""
    def story_texts(size: int, name: str) -> list[str]:
        writer = type(record)(tmp_path / f"{name}.jsonl")
        body = ("word " * (size // 5)) if spaces else "y" * size
        _long_text_record(writer, helpers, customer=body, message=body, detail=body)
        started = time.perf_counter()
        out = _package(writer, tmp_path, name)
        assert time.perf_counter() - started < 30.0               # generous: 200 KB took 55 s before
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["events"][0]["message"] == body
        return _flowable_texts(_story(report))

    small, large = story_texts(50_000, "small"), story_texts(200_000, "large")
    assert max(len(t) for t in large) <= DISPLAY_TEXT_CHARS + NOTE_CHARS
    assert len(large) == len(small)
    assert abs(sum(map(len, large)) - sum(map(len, small))) <= 10 * len(large)   # only "of N characters" differs


def test_table_cell_taller_than_a_page_is_cut_to_fit(record: Any, helpers: Any, tmp_path: Path) -> None:
    """A text within the display limit in a narrow column (the check column holds about 15 wide
    letters a line) would make its row taller than a page: the cell is cut to fit."""
    _long_text_record(record, helpers)
    out = _package(record, tmp_path)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["requirements"][0]["checks"][0]["name"] = "W" * (DISPLAY_TEXT_CHARS - 10)
    texts = page_texts(render_pdf(report), render=True, join_lines=True)
    assert any("characters shown; full text in report.json" in t for t in texts)
    assert not any("W" * 400 in t.replace(" ", "") for t in texts)


def test_text_cut_by_the_recorder_points_to_its_long_text_file(record: Any, helpers: Any, tmp_path: Path) -> None:
    """The recorder keeps 16 384 characters of a longer text and names raw/long-text/<file>, which holds
    it in full: the report's note names that file, and the package carries it, in the record's own folder
    and in another one."""
    full = "z" * 200_000
    recorder = Recorder(tmp_path / "bench" / "record.jsonl", lambda: 0.0)      # the recorder cuts it
    recorder.write("event", level="warning", message=full)
    recorder.close()
    cut = next(iter(read_record(recorder.path)))["message"]
    kept = cut.rsplit("full text: ", 1)[1].rstrip("]")
    assert kept.startswith("raw/long-text/") and len(cut) < MAX_TEXT_CHARS + 200
    (record.path.parent / kept).parent.mkdir(parents=True)
    (record.path.parent / kept).write_text(full, encoding="utf-8")
    _long_text_record(record, helpers, message=cut)
    for out in (_package(record, tmp_path), _package(record, record.path.parent.parent, record.path.parent.name)):
        text = "".join(page_texts((out / "report.pdf").read_bytes(), render=True, join_lines=True))
        assert f"of {len(full)} characters shown; full text in {kept}" in text
        assert f"full text in {kept}" in (out / "report.html").read_text(encoding="utf-8")
        assert (out / kept).read_text(encoding="utf-8") == full
        listed = {f["path"] for f in json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]}
        assert kept in listed and verify_folder(out).intact


def test_long_check_name_and_plot_labels_are_bounded_in_the_html(record: Any, helpers: Any, tmp_path: Path) -> None:
    long_name = "n" * 60_000
    plot = {**helpers.CURVE_PLOT, "x_label": "u" * 60_000, "y_label": "p" * 60_000}
    record.start()
    record.test("test_suites/pv/test_vrt.py::test_stay_connected", ["PV-VRT-01"], "PASS",
                checks=[{**helpers.make_check("PV-VRT-01", plot=plot), "name": long_name}])
    record.end()
    out = _package(record, tmp_path)
    html = (out / "report.html").read_text(encoding="utf-8")
    for letter in "nup":
        assert letter * (DISPLAY_TEXT_CHARS + 1) not in html, letter
    assert len(html) < 200_000
    pages = page_texts((out / "report.pdf").read_bytes(), render=True, join_lines=True)
    assert any(f"of {len(long_name)} characters shown" in t for t in pages)
