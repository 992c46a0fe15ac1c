"""The API suites judge with: soft checks that write ``check`` records (docs/record-format.md).

A check never raises on a DUT non-conformance; it records the verdict and returns it, so one test
can judge every point of a curve. At the end of a test the pytest plugin calls
:meth:`Checker.raise_if_failed`: the first FAIL raises ``DutNonConformance`` (message lists all
failures), otherwise any INCONCLUSIVE raises ``Inconclusive``.

Observation checks (:meth:`Checker.require_true`) record ``quantity`` "observed", ``unit`` "bool",
``measured`` true/false (null when undecided), ``uncertainty``/``low``/``high`` null, ``rule``
"OBSERVATION" and a ``detail`` starting "observed: yes|no|undecided" (reports that only show
numbers still carry the observation). When the yes/no answer comes from a measured quantity (the
lowest output power against the trip threshold, the last reading against a band), the check also
records it as ``observed_value`` (:func:`observed_value`), so a report shows the number behind "no".

Every numeric check (:meth:`Checker.within`) also records its ``sensitivity`` (:func:`sensitivity`):
the largest deviation from the requirement that the check would still pass, from its limits, its
uncertainty, the decision rule and, for timing, the sampling period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

from bench.errors import ConfigError, DutNonConformance, Inconclusive
from bench.verdicts import DecisionRule, Verdict, evaluate, requirement_verdict

OBSERVATION_RULE = "OBSERVATION"
SENSITIVITY_KINDS = ("timing", "slope", "level")


def check_kind(unit: str) -> str:
    """The kind of a numeric check from its unit: "timing" (s), "slope" (per s / per min), else "level"."""
    u = unit.strip().replace(" ", "")
    if u in ("s", "ms", "min", "h"):
        return "timing"
    if "/s" in u or "/min" in u or "/h" in u:
        return "slope"
    return "level"


def _g(x: float) -> str:
    return f"{x:.4g}"


def sensitivity(*, unit: str, uncertainty: float | None, low: float | None, high: float | None,
                rule: DecisionRule | str, required: float | None = None,
                sampling_period_s: float | None = None, kind: str | None = None,
                quantity: str = "value", step_fraction_at_tr: float | None = None) -> dict[str, Any]:
    """The largest deviation from the requirement that a ``within`` check would still pass.

    ``pass_low``/``pass_high``: the measured values the decision rule accepts (simple acceptance:
    the limits; guard band: the limits narrowed by U). ``true_low``/``true_high``: the most extreme
    true value that may still pass, i.e. the accepted measured value widened by the resolution
    (U, and for timing at least one ``sampling_period_s``). ``required``: the value the requirement
    states (e.g. Tr); by default the centre of a two-sided band, else the one limit. ``deviation_*``
    = true bound - required, ``ratio_*`` = true bound / required (when required is not 0). ``text``
    states it ("passes a time up to 1.2 x the required 5 s"). A side without a limit is null.

    ``step_fraction_at_tr``: the check judges the share of a step reached at Tr, and the requirement
    is a first-order response reaching this share (e.g. 0.9) at Tr. The check is then a timing check
    and ``response_time_ratio`` states the slowest first-order response that still passes, in
    multiples of Tr: ln(1 - share) / ln(1 - true_low) ("passes a response up to 1.15 x Tr")."""
    kind = kind or ("timing" if step_fraction_at_tr is not None else check_kind(unit))
    if kind not in SENSITIVITY_KINDS:
        raise ConfigError(f"unknown check kind {kind!r} (use one of {', '.join(SENSITIVITY_KINDS)})",
                          field="kind")
    u = 0.0 if uncertainty is None else abs(float(uncertainty))
    resolution = max(u, float(sampling_period_s)) if kind == "timing" and sampling_period_s else u
    guard = DecisionRule(rule) is DecisionRule.GUARD_BAND
    pass_low = None if low is None else float(low) + (u if guard else 0.0)
    pass_high = None if high is None else float(high) - (u if guard else 0.0)
    # Under the guard band a passing value lies inside the limits whatever its error (U covers it);
    # under simple acceptance the true value may be up to one resolution beyond the accepted limit.
    widen = (0.0 if guard else resolution)
    true_low = None if low is None or pass_low is None else (float(low) if guard else pass_low - widen)
    true_high = None if high is None or pass_high is None else (float(high) if guard else pass_high + widen)
    if required is None and low is not None and high is not None:
        required = (float(low) + float(high)) / 2.0   # a band around the expected value: its centre
    ref_low = float(required) if required is not None else (None if low is None else float(low))
    ref_high = float(required) if required is not None else (None if high is None else float(high))

    def dev(bound: float | None, ref: float | None) -> float | None:
        return None if bound is None or ref is None else bound - ref

    def ratio(bound: float | None, ref: float | None) -> float | None:
        return None if bound is None or ref is None or ref == 0 else bound / ref

    out: dict[str, Any] = {
        "kind": kind, "required": None if required is None else float(required),
        "resolution": resolution, "pass_low": pass_low, "pass_high": pass_high,
        "true_low": true_low, "true_high": true_high,
        "deviation_low": dev(true_low, ref_low), "deviation_high": dev(true_high, ref_high),
        "ratio_low": ratio(true_low, ref_low), "ratio_high": ratio(true_high, ref_high),
    }
    out["response_time_ratio"] = None
    out["text"] = _sensitivity_text(out, unit, quantity, ref_low, ref_high)
    if step_fraction_at_tr is not None:
        out["response_time_ratio"] = _response_time_ratio(float(step_fraction_at_tr), true_low)
        if out["response_time_ratio"] is not None and true_low is not None:
            out["text"] = (f"passes a response up to {_g(out['response_time_ratio'])} x Tr (first order; "
                           f"a share of the step down to {_g(true_low)} at Tr, "
                           f"{_g(step_fraction_at_tr)} required)")
    return out


def _response_time_ratio(share: float, true_low: float | None) -> float | None:
    """Response time / Tr of the first-order response that covers ``true_low`` of the step at Tr,
    where the requirement is ``share`` at Tr."""
    if true_low is None or not 0.0 < share < 1.0:
        return None
    if true_low <= 0.0:
        return None    # no share required at Tr: no response time bounds it
    if true_low >= 1.0:
        return 0.0
    return math.log(1.0 - share) / math.log(1.0 - true_low)


def _sensitivity_text(s: dict[str, Any], unit: str, quantity: str, ref_low: float | None,
                      ref_high: float | None) -> str:
    what = {"timing": "a time", "slope": "a slope"}.get(s["kind"], quantity)
    u = "" if unit in ("", "1") else f" {unit}"
    parts = []
    for side, word in (("high", "up to"), ("low", "down to")):
        bound, ref = s[f"true_{side}"], (ref_high if side == "high" else ref_low)
        if bound is None or ref is None:
            continue
        phrase = f"{word} {_g(bound)}{u}"
        if s["kind"] == "timing" and s[f"ratio_{side}"] is not None:
            phrase += f" ({_g(s[f'ratio_{side}'])} x the required {_g(ref)}{u})"
        else:
            d = s[f"deviation_{side}"]
            phrase += f" ({'+' if d >= 0 else ''}{_g(d)}{u} from the required {_g(ref)}{u})"
        parts.append(phrase)
    if not parts:
        return f"passes any {what.removeprefix('a ')}: no limit"
    return f"passes {what} " + " and ".join(parts)


def observed_value(quantity: str, unit: str, value: float | None, *, low: float | None = None,
                   high: float | None = None, uncertainty: float | None = None) -> dict[str, Any]:
    """The measured quantity behind a yes/no observation and the interval the answer compared it with
    (``low``/``high``: null = unbounded; ``uncertainty``: expanded, k = 2, when known), for
    :meth:`Checker.require_true`'s ``observed``."""
    def number(x: float | None) -> float | None:
        return None if x is None or not math.isfinite(float(x)) else float(x)

    return {"quantity": quantity, "unit": unit, "value": number(value), "low": number(low),
            "high": number(high), "uncertainty": number(uncertainty)}


def rejudge(check: Mapping[str, Any]) -> Verdict:
    """The verdict a recorded ``check`` line must carry, judged again from its recorded measured
    value, uncertainty, limits and rule exactly as :class:`Checker` judged it: a record whose
    verdicts disagree with their own numbers was edited. ValueError for a check no rule can judge."""
    rule = check.get("rule")
    if rule == OBSERVATION_RULE:
        measured = check.get("measured")
        if measured is None:
            return Verdict.INCONCLUSIVE
        if not isinstance(measured, bool):
            raise ValueError(f"an observation's measured value must be true, false or null, not {measured!r}")
        return Verdict.PASS if measured else Verdict.FAIL
    numbers = [check.get(k) for k in ("measured", "uncertainty", "low", "high")]
    if any(v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))) for v in numbers):
        raise ValueError("measured, uncertainty and limits must be numbers or null")
    measured, uncertainty, low, high = numbers
    return evaluate(measured, uncertainty, low, high, DecisionRule.parse(str(rule)))


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
               plot: dict[str, Any] | None = None, *, required: float | None = None,
               sampling_period_s: float | None = None, kind: str | None = None,
               step_fraction_at_tr: float | None = None) -> Verdict:
        """Judge ``low <= measured <= high`` with the expanded (k=2) ``uncertainty``; record it with
        its :func:`sensitivity` (``required``: the value the requirement states, e.g. Tr, when the
        limits are not that value; ``sampling_period_s`` for timing; ``kind`` overrides the kind
        derived from ``unit``; ``step_fraction_at_tr`` when the check judges a step response's
        share at Tr)."""
        self._known(requirement)
        verdict = evaluate(measured, uncertainty, low, high, self.rule)
        m = None if measured is None or not math.isfinite(float(measured)) else float(measured)
        fields: dict[str, Any] = {
            "requirement": requirement, "name": name, "quantity": quantity, "unit": unit,
            "measured": m, "uncertainty": None if uncertainty is None else float(uncertainty),
            "low": None if low is None else float(low), "high": None if high is None else float(high),
            "verdict": verdict.value, "rule": self.rule.value,
            "detail": detail or ("no finite measurement" if m is None else ""),
            "sensitivity": sensitivity(unit=unit, uncertainty=uncertainty, low=low, high=high, rule=self.rule,
                                       required=required, sampling_period_s=sampling_period_s, kind=kind,
                                       quantity=quantity, step_fraction_at_tr=step_fraction_at_tr),
        }
        if plot is not None:
            fields["plot"] = plot
        self._record(fields)
        return verdict

    def require_true(self, requirement: str, name: str, ok: bool, detail: str = "",
                     plot: dict[str, Any] | None = None, *, observed: Mapping[str, Any] | None = None) -> Verdict:
        """Record an observed yes/no conformance (e.g. "stayed connected"): PASS iff ``ok``;
        ``observed`` (:func:`observed_value`) is the measured quantity the answer was read from."""
        self._known(requirement)
        verdict = Verdict.PASS if ok else Verdict.FAIL
        self._record_observation(requirement, name, bool(ok), verdict, detail, plot, observed)
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
                            detail: str, plot: dict[str, Any] | None,
                            observed: Mapping[str, Any] | None = None) -> None:
        said = "undecided" if ok is None else ("yes" if ok else "no")
        fields: dict[str, Any] = {
            "requirement": requirement, "name": name, "quantity": "observed", "unit": "bool",
            "measured": ok, "uncertainty": None, "low": None, "high": None,
            "verdict": verdict.value, "rule": OBSERVATION_RULE,
            "detail": f"observed: {said}" + (f"; {detail}" if detail else ""),
        }
        if observed is not None:
            fields["observed_value"] = dict(observed)
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
            seen = c.get("observed_value")
            value = (f" ({seen['quantity']} {seen['value']:g} {seen['unit']})"
                     if isinstance(seen, Mapping) and isinstance(seen.get("value"), float) else "")
            return f"{c['requirement']} {c['name']}: {c['detail']}{value} -> {c['verdict']}"
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
