"""Proofs for test_suites/pv_inverter/test_volt_watt.py (PV-PU-STEADY, PV-PU-RESPONSE).

Tolerances behind the knob values: the steady-state band is the curve over +- 1.5 MRA_V
(1.5 % Un) widened by +- 1.5 MRA_P (7.5 % Srated); the response check needs >= 90 % of the step
at Tr minus 1.5 MRA_P.

volt_watt_response_time_factor: the response is judged on the full-range step 100 % -> 20 % Prated
(nominal -> 111.5 % Un, the flat end of the curve below the U>> stage), 8000 W, so at Tr it needs
0.9 - 750 / 8000 = 80.6 % of the step (plus the analyzer's 24 W under the guard band: 80.9 %);
the report's sensitivity: it passes a first-order response up to 1.40 x Tr. A first-order response
k x Tr covers 1 - 0.1^(1/k) at Tr: k = 1.45 covers 79.6 % and FAILS (the mid-curve 40 % step used
before needed only 71.2 % and passed up to 1.85 x Tr), k = 1.3 covers 83.0 % and PASSES.

volt_watt_power_offset_pct: on the slope the voltage MRA widens the band by 30 % Prated, and the
highest test point (111 % Un) is judged against the curve over 109.5-112.5 % Un (20-30 %) + 7.5 %,
so test_volt_watt.py only fails offsets above 17.5 % Prated (15 % PASSES; measured). 25 % is used.
"""

from __future__ import annotations

import pytest
from proof_campaigns import SHARED_REFERENCE_GROUP, VOLT_WATT_IGNORED_GROUP

STEADY = "PV-PU-STEADY"
RESPONSE = "PV-PU-RESPONSE"


@SHARED_REFERENCE_GROUP
def test_compliant_passes_both(shared_campaign):
    result = shared_campaign(requirements=[STEADY, RESPONSE])
    assert result.verdict(STEADY) == "PASS", result.stdout[-2000:]
    assert result.verdict(RESPONSE) == "PASS", result.stdout[-2000:]


@pytest.mark.parametrize("knobs", [
    pytest.param({"volt_watt_ignored": True}, marks=VOLT_WATT_IGNORED_GROUP),
    {"volt_watt_voltage_offset_pct": 3.0},    # curve 3 % Un late: outside the 1.5 % Un band
    {"volt_watt_power_offset_pct": 25.0},     # see module doc: > 17.5 % needed at 111 % Un
], ids=lambda k: next(iter(k)))
def test_steady_state_defects_fail(shared_campaign, knobs):
    result = shared_campaign(knobs=knobs, requirements=[STEADY])
    assert result.verdict(STEADY) == "FAIL", result.stdout[-2000:]


@pytest.mark.parametrize("knobs", [
    {"volt_watt_voltage_offset_pct": 1.0},    # inside the 1.5 % Un band
    {"volt_watt_power_offset_pct": 5.0},      # inside the 7.5 % Prated band
], ids=lambda k: next(iter(k)))
def test_steady_state_small_offsets_pass(campaign, knobs):
    result = campaign(knobs=knobs, requirements=[STEADY])
    assert result.verdict(STEADY) == "PASS", result.stdout[-2000:]


@pytest.mark.parametrize("factor", [3.0, 1.45], ids=lambda f: f"{f:g}xTr")
def test_slow_response_fails(campaign, factor):
    """3 x Tr, and 1.45 x Tr: just slower than the 1.40 x Tr the full-range step lets pass."""
    result = campaign(knobs={"volt_watt_response_time_factor": factor}, requirements=[RESPONSE])
    assert result.verdict(RESPONSE) == "FAIL", result.stdout[-2000:]


@pytest.mark.parametrize("factor", [1.05, 1.3], ids=lambda f: f"{f:g}xTr")
def test_slightly_slow_response_passes(campaign, factor):
    """Slower than Tr but inside the tolerance: 1.05 and 1.3 x Tr (83 % of the step at Tr)."""
    result = campaign(knobs={"volt_watt_response_time_factor": factor}, requirements=[RESPONSE])
    assert result.verdict(RESPONSE) == "PASS", result.stdout[-2000:]


def test_response_sensitivity_is_the_full_range_step(campaign):
    """The reference campaign states the response check's sensitivity: the full-range step keeps it
    below 1.45 x Tr (the mid-curve step allowed 1.85 x Tr)."""
    result = campaign(requirements=[RESPONSE])
    shares = [c for r in result.report["requirements"] if r["id"] == RESPONSE for c in r["checks"]
              if c["name"].startswith("share of the step at Tr")]
    assert len(shares) == 1 and shares[0]["verdict"] == "PASS", shares
    assert 1.0 < shares[0]["sensitivity"]["response_time_ratio"] < 1.45, shares[0]["sensitivity"]
