"""The record is append-only, flushed per line, and survives a torn last line."""

import json

import pytest

from bench.recorder import Recorder, read_record


def test_lines_are_flushed_and_sequenced(tmp_path):
    t = [0.0]
    rec = Recorder(tmp_path / "r.jsonl", lambda: t[0])
    rec.write("event", level="info", message="a")
    t[0] = 1.5
    rec.write("sample", phases=[[230.0, 1.0, 230.0, 0.0, 230.0, 1.0]], frequency_hz=50.0, active_power_w=230.0)
    # readable before close: every line is flushed
    entries = list(read_record(tmp_path / "r.jsonl"))
    assert [e["seq"] for e in entries] == [0, 1]
    assert entries[1]["t_s"] == 1.5
    rec.close()


def test_non_finite_numbers_become_null(tmp_path):
    rec = Recorder(tmp_path / "r.jsonl", lambda: 0.0)
    rec.write("check", measured=float("nan"), high=float("inf"))
    rec.close()
    (entry,) = read_record(tmp_path / "r.jsonl")
    assert entry["measured"] is None and entry["high"] is None


def test_torn_last_line_is_skipped_but_corruption_raises(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"seq": 0, "kind": "event"}) + "\n" + '{"seq": 1, "ki')
    assert len(list(read_record(path))) == 1
    path.write_text('{"seq": 0, "ki\n' + json.dumps({"seq": 1}) + "\n")
    with pytest.raises(ValueError, match=":1:"):
        list(read_record(path))


def test_reopening_continues_sequence(tmp_path):
    path = tmp_path / "r.jsonl"
    rec = Recorder(path, lambda: 0.0)
    rec.write("event", message="x")
    rec.close()
    rec = Recorder(path, lambda: 0.0)
    rec.write("event", message="y")
    rec.close()
    assert [e["seq"] for e in read_record(path)] == [0, 1]
