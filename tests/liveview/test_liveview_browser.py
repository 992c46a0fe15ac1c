"""The live view in headless Chromium during a real campaign: ``flexbench serve`` as its own process,
a ``flexbench run`` process on the simulated lab writing into the folder it watches, and the page read
over the DevTools protocol while the campaign runs: its progress and its plot must update.

Without Chromium the test skips with the reason, except under CI (CI=true), where it fails
(as tests/reports/test_rendered_report.py).
"""

from __future__ import annotations

import re
import subprocess
import time
from itertools import pairwise
from pathlib import Path

import pytest

from lab.liveview.screenshot import Browser, free_port, observe_campaign, start_server
from system_packages import chromium_or_skip
from proof_campaigns import REPO, campaign_command

REQUIREMENTS = ["PV-FMIN-TRIP", "PV-RECONNECT-RAMP", "PV-UMEAN-TRIP"]   # ~2 s of wall time in tests


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip("the live-view browser tests")


def test_the_page_shows_a_running_campaign_progress_and_plot_update(chromium: str, tmp_path: Path) -> None:
    lab, port = tmp_path / "lab", free_port()
    lab.mkdir()
    started = time.monotonic()
    server = start_server([lab], port, db=f"sqlite:///{tmp_path / 'results.sqlite3'}", poll_s=0.1)
    try:
        with Browser(chromium) as page:
            page.navigate(f"http://127.0.0.1:{port}/")
            assert page.evaluate("document.getElementById('no-campaigns').hidden") is False
            campaign = subprocess.Popen(campaign_command(lab / "pv", requirements=REQUIREMENTS), cwd=REPO,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            seen = observe_campaign(page, campaign, timeout_s=240.0)
            out, err = campaign.communicate(timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=20)
    wall_s = time.monotonic() - started
    assert campaign.returncode == 2, (out.decode()[-2000:], err.decode()[-2000:])   # a partial campaign
    running = [s for s in seen if s["state"] == "running"]
    assert running, f"the page never showed the campaign running: {seen[-3:]}"
    assert all(s["connection"] == "live" and "SIM-PV-10K-3P" in s["dut"] for s in running)
    assert {s["requirement"] for s in running} & set(REQUIREMENTS)
    assert all(re.fullmatch(r"\[[1-3]/3\]", s["counter"]) for s in running if s["test"] != "\u2014")
    assert any(s["step"] not in ("", "\u2014", "starting") for s in running)
    # the progress and the plot update while one test runs: later bench time, more points
    updates = [(a, b) for a, b in pairwise(running)
               if a["test"] == b["test"] and b["bench_s"] > a["bench_s"] and b["points"] > a["points"] > 0]
    assert updates, [(s["test"], s["bench_s"], s["points"]) for s in running]
    assert all(s["polylines"] == 4 for s in running if s["points"])                 # U, f, P, I
    final = seen[-1]
    assert final["state"] == "report" and final["verdict"] == "INCONCLUSIVE", final
    assert final["report"].endswith("/report.html")
    print(f"browser test: {wall_s:.1f} s wall, {len(seen)} looks at the page, {len(running)} while running, "
          f"{len(updates)} updates seen")
