"""Issue 13 chaos suite, records: property-based damage to a real campaign record. ``flexbench report``
either builds the package (the damage did not touch anything it relies on), or refuses with exit 3
naming the record; it never crashes (exit 2 with a traceback), never exits 1, and never signs a record
whose checks were edited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cli import main as flexbench
from reports.integrity import DEV_KEY_DIR_ENV, LAB_KEY_ENV

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def record_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("record-fuzz")
    env = {k: v for k, v in os.environ.items() if k != LAB_KEY_ENV}
    env[DEV_KEY_DIR_ENV] = str(root / "dev-key")
    out = root / "out"
    run = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter", "--out", str(out),
                          "--requirements", "PV-SUNSPEC-DISCOVERY", "--quiet"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 2), run.stderr[-2000:]
    return (out / "record.jsonl").read_text().splitlines(keepends=True)


DAMAGE = st.sampled_from(["flip-byte", "drop-line", "duplicate-line", "swap-lines", "truncate", "edit-value"])


@settings(max_examples=40, deadline=10_000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=DAMAGE, where=st.floats(min_value=0.0, max_value=0.999), byte=st.integers(0, 255))
def test_damaged_record_is_reported_or_refused_never_crashes(record_lines, tmp_path_factory, capsys, damage,
                                                             where, byte):
    lines = list(record_lines)
    i = int(where * len(lines))
    if damage == "flip-byte":
        raw = bytearray(lines[i].encode())
        raw[int(where * 997) % len(raw)] ^= (byte or 1)
        lines[i] = raw.decode("utf-8", "replace")
    elif damage == "drop-line":
        del lines[i]
    elif damage == "duplicate-line":
        lines.insert(i, lines[i])
    elif damage == "swap-lines" and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif damage == "truncate":
        lines = lines[:i + 1]
    else:
        entry = json.loads(lines[i])
        key = sorted(entry)[byte % len(entry)]
        entry[key] = None if not isinstance(entry[key], (int, float)) else entry[key] * 10 + 1
        lines[i] = json.dumps(entry, separators=(",", ":")) + "\n"
    folder = tmp_path_factory.mktemp("damaged")
    record = folder / "record.jsonl"
    record.write_text("".join(lines))
    code = flexbench(["report", str(record), "--out", str(folder / "package")])
    err = capsys.readouterr().err
    assert code in (0, 3), (damage, i, code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 3:
        assert str(record) in err and not (folder / "package" / "manifest.json").exists()
