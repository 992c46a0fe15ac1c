"""Synthetic campaign records for the report tests (format: docs/record-format.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

CATALOG_REQUIREMENTS: list[dict[str, Any]] = [
    {"id": "PV-VRT-01", "title": "Stay connected between 0.85 Un and 1.10 Un", "source": "EN 50549-1",
     "clause": "4.4.2", "mandatory": True, "confidence": "std",
     "parameters": {"u_min": {"value": 195.5, "unit": "V"}, "u_max": {"value": 253.0, "unit": "V"}}},
    {"id": "PV-PU-01", "title": "P(U) reduces active power above 1.09 Un", "source": "EN 50549-1",
     "clause": "4.7.4.3", "mandatory": True, "confidence": "unverified",
     "parameters": {"u_start": {"value": 250.7, "unit": "V"}, "t_response": {"value": 10, "unit": "s"}}},
    {"id": "PV-LIM-01", "title": "Follows an active power limit", "source": "VDE-AR-N 4105",
     "clause": "5.7.4", "mandatory": False, "confidence": "impl",
     "parameters": {"mode": {"value": "fixed", "unit": ""}}},
]


class RecordWriter:
    """Writes record lines with seq/t_s/wall_utc filled in, the way bench.recorder does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seq = 0
        self.t_s = 0.0
        self.path.write_text("", encoding="utf-8")

    def line(self, kind: str, **fields: Any) -> None:
        entry = {"seq": self.seq, "kind": kind, "t_s": round(self.t_s, 6),
                 "wall_utc": f"2026-11-27T08:00:{self.seq % 60:02d}.000+00:00", **fields}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self.seq += 1
        self.t_s += 0.5

    def start(self, *, requirements: Sequence[dict[str, Any]] = CATALOG_REQUIREMENTS, simulated: bool = True,
              campaign_id: str = "camp-0001", declared: dict[str, Any] | None = None, **extra: Any) -> None:
        profile_config: dict[str, Any] = {"simulated": simulated}
        if declared is not None:
            profile_config["declared"] = declared
        self.line("campaign_start", format="flexbench-record/1", campaign_id=campaign_id, **extra,
                  software={"name": "flexbench", "version": "0.1.0", "commit": "26dccf9"},
                  bench={"file": "benches/sim.yaml", "name": "sim-bench", "config": {}},
                  profile={"file": "device_profiles/ref_pv.yaml", "config": profile_config},
                  market="NL", catalog={"name": "flexbench-catalog", "version": "2026.11",
                                        "requirements": list(requirements)},
                  clock={"mode": "virtual", "start_calendar": "2026-06-21T12:00:00+02:00"},
                  simulated=simulated, decision_rule="simple acceptance (ILAC-G8 4.2.1)")
        self.line("instrument", role="ac_source", model="SimSource 3000", resource="TCPIP::127.0.0.1::5025::SOCKET",
                  idn="SIM,SimSource 3000,0001,1.0", calibration_due=None, simulated=simulated)
        self.line("instrument", role="power_analyzer", model="SimAnalyzer", resource="TCPIP::127.0.0.1::5026::SOCKET",
                  idn="SIM,SimAnalyzer,0002,1.0", calibration_due="2027-01-31", simulated=simulated)
        ident = {"manufacturer": "Ref", "model": "PV-5k", "serial_number": "SN1", "firmware_version": "1.2.3"}
        self.line("dut_identity", declared=ident, read=dict(ident))

    def test(self, nodeid: str, requirements: list[str], outcome: str, *, checks: Sequence[dict[str, Any]] = (),
             message: str = "", end: bool = True) -> None:
        self.line("test_start", nodeid=nodeid, name=nodeid.rsplit("::", 1)[-1], requirements=requirements, doc="")
        self.line("step", nodeid=nodeid, text="step 1")
        for check in checks:
            self.line("check", nodeid=nodeid, **check)
        if end:
            self.line("test_end", nodeid=nodeid, outcome=outcome, message=message, requirements=requirements)

    def end(self, verdict: str = "COMPLIANT") -> None:
        self.line("campaign_end", verdict=verdict, counts={}, bench_time_s=self.t_s, wall_time_s=1.25)


def make_check(requirement: str, verdict: str = "PASS", *, measured: float = 230.0, plot: dict | None = None,
               detail: str = "") -> dict[str, Any]:
    check: dict[str, Any] = {
        "requirement": requirement, "name": f"{requirement} check", "quantity": "voltage", "unit": "V",
        "measured": measured, "uncertainty": 0.3, "low": 195.5, "high": 253.0, "verdict": verdict,
        "rule": "simple acceptance", "detail": detail}
    if plot is not None:
        check["plot"] = plot
    return check


CURVE_PLOT = {"type": "curve", "x_label": "U / V", "y_label": "P / Pn",
              "points": [[240.0, 1.0], [250.7, 1.0], [255.0, 0.72], [260.0, 0.39]],
              "band_low": [[240.0, 0.95], [250.7, 0.95], [264.5, 0.0]],
              "band_high": [[240.0, 1.05], [250.7, 1.05], [264.5, 0.1]]}
SERIES_PLOT = {"type": "series", "x_label": "t / s", "y_label": "P / W",
               "t_s": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "y": [5000.0, 5000.0, 4200.0, 3100.0, None, 3000.0],
               "limit": [None, 3000.0, 3000.0, 3000.0, 3000.0, 3000.0], "window": [1.0, 4.0]}


def write_all_pass(rec: RecordWriter) -> None:
    rec.start()
    rec.test("test_suites/pv/test_vrt.py::test_stay_connected", ["PV-VRT-01"], "PASS",
             checks=[make_check("PV-VRT-01", plot=CURVE_PLOT)])
    rec.test("test_suites/pv/test_pu.py::test_pu_curve", ["PV-PU-01"], "PASS",
             checks=[make_check("PV-PU-01", plot=SERIES_PLOT)])
    rec.test("test_suites/pv/test_lim.py::test_limit", ["PV-LIM-01"], "PASS", checks=[make_check("PV-LIM-01")])
    rec.end()


@pytest.fixture
def record(tmp_path: Path) -> RecordWriter:
    return RecordWriter(tmp_path / "record.jsonl")


@pytest.fixture
def helpers() -> Any:
    """The module's helpers, for tests that compose their own records."""
    import types

    return types.SimpleNamespace(make_check=make_check, write_all_pass=write_all_pass, CURVE_PLOT=CURVE_PLOT,
                                 SERIES_PLOT=SERIES_PLOT, CATALOG_REQUIREMENTS=CATALOG_REQUIREMENTS)


