"""Proofs for test_suites/pv_inverter/test_lfsm_u.py (PV-LFSM-U) on the reference hybrid inverter
(device_profiles/sim-hybrid-inverter.yaml), each campaign selecting PV-LFSM-U alone (about 2 s).

Tolerances behind the knob values: at 50 % irradiance (about 5.16 kW) the deepest point is where
the droop asks for 90 % of the 4.84 kW headroom (48.71 Hz, +4.36 kW at 5 %); the band is the curve
over +-1.5 MRA_f (0.015 Hz, +-60 W there) widened by +-1.5 MRA_P (750 W). A 10 % droop gives
+2.18 kW there (2.2 kW short: FAIL); 5.5 % gives +3.96 kW (0.40 kW short: PASS). The response check
needs 0.9 - 750 / 4350 = 72.8 % of the step at Tr: a first-order response k x Tr covers
1 - 0.1^(1/k), so 2 x Tr (68.4 %) FAILS and 1.5 x Tr (78.5 %) PASSES.
"""

from __future__ import annotations

import pytest
from proof_campaigns import SHARED_REFERENCE_GROUP, REPO

REQ = "PV-LFSM-U"
HYBRID = REPO / "device_profiles" / "sim-hybrid-inverter.yaml"


def test_compliant_hybrid_passes_with_the_droop_plot(lab):
    result = lab.run_reference(HYBRID, {}, [REQ])
    assert result.verdict(REQ) == "PASS", result.stdout[-2000:]
    checks = [c for r in result.report["requirements"] if r["id"] == REQ for c in r["checks"]]
    curves = [c["plot"] for c in checks if c.get("plot", {}).get("type") == "curve"]
    assert len(curves) == 1 and curves[0]["points"] and curves[0]["band_low"], curves


@pytest.mark.parametrize("knobs", [
    {"lfsm_u_ignored": True},
    {"lfsm_u_droop_pct": 10.0},
    {"lfsm_u_response_time_factor": 2.0},
], ids=lambda k: next(iter(k)))
def test_defects_fail(lab, knobs):
    result = lab.run_reference(HYBRID, knobs, [REQ])
    assert result.verdict(REQ) == "FAIL", result.stdout[-2000:]


@pytest.mark.parametrize("knobs", [
    {"lfsm_u_droop_pct": 5.5},
    {"lfsm_u_response_time_factor": 1.5},
], ids=lambda k: next(iter(k)))
def test_just_inside_passes(lab, knobs):
    result = lab.run_reference(HYBRID, knobs, [REQ])
    assert result.verdict(REQ) == "PASS", result.stdout[-2000:]


@SHARED_REFERENCE_GROUP
def test_pv_inverter_without_storage_is_not_applicable(shared_campaign):
    result = shared_campaign(requirements=[REQ])
    assert result.verdict(REQ) == "NOT_APPLICABLE", result.stdout[-2000:]
