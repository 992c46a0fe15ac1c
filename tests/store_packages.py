"""Signed report packages for the results-store tests and benchmark: one real campaign's package
(``flexbench run --db``, shared by every xdist worker of a session) and packages DERIVED from it,
each a different campaign (campaign id, serial, firmware, start time, measured values, verdicts in
report.json) re-signed with the development key. The derived ones hard-link every file but
report.json and the manifest pair, so thousands of them are cheap; record.jsonl is the source's.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.integrity import MANIFEST_NAME, SIGNATURE_NAME, SigningKey, load_signing_key

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN_PROFILE = "sim-pv-inverter"
CAMPAIGN_REQUIREMENT = "PV-HVRT"      # ~3 s: one short ride-through test, one numeric check
TIMED_CHECK = "swell to 113 % Un for 0.2 s: recovery after 113 % Un for 0.2 s"


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    package: Path
    store_url: str
    stdout: str
    stderr: str


def run_campaign_with_store(root: Path) -> RunResult:
    """The session's one ``flexbench run --db sqlite:///...`` of :data:`CAMPAIGN_REQUIREMENT` under
    ``root`` (run once, under a file lock, whichever worker asks first)."""
    root.mkdir(parents=True, exist_ok=True)
    done = root / "result.json"
    store_url = f"sqlite:///{root / 'run-store.sqlite3'}"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            cmd = [sys.executable, "-m", "bench.cli", "run", "--profile", CAMPAIGN_PROFILE, "--requirements",
                   CAMPAIGN_REQUIREMENT, "--out", str(root / "package"), "--quiet", "--db", store_url]
            env = {k: v for k, v in os.environ.items() if k != "FLEXBENCH_DB"}
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
            done.write_text(json.dumps({"exit_code": proc.returncode, "stdout": proc.stdout,
                                        "stderr": proc.stderr}))
        saved = json.loads(done.read_text())
    return RunResult(saved["exit_code"], root / "package", store_url, saved["stdout"], saved["stderr"])


def _sign(folder: Path, manifest: dict[str, Any], key: SigningKey) -> None:
    data = (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (folder / MANIFEST_NAME).write_bytes(data)
    (folder / SIGNATURE_NAME).write_text(key.private_key.sign(data).hex() + "\n", encoding="ascii")


_CACHE: dict[Path, bytes] = {}


def _cached_bytes(path: Path) -> bytes:
    """The source package's files are read once (the benchmark derives thousands of packages)."""
    if path not in _CACHE:
        _CACHE[path] = path.read_bytes()
    return _CACHE[path]


def derive_package(source: Path, dest: Path, *, campaign_id: str, serial: str | None = None,
                   firmware: str | None = None, model: str | None = None, started: dt.datetime | None = None,
                   measured_scale: float = 1.0,
                   fail: str | None = None, key: SigningKey | None = None) -> Path:
    """A copy of the signed package ``source`` as another campaign, re-signed (``key``: default the
    development key). ``fail``: a requirement whose checks and verdict become FAIL (and the campaign
    NON_COMPLIANT)."""
    report = json.loads(_cached_bytes(source / "report.json"))
    manifest = json.loads(_cached_bytes(source / MANIFEST_NAME))
    report["campaign"]["id"] = campaign_id
    report["report_id"] = f"FBR-{campaign_id.upper()}"
    for part in ("declared", "read"):
        if serial is not None:
            report["dut"][part]["serial_number"] = serial
        if firmware is not None:
            report["dut"][part]["firmware_version"] = firmware
        if model is not None:
            report["dut"][part]["model"] = model
    if started is not None:
        report["campaign"]["start_wall_utc"] = started.isoformat()
    for requirement in report["requirements"]:
        for check in requirement["checks"]:
            if isinstance(check.get("measured"), (int, float)):
                check["measured"] = check["measured"] * measured_scale
            if requirement["id"] == fail:
                check["verdict"] = "FAIL"
        if requirement["id"] == fail:
            requirement["verdict"] = "FAIL"
            report["verdict"] = "NON_COMPLIANT"
    for path in source.rglob("*"):
        rel = path.relative_to(source)
        if path.is_dir():
            (dest / rel).mkdir(parents=True, exist_ok=True)
        elif rel.as_posix() not in ("report.json", MANIFEST_NAME, SIGNATURE_NAME):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, dest / rel)
    data = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
    (dest / "report.json").write_bytes(data)
    for entry in manifest["files"]:
        if entry["path"] == "report.json":
            entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    manifest.update(report_id=report["report_id"], verdict=report["verdict"])
    _sign(dest, manifest, key or load_signing_key())
    return dest
