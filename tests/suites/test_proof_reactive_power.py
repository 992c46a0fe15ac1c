"""Proofs for test_suites/pv_inverter/test_reactive_power.py (PV-QU-STEADY, PV-QU-RESPONSE,
PV-COSPHI-P, PV-FIXED-COSPHI, PV-FIXED-Q, PV-Q-PRIORITY).

Tolerances behind the knob values (10 kVA reference, NL defaults): every Q band is widened by
1.5 MRA_Q = 750 var (7.5 % Srated); in the Q(U) deadband the band is +-750 var wide only on the
side away from the slopes, so a Q offset of 5 % Srated (500 var) PASSes and 10 % (1000 var) FAILs
the deadband points and the fixed-Q set points. The Q(U) response step (Un -> 90.5 % Un, 0 ->
4400 var) needs 0.9 - 750 / 4400 = 73 % of the step at Tr (plus the analyzer's guard band); a
first-order response k x Tr covers 1 - 0.1^(1/k): k = 1.6 covers 76.3 % and PASSES, k = 1.9 covers
70.2 % and FAILS (the check passes up to about 1.7 x Tr).

Each campaign selects only the requirements its knob breaks (or, for the just-inside variant, all
six). The single-phase reference is COMPLIANT on all six in ``make demo``.
"""

from __future__ import annotations

from typing import Any

from proof_campaigns import SHARED_REFERENCE_GROUP

QU, QU_RESPONSE, COSPHI_P = "PV-QU-STEADY", "PV-QU-RESPONSE", "PV-COSPHI-P"
FIXED_PF, FIXED_Q, PRIORITY = "PV-FIXED-COSPHI", "PV-FIXED-Q", "PV-Q-PRIORITY"
ALL = [QU, QU_RESPONSE, COSPHI_P, FIXED_PF, FIXED_Q, PRIORITY]


def _expect(result: Any, expected: dict[str, str]) -> None:
    got = {rid: result.verdict(rid) for rid in expected}
    assert got == expected, (f"verdicts {got}, expected {expected}; exit {result.exit_code}\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


@SHARED_REFERENCE_GROUP
def test_compliant_reference_passes_all(shared_campaign):
    _expect(shared_campaign(requirements=ALL), dict.fromkeys(ALL, "PASS"))


def test_inverted_sign_fails_every_set_point_requirement(campaign):
    """Absorbing where it should inject: Q(U), cos phi(P), fixed cos phi and fixed Q all FAIL."""
    requirements = [QU, COSPHI_P, FIXED_PF, FIXED_Q]
    _expect(campaign(knobs={"reactive_sign_inverted": True}, requirements=requirements),
            dict.fromkeys(requirements, "FAIL"))


def test_ignored_volt_var_fails(campaign):
    """Q(U) enabled but Q stays 0: the curve, its response and P(U) with Q(U) all FAIL."""
    requirements = [QU, QU_RESPONSE, PRIORITY]
    _expect(campaign(knobs={"volt_var_ignored": True}, requirements=requirements),
            dict.fromkeys(requirements, "FAIL"))


def test_slow_and_off_target_fail(campaign):
    """Two defects that break different requirements, in one campaign: a response 1.9 x Tr FAILs the
    response (a Q offset moves both ends of the step alike, so it does not change the share at Tr),
    a Q offset of 10 % Srated FAILs the Q(U) deadband and the fixed-Q set points."""
    knobs = {"reactive_response_time_factor": 1.9, "reactive_power_offset_pct": 10.0}
    _expect(campaign(knobs=knobs, requirements=[QU_RESPONSE, QU, FIXED_Q]),
            {QU_RESPONSE: "FAIL", QU: "FAIL", FIXED_Q: "FAIL"})


def test_violated_priority_fails(campaign):
    """Declared reactive priority, but P kept and Q cut at the S limit."""
    _expect(campaign(knobs={"reactive_priority_violated": True}, requirements=[PRIORITY]), {PRIORITY: "FAIL"})


def test_just_inside_passes_with_active_priority(lab):
    """A Q offset of 5 % Srated and a response 1.6 x Tr: inside every tolerance, all six PASS; the
    profile declares active priority, so PV-Q-PRIORITY is judged on its other branch (P kept, Q
    reduced at the S limit; the shared reference campaign judges reactive priority)."""
    knobs = {"reactive_power_offset_pct": 5.0, "reactive_response_time_factor": 1.6}
    profile = lab.profile(knobs=knobs, edit={"declared.reactive_power_priority": "active"})
    _expect(lab.run(profile=profile, requirements=ALL), dict.fromkeys(ALL, "PASS"))


def test_undeclared_functions_are_not_applicable(lab):
    """A PV profile that declares none of the reactive functions: all six NOT_APPLICABLE (no stimulus)."""
    functions = {"volt_watt": True, "frequency_droop": True, "remote_active_power_limit": True,
                 "ten_minute_mean_trip": True, "enter_service": True}
    result = lab.run(profile=lab.profile(edit={"functions": functions}), requirements=ALL)
    _expect(result, dict.fromkeys(ALL, "NOT_APPLICABLE"))
