"""Suite proofs of HP-REBOUND and EV-REBOUND (test_suites/*/test_rebound.py): campaigns selecting only
the rebound requirement on the reference heat pump with SG-Ready, §14a dimming and Modbus
(sim-heat-pump-modbus: block, dimming and outage events) and charger (sim-ev-charger-16j-11kw), with
the randomised-restart fault knobs (simlab/devices/restart_delay.py).

The compliant references PASS in their full-campaign proofs (test_proof_heat_pump_modbus.py,
test_proof_heat_pump_sgready.py, test_proof_ev_charger_compliant.py). To stay cheap, two knobs
share a campaign where they break different checks (asserted by the failing checks' names):
``without_delay`` (delays below the range, no spread) with ``ramp_factor`` (ramp), and
``same_delay`` (no spread) with ``delay_offset_s`` (delays above the range). A just-inside variant
(steeper ramp and later delays, still inside the declaration) PASSes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PROFILES = Path(__file__).resolve().parents[2] / "device_profiles"
CASES = {   # requirement, reference, (the two shared faulty knob sets), just-inside knobs
    "heat_pump": ("HP-REBOUND", PROFILES / "sim-heat-pump-modbus.yaml",
                  {"without_delay": True, "ramp_factor": 4.0},           # 48 W/s > 20 W/s declared
                  {"same_delay": True, "delay_offset_s": 200.0},          # 570 s + 200 s + 20 s > 908 s
                  {"ramp_factor": 1.4, "delay_offset_s": 30.0}),          # 16.8 W/s + U; <= 840 + 30 + 20 + 14 s
    "ev_charger": ("EV-REBOUND", PROFILES / "sim-ev-charger-16j-11kw.yaml",
                   {"without_delay": True, "ramp_factor": 4.0},          # 2 A/s > 1 A/s declared
                   {"same_delay": True, "delay_offset_s": 60.0},          # 70 s + 60 s + response > 133 s
                   {"ramp_factor": 1.8, "delay_offset_s": 5.0}),          # 0.9 A/s; <= 120 + 5 + ~4 s
}


def _run(lab: Any, kind: str, faults: dict[str, Any]) -> Any:
    requirement, reference = CASES[kind][:2]
    return lab.run_reference(reference, {"randomised_restart_faults": faults}, [requirement])


def _failed_checks(result: Any, requirement: str) -> list[str]:
    return [c["name"] for entry in result.report["requirements"] if entry["id"] == requirement
            for c in entry.get("checks", []) if c.get("verdict") == "FAIL"]


def _assert_caught(result: Any, requirement: str, *caught_by: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    assert result.verdict(requirement) == "FAIL"
    names = _failed_checks(result, requirement)
    for part in caught_by:
        assert any(part in name for name in names), (part, names)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_restart_without_delay_and_steep_ramp_fail(lab, kind):
    requirement, _, faults = CASES[kind][:3]
    result = _run(lab, kind, faults)
    _assert_caught(result, requirement, "restart delay", "steepest rise", "spread (max - min)")
    if kind == "heat_pump":                  # the ramp back from the dimmed power too
        _assert_caught(result, requirement, "dimming lifted, repetition 1/5: steepest rise")


@pytest.mark.parametrize("kind", sorted(CASES))
def test_same_delay_outside_the_range_fails(lab, kind):
    requirement, _, _, faults = CASES[kind][:4]
    result = _run(lab, kind, faults)
    _assert_caught(result, requirement, "restart delay", "spread (max - min)")
    if kind == "heat_pump":                  # every event of the heat pump: block, dimming, outage
        _assert_caught(result, requirement, "block lifted: spread", "dimming lifted: spread", "AC back: spread")
    names = _failed_checks(result, requirement)
    assert not any("steepest rise" in name for name in names), names


@pytest.mark.parametrize("kind", sorted(CASES))
def test_defects_just_inside_the_declaration_pass(lab, kind):
    requirement, _, _, _, faults = CASES[kind]
    result = _run(lab, kind, faults)
    # exit 2: the requirements left out of a --requirements campaign make it INCONCLUSIVE
    assert result.exit_code == 2, result.stdout + result.stderr[-3000:]
    assert result.verdict(requirement) == "PASS", _failed_checks(result, requirement)
