"""Suite proofs for the heat-pump control suites on the S2 reference heat pump
(device_profiles/sim-heat-pump-s2.yaml: the bench is the S2 CEM, the simulated resource manager
dials it and offers PEBC): a full campaign is COMPLIANT, and each fault knob FAILs the requirement
it breaks (docs/simulated-devices.md, "Heat pump")."""

from __future__ import annotations

from pathlib import Path

import pytest

PROFILE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-heat-pump-s2.yaml"
APPLICABLE = ["HP-SGREADY-NORMAL", "HP-SGREADY-BLOCK", "HP-SGREADY-RELEASE", "HP-SGREADY-BOOST",
              "HP-SGREADY-FORCED", "HP-SGREADY-BLOCK-DURATION", "HP-LIMIT-S2", "HP-FAILSAFE-S2",
              "HP-14A-DIMMING", "HP-UNDERVOLTAGE", "HP-READBACK"]
NOT_APPLICABLE = ["HP-LIMIT-MODBUS", "HP-FAILSAFE-MODBUS", "HP-HYBRID-SWITCH", "HP-REBOUND"]


def test_compliant_s2_heat_pump_is_compliant(lab):
    result = lab.run_reference(PROFILE, {})
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    assert result.report["verdict"] == "COMPLIANT"
    assert result.verdicts() == {**dict.fromkeys(APPLICABLE, "PASS"),
                                 **dict.fromkeys(NOT_APPLICABLE, "NOT_APPLICABLE")}


# Independent knobs (docs/simulated-devices.md) share one campaign of the requirements they break.
@pytest.mark.parametrize(("knobs", "requirements"), [
    ({"s2_malformed_frame": True,               # a PowerMeasurement breaking the schema: interop FAIL
      "no_failsafe": True,
      "readback_power_factor": 1.1},            # S2 PowerMeasurement ~500 W off
     ["HP-LIMIT-S2", "HP-FAILSAFE-S2", "HP-READBACK"]),
    ({"s2_ignores_instruction": True}, ["HP-LIMIT-S2"]),     # SUCCEEDED, never applied
    ({"s2_rejects_valid": True}, ["HP-LIMIT-S2"]),           # ReceptionStatus INVALID_CONTENT
    ({"limit_response_time_factor": 10.0}, ["HP-LIMIT-S2"]),  # 50 s > declared delay 10 s + 30 s
    ({"failsafe_never_left": True}, ["HP-FAILSAFE-S2"]),
    ({"failsafe_left_on_reconnect": True}, ["HP-FAILSAFE-S2"]),     # leaves before a new instruction
], ids=lambda v: ",".join(v) if isinstance(v, list) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_fault_knobs_fail_their_requirements(lab, knobs, requirements):
    result = lab.run_reference(PROFILE, knobs, requirements)
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    assert {rid: result.verdict(rid) for rid in requirements} == dict.fromkeys(requirements, "FAIL")
