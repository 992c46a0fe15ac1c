"""What the results store refuses, as exceptions the command line turns into exit codes."""

from __future__ import annotations

from pathlib import Path

from bench.errors import ConfigError

__all__ = ["StoreError", "PackageRefused", "CampaignConflict"]


class StoreError(ConfigError):
    """The store cannot be used: a malformed or unreachable URL, or a database newer than this code.
    A usage error (exit 3): the message names the URL (its password hidden)."""


class PackageRefused(StoreError):
    """A report package that does not verify (or is not a package): nothing of it is written.
    ``status`` is the ``flexbench verify`` status (UNTRUSTED, FAILED, NOT_A_REPORT) or ``UNREADABLE``."""

    def __init__(self, message: str, *, folder: Path, status: str) -> None:
        super().__init__(message, file=folder)
        self.folder = folder
        self.status = status


class CampaignConflict(StoreError):
    """The campaign id is already indexed from a package with another manifest."""

    def __init__(self, campaign_id: str, *, stored: str, offered: Path) -> None:
        super().__init__(f"campaign {campaign_id} is already indexed from {stored} with a different manifest; "
                         f"refusing {offered}", file=offered)
        self.campaign_id = campaign_id
        self.stored = stored
        self.offered = offered
