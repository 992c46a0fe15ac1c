"""Readback accuracy: the heat pump's own power readings against the power analyzer.

Method: in steady normal operation, over the observation time, every read period the DUT's
readback is taken and compared with the analyzer's consumption at the same bench time:

* Modbus map: ``consumption_w`` (consumption positive), else ``active_power_w`` (export positive,
  negated);
* S2: every PowerMeasurement the RM sent during the observation, placed at its own timestamp on the
  bench calendar and compared with the nearest analyzer sample.

The largest deviation of each readback must be within the declared ``readback_accuracy_pct_rated``
(else the catalog's) of rated power, widened by the analyzer's expanded uncertainty (the reference
is itself uncertain), judged with that uncertainty by the decision rule.
NOT_APPLICABLE when the profile offers no power readback.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from test_suites.heat_pump.judging import series_plot

REQ = "HP-READBACK"
SAMPLE_S = 1.0


def _modbus_reader(hp: Any) -> tuple[str, Any] | None:
    link = hp.modbus_point("consumption_w")
    if link is not None:
        return "Modbus consumption_w", lambda: float(link.read("consumption_w"))
    link = hp.modbus_point("active_power_w")
    if link is not None:
        return "Modbus active_power_w (negated)", lambda: -float(link.read("active_power_w"))
    return None


@pytest.mark.requirement(REQ)
def test_power_readback_against_analyzer(hp_step, check):
    """Every declared power readback agrees with the analyzer within the declared accuracy."""
    hp = hp_step
    modbus = _modbus_reader(hp)
    s2 = hp.s2
    if modbus is None and s2 is None:
        pytest.skip("NOT_APPLICABLE: the profile offers no power readback (Modbus map or S2)")
    accuracy_w = hp.pct_of_rated_w(hp.declared("readback_accuracy_pct_rated", REQ, "accuracy_pct_rated"))
    observation_s = float(hp.param(REQ, "observation_s"))
    period_s = float(hp.param(REQ, "read_period_s"))
    hp.bring_to_normal()
    t0 = hp.now_s()
    cal0 = hp.clock.calendar()
    pairs: list[tuple[float, float, float]] = []          # (t, readback, analyzer)
    while hp.now_s() < t0 + observation_s - 1e-6:
        hp.wait(period_s, sample_period_s=SAMPLE_S)
        if modbus is not None:
            sample = hp.sample_now()
            pairs.append((sample.t_s, modbus[1](), -float(sample.reading.active_power_w)))
    t, c = hp.series(t0)
    limit_w = accuracy_w + hp.u_power_w
    if modbus is not None:
        _judge(hp, check, modbus[0], pairs, limit_w, accuracy_w)
    if s2 is not None:
        s2_pairs = []
        for m in s2.measurements():
            if m.consumption_w is None:
                continue
            tm = t0 + (m.timestamp - cal0).total_seconds()
            if tm < t0 or tm > t[-1] + 1e-6:
                continue
            i = int(np.argmin(np.abs(t - tm)))
            s2_pairs.append((tm, float(m.consumption_w), float(c[i])))
        if not s2_pairs:
            check.require_true(REQ, "S2 PowerMeasurement received during the observation", False,
                               f"none in {observation_s:g} s of bench time")
        else:
            _judge(hp, check, "S2 PowerMeasurement", s2_pairs, limit_w, accuracy_w)


def _judge(hp: Any, check: Any, source: str, pairs: list[tuple[float, float, float]], limit_w: float,
           accuracy_w: float) -> None:
    t = np.array([p[0] for p in pairs])
    readback = np.array([p[1] for p in pairs])
    measured = np.array([p[2] for p in pairs])
    deviation = np.abs(readback - measured)
    worst = int(np.argmax(deviation))
    check.within(REQ, f"largest |readback - analyzer| ({source})", "power_deviation", "W", float(deviation[worst]),
                 hp.u_power_w, None, limit_w,
                 plot=series_plot(t, readback, [float(t[0]), float(t[-1])]),
                 detail=f"{len(pairs)} readings; at {t[worst]:.0f} s readback {readback[worst]:.0f} W, analyzer "
                        f"{measured[worst]:.0f} W; declared accuracy {accuracy_w:.0f} W + analyzer U")
