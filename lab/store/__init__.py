"""The lab's results store: an index of signed report packages (SQLAlchemy 2, Alembic migrations;
SQLite by default, PostgreSQL for a lab). The package stays the evidence; the store points at it.

Public API (stable; the live view and the parallel benches use it)::

    from lab.store import (resolve_url, lab_dir, open_store, Store, Trust, import_package, import_packages,
                           find_packages, list_campaigns, show_campaign, trend, first_passing)

    url = resolve_url(db=None, lab=None)       # --db > $FLEXBENCH_DB > sqlite:///<lab dir>/results.sqlite3
    with open_store(url) as store:             # upgrades an empty/older schema to head; StoreError when the
                                               # URL is malformed/unreachable or the schema is newer than the code
        import_package(store, folder, Trust(trusted_keys=(raw_ed25519_public_key,)))   # -> ImportOutcome
        rows = list_campaigns(store, manufacturer=..., model=..., serial_number=..., requirement=...,
                              verdict=..., bench=..., market=..., since=..., limit=...)  # -> list[CampaignRow]
        detail = show_campaign(store, campaign_id)                                     # -> CampaignDetail | None
        points = trend(store, "PV-PU-STEADY", model="SIM-PV-10K-3P", check=None)       # -> list[TrendPoint]

Rows are frozen dataclasses with ``to_dict()`` (JSON-ready); every campaign row carries
``package_path`` (absolute) of its report package. Errors: :class:`StoreError` (a ConfigError: exit 3),
:class:`PackageRefused` (the package does not verify: nothing written; ``status`` as ``flexbench verify``),
:class:`CampaignConflict` (the campaign id is indexed from another manifest).

Modules: ``url`` (which database), ``engine`` (SQLite WAL + busy timeout, psycopg 3), ``models``
(typed declarative tables), ``migrate`` + ``migrations/`` (Alembic, shipped in the package),
``store`` (open a store), ``package`` (what is read of a package), ``importer``, ``queries``,
``tables`` and ``cli`` (``flexbench results ...``, the store step of ``flexbench run --db``).
See docs/results-store.md.
"""

from __future__ import annotations

from lab.store.errors import CampaignConflict, PackageRefused, StoreError
from lab.store.importer import ImportOutcome, Trust, find_packages, import_package, import_packages
from lab.store.queries import (CampaignDetail, CampaignRow, CheckRow, InstrumentRow, RequirementRow, TrendPoint,
                               first_passing, list_campaigns, show_campaign, trend)
from lab.store.store import Store, open_store
from lab.store.url import DB_ENV, LAB_DIR_ENV, display_url, lab_dir, resolve_url

__all__ = ["CampaignConflict", "PackageRefused", "StoreError", "ImportOutcome", "Trust", "find_packages",
           "import_package", "import_packages", "CampaignDetail", "CampaignRow", "CheckRow", "InstrumentRow",
           "RequirementRow", "TrendPoint", "first_passing", "list_campaigns", "show_campaign", "trend", "Store",
           "open_store", "DB_ENV", "LAB_DIR_ENV", "display_url", "lab_dir", "resolve_url"]
