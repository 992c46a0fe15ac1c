"""One judgement of an open-loop step response (P(U), Q(U), LFSM-O / LFSM-U): the step must be
measurable (at least twice the tolerance), then the share of the step at Tr and the value at 2 Tr are
checked (bench.analysis.first_order_response_check builds the expectation and its plot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.analysis import first_order_response_check
from bench.checks import observed_value

__all__ = ["ACTIVE_POWER", "REACTIVE_POWER", "StepQuantity", "judge_step_response"]


@dataclass(frozen=True)
class StepQuantity:
    """The quantity that steps, as the check names, details and plot label it."""

    name: str           # in "a measurable <name> step"
    symbol: str         # in the details: "P went from ..."
    step_label: str     # in "share of the <step_label> at Tr"
    settled_label: str  # in "<settled_label> at 2 Tr"
    key: str            # the check's quantity key
    unit: str

    @property
    def axis_label(self) -> str:
        return f"{'active ' if self.key == 'active_power' else ''}{self.name} / {self.unit}"


ACTIVE_POWER = StepQuantity("power", "P", "step", "power", "active_power", "W")
REACTIVE_POWER = StepQuantity("reactive power", "Q", "Q step", "Q", "reactive_power", "var")


def judge_step_response(dut: Any, check: Any, requirement_id: str, quantity: StepQuantity, *, cause: str,
                        t: np.ndarray, y: np.ndarray, t_step_s: float, y_initial: float, y_final: float,
                        tr_s: float, tolerance: float, uncertainty: float, stimulus: dict[str, Any],
                        suffix: str = "", context: str = "") -> None:
    """Judge ``y`` at ``t`` after a step at ``t_step_s`` from ``y_initial`` towards the measured
    settled ``y_final``: FAIL when the step is smaller than twice ``tolerance`` (``cause`` names the
    stimulus, e.g. "voltage step"), else >= the required share at Tr and inside the band at 2 Tr.
    ``suffix`` is added to the names of the two timing checks, ``context`` to the small-step detail."""
    step = abs(y_final - y_initial)
    s, u = quantity.symbol, quantity.unit
    if step < 2 * tolerance:
        check.require_true(requirement_id, f"{cause} produced a measurable {quantity.name} step", False,
                           f"{s} went from {y_initial:.0f} {u} to {y_final:.0f} {u} only{context}",
                           observed=observed_value(f"{quantity.name} step", u, step, low=2 * tolerance,
                                                   uncertainty=uncertainty))
        return
    res = first_order_response_check(t, y, t_step_s, y_initial, y_final, tr_s, tolerance,
                                     x_label="bench time / s", y_label=quantity.axis_label, stimulus=stimulus)
    check.within(requirement_id, f"share of the {quantity.step_label} at Tr{suffix}", "step_fraction", "1",
                 res.fraction_at_tr, uncertainty / step, res.required_fraction_at_tr, None,
                 detail=f"{s} {y_initial:.0f} {u} -> {y_final:.0f} {u}; at Tr = {tr_s:g} s: {res.value_at_tr:.0f} {u}",
                 plot=res.plot, step_fraction_at_tr=res.fraction)
    check.within(requirement_id, f"{quantity.settled_label} at 2 Tr{suffix}", quantity.key, u, res.value_at_2tr,
                 uncertainty, res.band_2tr[0], res.band_2tr[1],
                 detail=f"settled value {y_final:.0f} {u} +- {tolerance:.0f} {u}")
