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

from typing import Any, Callable

import numpy as np
import pytest

from test_suites.evidence import key_instant, series_plot, stimulus_series
from test_suites.heat_pump.strategy import CONSUMPTION_LABEL
from test_suites.sampling import STEADY_SAMPLE_S

REQ = "HP-READBACK"

Pairs = list[tuple[float, float, float]]          # (bench time, readback, analyzer consumption)


def _modbus_reader(dut: Any) -> tuple[str, Callable[[], float]] | None:
    link = dut.modbus_point("consumption_w")
    if link is not None:
        return "Modbus consumption_w", lambda: float(link.read("consumption_w"))
    link = dut.modbus_point("active_power_w")
    if link is not None:
        return "Modbus active_power_w (negated)", lambda: -float(link.read("active_power_w"))
    return None


def _read_periodically(dut: Any, read: Callable[[], float] | None, observation_s: float, period_s: float) -> Pairs:
    """Stimulus and record: every ``period_s`` over the observation, the Modbus readback (when the
    DUT has one) with the analyzer's consumption at the same bench time."""
    t0 = dut.now_s()
    pairs: Pairs = []
    while dut.now_s() < t0 + observation_s - 1e-6:
        dut.wait(period_s, sample_period_s=STEADY_SAMPLE_S)
        if read is not None:
            sample = dut.sample_now()
            pairs.append((sample.t_s, read(), -float(sample.reading.active_power_w)))
    return pairs


def _s2_pairs(dut: Any, s2: Any, t0: float, cal0: Any) -> Pairs:
    """Analysis: each S2 PowerMeasurement of the observation, placed at its own timestamp on the
    bench calendar, with the nearest analyzer sample's consumption."""
    t, c = dut.series(t0)
    pairs: Pairs = []
    for m in s2.measurements():
        if m.consumption_w is None:
            continue
        tm = t0 + (m.timestamp - cal0).total_seconds()
        if tm < t0 or tm > t[-1] + 1e-6:
            continue
        i = int(np.argmin(np.abs(t - tm)))
        pairs.append((tm, float(m.consumption_w), float(c[i])))
    return pairs


def _judge(dut: Any, check: Any, source: str, pairs: Pairs, limit_w: float, accuracy_w: float) -> None:
    t = np.array([p[0] for p in pairs])
    readback = np.array([p[1] for p in pairs])
    measured = np.array([p[2] for p in pairs])
    deviation = np.abs(readback - measured)
    worst = int(np.argmax(deviation))
    check.within(REQ, f"largest |readback - analyzer| ({source})", "power_deviation", "W", float(deviation[worst]),
                 dut.u_power_w, None, limit_w,
                 plot=series_plot(t, readback, "consumption (DUT readback) / W", window=[float(t[0]), float(t[-1])],
                                  limit=measured + limit_w, limit_label="analyzer + allowed deviation",
                                  stimulus=stimulus_series(CONSUMPTION_LABEL, t, measured),
                                  instants=[key_instant("largest deviation", float(t[worst]))]),
                 detail=f"{len(pairs)} readings; at {t[worst]:.0f} s readback {readback[worst]:.0f} W, analyzer "
                        f"{measured[worst]:.0f} W; declared accuracy {accuracy_w:.0f} W + analyzer U")


@pytest.mark.requirement(REQ)
def test_power_readback_against_analyzer(dut, check):
    """Every declared power readback agrees with the analyzer within the declared accuracy."""
    modbus = _modbus_reader(dut)
    s2 = dut.s2
    if modbus is None and s2 is None:
        pytest.skip("NOT_APPLICABLE: the profile offers no power readback (Modbus map or S2)")
    accuracy_w = dut.pct_of_rated_w(dut.declared("readback_accuracy_pct_rated", REQ, "accuracy_pct_rated"))
    observation_s = float(dut.param(REQ, "observation_s"))
    limit_w = accuracy_w + dut.u_power_w
    dut.transition("running")
    t0 = dut.now_s()
    cal0 = dut.clock.calendar()
    pairs = _read_periodically(dut, modbus[1] if modbus is not None else None, observation_s,
                               float(dut.param(REQ, "read_period_s")))
    if modbus is not None:
        _judge(dut, check, modbus[0], pairs, limit_w, accuracy_w)
    if s2 is not None:
        s2_pairs = _s2_pairs(dut, s2, t0, cal0)
        if not s2_pairs:
            check.require_true(REQ, "S2 PowerMeasurement received during the observation", False,
                               f"none in {observation_s:g} s of bench time")
        else:
            _judge(dut, check, "S2 PowerMeasurement", s2_pairs, limit_w, accuracy_w)
