"""The web application of ``flexbench serve`` (Starlette): read-only, GET routes only.

=====================================  ==========================================================
``/``                                  the page (``static/index.html``; plain JS and inline SVG)
``/static/{name}``                     its script and style sheet, from this package
``/api/events``                        server-sent events: ``campaigns`` and ``points`` (docs/live-view.md)
``/api/campaigns``                     the campaigns being followed, as JSON
``/api/campaigns/{key}/points``        the live plot's points of one campaign, as JSON
``/campaigns/{key}/{path}``            a file of a followed campaign's folder (its report package)
=====================================  ==========================================================

Nothing is written anywhere: the records are only read (:mod:`lab.liveview.campaigns`), files are
served only from inside a campaign folder (:func:`package_file`), and every page carries a Content
Security Policy that lets it load nothing from outside this server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio.to_thread
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from lab.liveview.campaigns import POINT_FIELDS, LabMonitor

__all__ = ["LiveHub", "create_app", "package_file"]

STATIC_DIR = Path(__file__).resolve().with_name("static")
STATIC_FILES = {"index.html": "text/html; charset=utf-8", "live.js": "text/javascript; charset=utf-8",
                "live.css": "text/css; charset=utf-8"}
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
REPORT_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                 "font-src 'self' data:; base-uri 'none'; form-action 'none'")
"""A report package's own page: its inline styles and data images, nothing from outside."""
SERVED_SUFFIXES = frozenset({".html", ".pdf", ".json", ".jsonl", ".csv", ".xlsx", ".txt", ".png", ".svg"})
PING_S = 15.0


def package_file(folder: Path, relative: str) -> Path | None:
    """The file ``relative`` inside ``folder``, or None when it is not one to serve: an absolute path,
    ``..``, a hidden part, a symbolic link or anything else leading outside the folder, a suffix
    outside :data:`SERVED_SUFFIXES`, or no such file."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    base = folder.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or candidate.suffix.lower() not in SERVED_SUFFIXES:
        return None
    return candidate if candidate.is_file() else None


def serve_package_file(folder: Path | None, relative: str) -> Response:
    """A package file read-only (404 for anything :func:`package_file` refuses)."""
    path = package_file(folder, relative) if folder is not None else None
    if path is None:
        return PlainTextResponse("not found", status_code=404)
    headers = {"X-Content-Type-Options": "nosniff"}
    if path.suffix.lower() in (".html", ".svg"):    # pages: nothing from outside (a PDF is left to the viewer)
        headers["Content-Security-Policy"] = REPORT_POLICY
    return FileResponse(path, headers=headers)


class LiveHub:
    """The monitor, polled by one background task every ``poll_s``, and the version every stream
    waits on (bumped when anything changed)."""

    def __init__(self, monitor: LabMonitor, poll_s: float = 0.5, ping_s: float = PING_S) -> None:
        self.monitor = monitor
        self.poll_s = poll_s
        self.ping_s = ping_s
        self.version = 0
        self.lock = threading.Lock()       # the monitor is updated in a worker thread, read in the loop
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    def update(self) -> bool:
        with self.lock:
            return self.monitor.update()

    async def poll_forever(self) -> None:
        """Update every ``poll_s``; a failing update is reported on stderr and tried again."""
        failure = ""
        while True:
            try:
                changed = await anyio.to_thread.run_sync(self.update)
            except Exception as exc:  # noqa: BLE001 - the page must keep updating whatever one look met
                if f"{exc!r}" != failure:
                    failure = f"{exc!r}"
                    print(f"flexbench serve: reading the campaigns failed: {failure}", file=sys.stderr, flush=True)
                changed = False
            if changed:
                async with self._condition():
                    self.version += 1
                    self._condition().notify_all()
            await asyncio.sleep(self.poll_s)

    async def wait_beyond(self, seen: int, timeout_s: float) -> int:
        """The version, once it is past ``seen`` (or after ``timeout_s``)."""
        cond = self._condition()
        async with cond:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cond.wait_for(lambda: self.version > seen), timeout_s)
            return self.version

    def events_for(self, sent: dict[str, tuple[int, int]], last_campaigns: list[str]) -> list[dict[str, str]]:
        """The events a stream has not sent yet: ``campaigns`` when the list changed, and per campaign
        the ``points`` it gained (all of them, ``reset``, when they were replaced). ``sent`` holds
        per campaign key the (generation, count) already sent; ``last_campaigns`` the last list's JSON."""
        with self.lock:
            summaries = self.monitor.summaries()
            events = []
            text = json.dumps({"campaigns": summaries}, separators=(",", ":"))
            if not last_campaigns or last_campaigns[0] != text:
                last_campaigns[:] = [text]
                events.append({"event": "campaigns", "data": text})
            for key in [k for k in sent if k not in self.monitor.campaigns]:
                del sent[key]
            for key, campaign in self.monitor.campaigns.items():
                generation, count = sent.get(key, (-1, 0))
                reset = generation != campaign.generation
                new = campaign.points if reset else campaign.points[count:]
                if reset or new:
                    events.append({"event": "points", "data": json.dumps(
                        {"key": key, "generation": campaign.generation, "reset": reset, "points": new},
                        separators=(",", ":"))})
                    sent[key] = (campaign.generation, len(campaign.points))
            return events

    async def stream(self) -> AsyncIterator[dict[str, str]]:
        """One page's event stream: everything at once, then what changes, as it changes."""
        sent: dict[str, tuple[int, int]] = {}
        last: list[str] = []
        seen = -1
        while True:
            seen = await self.wait_beyond(seen, self.ping_s)
            for event in self.events_for(sent, last):
                yield event


