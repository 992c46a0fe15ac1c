"""Issue 13, finding 1 (last part): a report signed with a development key says so on every page of
its PDF and at the top of its HTML (and in its signature block); a lab-key report does not. report.json
is the same whichever key signs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.cli import main as flexbench
from reports.display import DEVELOPMENT_KEY_NOTICE
from reports.package import build_package
from pdf_pages import page_texts


@pytest.fixture
def two_packages(record: Any, helpers: Any, tmp_path: Path) -> tuple[Path, Path]:
    """The same several-page campaign packaged with a development key and with a lab key."""
    record.start()
    checks = [helpers.make_check("PV-VRT-01", measured=200.25 + i * 0.5) for i in range(60)]
    record.test("test_suites/pv/test_vrt.py::test_stay_connected", ["PV-VRT-01"], "PASS",
                checks=checks + [helpers.make_check("PV-VRT-01", plot=helpers.CURVE_PLOT)])
    record.test("test_suites/pv/test_pu.py::test_pu_curve", ["PV-PU-01"], "PASS",
                checks=[helpers.make_check("PV-PU-01", plot=helpers.SERIES_PLOT)])
    record.end()
    lab_key = tmp_path / "keys" / "lab.pem"
    assert flexbench(["keygen", str(lab_key)]) == 0
    dev = build_package(record.path, tmp_path / "dev", dev_key_dir=tmp_path / "dev-key")
    lab = build_package(record.path, tmp_path / "lab", key_path=lab_key)
    assert (dev.signer_kind, lab.signer_kind) == ("development", "lab")
    return dev.out_dir, lab.out_dir


def test_development_key_is_named_on_every_pdf_page(two_packages: tuple[Path, Path]) -> None:
    dev, _ = two_packages
    pages = page_texts((dev / "report.pdf").read_bytes(), join_lines=True)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert DEVELOPMENT_KEY_NOTICE in text, f"page {number}"


def test_development_key_heads_the_html_and_its_signature_block(two_packages: tuple[Path, Path]) -> None:
    html = (two_packages[0] / "report.html").read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]
    notice = DEVELOPMENT_KEY_NOTICE
    assert f'<div class="banner dev-key" role="alert">{notice}</div>' in body
    assert body.index(notice) < body.index(">1 Identification</h2>")      # at the top
    signature = body[body.index(">12 Authorisation</h2>"):]
    assert notice in signature
    assert body.count(notice) >= 4        # banner, print header and footer, signature block


def test_lab_key_report_has_no_development_notice(two_packages: tuple[Path, Path]) -> None:
    lab = two_packages[1]
    assert not any("DEVELOPMENT" in t for t in page_texts((lab / "report.pdf").read_bytes(), join_lines=True))
    assert "DEVELOPMENT" not in (lab / "report.html").read_text(encoding="utf-8")


def test_report_json_is_the_same_whichever_key_signs(two_packages: tuple[Path, Path]) -> None:
    dev, lab = two_packages
    assert (dev / "report.json").read_bytes() == (lab / "report.json").read_bytes()
