"""The API suites judge with: soft checks that write ``check`` records (docs/record-format.md).

A check never raises on a DUT non-conformance; it records the verdict and returns it, so one test
can judge every point of a curve. At the end of a test the pytest plugin calls
:meth:`Checker.raise_if_failed`: the first FAIL raises ``DutNonConformance`` (message lists all
failures), otherwise any INCONCLUSIVE raises ``Inconclusive``.

Observation checks (:meth:`Checker.require_true`) record ``quantity`` "observed", ``unit`` "bool",
``measured`` true/false (null when undecided), ``uncertainty``/``low``/``high`` null, ``rule``
"OBSERVATION" and a ``detail`` starting "observed: yes|no|undecided" (reports that only show
numbers still carry the observation).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from bench.errors import ConfigError, DutNonConformance, Inconclusive
from bench.verdicts import DecisionRule, Verdict, evaluate, requirement_verdict

OBSERVATION_RULE = "OBSERVATION"


class _RecorderLike(Protocol):
    def write(self, kind: str, **fields: Any) -> dict[str, Any]: ...


class _CatalogLike(Protocol):
    def requirement(self, requirement_id: str) -> Any: ...


class Checker:
    """Judges measured values for one test (``nodeid``) under one decision rule."""

    def __init__(self, recorder: _RecorderLike, nodeid: str, rule: DecisionRule,
                 catalog: _CatalogLike | None = None) -> None:
        self.recorder = recorder
        self.nodeid = nodeid
        self.rule = DecisionRule(rule)
        self.catalog = catalog
        self._checks: list[dict[str, Any]] = []

    def _known(self, requirement: str) -> None:
        if self.catalog is not None:
            self.catalog.requirement(requirement)  # ConfigError when unknown
        elif not requirement:
            raise ConfigError("a check needs a requirement id", field="requirement")

    def _record(self, fields: dict[str, Any]) -> None:
        entry = {"requirement": fields["requirement"], "nodeid": self.nodeid, **fields}
        self.recorder.write("check", **entry)
        self._checks.append(entry)

    def within(self, requirement: str, name: str, quantity: str, unit: str,
               measured: float | None, uncertainty: float | None, low: float | None,
               high: float | None, detail: str = "",
               plot: dict[str, Any] | None = None) -> Verdict:
        """Judge ``low <= measured <= high`` with the expanded (k=2) ``uncertainty``; record it."""
        self._known(requirement)
        verdict = evaluate(measured, uncertainty, low, high, self.rule)
        m = None if measured is None or not math.isfinite(float(measured)) else float(measured)
        fields: dict[str, Any] = {
            "requirement": requirement, "name": name, "quantity": quantity, "unit": unit,
            "measured": m, "uncertainty": None if uncertainty is None else float(uncertainty),
            "low": None if low is None else float(low), "high": None if high is None else float(high),
            "verdict": verdict.value, "rule": self.rule.value,
            "detail": detail or ("no finite measurement" if m is None else ""),
        }
        if plot is not None:
            fields["plot"] = plot
        self._record(fields)
        return verdict

    def require_true(self, requirement: str, name: str, ok: bool, detail: str = "",
                     plot: dict[str, Any] | None = None) -> Verdict:
        """Record an observed yes/no conformance (e.g. "stayed connected"): PASS iff ``ok``."""
        self._known(requirement)
        verdict = Verdict.PASS if ok else Verdict.FAIL
        self._record_observation(requirement, name, bool(ok), verdict, detail, plot)
        return verdict

    def device_lacks(self, requirement: str, function: str, evidence: str) -> Verdict:
        """Record the device's own answer showing it lacks or breaks a declared ``function``
        (the frame or point in ``evidence``): a FAIL of ``requirement``
        (:class:`bench.errors.DeviceLacksFunction`)."""
        return self.require_true(requirement, f"the device provides {function}", False, evidence)

    def inconclusive(self, requirement: str, name: str, detail: str,
                     plot: dict[str, Any] | None = None) -> Verdict:
        """Record that a check could not be decided (e.g. the event was not observable)."""
        self._known(requirement)
        self._record_observation(requirement, name, None, Verdict.INCONCLUSIVE, detail, plot)
        return Verdict.INCONCLUSIVE

    def _record_observation(self, requirement: str, name: str, ok: bool | None, verdict: Verdict,
                            detail: str, plot: dict[str, Any] | None) -> None:
        said = "undecided" if ok is None else ("yes" if ok else "no")
        fields: dict[str, Any] = {
            "requirement": requirement, "name": name, "quantity": "observed", "unit": "bool",
            "measured": ok, "uncertainty": None, "low": None, "high": None,
            "verdict": verdict.value, "rule": OBSERVATION_RULE,
            "detail": f"observed: {said}" + (f"; {detail}" if detail else ""),
        }
        if plot is not None:
            fields["plot"] = plot
        self._record(fields)

    def checks(self) -> list[dict[str, Any]]:
        return list(self._checks)

    def failures(self) -> list[dict[str, Any]]:
        return [c for c in self._checks if c["verdict"] == Verdict.FAIL.value]

    def inconclusives(self) -> list[dict[str, Any]]:
        return [c for c in self._checks if c["verdict"] == Verdict.INCONCLUSIVE.value]

    def verdict(self) -> Verdict:
        """FAIL if any check failed, else INCONCLUSIVE if any was, else PASS (NOT_TESTED if none)."""
        return requirement_verdict([c["verdict"] for c in self._checks], ())

    @staticmethod
    def _describe(c: dict[str, Any]) -> str:
        if c["rule"] == OBSERVATION_RULE:
            return f"{c['requirement']} {c['name']}: {c['detail']} -> {c['verdict']}"
        lo = "-inf" if c["low"] is None else f"{c['low']:g}"
        hi = "+inf" if c["high"] is None else f"{c['high']:g}"
        meas = "none" if c["measured"] is None else f"{c['measured']:g}"
        unc = "" if c["uncertainty"] is None else f" ± {c['uncertainty']:g}"
        text = (f"{c['requirement']} {c['name']}: {c['quantity']} {meas}{unc} {c['unit']} "
                f"vs [{lo}, {hi}] -> {c['verdict']}")
        return text + (f" ({c['detail']})" if c.get("detail") else "")

    def raise_if_failed(self) -> None:
        fails = self.failures()
        if fails:
            lines = "; ".join(self._describe(c) for c in fails)
            raise DutNonConformance(fails[0]["requirement"],
                                    f"{len(fails)} check(s) failed: {lines}")
        inc = self.inconclusives()
        if inc:
            lines = "; ".join(self._describe(c) for c in inc)
            raise Inconclusive(inc[0]["requirement"],
                               f"{len(inc)} check(s) inconclusive: {lines}")
