"""flexbench serve, web side (Starlette's TestClient): GET routes only, the page references nothing
outside the server, the JSON and server-sent-event endpoints, package files guarded against path
traversal, and the results-store panel over a real SQLite store holding a real signed package."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

with warnings.catch_warnings():     # Starlette 1.10 would rather have httpx2 for its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bench.recorder import Recorder
from lab.liveview.app import STATIC_DIR, STATIC_FILES, create_app, package_file
from lab.liveview.campaigns import LabMonitor, campaign_key
from lab.liveview.cli import campaign_roots
from lab.liveview.results import results_routes

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

NODE = "test_suites/pv_inverter/test_voltage_trips.py::test_umax_trip"
REQUIREMENT = {"id": "PV-UMAX-TRIP", "title": "Trip above Umax", "source": "EN 50549-1", "clause": "4.9",
               "mandatory": True, "confidence": "std", "parameters": {}}


def write_record(folder: Path, *, samples: int = 5, end: bool = False) -> Path:
    """A campaign record written by the bench's own recorder, stopped mid-test unless ``end``."""
    now = [0.0]
    recorder = Recorder(folder / "record.jsonl", lambda: now[0])
    recorder.write("campaign_start", format="flexbench-record/1", campaign_id="feedc0de0001",
                   software={"name": "flexbench", "version": "0.1.0", "commit": None},
                   bench={"file": "simulated.yaml", "name": "simulated lab", "config": {}},
                   profile={"file": "dut.yaml", "config": {"device": {
                       "class": "pv_inverter", "manufacturer": "flexbench", "model": "SIM-PV-10K-3P",
                       "serial_number": "SIM0000001", "firmware_version": "1.0.0"}}},
                   market="NL", catalog={"name": "pv_inverter", "version": "2026.11", "requirements": [REQUIREMENT]},
                   clock={"mode": "virtual", "start_calendar": "2026-06-21T12:00:00+02:00", "sample_period_s": 1.0},
                   simulated=True, decision_rule="simple_acceptance",
                   writer={"host": "bench-pc", "pid": 1})
    recorder.write("instrument", role="power_analyzer", model="SimAnalyzer", resource="TCPIP::x", idn="SIM",
                   calibration_due=None, simulated=True)
    ident = {"manufacturer": "flexbench", "model": "SIM-PV-10K-3P", "serial_number": "SIM0000001",
             "firmware_version": "1.0.0"}
    recorder.write("dut_identity", declared=ident, read=dict(ident))
    recorder.write("plan", tests=[NODE])
    recorder.write("test_start", nodeid=NODE, name="test_umax_trip", requirements=["PV-UMAX-TRIP"], doc="")
    recorder.write("step", nodeid=NODE, text="AC source: 253.1 V on all phases")
    for i in range(samples):
        now[0] = float(i)
        recorder.write("sample", t_s=float(i), phases=[[230.0 + i, 14.0, 3300.0, 0.0, 3300.0, 1.0]] * 3,
                       frequency_hz=50.0, active_power_w=9900.0)
    if end:
        recorder.write("test_end", nodeid=NODE, outcome="PASS", message="", requirements=["PV-UMAX-TRIP"])
        recorder.write("campaign_end", verdict="COMPLIANT", counts={"PASS": 1}, bench_time_s=now[0])
    recorder.close()
    return folder / "record.jsonl"


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    write_record(tmp_path / "out" / "pv")
    return tmp_path / "out"


@pytest.fixture
def client(lab: Path) -> Iterator[TestClient]:
    app = create_app(LabMonitor([lab]), poll_s=0.05, ping_s=0.2,
                     extra_routes=lambda: results_routes(f"sqlite:///{lab.parent / 'none.sqlite3'}", None))
    with TestClient(app) as test_client:
        yield test_client


def test_every_route_is_a_get_route(client: TestClient) -> None:
    for route in client.app.routes:                         # type: ignore[attr-defined]
        assert isinstance(route, Route) and route.methods <= {"GET", "HEAD"}, route
    assert client.post("/").status_code == 405
    assert client.delete("/api/campaigns").status_code == 405


