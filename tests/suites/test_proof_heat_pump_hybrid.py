"""Suite proofs for the hybrid heat pump (device_profiles/sim-hybrid-heat-pump.yaml: S2 with DDBC
electric / gas modes and PEBC, a Modbus map on RS-485 / Modbus RTU, SG-Ready; declared to stop
below 207 V): a full campaign is COMPLIANT; switching to gas and the minimum off time after an
undervoltage stop FAIL with their knobs; the Modbus RTU path alone (no S2: the switch goes through
the map's operating_mode) PASSes compliant and FAILs with the knob."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

PROFILE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-hybrid-heat-pump.yaml"
APPLICABLE = ["HP-SGREADY-NORMAL", "HP-SGREADY-BLOCK", "HP-SGREADY-RELEASE", "HP-SGREADY-BOOST",
              "HP-SGREADY-FORCED", "HP-SGREADY-BLOCK-DURATION", "HP-LIMIT-MODBUS", "HP-LIMIT-S2",
              "HP-FAILSAFE-S2", "HP-14A-DIMMING", "HP-HYBRID-SWITCH", "HP-UNDERVOLTAGE", "HP-READBACK"]
NOT_APPLICABLE = ["HP-FAILSAFE-MODBUS", "HP-REBOUND"]


def _rtu_only_profile(tmp_path: Path, knobs: dict[str, Any], name: str) -> Path:
    """The hybrid profile without its S2 link: the Modbus RTU map becomes the control link."""
    data = yaml.safe_load(PROFILE.read_text())
    data["links"].pop("control")
    data["links"]["control"] = data["links"].pop("modbus")
    data["simulation"]["knobs"] = dict(knobs)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_compliant_hybrid_heat_pump_is_compliant(lab):
    result = lab.run_reference(PROFILE, {})
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    assert result.report["verdict"] == "COMPLIANT"
    assert result.verdicts() == {**dict.fromkeys(APPLICABLE, "PASS"),
                                 **dict.fromkeys(NOT_APPLICABLE, "NOT_APPLICABLE")}


@pytest.mark.parametrize(("requirement", "knobs"), [
    ("HP-HYBRID-SWITCH", {"hybrid_does_not_switch": True}),          # DDBC gas mode acknowledged, not applied
    ("HP-UNDERVOLTAGE", {"ignores_min_off_time_on_restart": True}),  # restarts ~120 s after the stop < 300 s
], ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_fault_knob_fails_its_requirement(lab, requirement, knobs):
    result = lab.run_reference(PROFILE, knobs, [requirement])
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    assert result.verdict(requirement) == "FAIL"


@pytest.mark.parametrize(("knobs", "verdict"), [({}, "PASS"), ({"hybrid_does_not_switch": True}, "FAIL")],
                         ids=["compliant", "hybrid_does_not_switch"])
def test_switch_to_gas_over_modbus_rtu(lab, tmp_path, knobs, verdict):
    profile = _rtu_only_profile(tmp_path, knobs, "rtu_only")
    result = lab.run(profile=profile, requirements=["HP-HYBRID-SWITCH"])
    assert result.exit_code == (2 if verdict == "PASS" else 1), result.stdout + result.stderr[-3000:]
    assert result.verdict("HP-HYBRID-SWITCH") == verdict
