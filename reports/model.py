"""Verdict aggregation: test outcomes -> requirement verdicts -> campaign verdict.

Pure functions over plain values; no I/O. The rules:

* a test's outcome is its ``test_end`` outcome; a test that started but has no ``test_end``
  (the record ended during it) counts as ERROR;
* a requirement is FAIL if any covering check or test FAILs; else INCONCLUSIVE if any covering
  check is INCONCLUSIVE or any covering test ERRORs; else PASS if at least one covering check or
  test PASSes; else NOT_APPLICABLE if every covering test is NOT_APPLICABLE; else NOT_TESTED
  (nothing covered it, or only skipped tests did);
* the campaign is NON_COMPLIANT if any requirement FAILs; else INCONCLUSIVE if any requirement is
  INCONCLUSIVE, any test ERRORed, a mandatory requirement is NOT_TESTED, no requirement PASSed
  at all (an empty or all-not-applicable campaign proves nothing; same rule as bench.verdicts) or
  the record is truncated (no ``campaign_end``); else COMPLIANT.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Test outcomes (test_end.outcome).
PASS = "PASS"
FAIL = "FAIL"
ERROR = "ERROR"
SKIPPED = "SKIPPED"
NOT_APPLICABLE = "NOT_APPLICABLE"
TEST_OUTCOMES: tuple[str, ...] = (PASS, FAIL, ERROR, SKIPPED, NOT_APPLICABLE)

# Check verdicts.
INCONCLUSIVE = "INCONCLUSIVE"
CHECK_VERDICTS: tuple[str, ...] = (PASS, FAIL, INCONCLUSIVE)

# Requirement verdicts.
NOT_TESTED = "NOT_TESTED"
REQUIREMENT_VERDICTS: tuple[str, ...] = (PASS, FAIL, INCONCLUSIVE, NOT_APPLICABLE, NOT_TESTED)

# Campaign verdicts and the exit codes the CLI maps them to.
COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
CAMPAIGN_VERDICTS: tuple[str, ...] = (COMPLIANT, NON_COMPLIANT, INCONCLUSIVE)
EXIT_CODES: dict[str, int] = {COMPLIANT: 0, NON_COMPLIANT: 1, INCONCLUSIVE: 2}


def normalise_outcome(outcome: object) -> str:
    """A test outcome from the record; anything unknown is the bench's fault, i.e. ERROR."""
    return outcome if isinstance(outcome, str) and outcome in TEST_OUTCOMES else ERROR


def normalise_check_verdict(verdict: object) -> str:
    """A check verdict from the record; anything unknown cannot support a PASS: INCONCLUSIVE."""
    return verdict if isinstance(verdict, str) and verdict in CHECK_VERDICTS else INCONCLUSIVE


def requirement_verdict(check_verdicts: Sequence[str], test_outcomes: Sequence[str]) -> str:
    """Verdict of one requirement from its covering checks' verdicts and tests' outcomes."""
    if FAIL in check_verdicts or FAIL in test_outcomes:
        return FAIL
    if INCONCLUSIVE in check_verdicts or ERROR in test_outcomes:
        return INCONCLUSIVE
    if PASS in check_verdicts or PASS in test_outcomes:
        return PASS
    if test_outcomes and all(o == NOT_APPLICABLE for o in test_outcomes):
        return NOT_APPLICABLE
    return NOT_TESTED


@dataclass(frozen=True)
class VerdictInputs:
    """What the campaign verdict depends on, extracted from a report."""

    requirement_verdicts: Sequence[tuple[str, bool, str]]  # (id, mandatory, verdict)
    test_outcomes: Sequence[tuple[str, str]]  # (nodeid, outcome)
    record_complete: bool


def campaign_verdict_with_reasons(inputs: VerdictInputs) -> tuple[str, list[str]]:
    """The campaign verdict and the human-readable reasons when it is not COMPLIANT."""
    failed = [rid for rid, _m, v in inputs.requirement_verdicts if v == FAIL]
    if failed:
        return NON_COMPLIANT, [f"requirement {rid} FAIL" for rid in failed]
    reasons: list[str] = []
    reasons += [f"requirement {rid} INCONCLUSIVE"
                for rid, _m, v in inputs.requirement_verdicts if v == INCONCLUSIVE]
    reasons += [f"test {nodeid} ERROR" for nodeid, o in inputs.test_outcomes if o == ERROR]
    reasons += [f"mandatory requirement {rid} NOT_TESTED"
                for rid, mandatory, v in inputs.requirement_verdicts if mandatory and v == NOT_TESTED]
    if not any(v == PASS for _rid, _m, v in inputs.requirement_verdicts):
        reasons.append("no requirement was shown to PASS (nothing conclusive was tested)")
    if not inputs.record_complete:
        reasons.append("the record has no campaign_end (truncated: the campaign did not finish)")
    return (INCONCLUSIVE, reasons) if reasons else (COMPLIANT, [])


def count(values: Iterable[str], keys: Sequence[str]) -> dict[str, int]:
    """Counts of ``values`` with every key of ``keys`` present (zero if absent)."""
    counts = {k: 0 for k in keys}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts
