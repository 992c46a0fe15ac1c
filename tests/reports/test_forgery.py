"""Issue 13 finding 1 (and 10): a report cannot be forged from an edited record. ``flexbench report``
re-judges every check from its own recorded numbers, checks the record's sequence and its seal (the
SHA-256 of every line, signed at campaign_end), and refuses an edited record naming file and line
(exit 3); ``verify`` says OK only for a key the verifier trusts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main as flexbench
from reports.integrity import DEV_KEY_DIR_ENV, LAB_KEY_ENV

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (short) campaign record, sealed with a development key of its own."""
    root = tmp_path_factory.mktemp("forgery")
    env = {k: v for k, v in os.environ.items() if k != LAB_KEY_ENV}
    env[DEV_KEY_DIR_ENV] = str(root / "dev-key")
    out = root / "out"
    run = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter", "--out", str(out),
                          "--requirements", "PV-REMOTE-LIMIT", "--quiet"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode in (0, 2), run.stdout[-2000:] + run.stderr[-2000:]
    return out / "record.jsonl"


def _lines(record: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in record.read_text().splitlines()]


def _write(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries))
    return path


def _report(record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = flexbench(["report", str(record), "--out", str(tmp_path / "package")])
    return code, capsys.readouterr().err


def test_the_genuine_record_reports_and_is_sealed(campaign: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    end = _lines(campaign)[-1]
    assert end["kind"] == "campaign_end" and len(end["record_sha256"]) == 64
    assert end["seal"]["algorithm"] == "Ed25519" and end["seal"]["kind"] == "development"
    code, err = _report(campaign, tmp_path, capsys)
    assert code == 0, err
    manifest = json.loads((tmp_path / "package" / "manifest.json").read_text())
    assert manifest["record_sealed_by"]


def test_a_check_edited_against_its_own_limits_is_refused(campaign: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    entries = _lines(campaign)
    index = next(i for i, e in enumerate(entries) if e["kind"] == "check" and e["low"] is not None
                 and e["high"] is not None and e["verdict"] == "PASS")
    entries[index]["measured"] = 123456.0            # verdict left PASS
    code, err = _report(_write(tmp_path / "record.jsonl", entries), tmp_path, capsys)
    assert code == 3 and f"record.jsonl:{index + 1}" in err and "gives FAIL" in err, err
    assert not (tmp_path / "package" / "manifest.json").exists()


def test_a_consistent_edit_breaks_the_seal(campaign: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entries = _lines(campaign)
    index = next(i for i, e in enumerate(entries) if e["kind"] == "check" and e["verdict"] == "PASS"
                 and e["high"] is not None)
    entries[index]["measured"] = entries[index]["high"] * 10.0
    entries[index]["verdict"] = "FAIL"               # re-judged consistently: only the seal shows it
    code, err = _report(_write(tmp_path / "record.jsonl", entries), tmp_path, capsys)
    assert code == 3 and f"record.jsonl:{len(entries)}" in err and "record_sha256 differs" in err, err


def test_a_forged_seal_is_refused(campaign: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entries = _lines(campaign)
    entries[-1]["seal"]["signature_hex"] = "00" * 64
    code, err = _report(_write(tmp_path / "record.jsonl", entries), tmp_path, capsys)
    assert code == 3 and "seal does not hold" in err, err


@pytest.mark.parametrize("damage", ["removed-line", "swapped-lines", "only-campaign-start", "garbled-line",
                                    "garbled-sample"])
def test_a_damaged_record_is_an_input_error_naming_the_line(campaign: Path, tmp_path: Path, damage: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = campaign.read_text().splitlines(keepends=True)
    if damage == "removed-line":
        del text[5]
    elif damage == "swapped-lines":
        text[5], text[6] = text[6], text[5]
    elif damage == "only-campaign-start":
        text = text[:1]
    elif damage == "garbled-line":
        text[7] = "{not json at all\n"
    else:    # the recorder's prefix intact, the rest not JSON, in a record that never ended (no seal)
        sample = next(i for i, line in enumerate(text) if '"kind":"sample"' in line)
        text[sample] = text[sample][:30] + "#garbage}\n"
        text = text[:-1]
    record = tmp_path / "record.jsonl"
    record.write_text("".join(text))
    code, err = _report(record, tmp_path, capsys)
    assert code == 3, err
    assert str(record) in err and "Traceback" not in err
    if damage in ("removed-line", "swapped-lines", "garbled-line"):
        assert f"record.jsonl:{6 if damage != 'garbled-line' else 8}" in err, err
    elif damage == "garbled-sample":
        assert f"record.jsonl:{sample + 1}" in err and "not valid JSON" in err, err
