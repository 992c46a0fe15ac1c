"""What the store indexes of one signed report package, read from its report.json, the first line of
its record.jsonl (profile, device class) and its manifest (signer, digest). Pure reading: no database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lab.store.models import Campaign, CheckResult, Instrument, RequirementResult
from reports.diff import profile_sha256
from reports.integrity import MANIFEST_NAME, SIGNATURE_NAME

__all__ = ["PackageContent", "read_package", "build_campaign", "check_margin", "parse_utc"]

REPORT_NAME = "report.json"
RECORD_NAME = "record.jsonl"


class PackageContent:
    """The bytes of a package's manifest and report as read once (the importer checks that what it
    verified is what it indexes), and the campaign row built from them."""

    def __init__(self, folder: Path, manifest_bytes: bytes, report_bytes: bytes) -> None:
        self.folder = folder
        self.manifest_bytes = manifest_bytes
        self.report_bytes = report_bytes
        self.manifest: dict[str, Any] = json.loads(manifest_bytes.decode("utf-8"))
        self.report: dict[str, Any] = json.loads(report_bytes.decode("utf-8"))

    @property
    def manifest_sha256(self) -> str:
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    @property
    def campaign_id(self) -> str:
        return str((self.report.get("campaign") or {}).get("id") or "")

    def report_listed_as_read(self) -> bool:
        """The manifest lists report.json with the digest of the bytes read."""
        digest = hashlib.sha256(self.report_bytes).hexdigest()
        return any(f.get("path") == REPORT_NAME and f.get("sha256") == digest
                   for f in self.manifest.get("files") or [] if isinstance(f, Mapping))


def read_package(folder: Path) -> PackageContent:
    """The manifest and report of ``folder`` (OSError / ValueError when unreadable)."""
    return PackageContent(folder, (folder / MANIFEST_NAME).read_bytes(), (folder / REPORT_NAME).read_bytes())


def parse_utc(text: object) -> dt.datetime | None:
    """An ISO 8601 time as an aware datetime in UTC (None when absent or unreadable)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def check_margin(measured: float | None, low: float | None, high: float | None) -> float | None:
    """Distance from ``measured`` to the nearer limit (negative outside); None without value or limits."""
    if measured is None or (low is None and high is None):
        return None
    sides = [d for d in ((measured - low) if low is not None else None,
                         (high - measured) if high is not None else None) if d is not None]
    return min(sides)


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _record_start(folder: Path) -> dict[str, Any]:
    try:
        with (folder / RECORD_NAME).open(encoding="utf-8") as fh:
            first = json.loads(fh.readline())
    except (OSError, ValueError):
        return {}
    return first if isinstance(first, dict) else {}


def build_campaign(content: PackageContent, *, imported_at: dt.datetime) -> Campaign:
    """The campaign row (with its instruments, requirements and checks) of a verified package."""
    report, manifest, folder = content.report, content.manifest, content.folder
    campaign = report.get("campaign") or {}
    dut = report.get("dut") or {}
    identity = dut.get("read") or dut.get("declared") or {}
    declared = dut.get("declared") or {}
    profile = (_record_start(folder).get("profile") or {}).get("config")
    signer = manifest.get("signer") or {}
    catalog = campaign.get("catalog") or {}
    sig = folder / SIGNATURE_NAME
    row = Campaign(
        campaign_id=content.campaign_id, report_id=_text(report.get("report_id")),
        started_at=parse_utc(campaign.get("start_wall_utc")), ended_at=parse_utc(campaign.get("end_wall_utc")),
        manufacturer=str(identity.get("manufacturer") or declared.get("manufacturer") or ""),
        model=str(identity.get("model") or declared.get("model") or ""),
        serial_number=str(identity.get("serial_number") or declared.get("serial_number") or ""),
        firmware_version=_text(identity.get("firmware_version") or declared.get("firmware_version")),
        device_class=_text(((profile or {}).get("device") or {}).get("class") or catalog.get("name")),
        profile_sha256=profile_sha256(profile) if isinstance(profile, dict) else None,
        bench_name=_text((report.get("bench") or {}).get("name")), market=_text(campaign.get("market")),
        catalog_name=_text(catalog.get("name")), catalog_version=_text(catalog.get("version")),
        decision_rule=_text(campaign.get("decision_rule")), verdict=str(report.get("verdict") or ""),
        simulated=bool(report.get("simulated")), signer_kind=_text(signer.get("kind")),
        signer_fingerprint=str(signer.get("fingerprint_sha256") or ""),
        signed_at=dt.datetime.fromtimestamp(sig.stat().st_mtime, dt.UTC),
        package_path=str(folder.resolve()), manifest_sha256=content.manifest_sha256, imported_at=imported_at)
    for inst in (report.get("bench") or {}).get("instruments") or []:
        row.instruments.append(Instrument(
            role=str(inst.get("role") or ""), model=_text(inst.get("model")),
            serial_number=_text(inst.get("serial_number")), asset_id=_text(inst.get("asset_id")),
            calibration_certificate=_text(inst.get("calibration_certificate")),
            calibration_last=_text(inst.get("calibration_last")), calibration_due=_text(inst.get("calibration_due")),
            calibration_overdue=inst.get("calibration_overdue") if isinstance(inst.get("calibration_overdue"), bool)
            else None))
    for req in report.get("requirements") or []:
        result = RequirementResult(requirement_id=str(req.get("id")), title=_text(req.get("title")),
                                   mandatory=req.get("mandatory") if isinstance(req.get("mandatory"), bool) else None,
                                   verdict=str(req.get("verdict") or ""))
        for check in req.get("checks") or []:
            measured, low, high = _float(check.get("measured")), _float(check.get("low")), _float(check.get("high"))
            sensitivity = check.get("sensitivity")
            result.checks.append(CheckResult(
                name=str(check.get("name") or ""), quantity=_text(check.get("quantity")),
                nodeid=_text(check.get("nodeid")), measured=measured, unit=_text(check.get("unit")), low=low,
                high=high, uncertainty=_float(check.get("uncertainty")),
                sensitivity=sensitivity if isinstance(sensitivity, dict) else None,
                margin=check_margin(measured, low, high), rule=_text(check.get("rule")),
                verdict=str(check.get("verdict") or ""), t_s=_float(check.get("t_s"))))
        row.requirements.append(result)
    return row
