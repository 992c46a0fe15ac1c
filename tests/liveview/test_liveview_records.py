"""flexbench serve, reading side: a record followed as it grows (partial last lines, restarts), the
progress and plot points a campaign's record gives, the campaign's state, and the folders found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.recorder import Recorder
from lab.liveview import campaigns as live
from lab.liveview.campaigns import LabMonitor, LiveCampaign, campaign_key, find_records, sample_point
from lab.liveview.tail import RecordTail
from reports.record_integrity import check_record

NODE_A = "test_suites/pv_inverter/test_voltage_trips.py::test_umax_trip"
NODE_B = "test_suites/pv_inverter/test_voltage_trips.py::test_umin_trip"


class FakeTime:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def start_record(folder: Path, *, pid: int | None = None, host: str | None = None) -> tuple[Recorder, FakeTime]:
    """A record as the bench starts it (bench.recorder.Recorder, the bench's own writer)."""
    clock = FakeTime()
    recorder = Recorder(folder / "record.jsonl", clock)
    recorder.write("campaign_start", format="flexbench-record/1", campaign_id="c0ffee",
                   bench={"file": "simulated.yaml", "name": "simulated lab", "config": {}},
                   profile={"file": "dut.yaml", "config": {"device": {
                       "class": "pv_inverter", "manufacturer": "flexbench", "model": "SIM-PV-10K-3P",
                       "serial_number": "SIM0000001", "firmware_version": "1.0.0"}}},
                   market="NL", clock={"mode": "virtual"}, decision_rule="guard_band",
                   writer={"host": host or live.socket.gethostname(), "pid": pid or os.getpid()})
    return recorder, clock


def sample(recorder: Recorder, clock: FakeTime, t_s: float, volts: float = 230.0, **extra: Any) -> None:
    clock.now_s = t_s
    recorder.write("sample", t_s=t_s, phases=[[volts, 14.5, 3333.0, 0.0, 3333.0, 1.0]] * 3,
                   frequency_hz=50.0, active_power_w=10000.0, **extra)


def test_tail_keeps_a_partial_last_line_for_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl"
    first, second = json.dumps({"seq": 0, "kind": "a"}), json.dumps({"seq": 1, "kind": "b"})
    path.write_bytes(first.encode() + b"\n" + second[:7].encode())      # the recorder is writing line 2
    tail = RecordTail(path)
    assert [e["kind"] for e in tail.read_new()] == ["a"]
    assert tail.offset == len(first) + 1 and tail.bad_lines == 0
    assert tail.read_new() == []                                          # still partial: not an error
    with path.open("ab") as fh:
        fh.write(second[7:].encode() + b"\n")
    assert [e["kind"] for e in tail.read_new()] == ["b"]
    assert tail.offset == path.stat().st_size and tail.caught_up and not tail.restarted


def test_tail_reads_only_what_was_appended_and_catches_up_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl"
    path.write_text("".join(json.dumps({"seq": i, "kind": "sample"}) + "\n" for i in range(100)))
    tail = RecordTail(path)
    got = tail.read_new(limit_bytes=500)                   # a long record: caught up over several calls
    assert 0 < len(got) < 100 and not tail.caught_up
    while not tail.caught_up:
        got += tail.read_new(limit_bytes=500)
    assert [e["seq"] for e in got] == list(range(100))
    size = path.stat().st_size
    with path.open("a") as fh:
        fh.write(json.dumps({"seq": 100, "kind": "step"}) + "\n" + "not json\n")
    assert [e["seq"] for e in tail.read_new()] == [100]    # from the remembered offset, not from the start
    assert tail.bad_lines == 1 and tail.offset > size


def test_tail_starts_again_on_a_new_record_in_the_same_folder(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl"
    path.write_text(json.dumps({"seq": 0, "kind": "old"}) + "\n" + json.dumps({"seq": 1, "kind": "old"}) + "\n")
    tail = RecordTail(path)
    assert len(tail.read_new()) == 2
    path.unlink()                                           # flexbench run --force: a new record
    path.write_text(json.dumps({"seq": 0, "kind": "new"}) + "\n")
    assert [e["kind"] for e in tail.read_new()] == ["new"] and tail.restarted


def test_progress_points_and_state_from_a_growing_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "campaign"
    recorder, clock = start_record(folder)
    campaign = LiveCampaign(folder)
    assert campaign.update() and campaign.state() == "running"
    assert campaign.summary()["dut"] == "flexbench SIM-PV-10K-3P (serial SIM0000001, firmware 1.0.0)"
    recorder.write("plan", tests=[NODE_A, NODE_B])
    recorder.write("test_start", nodeid=NODE_A, name="test_umax_trip", requirements=["PV-UMAX-TRIP"], doc="")
    for t_s in range(10):
        sample(recorder, clock, float(t_s))
    sample(recorder, clock, 3.0, source="capture")          # a capture read back: not a live plot point
    recorder.write("step", nodeid=NODE_A, text="AC source: 253.1 V on all phases")
    campaign.update()
    first = campaign.summary()
    assert (first["requirements"], first["test"], first["counter"]) == (["PV-UMAX-TRIP"], "test_umax_trip", "[1/2]")
    assert first["step"] == "AC source: 253.1 V on all phases" and first["bench_time_s"] == 9.0
    assert first["points"] == 10 and campaign.points[-1] == [9.0, 230.0, 50.0, 10000.0, 14.5]
    assert first["eta_text"].startswith("ETA ") and first["bench"] == "simulated lab"
    for t_s in range(10, 20):
        sample(recorder, clock, float(t_s), volts=253.1)
    campaign.update()
    assert campaign.summary()["points"] == 20 and campaign.summary()["bench_time_s"] == 19.0
    generation = campaign.generation
    recorder.write("test_end", nodeid=NODE_A, outcome="PASS", message="", requirements=["PV-UMAX-TRIP"])
    recorder.write("test_start", nodeid=NODE_B, name="test_umin_trip", requirements=["PV-UMIN-TRIP"], doc="")
    campaign.update()
    second = campaign.summary()
    assert second["counter"] == "[2/2]" and second["points"] == 0 and campaign.generation > generation
    recorder.write("campaign_end", verdict="COMPLIANT", counts={"PASS": 2}, bench_time_s=20.0)
    recorder.close()
    campaign.update()
    assert campaign.state() == "finished" and campaign.summary()["verdict"] == "COMPLIANT"
    (folder / "manifest.sig").write_text("sig")
    assert campaign.state() == "report" and campaign.summary()["report"] == f"/campaigns/{campaign.key}/report.html"
    # the new plan line is a record line like any other for the integrity check of `flexbench report`
    check_record(folder / "record.jsonl")


def test_a_campaign_whose_writer_died_is_stopped(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    recorder, _clock = start_record(tmp_path, pid=int(dead.stdout))
    recorder.close()
    campaign = LiveCampaign(tmp_path)
    campaign.update()
    assert campaign.state() == "stopped" and campaign.summary()["eta_text"] == ""


def test_a_pid_given_to_a_later_process_is_not_the_writer() -> None:
    assert live.writer_alive(os.getpid(), time.time())
    assert not live.writer_alive(os.getpid(), time.time() - 10 * 365 * 86400.0)   # a record from before


def test_a_record_of_another_host_is_stopped_once_it_stops_growing(tmp_path: Path) -> None:
    recorder, _clock = start_record(tmp_path, pid=1, host="another-bench-pc")
    recorder.close()
    now = FakeTime()
    campaign = LiveCampaign(tmp_path, monotonic=now)
    campaign.update()
    assert campaign.state() == "running"
    assert campaign.summary()["eta_text"] == "ETA \u2014"          # no plan line: no ETA to give
    now.now_s = live.STALE_S + 1.0
    assert campaign.state() == "stopped"


def test_the_plot_keeps_every_other_point_beyond_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "MAX_POINTS", 8)
    recorder, clock = start_record(tmp_path)
    recorder.write("test_start", nodeid=NODE_A, name="test_umax_trip", requirements=["PV-UMAX-TRIP"], doc="")
    for t_s in range(20):
        sample(recorder, clock, float(t_s))
    campaign = LiveCampaign(tmp_path)
    campaign.update()
    times = [p[0] for p in campaign.points]
    assert len(times) <= 8 and times[0] == 0.0 and times == sorted(times) and times[-1] >= 16.0
    assert sample_point({"kind": "sample", "t_s": 1.0, "phases": [], "frequency_hz": None}) == [1.0, None, None,
                                                                                                None, None]


def test_the_monitor_finds_unsigned_campaigns_and_leaves_signed_packages(tmp_path: Path) -> None:
    running = tmp_path / "out" / "pv"
    start_record(running)[0].close()
    signed = tmp_path / "out" / "demo" / "ev"
    start_record(signed)[0].close()
    (signed / "manifest.sig").write_text("sig")
    inside = running / "raw" / "copy"                       # a package's own folders are not campaigns
    start_record(inside)[0].close()
    deep = tmp_path / "out" / "a" / "b" / "c" / "d" / "e"   # beyond the scan depth
    start_record(deep)[0].close()
    assert sorted(p.parent for p in find_records(tmp_path / "out")) == sorted([running, signed])
    monitor = LabMonitor([tmp_path / "out", tmp_path / "out"])
    assert monitor.update()
    assert [s["folder"] for s in monitor.summaries()] == [str(running)]
    late = tmp_path / "out" / "late"
    start_record(late)[0].close()
    monitor.scan()
    assert {s["folder"] for s in monitor.summaries()} == {str(running), str(late)}
    recorder, _clock = start_record(late)
    recorder.write("campaign_end", verdict="COMPLIANT", counts={}, bench_time_s=0.0)
    recorder.close()
    assert monitor.update() and monitor.campaigns[campaign_key(late)].state() == "finished"
    assert not monitor.update()                             # nothing new
    (late / "manifest.sig").write_text("sig")               # the package is signed: the page must hear of it
    assert monitor.update() and monitor.campaigns[campaign_key(late)].state() == "report"
    (running / "record.jsonl").unlink()
    monitor.update()
    assert [s["folder"] for s in monitor.summaries()] == [str(late)]


def test_a_line_no_bench_wrote_is_skipped_and_counted(tmp_path: Path) -> None:
    recorder, clock = start_record(tmp_path)
    recorder.write("test_start", nodeid=NODE_A, name="test_umax_trip", requirements=["PV-UMAX-TRIP"], doc="")
    recorder.close()
    with (tmp_path / "record.jsonl").open("a") as fh:
        fh.write(json.dumps({"kind": "step", "t_s": "soon", "text": "x"}) + "\n")
        fh.write(json.dumps({"kind": "plan", "tests": 5}) + "\n")
        fh.write(json.dumps({"kind": "sample", "t_s": 1.0, "phases": [[230.0, 1.0]], "frequency_hz": 50.0,
                             "active_power_w": 2.0}) + "\n")
    campaign = LiveCampaign(tmp_path)
    campaign.update()
    assert campaign.tail.bad_lines == 2 and campaign.points == [[1.0, 230.0, 50.0, 2.0, 1.0]]
