"""Remote active power limit over SunSpec 704 (WMaxLimPct): followed, released, reverted.

Method: from steady production, WMaxLimPct is stepped down (50 %, then 30 % of rated power). Each
step is judged as a first-order response with the response time (the profile's declared
`power_limit_response_time_s`, else the catalog's): >= 90 % of the step at Tr minus the tolerance,
and the power at 2 Tr inside the settled value +- 1.5 MRA_P; the settled power must be the limit
(capped by the available power) +- 1.5 MRA_P. The limit is then disabled (WMaxLimPctEna = 0) and
the power must return to the available power the same way. Finally a limit is written with a
revert time (WMaxLimPctRvrtTms): once it has elapsed the power must return without a new write.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.analysis import first_order_response_check

REQ = "PV-REMOTE-LIMIT"
LIMITS_PCT = (50.0, 30.0)
REVERT_LIMIT_PCT = 50.0
MRA_MULTIPLIER = 1.5
FINE_SAMPLE_S = 0.1


def _response_time_s(pv) -> float:
    declared = pv.profile.declared_value("power_limit_response_time_s")
    return float(declared) if declared is not None else float(pv.param(REQ, "response_time_s"))


def _step_and_judge(pv, check, label: str, action, y_expected: float, tr: float, tolerance_w: float) -> None:
    """Apply ``action`` (a SunSpec write), record 4 Tr, judge the response and the settled power."""
    y_initial = pv.mean_over(5.0)
    t_step = pv.now_s()
    action()
    pv.wait(4.0 * tr, sample_period_s=min(FINE_SAMPLE_S, tr / 20.0))
    t, p = pv.series(t_step - 5.0)
    y_final = float(np.mean(p[t >= t_step + 3.0 * tr]))
    check.within(REQ, f"settled power, {label}", "active_power", "W", y_final, pv.u_power_w,
                 y_expected - tolerance_w, y_expected + tolerance_w,
                 detail=f"expected {y_expected:.0f} W +- {tolerance_w:.0f} W (1.5 MRA_P), mean over 3-4 Tr")
    if abs(y_final - y_initial) < 2 * tolerance_w:
        check.require_true(REQ, f"measurable power step, {label}", False,
                           f"P went from {y_initial:.0f} W to {y_final:.0f} W only")
        return
    res = first_order_response_check(t, p, t_step, y_initial, y_final, tr, tolerance_w,
                                     x_label="bench time / s", y_label="active power / W")
    check.within(REQ, f"share of the step at Tr, {label}", "step_fraction", "1", res.fraction_at_tr,
                 pv.u_power_w / abs(y_final - y_initial), res.required_fraction_at_tr, None,
                 detail=f"P {y_initial:.0f} W -> {y_final:.0f} W; at Tr = {tr:g} s: {res.value_at_tr:.0f} W",
                 plot=res.plot)
    check.within(REQ, f"power at 2 Tr, {label}", "active_power", "W", res.value_at_2tr, pv.u_power_w,
                 res.band_2tr[0], res.band_2tr[1], detail=f"settled value {y_final:.0f} W +- {tolerance_w:.0f} W")


@pytest.mark.requirement(REQ)
def test_remote_power_limit(pv_step, check):
    """WMaxLimPct steps are followed in time and in steady state; disabling and revert release it."""
    pv = pv_step
    if not pv.profile.claims("remote_active_power_limit"):
        check.require_true(REQ, "DUT claims a remote active power limit", False, "mandatory function not claimed")
        return
    tr = _response_time_s(pv)
    tolerance_w = MRA_MULTIPLIER * pv.mra_power_w(REQ)
    p_avail = pv.bring_to_production(fraction=1.0)
    try:
        for pct in LIMITS_PCT:
            pv.step(f"WMaxLimPct {pct:g} % (Tr = {tr:g} s)")
            _step_and_judge(pv, check, f"limit {pct:g} %", lambda pct=pct: pv.dut.write_power_limit(pct),
                            min(pct / 100.0 * pv.p_rated_w, p_avail), tr, tolerance_w)
        pv.step("WMaxLimPctEna = 0: limit released")
        _step_and_judge(pv, check, "limit disabled", lambda: pv.dut.write_power_limit(None),
                        p_avail, tr, tolerance_w)

        revert_s = float(round(6.0 * tr))
        pv.step(f"WMaxLimPct {REVERT_LIMIT_PCT:g} % with revert time {revert_s:g} s")
        pv.dut.write_power_limit(REVERT_LIMIT_PCT, revert_time_s=revert_s)
        t_write = pv.now_s()
        pv.wait(revert_s + 4.0 * tr)
        t, p = pv.series(t_write + 1e-6)
        limited = float(np.mean(p[(t >= t_write + 3.0 * tr) & (t < t_write + revert_s)]))
        check.within(REQ, "power held at the limit before the revert time", "active_power", "W", limited,
                     pv.u_power_w, REVERT_LIMIT_PCT / 100.0 * pv.p_rated_w - tolerance_w,
                     REVERT_LIMIT_PCT / 100.0 * pv.p_rated_w + tolerance_w,
                     detail=f"mean from 3 Tr after the write to the revert time ({revert_s:g} s)")
        reverted = float(np.mean(p[t >= t_write + revert_s + 2.0 * tr]))
        plot = {"type": "series", "x_label": "bench time / s", "y_label": "active power / W",
                "t_s": t.tolist(), "y": p.tolist(), "window": [t_write + revert_s, t_write + revert_s + 2.0 * tr]}
        check.within(REQ, "power restored after the revert time", "active_power", "W", reverted, pv.u_power_w,
                     p_avail - tolerance_w, p_avail + tolerance_w,
                     detail=f"mean from revert time + 2 Tr; available {p_avail:.0f} W +- {tolerance_w:.0f} W",
                     plot=plot)
    finally:
        pv.dut.write_power_limit(None, revert_time_s=0.0)
