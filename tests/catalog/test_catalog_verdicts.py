"""Decision rules (simple acceptance vs ILAC-G8 binary guard band, w = U, k = 2) and the rules that
aggregate check and test verdicts into requirement and campaign verdicts."""

from __future__ import annotations

import math

import pytest

from bench.verdicts import (EXIT_CODES, CampaignInputs, CampaignVerdict, DecisionRule, FinishedTest, RequirementResult,
                            TestOutcome, Verdict, campaign_verdict, evaluate, requirement_verdict)

G, S = DecisionRule.GUARD_BAND, DecisionRule.SIMPLE_ACCEPTANCE
P, F, I = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE  # noqa: E741  the verdict table reads as P / F / I


@pytest.mark.parametrize("measured, u, low, high, guard, simple", [
    (5.0, 1.0, 0.0, 10.0, P, P),        # well inside
    (9.5, 1.0, 0.0, 10.0, I, P),        # inside, but within U of the limit
    (0.5, 1.0, 0.0, 10.0, I, P),
    (10.5, 1.0, 0.0, 10.0, I, F),       # just outside, within U
    (12.0, 1.0, 0.0, 10.0, F, F),       # outside by more than U
    (-2.0, 1.0, 0.0, 10.0, F, F),
    (9.0, 1.0, 0.0, 10.0, P, P),        # measured + U exactly on the limit: accepted
    (11.0, 1.0, 0.0, 10.0, I, F),       # measured - U exactly on the limit: not proven outside
    (10.0, 0.0, 0.0, 10.0, P, P),       # no uncertainty: on the limit passes
    (240.0, 2.0, None, 253.0, P, P),    # one-sided high
    (252.0, 2.0, None, 253.0, I, P),
    (256.0, 2.0, None, 253.0, F, F),
    (3.0, 0.5, 2.0, None, P, P),        # one-sided low
    (1.8, 0.5, 2.0, None, I, F),
    (1.0, 0.5, 2.0, None, F, F),
    (1e9, 5.0, None, None, P, P),       # unbounded
])
def test_rule_table(measured, u, low, high, guard, simple):
    assert evaluate(measured, u, low, high, G) is guard
    assert evaluate(measured, u, low, high, S) is simple


def test_missing_measurement_is_inconclusive():
    assert evaluate(None, 1.0, 0.0, 1.0, S) is I
    assert evaluate(math.nan, 1.0, 0.0, 1.0, G) is I


def test_bad_inputs():
    with pytest.raises(ValueError):
        evaluate(1.0, -1.0, 0.0, 2.0, G)
    with pytest.raises(ValueError):
        evaluate(1.0, 0.1, 3.0, 2.0, G)


def test_rule_parse_and_values():
    assert DecisionRule.parse("guard_band") is G
    assert DecisionRule.parse("Simple acceptance") is S
    with pytest.raises(ValueError):
        DecisionRule.parse("non_binary")
    assert Verdict.NOT_APPLICABLE.value == "NOT_APPLICABLE"
    assert {v.value for v in Verdict} == {"PASS", "FAIL", "INCONCLUSIVE", "NOT_APPLICABLE",
                                          "NOT_TESTED", "ERROR"}


@pytest.mark.parametrize(("checks", "outcomes", "expected"), [
    ([], [], "NOT_TESTED"),
    ([], ["SKIPPED"], "NOT_TESTED"),
    ([], ["NOT_APPLICABLE", "NOT_APPLICABLE"], "NOT_APPLICABLE"),
    ([], ["NOT_APPLICABLE", "SKIPPED"], "NOT_TESTED"),
    (["PASS"], ["PASS"], "PASS"),
    (["PASS"], [], "PASS"),                          # checks alone (Checker.verdict)
    (["INCONCLUSIVE", "PASS"], [], "INCONCLUSIVE"),
    (["FAIL", "INCONCLUSIVE"], [], "FAIL"),
    ([], ["PASS", "NOT_APPLICABLE"], "PASS"),
    ([], ["PASS", "SKIPPED"], "PASS"),
    (["PASS", "INCONCLUSIVE"], ["PASS"], "INCONCLUSIVE"),
    (["PASS"], ["ERROR"], "INCONCLUSIVE"),
    (["INCONCLUSIVE"], ["FAIL"], "FAIL"),
    (["FAIL"], ["PASS"], "FAIL"),
    ([], ["ERROR", "FAIL"], "FAIL"),
])
def test_requirement_verdict_rules(checks: list[str], outcomes: list[str], expected: str) -> None:
    assert requirement_verdict(checks, outcomes) is Verdict(expected)
    assert requirement_verdict([Verdict(c) for c in checks], [TestOutcome(o) for o in outcomes]) is Verdict(expected)


