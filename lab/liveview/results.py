"""The results store panel's routes (filled in from lab.store)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def results_routes(db: str | None, lab: str | None) -> list[BaseRoute]:
    return []
