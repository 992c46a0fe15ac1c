"""The shared PV reference campaign (no campaign of its own) sends only commands its drivers declare
in their command rows (instruments/command_sources.py), and records each instrument's unconfirmed ones."""

from __future__ import annotations

import json

from proof_campaigns import SHARED_REFERENCE_GROUP

from instruments.command_sources import headers_of_message, row_for_header, unconfirmed_commands
from instruments.registry import driver_class


@SHARED_REFERENCE_GROUP
def test_reference_campaign_sends_only_declared_commands(shared_campaign) -> None:
    result = shared_campaign(requirements=["PV-PU-STEADY"])
    lines = [json.loads(line) for line in (result.out_dir / "record.jsonl").read_text().splitlines()]
    instruments = {line["role"]: line for line in lines if line["kind"] == "instrument"}
    assert instruments, result.stdout[-2000:]
    for role, line in instruments.items():
        assert line["unconfirmed_commands"] == unconfirmed_commands(driver_class(line["model"])), role
    undeclared: dict[str, set[str]] = {}
    sent = 0
    for line in lines:
        if line["kind"] != "command" or line["target"] not in instruments:
            continue
        rows = driver_class(instruments[line["target"]]["model"]).commands
        for header in headers_of_message(line["text"]):
            sent += 1
            if row_for_header(rows, header) is None:
                undeclared.setdefault(line["target"], set()).add(header)
    assert sent > 100 and undeclared == {}
