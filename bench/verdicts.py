"""Verdicts and decision rules (ILAC-G8:09/2019; statement of conformity per ISO/IEC 17025 7.8.6).

``evaluate`` judges one measured value against a tolerance interval [low, high] (either side may be
``None`` = unbounded) with its expanded uncertainty U (k = 2):

- SIMPLE_ACCEPTANCE: PASS iff low <= measured <= high, else FAIL (U is recorded, not used).
- GUARD_BAND (binary guard band, w = U): PASS only if [measured - U, measured + U] lies inside
  [low, high]; FAIL if it lies entirely outside; INCONCLUSIVE when it straddles a limit.

A measurement that is missing or not finite is INCONCLUSIVE under either rule.

``requirement_verdict`` and ``campaign_verdict`` are the one home of the aggregation rules, used by
the pytest plugin (the verdict it records in ``campaign_end``) and by the report (which recomputes it):

* a requirement is FAIL if any covering check or test FAILs; else INCONCLUSIVE if any covering check
  is INCONCLUSIVE or any covering test ERRORs; else PASS if at least one covering check or test
  PASSes; else NOT_APPLICABLE if every covering test is NOT_APPLICABLE; else NOT_TESTED (nothing
  covered it, or only skipped tests did);
* the campaign is NON_COMPLIANT if any requirement FAILs; else INCONCLUSIVE if any requirement is
  INCONCLUSIVE, any test ERRORed, a mandatory requirement is NOT_TESTED, no requirement PASSed at
  all (an empty or all-not-applicable campaign proves nothing) or the record is truncated; else
  COMPLIANT.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple


class Verdict(str, Enum):
    """Verdict of a check (PASS / FAIL / INCONCLUSIVE) or of a requirement (any member but ERROR)."""

    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_TESTED = "NOT_TESTED"
    ERROR = "ERROR"


class DecisionRule(str, Enum):
    SIMPLE_ACCEPTANCE = "SIMPLE_ACCEPTANCE"
    GUARD_BAND = "GUARD_BAND"

    @classmethod
    def parse(cls, text: str) -> "DecisionRule":
        """Accepts 'guard_band', 'GUARD_BAND', 'guard-band', 'simple acceptance', and a label with its
        source in parentheses ('simple acceptance (ILAC-G8 4.2.1)')."""
        key = text.split("(", 1)[0].strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"unknown decision rule '{text}' "
                             f"(use one of: {', '.join(r.value.lower() for r in cls)})") from None


class TestOutcome(str, Enum):
    """How one compliance test ended (``test_end.outcome``; the mapping is in fixtures/plugin.py)."""

    __test__ = False  # not a pytest test class

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class CampaignVerdict(str, Enum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    INCONCLUSIVE = "INCONCLUSIVE"


# Exit codes of ``flexbench run``: one per campaign verdict, and one for a usage/configuration error.
EXIT_CODES: dict[str, int] = {CampaignVerdict.COMPLIANT.value: 0, CampaignVerdict.NON_COMPLIANT.value: 1,
                              CampaignVerdict.INCONCLUSIVE.value: 2}
EXIT_USAGE = 3


def evaluate(measured: float | None, uncertainty: float | None, low: float | None,
             high: float | None, rule: DecisionRule) -> Verdict:
    """Judge ``measured`` (expanded uncertainty ``uncertainty``, k=2) against [low, high]."""
    if low is not None and high is not None and low > high:
        raise ValueError(f"tolerance interval is empty: low {low} > high {high}")
    u = 0.0 if uncertainty is None else float(uncertainty)
    if not math.isfinite(u) or u < 0:
        raise ValueError(f"uncertainty must be a finite value >= 0, got {uncertainty}")
    if measured is None or not math.isfinite(float(measured)):
        return Verdict.INCONCLUSIVE
    x = float(measured)
    rule = DecisionRule(rule)
    if rule is DecisionRule.SIMPLE_ACCEPTANCE:
        inside = (low is None or x >= low) and (high is None or x <= high)
        return Verdict.PASS if inside else Verdict.FAIL
    if (low is None or x - u >= low) and (high is None or x + u <= high):
        return Verdict.PASS
    if (low is not None and x + u < low) or (high is not None and x - u > high):
        return Verdict.FAIL
    return Verdict.INCONCLUSIVE


def requirement_verdict(check_verdicts: Iterable[Verdict | str],
                        test_outcomes: Iterable[TestOutcome | str]) -> Verdict:
    """Verdict of one requirement from its covering checks' verdicts and tests' outcomes."""
    checks = {Verdict(v) for v in check_verdicts}
    outcomes = [TestOutcome(o) for o in test_outcomes]
    if Verdict.FAIL in checks or TestOutcome.FAIL in outcomes:
        return Verdict.FAIL
    if Verdict.INCONCLUSIVE in checks or TestOutcome.ERROR in outcomes:
        return Verdict.INCONCLUSIVE
    if Verdict.PASS in checks or TestOutcome.PASS in outcomes:
        return Verdict.PASS
    if outcomes and all(o is TestOutcome.NOT_APPLICABLE for o in outcomes):
        return Verdict.NOT_APPLICABLE
    return Verdict.NOT_TESTED


class RequirementResult(NamedTuple):
    requirement_id: str
    mandatory: bool
    verdict: Verdict | str


class FinishedTest(NamedTuple):
    nodeid: str
    outcome: TestOutcome | str


@dataclass(frozen=True)
class CampaignInputs:
    """What the campaign verdict depends on: every requirement of the set (catalog and claimed) with
    its verdict, every test with its outcome, and whether the record is complete (has campaign_end)."""

    requirements: Sequence[RequirementResult]
    tests: Sequence[FinishedTest]
    record_complete: bool = True


class CampaignJudgement(NamedTuple):
    verdict: CampaignVerdict
    reasons: list[str]  # why it is not COMPLIANT (empty when it is)


def campaign_verdict(inputs: CampaignInputs) -> CampaignJudgement:
    """The campaign verdict and the human-readable reasons when it is not COMPLIANT."""
    reqs = [(rid, mandatory, Verdict(v)) for rid, mandatory, v in inputs.requirements]
    failed = [rid for rid, _m, v in reqs if v is Verdict.FAIL]
    if failed:
        return CampaignJudgement(CampaignVerdict.NON_COMPLIANT, [f"requirement {rid} FAIL" for rid in failed])
    reasons = [f"requirement {rid} INCONCLUSIVE" for rid, _m, v in reqs if v is Verdict.INCONCLUSIVE]
    reasons += [f"test {nodeid} ERROR" for nodeid, o in inputs.tests if TestOutcome(o) is TestOutcome.ERROR]
    reasons += [f"mandatory requirement {rid} NOT_TESTED"
                for rid, mandatory, v in reqs if mandatory and v is Verdict.NOT_TESTED]
    if not any(v is Verdict.PASS for _rid, _m, v in reqs):
        reasons.append("no requirement was shown to PASS (nothing conclusive was tested)")
    if not inputs.record_complete:
        reasons.append("the record has no campaign_end (truncated: the campaign did not finish)")
    if reasons:
        return CampaignJudgement(CampaignVerdict.INCONCLUSIVE, reasons)
    return CampaignJudgement(CampaignVerdict.COMPLIANT, [])
