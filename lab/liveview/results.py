"""The results-store panel of ``flexbench serve``: campaigns from :mod:`lab.store`, filtered by device,
requirement and verdict, with links to their report packages (served read-only).

The store is only read: it is opened without migrating (``open_store(..., migrate=False)``), and a
SQLite store that does not exist yet is reported as such, never created. ``/api/results`` filters by
requirement and verdict in the database (the store's own rules: with a requirement, the verdict is that
requirement's) and by device as a case-insensitive part of "manufacturer model serial firmware".
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from lab.liveview.app import serve_package_file
from lab.store import Store, StoreError, display_url, list_campaigns, open_store, resolve_url, show_campaign

__all__ = ["MAX_ROWS", "ResultsStore", "results_routes"]

MAX_ROWS = 200
"""Most campaigns one answer lists (the newest first)."""


class ResultsStore:
    """The store at ``db`` / the lab directory's, opened read-only on first use (and again after a
    failure: a store created after the server started is found)."""

    def __init__(self, db: str | None, lab: str | None) -> None:
        self._db, self._lab = db, lab
        self._store: Store | None = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        try:
            return display_url(resolve_url(self._db, self._lab))
        except StoreError as exc:
            return str(exc)

    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                url = resolve_url(self._db, self._lab)
                if url.drivername == "sqlite" and not Path(str(url.database)).is_file():
                    raise StoreError(f"no results store yet at {url.database} (flexbench results import, "
                                     "or flexbench run --db, creates it)")
                self._store = open_store(url, migrate=False)
            return self._store

    def forget(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store = None

    def query(self, device: str | None, requirement: str | None, verdict: str | None) -> dict[str, Any]:
        """The campaigns matching the filters, newest first, at most :data:`MAX_ROWS`."""
        store = self.store()
        rows = list_campaigns(store, requirement=requirement or None, verdict=verdict or None)
        wanted = (device or "").strip().lower()
        results: list[dict[str, Any]] = []
        for row in rows:
            text = f"{row.manufacturer} {row.model} {row.serial_number} {row.firmware_version or ''}".lower()
            if wanted and wanted not in text:
                continue
            if len(results) == MAX_ROWS:
                return {"results": results, "truncated": True, "store": store.url}
            results.append({
                "campaign_id": row.campaign_id,
                "started": row.started_at.isoformat(timespec="minutes") if row.started_at else None,
                "device": f"{row.manufacturer} {row.model} (serial {row.serial_number})",
                "firmware": row.firmware_version, "device_class": row.device_class,
                "bench": row.bench_name, "market": row.market, "verdict": row.verdict,
                "requirement": row.requirement_id, "requirement_verdict": row.requirement_verdict,
                "report": f"/packages/{row.campaign_id}/report.html",
                "pdf": f"/packages/{row.campaign_id}/report.pdf"})
        return {"results": results, "truncated": False, "store": store.url}

    def package_folder(self, campaign_id: str) -> Path | None:
        detail = show_campaign(self.store(), campaign_id)
        return Path(detail.package_path) if detail is not None else None


def results_routes(db: str | None, lab: str | None) -> list[BaseRoute]:
    """``GET /api/results?device=&requirement=&verdict=`` and ``GET /packages/{campaign_id}/{path}``."""
    results = ResultsStore(db, lab)

    async def api_results(request: Request) -> Response:
        params = request.query_params
        try:
            answer = await anyio.to_thread.run_sync(
                lambda: results.query(params.get("device"), params.get("requirement"), params.get("verdict")))
        except StoreError as exc:
            return JSONResponse({"error": str(exc), "results": [], "store": results.describe()}, status_code=503)
        except SQLAlchemyError as exc:
            results.forget()
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
            return JSONResponse({"error": f"results store query failed: {reason}", "results": [],
                                 "store": results.describe()}, status_code=503)
        return JSONResponse(answer)

    async def package(request: Request) -> Response:
        try:
            folder = await anyio.to_thread.run_sync(lambda: results.package_folder(request.path_params["campaign_id"]))
        except (StoreError, SQLAlchemyError):
            folder = None
        return serve_package_file(folder, request.path_params["path"])

    return [Route("/api/results", api_results, methods=["GET"]),
            Route("/packages/{campaign_id}/{path:path}", package, methods=["GET"])]
