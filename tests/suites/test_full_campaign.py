"""Acceptance: a whole campaign on a device with one fault knob exits 1, and its report marks
exactly the affected requirement FAIL and every other requirement PASS."""


from proof_campaigns import LFSM_O_IGNORED_GROUP


@LFSM_O_IGNORED_GROUP
def test_one_knob_full_campaign_fails_only_its_requirement(shared_campaign):
    result = shared_campaign(knobs={"lfsm_o_ignored": True})
    assert result.exit_code == 1, result.stdout + result.stderr[-3000:]
    verdicts = result.verdicts()
    assert verdicts.pop("PV-LFSM-O") == "FAIL"
    assert set(verdicts.values()) == {"PASS"}, verdicts
    assert result.report["verdict"] == "NON_COMPLIANT"
