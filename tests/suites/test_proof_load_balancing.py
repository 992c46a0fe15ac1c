"""Proofs of EV-LOADBAL-P1 (test_suites/ev_charger/test_load_balancing.py) on the reference OCPP 2.0.1
charger (device_profiles/sim-ev-charger-201.yaml: P1 load balancing, main fuse 3 x 25 A, declared
response time 8 s). Its compliant PASS is in test_proof_ev_charger_compliant.py (the whole campaign);
here each campaign runs EV-LOADBAL-P1 alone.

The charger reacts 1 s after a telegram (p1_response_delay_s), then its pilot (1 s) and the EV (2 s):
about 3 s plus up to a 1 s telegram wait. x4 on its delay settles 7 s after the step (PASS with the
1 s sampling guard band under 8 s); x7 settles after 10 s (FAIL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REFERENCE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-ev-charger-201.yaml"
REQ = "EV-LOADBAL-P1"


def run(lab: Any, name: str, knobs: dict[str, Any]) -> Any:
    parameters = yaml.safe_load(REFERENCE.read_text())["simulation"]["parameters"]
    profile = lab.profile(knobs=knobs, parameters=parameters, reference=REFERENCE, name=name)
    return lab.run(profile=profile, requirements=[REQ], out_name=name)


def failed_checks(result: Any) -> list[str]:
    return [c["name"] for entry in result.report["requirements"] if entry["id"] == REQ
            for c in entry.get("checks", []) if c.get("verdict") == "FAIL"]


def test_just_inside_the_response_time_passes(lab):
    result = run(lab, "just-inside", {"p1_response_delay_factor": 4.0})
    assert result.verdict(REQ) == "PASS", failed_checks(result)
    checks = {c["name"]: c for r in result.report["requirements"] for c in r["checks"]}
    settle = next(c for name, c in checks.items() if "time until the connection point" in name)
    assert settle["measured"] == pytest.approx(7.0)


@pytest.mark.parametrize(("knobs", "caught_by"), [
    ({"ignores_p1": True}, "connection point at or under the main fuse"),
    ({"p1_reads_phase": "L1"}, "connection point at or under the main fuse"),      # the step is on L2
    ({"p1_response_delay_factor": 7.0}, "time until the connection point is at or under the main fuse"),
], ids=["ignores-p1", "reads-wrong-phase", "too-slow"])
def test_fault_knob_fails(lab, knobs, caught_by):
    result = run(lab, "-".join(knobs), knobs)
    assert result.verdict(REQ) == "FAIL", result.stderr[-3000:]
    names = failed_checks(result)
    assert any(caught_by in name for name in names), names
    assert any("highest connection-point phase import from Tr on" in name for name in names), names