def test_the_page_references_nothing_outside_the_server(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "http" not in policy
    assert set(STATIC_FILES) == {p.name for p in STATIC_DIR.iterdir()}
    for name in STATIC_FILES:
        served = client.get("/" if name == "index.html" else f"/static/{name}").text
        assert served == (STATIC_DIR / name).read_text(encoding="utf-8")
        assert "://" not in served and "//cdn" not in served, name       # no URL of anything anywhere
        for ref in re.findall(r'(?:src|href|action)\s*=\s*"([^"]*)"', served):
            assert ref.startswith("/") and not ref.startswith("//"), (name, ref)
        for ref in re.findall(r'(?:EventSource|fetch)\(\s*[`"\']([^`"\']*)', served):
            assert ref.startswith("/") and not ref.startswith("//"), (name, ref)
        assert "@import" not in served and "url(" not in served, name
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_campaigns_and_points_as_json(client: TestClient, lab: Path) -> None:
    campaigns = client.get("/api/campaigns").json()["campaigns"]
    assert len(campaigns) == 1
    summary = campaigns[0]
    assert summary["key"] == campaign_key(lab / "pv") and summary["state"] in ("running", "stopped")
    assert (summary["requirements"], summary["counter"], summary["points"]) == (["PV-UMAX-TRIP"], "[1/1]", 5)
    assert summary["step"] == "AC source: 253.1 V on all phases" and summary["bench_time_s"] == 4.0
    points = client.get(f"/api/campaigns/{summary['key']}/points").json()
    assert points["fields"] == ["t_s", "voltage_v", "frequency_hz", "active_power_w", "current_a"]
    assert points["points"][-1] == [4.0, 234.0, 50.0, 9900.0, 14.0]
    assert client.get("/api/campaigns/nosuchkey/points").status_code == 404


def _events(client: TestClient, count: int) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    name = ""
    with client.stream("GET", "/api/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: "):])))
                if len(events) == count:
                    break
    return events


def test_the_event_stream_sends_the_campaigns_then_their_points(client: TestClient, lab: Path) -> None:
    (first, campaigns), (second, points) = _events(client, 2)
    assert first == "campaigns" and campaigns["campaigns"][0]["points"] == 5
    assert second == "points" and points["reset"] and len(points["points"]) == 5
    assert points["key"] == campaigns["campaigns"][0]["key"]


def test_the_event_stream_sends_only_the_new_points(lab: Path) -> None:
    monitor = LabMonitor([lab])
    app = create_app(monitor, poll_s=0.05, ping_s=0.2)
    hub = app.state.hub
    monitor.update()
    sent: dict[str, tuple[int, int]] = {}
    last: list[str] = []
    assert [e["event"] for e in hub.events_for(sent, last)] == ["campaigns", "points"]
    assert hub.events_for(sent, last) == []                  # nothing new: nothing sent
    with (lab / "pv" / "record.jsonl").open("a") as fh:
        fh.write(json.dumps({"seq": 99, "kind": "sample", "t_s": 5.0, "wall_utc": "2026-12-08T00:00:00+00:00",
                             "phases": [[240.0, 1.0, 1.0, 0.0, 1.0, 1.0]], "frequency_hz": 50.0,
                             "active_power_w": 1.0}) + "\n")
    monitor.update()
    events = hub.events_for(sent, last)
    assert [e["event"] for e in events] == ["campaigns", "points"]
    update = json.loads(events[1]["data"])
    assert not update["reset"] and update["points"] == [[5.0, 240.0, 50.0, 1.0, 1.0]]


