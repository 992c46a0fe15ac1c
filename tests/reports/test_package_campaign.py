"""End to end: one short campaign on the simulated lab (~7 s) writes the whole signed package and
Allure results; `flexbench report` rebuilds it byte for byte; `flexbench verify` holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium

from reports.integrity import DEV_KEY_DIR_ENV, LAB_KEY_ENV, development_public_key, verify_folder

REPO = Path(__file__).resolve().parents[2]


def test_campaign_writes_signed_package_and_allure_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != LAB_KEY_ENV}
    env[DEV_KEY_DIR_ENV] = str(tmp_path / "dev-key")
    run = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter", "--out", str(out),
                          "--requirements", "PV-PU-RESPONSE", "--quiet"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode in (0, 2), run.stdout + run.stderr          # 2: the other mandatory ones are untested
    for name in ("report.json", "report.html", "report.pdf", "record.jsonl", "manifest.json", "manifest.sig"):
        assert (out / name).is_file(), name

    dev_key = development_public_key(tmp_path / "dev-key")
    result = verify_folder(out, trusted_keys=[dev_key])
    assert result.ok, result.lines()
    assert result.signer_kind == "development"

    doc = pdfium.PdfDocument(out / "report.pdf")
    try:
        image = doc[0].render(scale=0.8).to_pil().convert("L")
        page_count = len(doc)
    finally:
        doc.close()
    assert page_count >= 2
    assert sum(image.histogram()[:200]) > 0.01 * image.size[0] * image.size[1]

    results = [json.loads(p.read_text(encoding="utf-8")) for p in (out / "allure-results").glob("*-result.json")]
    pu = [r for r in results if {"name": "requirement", "value": "PV-PU-RESPONSE"} in r["labels"]]
    assert len(pu) == 1
    kinds = {a["type"] for a in pu[0].get("attachments", [])}
    assert {"image/svg+xml", "text/plain", "text/csv", "application/json"} <= kinds

    before = (out / "report.json").read_bytes()
    rebuilt = subprocess.run([sys.executable, "-m", "bench.cli", "report", str(out / "record.jsonl")], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (out / "report.json").read_bytes() == before
    assert verify_folder(out, trusted_keys=[dev_key]).ok
