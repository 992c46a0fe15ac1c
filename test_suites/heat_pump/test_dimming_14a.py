"""§14a EnWG dimming: consumption at or below 4.2 kW within the response time, judged on measured power.

Method: from steady normal operation (consumption P2 above the floor), the §14a control signal is
applied through the input the profile declares (``declared.dimming_14a_input``):

* ``contact``: the control box's relay contact, digital_io channel ``declared.dimming_14a_contact_channel``;
* ``modbus_limit``: the map's ``power_limit_w`` written with the floor.

Consumption (= -analyzer active power) must be at or below the floor + band within the declared
``dimming_response_time_s`` (else the catalog's) and stay there for the hold time.

Applicability: the profile claims ``functions.dimming_14a``. A device rated above the floor that
does not claim it FAILs in the DE market (§14a applies to it) and is NOT_APPLICABLE elsewhere.
"""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from test_suites.heat_pump.controls import DimmingSignal
from test_suites.heat_pump.judging import judge_settles_below, signal_stimulus, wait_fine_then_coarse

REQ = "HP-14A-DIMMING"
FINE_AFTER_TR_S = 10.0      # sampled finely until this long after Tr


@pytest.mark.requirement(REQ)
def test_dimming_to_floor(dut, check):
    """The §14a signal holds consumption at or below 4.2 kW from the response time on."""
    floor_w = float(dut.param(REQ, "dimming_limit_w"))
    if not dut.profile.claims("dimming_14a"):
        if dut.market == "DE" and dut.p_rated_w > floor_w:
            check.require_true(REQ, "DUT claims §14a dimming", False,
                               f"rated {dut.p_rated_w:.0f} W > {floor_w:.0f} W: §14a EnWG applies in DE")
            return
        pytest.skip("NOT_APPLICABLE: the profile claims no §14a dimming input")
    signal = DimmingSignal(dut, floor_w)
    tr = dut.declared("dimming_response_time_s", REQ, "response_time_s")
    tol_w = dut.pct_of_rated_w(dut.param(REQ, "tolerance_pct_rated"))
    hold_s = float(dut.param(REQ, "hold_s"))
    p2 = dut.transition("running")
    if p2 <= floor_w + tol_w:
        raise BenchError(f"running consumption {p2:.0f} W is not above the §14a floor {floor_w:.0f} W + band: "
                         "dimming cannot be observed (raise the heat demand)")
    try:
        dut.step(f"§14a dimming signal on ({signal.kind})")
        t0 = dut.now_s()
        signal.apply()
        wait_fine_then_coarse(dut, tr + FINE_AFTER_TR_S, hold_s)
        judge_settles_below(dut, check, REQ, what="§14a dimming", t0_s=t0, response_time_s=tr,
                            limit_w=floor_w + tol_w,
                            detail=f"floor {floor_w:.0f} W + band {tol_w:.0f} W; Tr {tr:g} s; P2 {p2:.0f} W",
                            stimulus=signal_stimulus(f"§14a dimming signal ({signal.kind}, 1 = on)", t0, 0, 1))
    finally:
        signal.release()
