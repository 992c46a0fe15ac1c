"""Issue 13 finding 3: text of any length is bounded where it enters the record; the full text is kept
beside it (raw/long-text/), nothing is lost."""

from __future__ import annotations

import json

from bench.recorder import MAX_TEXT_CHARS, Recorder, read_record


def test_long_text_is_cut_in_the_record_and_kept_in_full_beside_it(tmp_path):
    recorder = Recorder(tmp_path / "record.jsonl", lambda: 0.0)
    huge = "BootNotification field " + "x" * 200_000 + " END"
    recorder.write("event", level="warning", message=huge, detail={"frames": ["ok", huge]})
    recorder.write("event", level="info", message="short")
    recorder.close()
    lines = (tmp_path / "record.jsonl").read_text().splitlines()
    assert len(lines[0]) < 3 * MAX_TEXT_CHARS and len(lines[1]) < 200
    first, second = read_record(tmp_path / "record.jsonl")
    assert second["message"] == "short"
    for text in (first["message"], first["detail"]["frames"][1]):
        assert text.startswith("BootNotification field xxx") and f"of {len(huge)} characters" in text
        kept = text.rsplit("full text: ", 1)[1].rstrip("]")
        assert (tmp_path / kept).read_text() == huge          # nothing lost
    assert first["detail"]["frames"][0] == "ok"
    assert json.loads(lines[0])["seq"] == 0
