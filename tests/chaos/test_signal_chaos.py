"""Issue 13 chaos suite, signals: SIGINT, SIGTERM, SIGHUP or SIGQUIT at a random (seeded) moment of a
short campaign, from before the bench is open to after it ended. Whatever the moment: the exit code
is never 1 (NON_COMPLIANT) unless the campaign had finished, the record stays parseable line by line,
a record that started ends with campaign_end and the AC source's output switched off, and no lab
process survives its bench by more than 2 s."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from hostile import pid_alive
from proof_campaigns import REPO, campaign_command

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


@pytest.mark.parametrize("seed", range(int(os.environ.get("FLEXBENCH_CHAOS_SEEDS", "6"))))
def test_a_signal_at_a_random_moment_ends_safely(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    stop, delay_s = rng.choice(STOPS), rng.uniform(0.2, 6.0)
    out = tmp_path / "out"
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(campaign_command(out, requirements=["PV-REMOTE-LIMIT"]), cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay_s)
    finished_before = proc.poll() is not None
    proc.send_signal(stop)
    stdout, stderr = proc.communicate(timeout=120)
    what = f"{stop.name} after {delay_s:.2f} s: exit {proc.returncode}\n{stdout[-1500:]}{stderr[-1500:]}"
    if not finished_before:
        assert proc.returncode not in (0, 1), what
    record = out / "record.jsonl"
    if not record.exists():
        return                                    # stopped before the bench opened: nothing energised
    lines = record.read_text().splitlines()
    entries = [json.loads(line) for line in lines]   # every line parseable
    assert [e["seq"] for e in entries] == list(range(len(entries))), what
    assert entries[-1]["kind"] == "campaign_end", what
    outputs = [e["text"] for e in entries if e["kind"] == "command" and e.get("target") == "ac_source"
               and e["text"].startswith("OUTPut:STATe")]
    assert not outputs or outputs[-1] == "OUTPut:STATe OFF", what
    started = re.search(r"simulated lab started \(pid (\d+)", record.read_text())
    if started:
        pid, deadline = int(started.group(1)), time.monotonic() + 2.0
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(pid), what
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("flexbench-lab-")], what
