"""Verdicts and decision rules (ILAC-G8:09/2019; statement of conformity per ISO/IEC 17025 7.8.6).

``evaluate`` judges one measured value against a tolerance interval [low, high] (either side may be
``None`` = unbounded) with its expanded uncertainty U (k = 2):

- SIMPLE_ACCEPTANCE: PASS iff low <= measured <= high, else FAIL (U is recorded, not used).
- GUARD_BAND (binary guard band, w = U): PASS only if [measured - U, measured + U] lies inside
  [low, high]; FAIL if it lies entirely outside; INCONCLUSIVE when it straddles a limit.

A measurement that is missing or not finite is INCONCLUSIVE under either rule.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Iterable


class Verdict(str, Enum):
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
        """Accepts 'guard_band', 'GUARD_BAND', 'guard-band', 'simple acceptance', ..."""
        key = text.strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"unknown decision rule '{text}' "
                             f"(use one of: {', '.join(r.value.lower() for r in cls)})") from None


class CampaignVerdict(str, Enum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    INCONCLUSIVE = "INCONCLUSIVE"


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


def campaign_verdict(outcomes: Iterable[Verdict | str]) -> CampaignVerdict:
    """Overall verdict: any FAIL -> NON_COMPLIANT; else any INCONCLUSIVE / ERROR / NOT_TESTED ->
    INCONCLUSIVE; else (only PASS / NOT_APPLICABLE, at least one PASS) COMPLIANT.
    Skipped tests should be mapped by the caller (NOT_TESTED for a mandatory requirement)."""
    seen = {Verdict(str(o.value if isinstance(o, Verdict) else o).upper()) for o in outcomes}
    if Verdict.FAIL in seen:
        return CampaignVerdict.NON_COMPLIANT
    if seen & {Verdict.INCONCLUSIVE, Verdict.ERROR, Verdict.NOT_TESTED} or Verdict.PASS not in seen:
        return CampaignVerdict.INCONCLUSIVE
    return CampaignVerdict.COMPLIANT
