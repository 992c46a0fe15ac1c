"""Several processes importing into one new store at once (benches of a lab finishing together):
the store is migrated once, every package is indexed once, none is lost. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lab.store import list_campaigns, open_store
from reports.integrity import load_signing_key
from store_packages import REPO, derive_package

PROCESSES = 3
PER_PROCESS = 4


def test_processes_importing_at_once_lose_nothing(store_url: str, signed_package: Path, tmp_path: Path) -> None:
    key_pem = tmp_path / "trusted.pub.pem"
    key_pem.write_bytes(load_signing_key().public_pem())
    shared = derive_package(signed_package, tmp_path / "shared", campaign_id="shared0")
    procs = []
    for p in range(PROCESSES):
        own = tmp_path / f"bench{p}"
        for n in range(PER_PROCESS):
            derive_package(signed_package, own / f"c{n}", campaign_id=f"p{p}c{n}")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "bench.cli", "results", "import", str(own), str(shared), "--db", store_url,
             "--trusted-keys", str(key_pem), "--json"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * PROCESSES, [err for _, err in outputs]
    statuses = [o["status"] for out, _ in outputs for o in json.loads(out)["imported"]
                if o["campaign_id"] == "shared0"]
    assert sorted(statuses) == ["imported"] + ["unchanged"] * (PROCESSES - 1)
    with open_store(store_url) as store:
        ids = sorted(r.campaign_id for r in list_campaigns(store))
    assert ids == sorted(["shared0", *(f"p{p}c{n}" for p in range(PROCESSES) for n in range(PER_PROCESS))])
