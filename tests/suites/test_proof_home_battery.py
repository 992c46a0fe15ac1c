"""Suite proofs for the home-battery suites (test_suites/home_battery) on the reference battery
(device_profiles/sim-home-battery.yaml): a full campaign is COMPLIANT, each fault knob
(docs/simulated-devices.md, "Home battery") FAILs the requirement it breaks, and a knob just inside
the declared response time still PASSes."""

from __future__ import annotations

from pathlib import Path

import pytest

from proof_campaigns import plots_lacking_evidence

PROFILE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-home-battery.yaml"
ALL = ["BAT-SETPOINT", "BAT-SOC-LIMITS", "BAT-READBACK", "BAT-FAILSAFE"]


def test_compliant_home_battery_is_compliant(lab):
    result = lab.run_reference(PROFILE, {})
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    assert result.report["verdict"] == "COMPLIANT"
    assert result.verdicts() == dict.fromkeys(ALL, "PASS")
    assert plots_lacking_evidence(result.report) == []       # setpoint, band, instants on every plot


# Independent knobs (docs/simulated-devices.md) share one campaign of the requirements they break.
@pytest.mark.parametrize(("knobs", "requirements"), [
    ({"ignores_soc_limits": True,               # runs to 0 % / 100 %
      "readback_power_factor": 1.1, "no_failsafe": True}, ["BAT-SOC-LIMITS", "BAT-READBACK", "BAT-FAILSAFE"]),
    ({"overshoot_factor": 1.2}, ["BAT-SETPOINT"]),            # 20 % above every setpoint
    ({"ignores_setpoints": True}, ["BAT-SETPOINT"]),
    ({"response_time_factor": 4.0}, ["BAT-SETPOINT"]),        # 8 s + up to 10 s ramp > declared 15 s
    ({"failsafe_never_left": True}, ["BAT-FAILSAFE"]),
    ({"failsafe_left_on_heartbeat": True}, ["BAT-FAILSAFE"]),       # leaves before a new setpoint
], ids=lambda v: ",".join(v) if isinstance(v, list) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_fault_knobs_fail_their_requirements(lab, knobs, requirements):
    result = lab.run_reference(PROFILE, knobs, requirements)
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    assert {rid: result.verdict(rid) for rid in requirements} == dict.fromkeys(requirements, "FAIL")


def test_slow_response_just_inside_passes(lab):
    """Acting after 4 s (+ up to 10 s of ramp) stays inside the declared 15 s."""
    result = lab.run_reference(PROFILE, {"response_time_factor": 2.0}, ["BAT-SETPOINT"])
    assert result.exit_code == 2, result.stdout + result.stderr[-3000:]   # subset campaign: INCONCLUSIVE
    assert result.verdict("BAT-SETPOINT") == "PASS"
