"""`flexbench run` console: one line per FAIL/ERROR test with its reason and the causes of a verdict
other than COMPLIANT; pytest tracebacks only with --verbose (issue 11, item 7)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from fixtures.plugin import REASON_CHARS, console_reason
from proof_campaigns import write_bench, write_profile

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "device_profiles" / "sim-pv-inverter.yaml"
TRIP = "test_suites/pv_inverter/test_voltage_trips.py::test_umin_trip"


def _run(tmp_path: Path, *extra: str, profile: Path = PROFILE, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", str(profile), "--out",
                           str(tmp_path / "out"), "--requirements", "PV-UMIN-TRIP", *(["--quiet"] if quiet else []),
                           *extra], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_console_reason_is_one_line_cut_to_length() -> None:
    assert console_reason("ModelError: point RspTms_SF\n  Traceback (most recent call last):\n  x") == \
        "ModelError: point RspTms_SF"
    assert len(console_reason("x" * 1000)) == REASON_CHARS
    assert console_reason("") == "no message"


def test_a_device_fail_is_one_console_line_and_names_the_failed_check(tmp_path: Path) -> None:
    # U< clears 10 % late (1.65 s for 1.5 s +- 0.115 s): tests/suites/test_proof_trips.py
    reference = yaml.safe_load(PROFILE.read_text())["simulation"]
    profile = write_profile(tmp_path, knobs={"trip_time_factor": {"under_voltage": 1.1}}, name="late",
                            parameters=reference["parameters"], reference=PROFILE)
    run = _run(tmp_path, profile=profile, quiet=False)      # with live progress, into a pipe
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout.splitlines()
    fail_lines = [line for line in out if line.startswith(f"FAIL  {TRIP}: ")]
    assert len(fail_lines) == 1 and "clearing time" in fail_lines[0], run.stdout
    assert "Traceback" not in run.stdout + run.stderr and "\nE   " not in run.stdout
    causes = [line for line in out if line.startswith("flexbench: why not COMPLIANT: ")]
    assert any("requirement PV-UMIN-TRIP FAIL: " in c and "clearing time" in c for c in causes), run.stdout
    # issue 14 item 6: the banner, the progress (plain lines: a pipe), no pytest dots, the final lines
    assert out[0].startswith("flexbench ") and out[0].endswith(": compliance campaign"), run.stdout
    assert any(line.startswith("  DUT          flexbench SIM-PV-10K-3P, serial ") for line in out), run.stdout
    assert any(line.startswith("  tests        1 to run; bench time estimate ") for line in out), run.stdout
    assert not any(re.fullmatch(r"[.FEsx]+\s*(\[\s*\d+%\])?", line) for line in out), run.stdout
    progress = [line for line in run.stderr.splitlines() if line.startswith("[1/1] ")]
    assert len(progress) > 2 and all(" \u2014 bench " in line and " \u2014 ETA " in line for line in progress[:-1])
    assert progress[-1].startswith("[1/1] FAIL PV-UMIN-TRIP test_umin_trip (") and "clearing time" in progress[-1]
    assert "\x1b" not in run.stdout + run.stderr and "\r" not in run.stderr   # no colour, no rewrites into a pipe
    verdict = [line for line in out if line.startswith("flexbench: verdict NON_COMPLIANT for flexbench SIM-PV-10K-3P")]
    assert len(verdict) == 1 and not any(line.startswith("flexbench: flexbench") for line in out), run.stdout
    listed = {line.strip() for line in out}
    for name in ("report.pdf", "report.html", "report.json", "record.jsonl", "manifest.json", "manifest.sig"):
        assert str(tmp_path / "out" / name) in listed, run.stdout


def test_bench_errors_are_one_line_each_and_the_cause_is_named_once(tmp_path: Path) -> None:
    bench = write_bench(tmp_path, {"lab.instrument_faults": {"ac_source": {"error_after_commands": 30}}})
    run = _run(tmp_path, "--bench", str(bench))
    assert run.returncode == 2, run.stdout + run.stderr
    error_lines = [line for line in run.stdout.splitlines() if line.startswith("ERROR test_suites/")]
    assert error_lines and all("InstrumentReportedError" in line for line in error_lines), run.stdout
    assert "Traceback" not in run.stdout + run.stderr and "\nE   " not in run.stdout
    causes = [line for line in run.stdout.splitlines() if line.startswith("flexbench: why not COMPLIANT: ")]
    assert any("ERROR (bench, not the device): InstrumentReportedError" in c for c in causes), run.stdout

    verbose = _run(tmp_path, "--bench", str(bench), "--verbose", "--force")   # a deliberate rerun
    assert verbose.returncode == 2
    assert "\nE   " in verbose.stdout                      # pytest's own traceback, on request
