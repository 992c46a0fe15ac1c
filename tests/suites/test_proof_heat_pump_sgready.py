"""Suite proofs for the SG-Ready heat-pump suites (test_suites/heat_pump): real campaigns on the
reference heat pump (device_profiles/sim-heat-pump-sgready.yaml), compliant and with each fault
knob (docs/simulated-devices.md, "SG-Ready heat pump"), verdicts read from report.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from proof_campaigns import plots_lacking_evidence

HP_PROFILE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-heat-pump-sgready.yaml"
ALL = ["HP-SGREADY-NORMAL", "HP-SGREADY-BLOCK", "HP-SGREADY-RELEASE", "HP-SGREADY-BOOST",
       "HP-SGREADY-FORCED", "HP-SGREADY-BLOCK-DURATION"]


def _campaign(lab: Any, knobs: dict[str, Any], requirements: list[str] | None = None) -> Any:
    """A campaign (``lab`` fixture of tests/suites/conftest.py) on a copy of the heat-pump profile
    (its simulation parameters kept: the randomised restart it declares)."""
    return lab.run_reference(HP_PROFILE, knobs, requirements)


def _sg_ready_verdicts(result: Any) -> dict[str, str]:
    return {rid: v for rid, v in result.verdicts().items() if rid in ALL}


def test_compliant_heat_pump_passes_every_sg_ready_requirement(lab):
    result = _campaign(lab, {})
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    assert result.report["verdict"] == "COMPLIANT"
    assert _sg_ready_verdicts(result) == dict.fromkeys(ALL, "PASS")
    # the profile has no Modbus map, S2 link, dimming input or gas boiler: those requirements
    # do not apply to it; what does apply (e.g. undervoltage behaviour) passes
    others = {rid: v for rid, v in result.verdicts().items() if rid not in ALL}
    assert others and set(others.values()) <= {"NOT_APPLICABLE", "PASS"}, others
    assert plots_lacking_evidence(result.report) == []       # stimulus, applied limit, instants


@pytest.mark.parametrize(("requirement", "knobs"), [
    ("HP-SGREADY-BLOCK", {"ignores_block": True}),
    ("HP-SGREADY-BLOCK", {"response_time_factor": 4.0}),           # acts after 80 s > Tr 60 s
    ("HP-SGREADY-NORMAL", {"keeps_blocking_after_release": True}),
    ("HP-SGREADY-RELEASE", {"surge_on_release_factor": 2.0}),      # rebound to ~2.4 kW
    ("HP-SGREADY-RELEASE", {"release_ramp_factor": 4.0}),          # 20 W/s > 10 W/s
    ("HP-SGREADY-BOOST", {"boost_ignored": True}),
    ("HP-SGREADY-FORCED", {"forced_on_ignored": True}),
    ("HP-SGREADY-FORCED", {"forced_power_factor": 0.8}),           # 2.4 kW < 2.85 kW
    ("HP-SGREADY-BLOCK-DURATION", {"block_limit_s": 7000.0}),      # resumes ~180 s early
], ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_fault_knob_fails_its_requirement(lab, requirement, knobs):
    result = _campaign(lab, knobs, [requirement])
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    assert result.verdict(requirement) == "FAIL"


def test_slow_response_just_inside_passes_block(lab):
    """Acting on the input after 52 s (+ 2.6 s shutdown) is still inside Tr = 60 s."""
    result = _campaign(lab, {"response_time_factor": 2.6}, ["HP-SGREADY-BLOCK"])
    # exit 2: the requirements left out of a --requirements campaign make it INCONCLUSIVE
    assert result.exit_code == 2, result.stdout + result.stderr[-3000:]
    assert result.verdict("HP-SGREADY-BLOCK") == "PASS"


def test_defects_just_inside_the_limits_pass(lab):
    """Each continuous knob set just inside its requirement's limit: every requirement still PASSes."""
    knobs = {"surge_on_release_factor": 1.15,     # peak ~P2 + 190 W <= P2 + 300 W
             "release_ramp_factor": 1.6,          # 8 W/s <= 10 W/s
             "forced_power_factor": 0.96,         # 2.9 kW >= 2.85 kW
             "block_limit_s": 7185.0}             # resumes 7185 s + 20 s input delay after state 1
    result = _campaign(lab, knobs)
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    assert _sg_ready_verdicts(result) == dict.fromkeys(ALL, "PASS")
