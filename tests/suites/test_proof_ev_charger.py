"""Suite proofs for the EV-charger campaign (test_suites/ev_charger): real campaigns (``lab`` fixture
of tests/suites/conftest.py, a ``flexbench run`` process with its own simulated lab) on the reference
chargers (device_profiles/sim-ev-charger-16j-11kw.yaml, sim-ev-charger-201.yaml), with fault knobs
(simlab/devices/ev_charger/knobs.py) or with parameters that contradict the profile's declared
values; verdicts read from report.json.

To keep the proofs short, knobs that break disjoint requirements share one campaign, and each
campaign runs only the requirements it proves (``--requirements``); every campaign asserts that each
listed requirement FAILs and names the check that caught it, so one knob cannot hide behind another.
The compliant references PASS every requirement in the full campaigns of
test_proof_ev_charger_compliant.py.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml


PROFILES = Path(__file__).resolve().parents[2] / "device_profiles"
REF_16 = PROFILES / "sim-ev-charger-16j-11kw.yaml"
REF_201 = PROFILES / "sim-ev-charger-201.yaml"


def reference_parameters(reference: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(reference.read_text())["simulation"].get("parameters") or {})


def run(lab: Any, *, requirements: list[str], knobs: dict[str, Any] | None = None,
        parameters: dict[str, Any] | None = None, edit: dict[str, Any] | None = None,
        reference: Path = REF_16) -> Any:
    """A campaign on a copy of ``reference`` (its simulation parameters kept, ``parameters`` on top)."""
    profile = lab.profile(knobs=knobs or {}, parameters={**reference_parameters(reference), **(parameters or {})},
                          edit=edit, reference=reference, name=f"dut-{len(list(lab.tmp_path.glob('dut-*')))}")
    started = time.monotonic()
    result = lab.run(profile=profile, requirements=requirements, out_name=profile.stem)
    print(f"campaign {requirements} knobs={knobs} parameters={parameters} edit={edit}: "
          f"exit {result.exit_code}, {time.monotonic() - started:.1f} s wall")
    return result


def failed_checks(result: Any, requirement: str) -> list[str]:
    """Names of the FAILed checks of ``requirement`` in the report."""
    for entry in result.report["requirements"]:
        if entry["id"] == requirement:
            return [c["name"] for c in entry.get("checks", []) if c.get("verdict") == "FAIL"]
    return []


def assert_fails(result: Any, expectations: dict[str, str]) -> None:
    """Each requirement FAILs, and one of its failed checks names ``expectations[requirement]``."""
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    verdicts = result.verdicts()
    for requirement, caught_by in expectations.items():
        assert verdicts[requirement] == "FAIL", (requirement, verdicts, result.stderr[-2000:])
        names = failed_checks(result, requirement)
        assert any(caught_by in name for name in names), (requirement, caught_by, names)


def test_independent_defects_fail_their_requirements(lab):
    """Five defects, five requirements: a silent 6 A, a meter 5 % high, a socket closed on an unknown
    CALL, full power while offline, and no authentication at all (security profile 0)."""
    result = run(lab, knobs={"ignores_min_current": True, "meter_error_factor": 1.05,
                             "closes_socket_on_unknown_message": True, "unconstrained_offline": True},
                 edit={"links.control.security_profile": 0, "links.control.password": None},
                 requirements=["EV-MIN-CURRENT", "EV-METER-ACCURACY", "EV-ROBUSTNESS", "EV-COMMLOSS-OFFLINE",
                               "EV-SECURITY-BASIC-AUTH"])
    assert_fails(result, {"EV-MIN-CURRENT": "paused", "EV-METER-ACCURACY": "reported - analyzer",
                          "EV-ROBUSTNESS": "CALLERROR", "EV-COMMLOSS-OFFLINE": "while offline",
                          "EV-SECURITY-BASIC-AUTH": "authenticated"})


def test_lost_profiles_and_trusting_any_certificate_fail(lab):
    """Profiles forgotten on reconnect and on reboot, and a charger that connects to a CSMS whose
    certificate comes from an unknown CA."""
    result = run(lab, knobs={"profile_lost_on_reconnect": True, "profile_lost_on_reboot": True,
                             "accepts_any_server_certificate": True},
                 requirements=["EV-COMMLOSS-RECONNECT", "EV-COMMLOSS-RESET", "EV-SECURITY-SERVER-CERT"])
    assert_fails(result, {"EV-COMMLOSS-RECONNECT": "composite limit now",
                          "EV-COMMLOSS-RESET": "from the Reset on", "EV-SECURITY-SERVER-CERT": "stayed out"})


def test_ignored_profiles_fail_limits_and_net_aware(lab):
    """A charger that accepts every profile and charges at full power anyway: the stepped limits
    and the net-aware window (the clock moves from 12:00 through 16:00 and 21:00) FAIL."""
    requirements = {"EV-LIMIT-TXDEFAULT": "highest current from Tr on", "EV-NETAWARE": "highest current",
                    "EV-LIMIT-TX": "highest current from Tr on"}
    result = run(lab, knobs={"ignores_profiles": True}, requirements=list(requirements))
    assert_fails(result, requirements)


@pytest.mark.parametrize(("knobs", "caught_by"), [
    ({"rejects_valid_profiles": True}, "accepted"),
    ({"evse_response_delay_factor": 100.0}, "reached"),                 # 100 s: not even by Tr + hold
    ({"overshoot_factor": 1.5, "overshoot_duration_s": 3.0}, "peak current during the change"),
], ids=["rejects", "slow", "overshoot"])
def test_limit_defects_fail_tx_default(lab, knobs, caught_by):
    result = run(lab, knobs=knobs, requirements=["EV-LIMIT-TXDEFAULT"])
    assert_fails(result, {"EV-LIMIT-TXDEFAULT": caught_by})


def test_station_max_raising_and_early_grid_restart_fail(lab):
    """The station maximum raises instead of caps; after 195.5 V the charger restarts after 5 s
    although it declares 60 s."""
    result = run(lab, knobs={"wrong_stacking": "max_over_purposes"}, parameters={"restart_delay_s": 5.0},
                 requirements=["EV-LIMIT-STATIONMAX", "EV-GRID-EXCURSION"])
    assert_fails(result, {"EV-LIMIT-STATIONMAX": "highest current from Tr on",
                          "EV-GRID-EXCURSION": "time from nominal voltage"})


def test_watts_read_at_line_voltage_fail_watt_limits_and_dimming(lab):
    """W -> A at 400 V x phases: too little current under W limits, and 4.2 kW becomes a pause."""
    result = run(lab, knobs={"wrong_unit_conversion": "line_voltage"},
                 requirements=["EV-LIMIT-WATT", "EV-14A-DIMMING"])
    assert_fails(result, {"EV-LIMIT-WATT": "lowest consumption", "EV-14A-DIMMING": "dimmed to 4200 W"})


def test_watts_read_per_phase_and_no_stop_at_195_v_fail(lab):
    """W limits read per phase (3 x the current); and a charger declaring a stop below 200 V that
    keeps charging at 195.5 V."""
    result = run(lab, knobs={"wrong_unit_conversion": "single_phase"}, parameters={"undervoltage_stop_v": 184.0},
                 requirements=["EV-LIMIT-WATT", "EV-GRID-EXCURSION"])
    assert_fails(result, {"EV-LIMIT-WATT": "highest consumption", "EV-GRID-EXCURSION": "stopped"})


def test_claimed_offline_fallback_missing_fails(lab):
    """The 2.0.1 station claims a fallback after 300 s offline but keeps its online limit."""
    result = run(lab, reference=REF_201, parameters={"max_offline_duration_s": None},
                 requirements=["EV-OFFLINE-FALLBACK"])
    assert_fails(result, {"EV-OFFLINE-FALLBACK": "fallback to 6 A"})


@pytest.mark.parametrize(("knobs", "caught_by"), [
    ({"wrong_stacking": "lowest_stack_wins"}, "equals the bench's composite"),
    ({"composite_schedule_wrong": True}, "equals the bench's composite"),
], ids=["lowest-stack-wins", "reports-wrong-composite"])
def test_stacking_defects_fail_composite(lab, knobs, caught_by):
    result = run(lab, knobs=knobs, requirements=["EV-COMPOSITE"])
    assert_fails(result, {"EV-COMPOSITE": caught_by})


def test_charger_giving_up_after_refused_handshake_fails_mtls(lab):
    result = run(lab, reference=REF_201, knobs={"gives_up_after_refusal": True}, requirements=["EV-SECURITY-MTLS"])
    assert_fails(result, {"EV-SECURITY-MTLS": "reconnected by itself"})


def test_schema_breaking_messages_fail_interop(lab):
    """MeterValues without their required timestamp. EV-INTEROP-MESSAGES alone moves no bench time
    (no MeterValues would be due), so EV-MIN-CURRENT (judged on the analyzer, not on MeterValues)
    runs first to let the charger sample."""
    result = run(lab, knobs={"meter_values_break_schema": True},
                 requirements=["EV-MIN-CURRENT", "EV-INTEROP-MESSAGES"])
    assert_fails(result, {"EV-INTEROP-MESSAGES": "violation: MeterValues"})
    assert result.verdicts()["EV-MIN-CURRENT"] == "PASS", result.verdicts()
