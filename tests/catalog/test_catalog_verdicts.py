"""Decision rules: simple acceptance vs ILAC-G8 binary guard band (w = U, k = 2)."""

from __future__ import annotations

import math

import pytest

from bench.verdicts import CampaignVerdict, DecisionRule, Verdict, campaign_verdict, evaluate

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


def test_campaign_verdict():
    assert campaign_verdict([P, Verdict.NOT_APPLICABLE]) is CampaignVerdict.COMPLIANT
    assert campaign_verdict([P, F, I]) is CampaignVerdict.NON_COMPLIANT
    assert campaign_verdict([P, "ERROR"]) is CampaignVerdict.INCONCLUSIVE
    assert campaign_verdict([P, I]) is CampaignVerdict.INCONCLUSIVE
    assert campaign_verdict([]) is CampaignVerdict.INCONCLUSIVE
