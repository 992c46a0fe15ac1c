"""The verdict vocabulary of a report, as plain strings, and how values read from a record map onto it.

The aggregation rules (test outcomes -> requirement verdicts -> campaign verdict) live in
:mod:`bench.verdicts`; a test that started but has no ``test_end`` (the record ended during it)
counts as ERROR.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bench.verdicts import TestOutcome, Verdict

# Test outcomes (test_end.outcome).
PASS = TestOutcome.PASS.value
FAIL = TestOutcome.FAIL.value
ERROR = TestOutcome.ERROR.value
NOT_APPLICABLE = TestOutcome.NOT_APPLICABLE.value
TEST_OUTCOMES: tuple[str, ...] = tuple(o.value for o in TestOutcome)

# Check verdicts.
INCONCLUSIVE = Verdict.INCONCLUSIVE.value
CHECK_VERDICTS: tuple[str, ...] = (PASS, FAIL, INCONCLUSIVE)

# Requirement verdicts.
NOT_TESTED = Verdict.NOT_TESTED.value
REQUIREMENT_VERDICTS: tuple[str, ...] = (PASS, FAIL, INCONCLUSIVE, NOT_APPLICABLE, NOT_TESTED)


def normalise_outcome(outcome: object) -> str:
    """A test outcome from the record; anything unknown is the bench's fault, i.e. ERROR."""
    return outcome if isinstance(outcome, str) and outcome in TEST_OUTCOMES else ERROR


def normalise_check_verdict(verdict: object) -> str:
    """A check verdict from the record; anything unknown cannot support a PASS: INCONCLUSIVE."""
    return verdict if isinstance(verdict, str) and verdict in CHECK_VERDICTS else INCONCLUSIVE


def count(values: Iterable[str], keys: Sequence[str]) -> dict[str, int]:
    """Counts of ``values`` with every key of ``keys`` present (zero if absent)."""
    counts = dict.fromkeys(keys, 0)
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts
