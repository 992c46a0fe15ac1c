"""Proofs on the single-phase reference PV inverter (device_profiles/sim-pv-inverter-1ph.yaml:
4.6 kW on L2). The suites judge the phase it is on (test_suites/common.py ``device_phases``, from
the profile's ``ratings.phase_connection``): trips and P(U) on the L2 voltage, U<< stepped on L2
alone, 701 readings against the analyzer's L2.

The compliant reference PASSes the requirements each defect below is proven on (its full campaign
is COMPLIANT in ``make demo``); each defect FAILs the requirement it breaks. ``sensed_phase: L1``
is an inverter judging the wrong phase's voltage: it feeds L2 but watches L1, so the U<< step on
L2 does not trip it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REFERENCE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-pv-inverter-1ph.yaml"
VOLTAGE_STAGES = ["PV-UMAX-TRIP", "PV-UMIN-TRIP", "PV-UMINMIN-TRIP"]
PU = ["PV-PU-STEADY", "PV-PU-RESPONSE"]
READINGS = "PV-SUNSPEC-READINGS"


def run(lab: Any, knobs: dict[str, Any], requirements: list[str], name: str) -> Any:
    """A campaign on a copy of the single-phase reference (its simulation parameters kept)."""
    parameters = yaml.safe_load(REFERENCE.read_text())["simulation"]["parameters"]
    profile = lab.profile(knobs=knobs, parameters=parameters, reference=REFERENCE, name=name)
    return lab.run(profile=profile, requirements=requirements, out_name=name)


def _expect(result: Any, expected: dict[str, str]) -> None:
    got = {rid: result.verdict(rid) for rid in expected}
    assert got == expected, (f"verdicts {got}, expected {expected}; exit {result.exit_code}\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def test_reference_passes_on_its_phase(lab):
    result = run(lab, {}, VOLTAGE_STAGES + PU + [READINGS], "reference")
    _expect(result, dict.fromkeys(VOLTAGE_STAGES + PU + [READINGS], "PASS"))
    checks = [c["name"] for r in result.report["requirements"] for c in r.get("checks", [])]
    assert any(name.startswith("U<< (phase 2)") for name in checks), checks
    assert any(name.startswith("701 VL1 (on L2)") for name in checks), checks


@pytest.mark.parametrize("knobs, requirements, expected", [
    # U>> at 113 % trips at 113.5 %; U< at 72 % / U<< at 27 % trip at 71.5 % / 26.5 %
    pytest.param({"trip_threshold_offset": {"over_voltage": -2.0, "under_voltage": 2.0}}, VOLTAGE_STAGES,
                 dict.fromkeys(VOLTAGE_STAGES, "FAIL"), id="trip-thresholds-inward-2pct-fail"),
    # the curve 3 % Un late (outside the 1.5 % Un band), and a response 3 x Tr
    pytest.param({"volt_watt_voltage_offset_pct": 3.0, "volt_watt_response_time_factor": 3.0}, PU,
                 dict.fromkeys(PU, "FAIL"), id="pu-late-and-slow-fail"),
    # watches L1 while feeding L2: the U<< step on L2 goes unseen
    pytest.param({"sensed_phase": "L1"}, ["PV-UMINMIN-TRIP"], {"PV-UMINMIN-TRIP": "FAIL"},
                 id="wrong-phase-voltage-fails"),
    # 701 voltage 5 V high (declared accuracy 2.3 V)
    pytest.param({"readings_voltage_offset_v": 5.0}, [READINGS], {READINGS: "FAIL"}, id="readings-voltage-fails"),
    # 701 W 3 % high: 138 W at 4.6 kW, inside the catalog's 230 W but outside the declared 92 W
    pytest.param({"readings_power_gain": 1.03}, [READINGS], {READINGS: "FAIL"},
                 id="readings-power-outside-declaration-fails"),
])
def test_single_phase_defects_fail(lab, knobs, requirements, expected):
    result = run(lab, knobs, requirements, "dut")
    _expect(result, expected)
    assert result.exit_code == 1
