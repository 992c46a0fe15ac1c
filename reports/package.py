"""The full report package of one campaign, signed: what leaves the lab.

``build_package(record, out_dir)`` writes into ``out_dir``::

    report.json  report.html     from reports.build.build_report (schema-validated)
    report.pdf                   from reports.pdf.render_pdf (same report dict)
    results.csv  results.xlsx    every check, one row each (reports.results_table)
    record.jsonl                 the raw campaign record (copied when out_dir is not its folder, with
                                 raw/long-text/, the full texts its cut lines name)
    manifest.json  manifest.sig  SHA-256 of every file in the folder, Ed25519-signed (reports.integrity)

The manifest covers *every* file in the folder (allure-results/ too, when the campaign wrote it
there), so ``flexbench verify`` names any file that was changed, removed or added afterwards.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.recorder import LONG_TEXT_DIR
from reports.build import build_report
from reports.integrity import SIGNATURE_NAME, SigningKey, load_signing_key, write_manifest
from reports.record_integrity import check_record
from reports.pdf import render_pdf
from reports.results_table import write_results

__all__ = ["PDF_NAME", "RECORD_NAME", "PackageResult", "build_package"]

PDF_NAME = "report.pdf"
RECORD_NAME = "record.jsonl"


@dataclass(frozen=True)
class PackageResult:
    """What :func:`build_package` wrote."""

    report: dict[str, Any]        # the report dict (as in report.json)
    out_dir: Path
    pdf_path: Path
    manifest_path: Path
    signature_path: Path
    signer_kind: str              # "lab" or "development"
    signer_fingerprint: str       # SHA-256 of the raw Ed25519 public key, hex
    key_source: str               # the private key file used


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the package is built: the record's hundred thousand
    entries (acyclic dicts and lists) would otherwise be traversed by every full collection the
    build's allocations trigger (about a sixth of the build's CPU time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_package(record_path: str | Path, out_dir: str | Path, *, key_path: str | Path | None = None,
                  dev_key_dir: str | Path | None = None) -> PackageResult:
    """Build report.json/.html/.pdf from the record, copy the raw record in, then hash and sign the folder.

    The lab key is ``key_path``, else ``$FLEXBENCH_LAB_KEY``, else a development key (see
    :func:`reports.integrity.load_signing_key`); the manifest says which kind signed it.
    """
    record = Path(record_path)
    out = Path(out_dir)
    key: SigningKey = load_signing_key(key_path, dev_key_dir=dev_key_dir)   # fail before writing anything
    sealed_by = check_record(record)     # an edited, re-ordered or re-judged record is refused, nothing written
    with _gc_paused():
        report = build_report(record, out, signer_kind=key.kind)
        _write_bytes_atomic(out / PDF_NAME, render_pdf(report, signer_kind=key.kind))
        write_results(report, out)
    raw_copy = out / RECORD_NAME
    if not (raw_copy.exists() and raw_copy.resolve() == record.resolve()):
        shutil.copyfile(record, raw_copy)
        if (record.parent / LONG_TEXT_DIR).is_dir():   # the full texts the record's cut lines name
            shutil.copytree(record.parent / LONG_TEXT_DIR, out / LONG_TEXT_DIR, dirs_exist_ok=True)
    manifest = write_manifest(out, key, extra={"report_id": report.get("report_id"),
                                               "verdict": report.get("verdict"),
                                               "simulated": bool(report.get("simulated")),
                                               "record_sealed_by": None if sealed_by is None else
                                               hashlib.sha256(sealed_by).hexdigest()})
    return PackageResult(report=report, out_dir=out, pdf_path=out / PDF_NAME, manifest_path=manifest,
                         signature_path=out / SIGNATURE_NAME, signer_kind=key.kind,
                         signer_fingerprint=key.fingerprint, key_source=key.source)

