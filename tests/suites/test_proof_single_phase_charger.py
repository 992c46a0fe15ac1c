"""Proofs on the single-phase reference charger (device_profiles/sim-ev-charger-1ph.yaml: OCPP 1.6J,
7.4 kW, 32 A on L3). The suites judge the current on the phase it is on (test_suites/common.py
``device_phases``, from the profile's ``ratings.phase_connection``): the analyzer's L3 is the
charger's L1, and its W limits are W / (230 V x 1 phase).

The compliant reference PASSes the whole campaign (COMPLIANT; NOT_APPLICABLE only for the functions
it does not claim); defects FAIL the requirements they break, each caught by the named check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bench.catalog import load_catalog
from proof_campaigns import reference_verdicts

REFERENCE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-ev-charger-1ph.yaml"
ALL = load_catalog("ev_charger").ids()


def run(lab: Any, name: str, *, knobs: dict[str, Any] | None = None,
        requirements: list[str] | None = None) -> Any:
    """A campaign on a copy of the single-phase reference (its simulation parameters kept)."""
    parameters = yaml.safe_load(REFERENCE.read_text())["simulation"].get("parameters") or {}
    profile = lab.profile(knobs=knobs or {}, parameters=parameters, reference=REFERENCE, name=name)
    return lab.run(profile=profile, requirements=requirements, out_name=name)


def assert_fails(result: Any, expectations: dict[str, str]) -> None:
    """Each requirement FAILs, and one of its failed checks names ``expectations[requirement]``."""
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    verdicts = result.verdicts()
    for requirement, caught_by in expectations.items():
        assert verdicts[requirement] == "FAIL", (requirement, verdicts, result.stderr[-2000:])
        names = [c["name"] for entry in result.report["requirements"] if entry["id"] == requirement
                 for c in entry.get("checks", []) if c.get("verdict") == "FAIL"]
        assert any(caught_by in name for name in names), (requirement, caught_by, names)


def test_single_phase_reference_charger_is_compliant(lab):
    result = run(lab, "reference")
    assert result.exit_code == 0, result.stdout + result.stderr[-3000:]
    assert result.report["verdict"] == "COMPLIANT"
    not_applicable = {"EV-OFFLINE-FALLBACK", "EV-SECURITY-MTLS",   # no fallback claimed; security profile 2;
                      "EV-LOADBAL-P1", "EV-PHASE-SWITCH",       # no P1 port; one phase: nothing to switch
                      "EV-REBOUND"}                             # no randomised restart claimed
    assert result.verdicts() == reference_verdicts(ALL, not_applicable)


def test_silent_minimum_and_high_meter_fail_on_its_phase(lab):
    """A silent 6 A instead of a pause, and a meter 5 % high against the analyzer's L3."""
    result = run(lab, "min-meter", knobs={"ignores_min_current": True, "meter_error_factor": 1.05},
                 requirements=["EV-MIN-CURRENT", "EV-METER-ACCURACY"])
    assert_fails(result, {"EV-MIN-CURRENT": "paused", "EV-METER-ACCURACY": "reported - analyzer"})


def test_watts_read_at_line_voltage_fail_watt_limits_and_dimming(lab):
    """W -> A at 400 V: too little current under W limits, and the 4.2 kW dimming too deep."""
    result = run(lab, "line-voltage", knobs={"wrong_unit_conversion": "line_voltage"},
                 requirements=["EV-LIMIT-WATT", "EV-14A-DIMMING"])
    assert_fails(result, {"EV-LIMIT-WATT": "lowest consumption", "EV-14A-DIMMING": "dimmed to 4200 W"})


def test_ignored_profiles_fail_the_stepped_limits(lab):
    result = run(lab, "ignores", knobs={"ignores_profiles": True}, requirements=["EV-LIMIT-TXDEFAULT"])
    assert_fails(result, {"EV-LIMIT-TXDEFAULT": "highest current from Tr on"})
