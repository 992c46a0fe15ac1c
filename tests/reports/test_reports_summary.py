"""The first-page summary, number formatting driven by U, results.csv / results.xlsx in the signed
package, and the ISO/IEC 17025 content from the bench config and the device profile (issue 14)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bench.checks import Checker, observed_value
from bench.verdicts import DecisionRule
from reports import formatting
from reports.build import build_report
from reports.integrity import verify_folder
from reports.package import build_package
from reports.results_table import CSV_NAME, XLSX_NAME
from reports.summary import check_rows, requirement_rows
from pdf_pages import page_texts

REFS = [{"document": "EN 50549-1:2019", "clause": "4.4.2", "confidence": "unverified"},
        {"document": "OCPP 1.6", "clause": "3.13.2", "confidence": "std", "protocols": ["ocpp16j"]},
        {"document": "OCPP 2.0.1 OCTT test cases", "clause": "TC_K_01_CS", "confidence": "unverified",
         "protocols": ["ocpp201"]}]
INSTRUMENTS = {"power_analyzer": {"model": "yokogawa_wt5000", "resource": "r", "asset_id": "PA-7",
                                  "serial_number": "S/N 91", "calibration_last": "2026-03-31",
                                  "calibration_certificate": "CERT-42",
                                  "accuracy": {"power_w": 8.0, "voltage_v": 0.15}},
               "ac_source": {"model": "chroma_61845", "resource": "r", "accuracy": {"voltage_v": 0.5}}}
LAB = {"name": "Lab", "address": "Street 1", "place_of_testing": "hall B, bench 3",
       "environment": {"temperature_c": "23 \u00b1 2", "relative_humidity_pct": "45"}}


@pytest.mark.parametrize(("value", "u", "shown"), [
    (4523.456, 8.0, "4523.5"), (2.72727e-05, None, "0.000027273"), (-0.000636364, 2e-05, "-0.000636"),
    (500.001, None, "500"), (12.3456, 0.2, "12.35"), (1234567.0, 300.0, "1234570"), (1234567.0, 30.0, "1234567"),
    (0.0, None, "0"), (-0.0004, 0.01, "0"), (1e-9, None, "1e-09"), (7, None, "7")])
def test_numbers_are_shown_to_the_place_of_their_uncertainty(value: float, u: float | None, shown: str) -> None:
    assert formatting.fmt_measured(value, u) == shown


def test_uncertainty_margin_and_value_texts() -> None:
    assert formatting.fmt_uncertainty(0.0236) == "0.024" and formatting.fmt_uncertainty(None) == "\u2014"
    assert formatting.fmt_signed(500.001, 8.0) == "+500.0" and formatting.fmt_signed(-7.0, 0.3) == "-7.00"
    assert formatting.fmt_value(230.04, 0.15, "V") == "230.04 \u00b1 0.15 V"
    assert formatting.fmt_value(True) == "yes" and formatting.fmt_number(float("nan")) == "\u2014"


class _Lines:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.lines.append({"kind": kind, **fields})
        return fields


def test_a_yes_no_check_records_the_quantity_behind_its_answer() -> None:
    rec = _Lines()
    check = Checker(rec, "t::x", DecisionRule.GUARD_BAND)
    check.require_true("PV-UMAX-TRIP", "trips", False, "stayed on",
                       observed=observed_value("lowest output power", "W", 3120.0, high=500.0, uncertainty=24.0))
    line = rec.lines[0]
    assert line["measured"] is False and line["verdict"] == "FAIL"
    assert line["observed_value"] == {"quantity": "lowest output power", "unit": "W", "value": 3120.0, "low": None,
                                      "high": 500.0, "uncertainty": 24.0}


def _campaign(record: Any, helpers: Any, *, protocol: str = "ocpp16j", read: dict[str, Any] | None = None) -> None:
    requirements = [{**r, "references": REFS} if r["id"] == "PV-VRT-01" else r for r in helpers.CATALOG_REQUIREMENTS]
    record.seq = 0
    record.path.write_text("")
    record.line("campaign_start", format="flexbench-record/1", campaign_id="camp-sum", laboratory=LAB,
                software={"name": "flexbench", "version": "0.1.0"},
                bench={"file": "b.yaml", "name": "bench", "config": {"instruments": INSTRUMENTS, "laboratory": LAB}},
                profile={"file": "p.yaml", "config": {
                    "simulated": True, "links": {"control": {"protocol": protocol}},
                    "ratings": {"rated_power_w": 4600, "nominal_voltage_v": 230, "phase_count": 1},
                    "functions": {"volt_watt": True}, "declared": {"power_limit_response_time_s": 5.0}}},
                market="NL", catalog={"name": "c", "version": "1", "requirements": requirements},
                clock={"mode": "virtual"}, simulated=True, decision_rule="simple acceptance (ILAC-G8 4.2.1)")
    for role, inst in INSTRUMENTS.items():
        record.line("instrument", role=role, model=inst["model"], resource="r", idn=f"SIM,{role}",
                    calibration_due="2027-03-31", simulated=True)
    ident = {"manufacturer": "Ref", "model": "PV-5k", "serial_number": "SN1"}
    record.line("dut_identity", declared=ident, read=read if read is not None else dict(ident))
    trips = {"requirement": "PV-VRT-01", "name": "trips at U>", "quantity": "observed", "unit": "bool",
             "measured": False, "uncertainty": None, "low": None, "high": None, "verdict": "FAIL",
             "rule": "OBSERVATION", "detail": "observed: no; stayed on",
             "observed_value": observed_value("lowest output power", "W", 3120.0, high=500.0, uncertainty=24.0)}
    record.test("t.py::test_vrt", ["PV-VRT-01"], "FAIL",
                checks=[helpers.make_check("PV-VRT-01", measured=230.04), trips])
    record.test("t.py::test_pu", ["PV-PU-01"], "PASS", checks=[helpers.make_check("PV-PU-01", measured=251.123456)])
    record.test("t.py::test_lim", ["PV-LIM-01"], "NOT_APPLICABLE", message="NOT_APPLICABLE: no limit function")
    record.end("NON_COMPLIANT")


def test_summary_rows_show_the_decisive_check_with_the_quantity_behind_a_no(record: Any, helpers: Any,
                                                                           tmp_path: Path) -> None:
    _campaign(record, helpers)
    report = build_report(record.path, tmp_path / "out")
    rows = {r.requirement: r for r in requirement_rows(report)}
    vrt = rows["PV-VRT-01"]
    assert (vrt.verdict, vrt.checks, vrt.decisive_check) == ("FAIL", 2, "trips at U>")
    assert vrt.measured == "no: lowest output power 3120 \u00b1 24 W"
    assert vrt.required == "yes: lowest output power \u2264 500 W"
    assert (vrt.margin, vrt.uncertainty) == ("-2620 W", "24")
    assert vrt.clause == "EN 50549-1:2019 4.4.2 (unverified); OCPP 1.6 3.13.2"    # no OCTT id for OCPP 1.6
    pu = rows["PV-PU-01"]
    assert (pu.measured, pu.uncertainty, pu.margin) == ("251.12 \u00b1 0.30 V", "0.30", "+1.88 V")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.index("Summary of results") < html.index("1 Identification")
    assert "no: lowest output power 3120 \u00b1 24 W" in html and "251.123456" not in html


def test_17025_content_from_the_bench_config_and_the_profile(record: Any, helpers: Any, tmp_path: Path) -> None:
    _campaign(record, helpers, protocol="ocpp201", read={"manufacturer": "Ref", "model": "PV-5k"})
    report = build_report(record.path, tmp_path / "out")
    lab = report["laboratory"]
    assert lab["place_of_testing"] == "hall B, bench 3" and lab["environment"]["temperature_c"] == "23 \u00b1 2"
    assert "relate only to the item tested" in lab["statement"]
    analyzer = next(i for i in report["bench"]["instruments"] if i["role"] == "power_analyzer")
    assert (analyzer["asset_id"], analyzer["serial_number"], analyzer["calibration_last"],
            analyzer["calibration_certificate"]) == ("PA-7", "S/N 91", "2026-03-31", "CERT-42")
    source = next(i for i in report["bench"]["instruments"] if i["role"] == "ac_source")
    assert source["accuracy"] == [{"quantity": "voltage_v", "value": 0.5, "unit": "V"}]
    dut = report["dut"]
    assert dut["ratings"] == {"rated_power_w": 4600, "nominal_voltage_v": 230, "phase_count": 1}
    assert dut["declared_settings"] == {"function.volt_watt": True, "power_limit_response_time_s": 5.0}
    assert dut["identity_status"] == {"manufacturer": "match", "model": "match", "serial_number": "not read"}
    vrt = next(r for r in report["requirements"] if r["id"] == "PV-VRT-01")
    assert [r["applies"] for r in vrt["references"]] == [True, False, True]
    specs = report["method"]["specifications"]
    assert "OCPP 1.6" not in specs and "OCPP 2.0.1 OCTT test cases" in specs and "EN 50549-1:2019" in specs
    assert not [s for s in specs if len(s) < 6]
    assert "OCPP 2.0.1 OCTT test cases" in report["method"]["test_method_references"]
    statement = next(c["statement"] for c in report["conformity"]["requirements"] if c["requirement"] == "PV-VRT-01")
    assert "TC_K_01_CS" in statement and "OCPP 1.6" not in statement   # only the DUT protocol's references
    assert {r.requirement: r.clause for r in requirement_rows(report)}["PV-VRT-01"] == (
        "EN 50549-1:2019 4.4.2 (unverified); OCPP 2.0.1 OCTT test cases TC_K_01_CS (unverified)")
    assert not [d for d in report["deviations"] if "NOT_APPLICABLE" in d or "PV-LIM-01" in d]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for needle in ("hall B, bench 3", "CERT-42", "S/N 91", "rated_power_w", "<strong>not read</strong>",
                   "Signature:", "relate only to the item tested", "Procedure"):
        assert needle in html, needle


def test_package_has_signed_results_csv_and_xlsx_and_a_bookmarked_pdf(record: Any, helpers: Any,
                                                                     tmp_path: Path) -> None:
    _campaign(record, helpers)
    out = tmp_path / "pkg"
    result = build_package(record.path, out, dev_key_dir=tmp_path / "keys")
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    listed = json.dumps(manifest)
    assert CSV_NAME in listed and XLSX_NAME in listed and verify_folder(out).intact
    rows = list(csv.DictReader(io.StringIO((out / CSV_NAME).read_text(encoding="utf-8"))))
    assert len(rows) == len(check_rows(result.report)) == 3
    trips = next(r for r in rows if r["check"] == "trips at U>")
    assert (trips["measured"], trips["margin"], trips["verdict"]) == ("no: lowest output power 3120 \u00b1 24 W",
                                                                      "-2620 W", "FAIL")
    with zipfile.ZipFile(out / XLSX_NAME) as book:
        assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} <= set(book.namelist())
        assert "trips at U&gt;" in book.read("xl/sharedStrings.xml").decode("utf-8")
    import pypdfium2 as pdfium

    data = result.pdf_path.read_bytes()
    first = page_texts(data, join_lines=True)[0]
    assert "Summary of results" in first and "Requirement Clause Required Measured U (k=2) Margin Verdict" in first
    doc = pdfium.PdfDocument(data)
    try:
        titles = {b.get_title(): b.get_dest().get_index() for b in doc.get_toc()}
    finally:
        doc.close()
    assert titles["Summary of results"] == 0 and "7 Results by requirement" in titles
    assert titles["Authorisation"] == max(titles.values())
    build_package(record.path, tmp_path / "again", dev_key_dir=tmp_path / "keys")
    assert (tmp_path / "again" / XLSX_NAME).read_bytes() == (out / XLSX_NAME).read_bytes()   # deterministic
