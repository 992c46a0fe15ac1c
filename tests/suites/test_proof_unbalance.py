"""Proofs for test_suites/pv_inverter/test_unbalance.py (PV-PU-UNBALANCED, PV-QU-UNBALANCED,
PV-CURRENT-UNBALANCE), each campaign selecting those requirements (about 2 s each); where knobs
break different requirements they share one campaign, and a declared basis is declared and used for
both P(U) and Q(U).

P(U) case 1 puts L1 at 111.5 % Un and L2, L3 at 101 %: on the default curve the highest phase gives
20 % Prated (band 1250-2750 W), per phase (20 + 100 + 100) / 3 = 73 % (6583-8083 W), the positive
sequence (104.5 % Un) 100 % (9250 W and up): a device on another basis than it declares lands
outside its band. Phase spread: shares 0.7 / 0.15 / 0.15 of 10 kW spread 5.5 kVA (above NL's
5 kVA: FAIL); 0.55 / 0.225 / 0.225 spread 3.25 kVA (PASS). Q(U) case 1 on the default curve: the
highest phase gives -4400 var (band -5150..-3650), per phase -1467 var (-2339..-717), the positive
sequence -1833 var (-3683..+17): the highest phase is told apart from both others.
"""

from __future__ import annotations

from typing import Any

from proof_campaigns import REPO, SHARED_REFERENCE_GROUP

PU = "PV-PU-UNBALANCED"
QU = "PV-QU-UNBALANCED"
SPREAD = "PV-CURRENT-UNBALANCE"
ALL = [PU, QU, SPREAD]
SINGLE_PHASE = REPO / "device_profiles" / "sim-pv-inverter-1ph.yaml"
UNBALANCED = [0.7, 0.15, 0.15]
JUST_INSIDE = [0.55, 0.225, 0.225]


def _run(lab: Any, name: str, *, knobs: dict[str, Any] | None = None, basis: str | None = None) -> Any:
    """A campaign of the three requirements on the reference PV inverter; ``basis``: the response
    basis it declares and implements for P(U) and Q(U) (knobs may then make it use another)."""
    parameters = {"volt_watt_basis": basis, "volt_var_basis": basis} if basis else {}
    edit = {"declared.volt_watt_basis": basis, "declared.volt_var_basis": basis} if basis else {}
    profile = lab.profile(knobs=knobs, parameters=parameters, edit=edit, name=name)
    return lab.run(profile=profile, requirements=ALL, out_name=name)


def _expect(result: Any, expected: dict[str, str]) -> None:
    got = {rid: result.verdict(rid) for rid in expected}
    assert got == expected, f"verdicts {got}, expected {expected}\n{result.stdout[-3000:]}"


@SHARED_REFERENCE_GROUP
def test_compliant_passes_with_per_phase_stimulus_plot(shared_campaign):
    result = shared_campaign(requirements=ALL)
    _expect(result, {PU: "PASS", QU: "PASS", SPREAD: "PASS"})
    plots = [c["plot"] for r in result.report["requirements"] if r["id"] == PU for c in r["checks"]]
    assert plots and all(len(p["stimulus"]["others"]) == 2 for p in plots), plots
    q_plots = [c["plot"] for r in result.report["requirements"] if r["id"] == QU for c in r["checks"]]
    assert q_plots[0]["type"] == "series" and len(q_plots[0]["stimulus"]["others"]) == 2, q_plots
    curve = q_plots[-1]
    assert curve["type"] == "curve" and len(curve["points"]) == 2 and curve["required_curve"], curve


def test_wrong_basis_and_unbalanced_currents_fail(lab):
    """Declares the highest phase but uses each phase's own voltage for P(U) and Q(U); shares its
    power 0.7/0.15/0.15."""
    result = _run(lab, "per-phase-unbalanced",
                  knobs={"volt_watt_wrong_basis": "per_phase", "volt_var_wrong_basis": "per_phase",
                         "phase_power_shares": UNBALANCED})
    _expect(result, {PU: "FAIL", QU: "FAIL", SPREAD: "FAIL"})


def test_positive_sequence_instead_of_highest_phase_fails(lab):
    """P(U) on the positive sequence FAILs; Q(U), still on its declared highest phase, PASSes (the
    two laws' bases are declared and judged apart)."""
    result = _run(lab, "positive-sequence", knobs={"volt_watt_wrong_basis": "positive_sequence"})
    _expect(result, {PU: "FAIL", QU: "PASS"})


def test_declared_per_phase_but_highest_phase_fails(lab):
    """The bench judges the declared basis: a device declaring per phase that acts on the highest."""
    result = _run(lab, "declared-per-phase",
                  knobs={"volt_watt_wrong_basis": "highest_phase", "volt_var_wrong_basis": "highest_phase"},
                  basis="per_phase")
    _expect(result, {PU: "FAIL", QU: "FAIL"})


def test_other_declared_bases_and_a_spread_just_inside_pass(lab):
    """Per phase (and shares 0.55/0.225/0.225, inside the limit) and positive sequence, each declared
    and used for P(U) and Q(U), PASS: the bench computes the expected P and Q on the declared basis."""
    _expect(_run(lab, "per-phase", knobs={"phase_power_shares": JUST_INSIDE}, basis="per_phase"),
            {PU: "PASS", QU: "PASS", SPREAD: "PASS"})
    _expect(_run(lab, "positive-sequence-declared", basis="positive_sequence"), {PU: "PASS", QU: "PASS"})


def test_single_phase_is_not_applicable(lab):
    result = lab.run_reference(SINGLE_PHASE, {}, ALL)
    _expect(result, {PU: "NOT_APPLICABLE", QU: "NOT_APPLICABLE", SPREAD: "NOT_APPLICABLE"})


def test_undeclared_basis_is_not_applicable(lab):
    profile = lab.profile(edit={"declared": {"power_limit_response_time_s": 5.0}}, name="undeclared")
    result = lab.run(profile=profile, requirements=[PU, QU], out_name="undeclared")
    _expect(result, {PU: "NOT_APPLICABLE", QU: "NOT_APPLICABLE"})
