"""Acceptance (issue 11, c): a heat-pump campaign against an S2 resource manager built only from
s2-python (tests/thirdparty/s2_frbc_rm.py, its own process, no simulated device) that offers FRBC
while the profile declares PEBC. The campaign reaches a verdict: NON_COMPLIANT (exit 1), the
requirements that need PEBC FAIL naming the missing control type with the RM's
ResourceManagerDetails as evidence, the ones the profile declares nothing for are NOT_APPLICABLE,
and none is in ERROR."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from external_device import GAP_SHOWN_WITHIN_S, bench_time_per_failed_test_s, free_port

REPO = Path(__file__).resolve().parents[2]
RM_SCRIPT = Path(__file__).with_name("s2_frbc_rm.py")
REFERENCE = REPO / "device_profiles" / "sim-heat-pump-s2.yaml"
RM_ID = "frbc-1"
#: The options of every campaign here (``--clock virtual`` goes here once the CLI has it).
CAMPAIGN_OPTIONS: tuple[str, ...] = ("--quiet", "--clock", "virtual")   # issue 11: keep the acceptance run short
#: Need PEBC (FAIL) / declare nothing the bench could use (NOT_APPLICABLE: no Modbus map, no hybrid).
NEED_PEBC = ("HP-LIMIT-S2", "HP-FAILSAFE-S2")
UNDECLARED = ("HP-LIMIT-MODBUS", "HP-FAILSAFE-MODBUS", "HP-HYBRID-SWITCH")
CAMPAIGN_TIMEOUT_S = 120.0


def write_profile(tmp_path: Path, port: int) -> Path:
    """The S2 heat pump's reference profile for a real (non-simulated) device: PEBC declared on a
    fixed port the RM dials, power limit and failsafe claimed (over S2), nothing else."""
    data: dict[str, Any] = yaml.safe_load(REFERENCE.read_text())
    del data["simulation"]
    data["description"] = "s2-python resource manager offering FRBC only; the profile declares PEBC"
    data["device"].update(manufacturer="s2-python", model="FRBC-only RM", serial_number="FRBC-1",
                          condition="third-party software resource manager")
    data["functions"] = {"power_limit": True, "failsafe": True}
    data["links"] = {"control": {"protocol": "s2", "rm_id": RM_ID, "control_type": "PEBC",
                                 "host": "127.0.0.1", "port": port, "connect_timeout_s": 30}}
    path = tmp_path / "frbc-only.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_an_frbc_only_rm_against_a_pebc_profile_is_non_compliant_without_errors(tmp_path: Path) -> None:
    port = free_port()
    profile, out = write_profile(tmp_path, port), tmp_path / "out"
    with (tmp_path / "rm.out").open("w") as rm_out, (tmp_path / "rm.err").open("w") as rm_err:
        rm = subprocess.Popen([sys.executable, str(RM_SCRIPT), f"ws://127.0.0.1:{port}/{RM_ID}",
                               str(CAMPAIGN_TIMEOUT_S)], stdout=rm_out, stderr=rm_err, cwd=REPO)
        try:
            run = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", str(profile),
                                  "--out", str(out), "--requirements", ",".join(NEED_PEBC + UNDECLARED),
                                  *CAMPAIGN_OPTIONS],
                                 cwd=REPO, capture_output=True, text=True, timeout=CAMPAIGN_TIMEOUT_S)
        finally:
            rm.terminate()
            rm.wait(10)
    rm_events = [json.loads(line)["event"] for line in (tmp_path / "rm.out").read_text().splitlines()
                 if line.startswith("{")]
    assert "connected" in rm_events, (tmp_path / "rm.err").read_text()[-2000:]
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "NON_COMPLIANT"
    verdicts = {r["id"]: r for r in report["requirements"]}
    assert not [rid for rid, r in verdicts.items() if r["verdict"] == "ERROR"]
    for rid in NEED_PEBC:
        assert verdicts[rid]["verdict"] == "FAIL", verdicts[rid]
        [lacks] = [c for c in verdicts[rid]["checks"] if c["verdict"] == "FAIL"]
        assert lacks["name"] == "the device provides S2 control type PEBC (POWER_ENVELOPE_BASED_CONTROL)"
        assert "available_control_types [FILL_RATE_BASED_CONTROL]" in lacks["detail"]
        assert '"message_type": "ResourceManagerDetails"' in lacks["detail"]
    for rid in UNDECLARED:
        assert verdicts[rid]["verdict"] == "NOT_APPLICABLE", verdicts[rid]
    record = [json.loads(line) for line in (out / "record.jsonl").read_text().splitlines()]
    spent = bench_time_per_failed_test_s(record)   # the missing control type ends each requirement at once
    assert spent and max(spent.values()) <= GAP_SHOWN_WITHIN_S, spent
    [identity] = [e for e in record if e["kind"] == "dut_identity"]
    assert identity["read"]["model"] == "FRBC-only RM"          # the third-party RM answered, not a simulator
