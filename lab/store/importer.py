"""Importing signed report packages into the store.

Each package is verified first with :func:`reports.integrity.verify_folder` (the one home of
verification, as ``flexbench verify``): one that is not OK (tampered, untrusted signer, not a
package) is refused and nothing of it is written. Re-importing the same package is a no-op; the same
campaign id with another manifest is refused, naming both folders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lab.store.errors import CampaignConflict, PackageRefused
from lab.store.models import Campaign
from lab.store.package import PackageContent, build_campaign, read_package
from lab.store.store import Store
from reports.integrity import MANIFEST_NAME, verify_folder

__all__ = ["Trust", "ImportOutcome", "find_packages", "import_package", "import_packages"]


@dataclass(frozen=True)
class Trust:
    """The keys a package's signature must be by (as ``flexbench verify``'s options)."""

    public_key: bytes | None = None
    trusted_keys: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class ImportOutcome:
    """``status``: ``imported`` (new) or ``unchanged`` (already indexed from the same manifest)."""

    campaign_id: str
    folder: Path
    status: str
    verdict: str

    def to_dict(self) -> dict[str, str]:
        return {"campaign_id": self.campaign_id, "package": str(self.folder), "status": self.status,
                "verdict": self.verdict}


def find_packages(roots: Iterable[str | Path]) -> list[Path]:
    """Every folder holding a manifest.json under (or being) one of ``roots``, sorted, absolute. A root
    that does not exist is returned as is, so importing it is refused by name."""
    found: set[Path] = set()
    for root in (Path(r).absolute() for r in roots):
        if not root.is_dir():
            found.add(root)
            continue
        found |= {m.parent for m in root.rglob(MANIFEST_NAME) if m.is_file()}
    return sorted(found)


def _verified_content(folder: Path, trust: Trust) -> PackageContent:
    try:
        content = read_package(folder)
    except (OSError, ValueError) as exc:
        content = None
        unreadable = f"{type(exc).__name__}: {exc}"
    result = verify_folder(folder, public_key_raw=trust.public_key, trusted_keys=trust.trusted_keys)
    if not result.ok:
        raise PackageRefused("refused: the package does not verify (nothing was written)\n  "
                             + "\n  ".join(result.lines()), folder=folder, status=result.status)
    if content is None:
        raise PackageRefused(f"refused: unreadable manifest or report.json ({unreadable})", folder=folder,
                             status="UNREADABLE")
    again = (folder / MANIFEST_NAME).read_bytes()
    if again != content.manifest_bytes or not content.report_listed_as_read():
        raise PackageRefused("refused: the package changed while it was being verified", folder=folder,
                             status="FAILED")
    if not content.campaign_id:
        raise PackageRefused("refused: report.json names no campaign id (campaign.id)", folder=folder,
                             status="UNREADABLE")
    return content


def import_package(store: Store, folder: str | Path, trust: Trust) -> ImportOutcome:
    """Verify the package in ``folder`` and index it (PackageRefused / CampaignConflict otherwise)."""
    path = Path(folder).absolute()
    content = _verified_content(path, trust)
    verdict = str(content.report.get("verdict") or "")
    for _attempt in range(2):      # a second importer of the same campaign may commit first
        try:
            with store.writing() as session:
                stored = session.scalars(select(Campaign).where(Campaign.campaign_id == content.campaign_id)).first()
                if stored is not None:
                    if stored.manifest_sha256 != content.manifest_sha256:
                        raise CampaignConflict(content.campaign_id, stored=stored.package_path, offered=path)
                    return ImportOutcome(content.campaign_id, path, "unchanged", verdict)
                session.add(build_campaign(content, imported_at=dt.datetime.now(dt.UTC)))
            return ImportOutcome(content.campaign_id, path, "imported", verdict)
        except IntegrityError:
            continue
    raise CampaignConflict(content.campaign_id, stored="another importer", offered=path)


def import_packages(store: Store, roots: Iterable[str | Path], trust: Trust
                    ) -> tuple[list[ImportOutcome], list[PackageRefused]]:
    """Import every package under ``roots``; the refused ones are returned, the others imported."""
    done: list[ImportOutcome] = []
    refused: list[PackageRefused] = []
    for folder in find_packages(roots):
        try:
            done.append(import_package(store, folder, trust))
        except PackageRefused as exc:
            refused.append(exc)
        except CampaignConflict as exc:
            refused.append(PackageRefused(str(exc.detail), folder=exc.offered, status="CONFLICT"))
    return done, refused


