"""Proofs for the reconnection, LFSM-O and remote-limit suites: the compliant reference inverter
passes, each fault knob that breaks a requirement makes it FAIL, and a knob value just inside the
tolerance still passes. Each case is one real campaign restricted to one requirement, except the
reference cases, which read the session's shared campaign of the reference inverter
(tests/proof_campaigns.py SHARED_PV_CAMPAIGNS)."""

from __future__ import annotations

import pytest
from proof_campaigns import LFSM_O_IGNORED_GROUP, SHARED_REFERENCE_GROUP

WINDOW = "PV-RECONNECT-WINDOW"
DELAY = "PV-RECONNECT-DELAY"
RAMP = "PV-RECONNECT-RAMP"
LFSM = "PV-LFSM-O"
LIMIT = "PV-REMOTE-LIMIT"

CASES = [
    # (requirement, knobs, expected verdict)
    (WINDOW, {}, "PASS"),
    (WINDOW, {"reconnect_ignores_window": True}, "FAIL"),
    (WINDOW, {"reconnect_delay_factor": 1.2}, "PASS"),        # another area's defect: window still kept
    (DELAY, {}, "PASS"),
    (DELAY, {"reconnect_delay_factor": 0.9}, "FAIL"),
    (DELAY, {"reconnect_delay_factor": 0.97}, "FAIL"),         # 1.8 s early
    (DELAY, {"reconnect_delay_factor": 1.02}, "PASS"),         # later than required: inside
    (RAMP, {"ramp_rate_factor": 1.3}, "FAIL"),                 # 10.4 % Pn/min against the 10 % limit
    (RAMP, {"ramp_rate_factor": 1.5}, "FAIL"),
    (RAMP, {"ramp_rate_factor": 1.2}, "PASS"),                 # 9.6 % Pn/min (setting 8 %): just inside
    (LFSM, {}, "PASS"),
    (LFSM, {"lfsm_o_ignored": True}, "FAIL"),
    (LFSM, {"lfsm_o_droop_pct": 7.0}, "FAIL"),                 # 1143 W above the curve at 51.2 Hz
    (LFSM, {"lfsm_o_droop_pct": 4.0}, "FAIL"),                 # 1000 W below
    (LFSM, {"lfsm_o_droop_pct": 5.5}, "PASS"),                 # 364 W: inside +-750 W (1.5 MRA_P)
    (LFSM, {"lfsm_o_start_offset_hz": 0.3}, "FAIL"),
    (LFSM, {"lfsm_o_start_offset_hz": 0.1}, "PASS"),
    (LFSM, {"lfsm_o_response_time_factor": 2.5}, "FAIL"),      # 60 % of the step at Tr (need 71 %)
    (LFSM, {"lfsm_o_response_time_factor": 1.5}, "PASS"),      # 78 %
    (LIMIT, {}, "PASS"),
    (LIMIT, {"power_limit_ignored": True}, "FAIL"),
    (LIMIT, {"power_limit_offset_pct": 10.0}, "FAIL"),         # 1000 W above a 750 W tolerance
    (LIMIT, {"power_limit_offset_pct": -10.0}, "FAIL"),
    (LIMIT, {"power_limit_offset_pct": 5.0}, "PASS"),
    (LIMIT, {"power_limit_response_time_factor": 2.0}, "FAIL"),  # 68 % at Tr on the 50 % step (need 75 %)
    (LIMIT, {"power_limit_response_time_factor": 1.3}, "PASS"),  # 83 %
    (LIMIT, {"power_limit_revert_ignored": True}, "FAIL"),
]


def _id(case) -> str:
    req, knobs, expected = case
    return f"{req}-{'-'.join(f'{k}={v}' for k, v in knobs.items()) or 'reference'}-{expected}"


def _group(knobs) -> list:
    """The proofs whose campaign is shared (tests/proof_campaigns.py SHARED_PV_CAMPAIGNS) run with it."""
    if not knobs:
        return [SHARED_REFERENCE_GROUP]
    return [LFSM_O_IGNORED_GROUP] if knobs == {"lfsm_o_ignored": True} else []


@pytest.mark.parametrize("requirement,knobs,expected", [pytest.param(*c, id=_id(c), marks=_group(c[1])) for c in CASES])
def test_verdict(shared_campaign, requirement, knobs, expected):
    result = shared_campaign(knobs=knobs, requirements=[requirement])
    assert result.verdict(requirement) == expected, result.report.get("requirements")


@SHARED_REFERENCE_GROUP
def test_reference_ramp_passes_inside_the_limit(shared_campaign):
    """The campaign configures the ramp at 80 % of the catalog maximum (8 % Pn/min); the reference
    inverter follows it and PASSES with a measurable margin under the guard-band rule."""
    result = shared_campaign(requirements=[RAMP])
    assert result.verdict(RAMP) == "PASS"
