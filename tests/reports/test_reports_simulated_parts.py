"""Issue 11 item 5: the report says which parts were simulated (instruments, device, or both) from
``campaign_start.simulated_parts``, never calls a real device "simulated device", and lists a real
device run on the virtual clock as a deviation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reports.build import build_report


def _start(record: Any, helpers: Any, *, instruments: bool, device: bool | None, clock: str) -> None:
    """A campaign_start as bench.session writes it (``device`` None: a record from before
    ``simulated_parts``), the instruments, one passing test and the end."""
    parts = {} if device is None else {"simulated_parts": {"instruments": instruments, "device": device}}
    record.line("campaign_start", format="flexbench-record/1", campaign_id="camp-parts",
                software={"name": "flexbench", "version": "0.1.0", "commit": "x"},
                bench={"file": "b.yaml", "name": "b", "config": {}},
                profile={"file": "device_profiles/dut.yaml", "config": {}}, market="NL",
                catalog={"name": "c", "version": "1", "requirements": helpers.CATALOG_REQUIREMENTS},
                clock={"mode": clock, "requested": None, "start_calendar": "2026-11-27T09:00:00+01:00",
                       "sample_period_s": 0.2},
                simulated=instruments or bool(device), decision_rule="guard_band", **parts)
    for role in ("ac_source", "power_analyzer"):
        record.line("instrument", role=role, model="M", resource="r", idn="X,M,1,1", calibration_due="2027-01-31",
                    simulated=instruments)
    record.test("t.py::test_vrt", ["PV-VRT-01"], "PASS", checks=[helpers.make_check("PV-VRT-01")])
    record.end()


def test_a_real_device_with_simulated_instruments_is_not_called_a_simulated_device(
        record: Any, helpers: Any, tmp_path: Path) -> None:
    _start(record, helpers, instruments=True, device=False, clock="wall")
    report = build_report(record.path, tmp_path / "out")
    assert report["campaign"]["simulated_parts"] == {"instruments": True, "device": False}
    assert report["dut"]["simulated"] is False and report["simulated"] is True
    notice = report["simulation_notice"]
    assert "the instruments were simulated (the device under test is real)" in notice and "not a certificate" in notice
    assert any("real device was measured by simulated instruments" in d for d in report["deviations"])
    assert not any("no real device was tested" in d for d in report["deviations"])
    assert not any("virtual clock" in d for d in report["deviations"])
    assert "simulated instruments" in report["conformity"]["statement"]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "simulated device" not in html and notice in html and "wall clock" in html


def test_a_simulated_device_in_the_simulated_lab_says_both(record: Any, helpers: Any, tmp_path: Path) -> None:
    _start(record, helpers, instruments=True, device=True, clock="virtual")
    report = build_report(record.path, tmp_path / "out")
    assert report["dut"]["simulated"] is True
    assert "the instruments and the device under test were simulated" in report["simulation_notice"]
    assert any("no real device was tested" in d for d in report["deviations"])
    assert not any("virtual clock" in d for d in report["deviations"])
    assert "simulated device" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_real_device_on_the_virtual_clock_is_a_deviation(record: Any, helpers: Any, tmp_path: Path) -> None:
    _start(record, helpers, instruments=True, device=False, clock="virtual")
    report = build_report(record.path, tmp_path / "out")
    assert any("device under test is real but the bench ran on the virtual clock (--clock virtual)" in d
               for d in report["deviations"])
    assert "virtual clock" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_nothing_simulated_has_no_notice(record: Any, helpers: Any, tmp_path: Path) -> None:
    _start(record, helpers, instruments=False, device=False, clock="wall")
    report = build_report(record.path, tmp_path / "out")
    assert report["simulated"] is False and report["simulation_notice"] is None
    assert report["campaign"]["simulated_parts"] == {"instruments": False, "device": False}


@pytest.mark.parametrize("instruments", [True, False])
def test_a_record_from_before_simulated_parts_keeps_its_reading(record: Any, helpers: Any, tmp_path: Path,
                                                                instruments: bool) -> None:
    """Without ``simulated_parts`` the instruments' own flags count, and the device is taken as
    simulated whenever the campaign was (what the report said before the field existed)."""
    _start(record, helpers, instruments=instruments, device=None, clock="virtual")
    report = build_report(record.path, tmp_path / "out")
    assert report["campaign"]["simulated_parts"] == {"instruments": instruments, "device": instruments}
    assert report["dut"]["simulated"] is instruments
