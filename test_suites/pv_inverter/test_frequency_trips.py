"""Frequency protection: every f> and f< stage of the market (``stages_hz_s``).

Same method as the voltage stages (test_suites/pv_inverter/trip_stages.py): for each stage, (a) the frequency
is held at threshold -+ 1.5 MRA_f for longer than the stage's clearing time plus tolerance, but
shorter than any less severe stage that the level also exceeds would need (e.g. 51.985 Hz also
exceeds a 51.5 Hz / 2 s stage), and the output must stay up; (b) a step to threshold +- 1.5 MRA_f
must trip the DUT with the clearing time inside T +- (trip_time_tolerance_s + 1 % of T), measured from
the source's step on the analyzer's triggered capture every 5 ms when it offers one (else on the
bench's 20 ms samples). A more severe stage whose threshold the step exceeds
with a longer clearing time cannot act first; a step whose stage could be pre-empted by a faster
stage is reported inconclusive. The DUT is brought back to production before each measurement.

Over-frequency steps also activate LFSM-O (output reduced along the droop); the output stays far
above the ~0 trip criterion, so a reduction is not mistaken for a trip.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_suites.pv_inverter.trip_stages import check_stage, frequency_stages

REQ_FMAX = "PV-FMAX-TRIP"
REQ_FMIN = "PV-FMIN-TRIP"


def _run_all_stages(dut: Any, check: Any, req: str, over: bool) -> None:
    stages = frequency_stages(dut, req, over)
    if not stages:
        check.inconclusive(req, "frequency stages", "the catalog lists no stage for this market")
        return
    tripped = False
    try:
        for stage in stages:
            others = [s for s in stages if s is not stage]
            tripped = check_stage(dut, check, stage, others, after_trip=tripped)
    finally:
        dut.restore_nominal_grid()


@pytest.mark.requirement(REQ_FMAX)
def test_fmax_trip_stages(dut, check):
    """f> stages: no trip at threshold - 1.5 MRA_f; trip with the set clearing time at threshold + 1.5 MRA_f."""
    _run_all_stages(dut, check, REQ_FMAX, over=True)


@pytest.mark.requirement(REQ_FMIN)
def test_fmin_trip_stages(dut, check):
    """f< stages: no trip at threshold + 1.5 MRA_f; trip with the set clearing time at threshold - 1.5 MRA_f."""
    _run_all_stages(dut, check, REQ_FMIN, over=False)
