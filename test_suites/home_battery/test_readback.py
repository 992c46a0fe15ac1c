"""Readback accuracy: the battery's own active power reading against the power analyzer.

Method: at each catalog setpoint (discharge and charge), once settled, the map's
``active_power_w`` is read and compared with the analyzer at the same bench time; the largest
deviation must be within the declared ``readback_accuracy_pct_rated`` (else the catalog's) of rated
power, widened by the analyzer's expanded uncertainty, judged with that uncertainty.
NOT_APPLICABLE when the map has no ``active_power_w``.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_suites.sampling import STEADY_SAMPLE_S

REQ = "BAT-READBACK"
READS = 3
READ_PERIOD_S = 5.0

Reading = tuple[float, float, float, float]      # (deviation, t, readback, analyzer)


def _operating_point(dut: Any, setpoint_w: float, settle_s: float) -> None:
    """The ``discharging`` or ``charging`` state at |setpoint_w|, settled."""
    if setpoint_w < 0:
        dut.transition("charging", power_w=-setpoint_w, settle_s=settle_s)
    else:
        dut.transition("discharging", power_w=setpoint_w, settle_s=settle_s)


def _read_against_analyzer(dut: Any) -> list[Reading]:
    """Stimulus and record: READS readbacks, READ_PERIOD_S apart, each with the analyzer's sample."""
    readings = []
    for _ in range(READS):
        dut.wait(READ_PERIOD_S, sample_period_s=STEADY_SAMPLE_S)
        sample = dut.sample_now()
        readback = float(dut.link.read("active_power_w"))
        readings.append((abs(readback - sample.reading.active_power_w), sample.t_s, readback,
                         sample.reading.active_power_w))
    return readings


@pytest.mark.requirement(REQ)
def test_active_power_readback(dut, check):
    """The active power readback agrees with the analyzer at discharge and charge setpoints."""
    if not dut.has_point("active_power_w"):
        pytest.skip("NOT_APPLICABLE: the register map has no active_power_w readback")
    if not dut.follows_setpoints(check, REQ):
        return
    accuracy_w = dut.pct_of_rated_w(dut.declared("readback_accuracy_pct_rated", REQ, "accuracy_pct_rated"))
    settle_s = float(dut.param(REQ, "settle_s"))
    dut.transition("idle")
    worst = (0.0, 0.0, 0.0, 0.0)         # (deviation, t, readback, analyzer)
    try:
        for share in dut.param(REQ, "setpoints_pct_rated"):
            _operating_point(dut, dut.pct_of_rated_w(share), settle_s)
            for reading in _read_against_analyzer(dut):
                if reading[0] >= worst[0]:
                    worst = reading
    finally:
        dut.write_setpoint(0.0)
    check.within(REQ, "largest |readback - analyzer| (Modbus active_power_w)", "power_deviation", "W", worst[0],
                 dut.u_power_w, None, accuracy_w + dut.u_power_w,
                 detail=f"at {worst[1]:.0f} s readback {worst[2]:.0f} W, analyzer {worst[3]:.0f} W; "
                        f"declared accuracy {accuracy_w:.0f} W + analyzer U")