def test_package_files_are_served_only_from_inside_the_campaign_folder(client: TestClient, lab: Path,
                                                                       tmp_path: Path) -> None:
    folder = lab / "pv"
    (folder / "report.html").write_text("<html>report</html>")
    (folder / "raw").mkdir()
    (folder / "raw" / "trace.csv").write_text("t,u\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the page")
    (folder / "link.txt").symlink_to(secret)
    (folder / ".hidden.txt").write_text("x")
    (folder / "code.py").write_text("x")
    key = campaign_key(folder)
    report = client.get(f"/campaigns/{key}/report.html")
    assert report.status_code == 200 and report.text == "<html>report</html>"
    assert "default-src 'none'" in report.headers["content-security-policy"]
    assert client.get(f"/campaigns/{key}/raw/trace.csv").status_code == 200
    for path in ("../secret.txt", "..%2Fsecret.txt", "%2e%2e/secret.txt", "raw/../../secret.txt",
                 "%2Ftmp%2Fsecret.txt", "link.txt", ".hidden.txt", "code.py", "raw", "nosuch.html",
                 "..%5Csecret.txt", "report.html%00.txt"):
        response = client.get(f"/campaigns/{key}/{path}")
        assert response.status_code == 404 and "not for the page" not in response.text, path
    assert client.get("/campaigns/nosuchkey/report.html").status_code == 404
    assert package_file(folder, "report.html") == (folder / "report.html").resolve()
    for bad in ("../secret.txt", "/etc/passwd", "raw/../../secret.txt", "link.txt", "a\\..\\b.html", ""):
        assert package_file(folder, bad) is None, bad


def test_the_results_panel_says_when_there_is_no_store_and_never_creates_one(client: TestClient,
                                                                             lab: Path) -> None:
    answer = client.get("/api/results")
    assert answer.status_code == 503 and "no results store yet" in answer.json()["error"]
    assert not (lab.parent / "none.sqlite3").exists()


def test_the_results_panel_filters_the_store_and_links_the_packages(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from lab.store import Trust, import_package, open_store
    from reports.integrity import load_signing_key
    from reports.package import build_package

    monkeypatch.setenv("FLEXBENCH_DEV_KEY_DIR", str(tmp_path / "keys"))
    package = tmp_path / "lab" / "campaigns" / "pv"
    record = write_record(package, end=True)
    build_package(record, package)
    url = f"sqlite:///{tmp_path / 'lab' / 'results.sqlite3'}"
    with open_store(url) as store:
        import_package(store, package, Trust(trusted_keys=(load_signing_key().public_raw,)))
    app = create_app(LabMonitor([tmp_path / "lab"]), poll_s=0.05, ping_s=0.2,
                     extra_routes=lambda: results_routes(url, None))
    with TestClient(app) as client:
        found = client.get("/api/results", params={"device": "sim-pv", "requirement": "PV-UMAX-TRIP",
                                                   "verdict": "PASS"}).json()
        assert [r["campaign_id"] for r in found["results"]] == ["feedc0de0001"]
        row = found["results"][0]
        assert row["requirement_verdict"] == "PASS" and row["firmware"] == "1.0.0"
        assert client.get("/api/results", params={"device": "heat pump"}).json()["results"] == []
        assert client.get("/api/results", params={"verdict": "NON_COMPLIANT"}).json()["results"] == []
        html = client.get(row["report"])
        assert html.status_code == 200 and "<html" in html.text
        assert client.get(row["pdf"]).content.startswith(b"%PDF")
        assert client.get(f"/packages/{row['campaign_id']}/../results.sqlite3").status_code == 404
        assert client.get(f"/packages/{row['campaign_id']}/manifest.sig").status_code == 404
        assert client.get("/packages/nosuch/report.html").status_code == 404


def test_the_default_campaign_folders_are_out_and_the_lab_directory(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLEXBENCH_LAB_DIR", raising=False)
    assert campaign_roots(None, None) == [Path("out")]
    assert campaign_roots(None, str(tmp_path)) == [tmp_path, Path("out")]
    assert campaign_roots([str(tmp_path), "x"], None) == [tmp_path, Path("x")]
    assert os.sep == "/"
