"""The live view in a real browser: headless Chromium (reports.chromium finds it) driven over the
DevTools protocol (the ``websockets`` package), next to a real ``flexbench serve`` process.

Used by the browser test (tests/liveview/test_liveview_browser.py) and by ``make screenshots``::

    python -m lab.liveview.screenshot docs/images/live-view.png

which runs a short campaign on the simulated lab, serves its folder, and shoots the page while the
campaign runs (progress, ETA and the live U / f / P / I plot).
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import ClientConnection, connect

from reports.chromium import FLAGS, find_chromium

__all__ = ["OBSERVE_JS", "Browser", "free_port", "observe_campaign", "start_server"]

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
OBSERVE_JS = """(() => {
  const card = document.querySelector('.campaign');
  if (!card) return null;
  const text = (selector) => card.querySelector(selector).textContent;
  return {state: card.dataset.state, bench_s: Number(card.querySelector('.bench-time').dataset.benchS),
          points: Number(card.querySelector('svg.plot').dataset.points || 0),
          polylines: card.querySelectorAll('svg.plot polyline').length,
          requirement: text('.requirement'), test: text('.test'), step: text('.step'),
          counter: text('.counter'), eta: text('.eta'), verdict: text('.verdict'), dut: text('.dut'),
          report: (card.querySelector('.links a') || {}).href || null,
          connection: document.getElementById('connection').dataset.state};
})()"""
"""What the page shows of its first campaign card (None before there is one)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(what: str, ready: Callable[[], Any], timeout_s: float = START_TIMEOUT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = ready()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready within {timeout_s:g} s")


def start_server(campaigns: Sequence[Path], port: int, *, db: str | None = None,
                 poll_s: float = 0.2) -> subprocess.Popen[bytes]:
    """``flexbench serve`` as its own process on ``port``, answering once this returns."""
    cmd = [sys.executable, "-m", "bench.cli", "serve", "--port", str(port), "--poll-s", str(poll_s)]
    for folder in campaigns:
        cmd += ["--campaigns", str(folder)]
    if db is not None:
        cmd += ["--db", db]
    server = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def answers() -> bool:
        if server.poll() is not None:
            raise RuntimeError(f"flexbench serve exited {server.returncode}: "
                               f"{(server.stderr.read() if server.stderr else b'').decode()[-800:]}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/campaigns", timeout=2) as response:
            return bool(response.status == 200)

    try:
        _wait_for("flexbench serve", answers)
    except BaseException:
        server.kill()
        server.wait()
        raise
    return server


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol (``with Browser(...) as page``)."""

    def __init__(self, chromium: str, width_px: int = 1100, height_px: int = 900) -> None:
        self.chromium = chromium
        self.size = (width_px, height_px)
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._ws: ClientConnection | None = None
        self._stack = contextlib.ExitStack()
        self._next_id = 0

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="flexbench-chromium-")
        profile = Path(self._profile.name)
        self._process = subprocess.Popen(
            [self.chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", f"--window-size={self.size[0]},{self.size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            active = profile / "DevToolsActivePort"
            port = _wait_for("chromium's DevTools port", lambda: active.exists() and active.read_text().split()[0])

            def page_target() -> str | None:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
                    targets = json.load(response)
                return next((t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"), None)

            self._ws = self._stack.enter_context(
                connect(_wait_for("chromium's page", page_target), max_size=None, open_timeout=10))
            self.call("Page.enable")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stack.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._profile is not None:
            self._profile.cleanup()

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events in between are skipped)."""
        assert self._ws is not None
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=30))
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"DevTools {method}: {message['error']}")
                return dict(message.get("result") or {})

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        _wait_for(url, lambda: self.evaluate("document.readyState") == "complete")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def screenshot(self, png: Path) -> None:
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))


def observe_campaign(page: Browser, campaign: subprocess.Popen[bytes], *, timeout_s: float = 180.0,
                     period_s: float = 0.05, shoot: Callable[[dict[str, Any]], bool] | None = None,
                     png: Path | None = None) -> list[dict[str, Any]]:
    """What the page showed (:data:`OBSERVE_JS`) every ``period_s`` from now until the campaign's card
    says its report is there (or ``timeout_s``); ``png`` is shot the first time ``shoot`` is true of
    what the page shows."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        shown = page.evaluate(OBSERVE_JS)
        if shown:
            seen.append(shown)
            if png is not None and shoot is not None and shoot(shown):
                page.screenshot(png)
                shoot = None
            if shown["state"] == "report" and campaign.poll() is not None:
                break
        time.sleep(period_s)
    return seen


SHOT_REQUIREMENTS = ["PV-FMIN-TRIP", "PV-RECONNECT-RAMP", "PV-UMEAN-TRIP"]
STORED_REQUIREMENTS = ["PV-QU-STEADY"]


def _run_command(out: Path, requirements: Sequence[str], *, db: str | None = None) -> list[str]:
    return [sys.executable, "-m", "bench.cli", "run", "--profile", "sim-pv-inverter", "--quiet", "--out", str(out),
            "--requirements", ",".join(requirements), *(["--db", db] if db else [])]


def main(argv: list[str] | None = None) -> int:
    """``OUT_PNG``: a campaign on the simulated lab, the live view in Chromium, shot while it runs."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m lab.liveview.screenshot OUT_PNG", file=sys.stderr)
        return 2
    chromium = find_chromium()
    if chromium is None:
        print("chromium not found: apt-get install chromium (or set FLEXBENCH_CHROMIUM)", file=sys.stderr)
        return 1
    png = Path(args[0]).resolve()
    with tempfile.TemporaryDirectory(prefix="flexbench-live-") as tmp:
        lab, port = Path(tmp), free_port()
        db = f"sqlite:///{lab / 'results.sqlite3'}"
        # one finished campaign in the results store first, for the store panel
        subprocess.run(_run_command(lab / "earlier" / "sim-pv-inverter", STORED_REQUIREMENTS, db=db), cwd=REPO,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=300)
        server = start_server([lab], port, db=db)
        try:
            with Browser(chromium, height_px=1040) as page:
                page.navigate(f"http://127.0.0.1:{port}/")
                campaign = subprocess.Popen(_run_command(lab / "sim-pv-inverter", SHOT_REQUIREMENTS), cwd=REPO,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                observe_campaign(page, campaign, png=png, shoot=lambda shown: shown["state"] == "running"
                                 and "UMEAN" in shown["requirement"] and shown["points"] >= 900)
                campaign.wait(timeout=120)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not png.exists():
        print(f"{png}: the campaign ended before the page showed what to shoot", file=sys.stderr)
        return 1
    print(f"{png}: the live view during a campaign")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