def _static(name: str) -> Response:
    media = STATIC_FILES.get(name)
    if media is None:
        return PlainTextResponse("not found", status_code=404)
    return Response((STATIC_DIR / name).read_bytes(), media_type=media,
                    headers={"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-cache"})


def create_app(monitor: LabMonitor, *, poll_s: float = 0.5, ping_s: float = PING_S,
               extra_routes: Callable[[], list[BaseRoute]] | None = None) -> Starlette:
    """The application over ``monitor``, its records read every ``poll_s`` and a keep-alive comment
    sent on a quiet stream every ``ping_s``; ``extra_routes``: more GET routes (the results store's)."""
    hub = LiveHub(monitor, poll_s, ping_s)

    async def index(request: Request) -> Response:
        return _static("index.html")

    async def static(request: Request) -> Response:
        return _static(request.path_params["name"])

    async def events(request: Request) -> Response:
        return EventSourceResponse(hub.stream(), ping=ping_s, headers={"Cache-Control": "no-cache"})

    async def campaigns(request: Request) -> Response:
        await anyio.to_thread.run_sync(hub.update)
        with hub.lock:
            return JSONResponse({"campaigns": monitor.summaries()})

    async def points(request: Request) -> Response:
        with hub.lock:
            campaign = monitor.campaigns.get(request.path_params["key"])
            if campaign is None:
                return JSONResponse({"error": "no such campaign"}, status_code=404)
            return JSONResponse({"key": campaign.key, "generation": campaign.generation,
                                 "fields": list(POINT_FIELDS),
                                 "points": campaign.points})

    async def campaign_file(request: Request) -> Response:
        with hub.lock:
            folder = monitor.folder_of(request.path_params["key"])
        if folder is None:          # a campaign the poller has not found yet
            await anyio.to_thread.run_sync(hub.update)
            with hub.lock:
                folder = monitor.folder_of(request.path_params["key"])
        return serve_package_file(folder, request.path_params["path"])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the first look before any page is served (no empty first list); a failing look is reported
        # by the poll loop, which tries again
        with contextlib.suppress(Exception):
            await anyio.to_thread.run_sync(hub.update)
        task = asyncio.create_task(hub.poll_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/api/events", events, methods=["GET"]),
        Route("/api/campaigns", campaigns, methods=["GET"]),
        Route("/api/campaigns/{key}/points", points, methods=["GET"]),
        Route("/campaigns/{key}/{path:path}", campaign_file, methods=["GET"]),
        *(extra_routes() if extra_routes is not None else []),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hub = hub
    return app
