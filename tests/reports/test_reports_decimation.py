"""Long plot arrays are decimated for display in report.json; the full arrays are in raw/plots/."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

from reports.build import build_report
from reports.decimation import DISPLAY_POINTS, display_indexes
from reports.integrity import development_public_key, verify_folder
from reports.package import build_package

N = 20_000
SPIKE, TRIP, GAP = 7_777, 15_001, 3_000


def _long_series() -> dict[str, Any]:
    t_s = [i * 0.02 for i in range(N)]
    y = [5000.0] * TRIP + [0.0] * (N - TRIP)          # a trip: the output falls to 0 at sample TRIP
    y[SPIKE] = 9000.0                                  # a one-sample spike
    y[GAP] = None                                      # a missing reading breaks the line
    limit = [6000.0] * N
    return {"type": "series", "x_label": "t / s", "y_label": "P / W", "t_s": t_s, "y": y, "limit": limit,
            "window": [100.0, 300.5]}


def _write(record: Any, helpers: Any, plot: dict[str, Any]) -> None:
    record.start()
    record.test("test_suites/pv/test_pu.py::test_long", ["PV-PU-01"], "PASS",
                checks=[helpers.make_check("PV-PU-01", plot=plot)])
    record.end()


def test_display_indexes_keep_first_last_extremes_and_gaps() -> None:
    y: list[Any] = [1.0] * 10_000
    y[4321], y[9000], y[12] = 5.0, -5.0, None
    kept = display_indexes(len(y), [y], max_points=500)
    assert kept is not None and len(kept) <= 500
    assert {0, 9_999, 4321, 9000, 12} <= set(kept) and kept == sorted(set(kept))
    assert display_indexes(500, [y[:500]], max_points=500) is None          # short enough: keep everything
    assert display_indexes(len(y), [y], max_points=500) == kept             # deterministic


def test_long_series_is_decimated_in_report_and_whole_in_raw(record: Any, helpers: Any, tmp_path: Path) -> None:
    plot = _long_series()
    _write(record, helpers, plot)
    out = tmp_path / "out"
    report = build_report(record.path, out)
    shown = report["requirements"][1]["checks"][0]["plot"]
    assert len(shown["t_s"]) <= DISPLAY_POINTS + 2 and len(shown["y"]) == len(shown["t_s"]) == len(shown["limit"])
    pairs = dict(zip(shown["t_s"], shown["y"], strict=True))
    assert pairs[round(SPIKE * 0.02, 9)] == 9000.0                          # the spike at its true time
    trip_t = round(TRIP * 0.02, 9)
    assert pairs[trip_t] == 0.0 and pairs[round((TRIP - 1) * 0.02, 9)] == 5000.0   # the trip edge, both sides
    assert None in shown["y"] and shown["t_s"][0] == 0.0 and shown["t_s"][-1] == round((N - 1) * 0.02, 9)
    assert 100.0 in shown["t_s"] and 300.5 in shown["t_s"]                # the window edges
    full = shown["full_data"]
    assert full["points"] == N and full["csv"].startswith("raw/plots/")
    body = (out / full["csv"]).read_text(encoding="utf-8")
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == full["sha256"]
    rows = list(csv.DictReader(body.splitlines()))
    assert len(rows) == N and rows[0].keys() == {"t_s", "y", "limit"}
    assert float(rows[SPIKE]["y"]) == 9000.0 and rows[GAP]["y"] == "" and float(rows[TRIP]["y"]) == 0.0


def test_short_plots_are_kept_whole_without_raw_copy(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    report = build_report(record.path, tmp_path / "out")
    shown = report["requirements"][1]["checks"][0]["plot"]
    assert shown["t_s"] == helpers.SERIES_PLOT["t_s"] and "full_data" not in shown
    assert not (tmp_path / "out" / "raw" / "plots").exists()


def test_package_with_decimated_plot_verifies_and_rebuilds_without_stale_files(
        record: Any, helpers: Any, tmp_path: Path) -> None:
    _write(record, helpers, _long_series())
    out = tmp_path / "pkg"
    build_package(record.path, out, dev_key_dir=tmp_path / "keys")
    trusted = [development_public_key(tmp_path / "keys")]
    assert verify_folder(out, trusted_keys=trusted).ok
    stale = out / "raw" / "plots" / "left-over.csv"
    stale.write_text("x\n", encoding="utf-8")
    build_package(record.path, out, dev_key_dir=tmp_path / "keys")
    assert not stale.exists() and verify_folder(out, trusted_keys=trusted).ok