def test_requirement_verdict_rejects_unknown_values() -> None:
    with pytest.raises(ValueError):
        requirement_verdict(["SORT_OF"], [])
    with pytest.raises(ValueError):
        requirement_verdict([], ["CRASHED"])


C, NC, INC = CampaignVerdict.COMPLIANT, CampaignVerdict.NON_COMPLIANT, CampaignVerdict.INCONCLUSIVE
NO_PASS = "no requirement was shown to PASS (nothing conclusive was tested)"
TRUNCATED = "the record has no campaign_end (truncated: the campaign did not finish)"


@pytest.mark.parametrize(("requirements", "tests", "complete", "verdict", "reasons"), [
    # (id, mandatory, requirement verdict) ...; (nodeid, outcome) ...; record complete
    ([("A", True, "PASS"), ("B", True, "NOT_APPLICABLE")], [("t1", "PASS"), ("t2", "NOT_APPLICABLE")], True, C, []),
    ([("A", True, "PASS"), ("B", False, "NOT_TESTED")], [("t1", "PASS")], True, C, []),  # optional untested
    ([("A", True, "PASS"), ("B", True, "FAIL"), ("C", False, "FAIL"), ("D", True, "INCONCLUSIVE")],
     [("t1", "PASS"), ("t2", "FAIL"), ("t3", "ERROR")], True, NC, ["requirement B FAIL", "requirement C FAIL"]),
    ([("A", True, "PASS"), ("B", True, "FAIL")], [], False, NC, ["requirement B FAIL"]),  # FAIL beats truncation
    ([("A", True, "PASS"), ("B", True, "INCONCLUSIVE")], [("t1", "PASS"), ("t2", "ERROR")], True, INC,
     ["requirement B INCONCLUSIVE", "test t2 ERROR"]),
    ([("A", True, "PASS")], [("t1", "PASS"), ("t2", "ERROR")], True, INC, ["test t2 ERROR"]),  # error, no requirement
    ([("A", True, "PASS"), ("B", True, "NOT_TESTED")], [("t1", "PASS"), ("t2", "SKIPPED")], True, INC,
     ["mandatory requirement B NOT_TESTED"]),
    ([("A", False, "NOT_APPLICABLE")], [("t1", "NOT_APPLICABLE")], True, INC, [NO_PASS]),  # proves nothing
    ([], [], True, INC, [NO_PASS]),
    ([("A", True, "PASS")], [("t1", "PASS")], False, INC, [TRUNCATED]),
    ([("A", True, "NOT_TESTED")], [], False, INC, ["mandatory requirement A NOT_TESTED", NO_PASS, TRUNCATED]),
])
def test_campaign_verdict_rules(requirements: list[tuple[str, bool, str]], tests: list[tuple[str, str]],
                                complete: bool, verdict: CampaignVerdict, reasons: list[str]) -> None:
    inputs = CampaignInputs([RequirementResult(*r) for r in requirements], [FinishedTest(*t) for t in tests], complete)
    judgement = campaign_verdict(inputs)
    assert judgement.verdict is verdict
    assert judgement.reasons == reasons
    typed = CampaignInputs([RequirementResult(i, m, Verdict(v)) for i, m, v in requirements],
                           [FinishedTest(n, TestOutcome(o)) for n, o in tests], complete)
    assert campaign_verdict(typed) == judgement


def test_exit_codes() -> None:
    assert {v: EXIT_CODES[v.value] for v in CampaignVerdict} == {C: 0, NC: 1, INC: 2}
