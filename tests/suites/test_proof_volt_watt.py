"""Proofs for test_suites/pv_inverter/test_volt_watt.py (PV-PU-STEADY, PV-PU-RESPONSE).

Tolerances behind the knob values: the steady-state band is the curve over +- 1.5 MRA_V
(1.5 % Un) widened by +- 1.5 MRA_P (7.5 % Srated); the response check needs >= 90 % of the step
at Tr minus 1.5 MRA_P.

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


def test_slow_response_fails(campaign):
    result = campaign(knobs={"volt_watt_response_time_factor": 3.0}, requirements=[RESPONSE])
    assert result.verdict(RESPONSE) == "FAIL", result.stdout[-2000:]


def test_slightly_slow_response_passes(campaign):
    result = campaign(knobs={"volt_watt_response_time_factor": 1.05}, requirements=[RESPONSE])
    assert result.verdict(RESPONSE) == "PASS", result.stdout[-2000:]
