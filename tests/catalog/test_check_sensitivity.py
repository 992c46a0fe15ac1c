"""Every numeric check records its sensitivity: the largest deviation from the requirement it would
still pass, from the limits, the uncertainty, the decision rule and (timing) the sampling period."""

from __future__ import annotations

import math

import pytest

from bench.checks import Checker, check_kind, sensitivity
from bench.recorder import Recorder, read_record
from bench.verdicts import DecisionRule

NODE = "test_suites/pv/test_x.py::test_x"


@pytest.mark.parametrize(("unit", "kind"), [("s", "timing"), ("% Pn/min", "slope"), ("W/s", "slope"),
                                            ("V", "level"), ("W", "level"), ("1", "level")])
def test_kind_follows_the_unit(unit: str, kind: str) -> None:
    assert check_kind(unit) == kind


def test_timing_under_simple_acceptance_passes_up_to_the_limit_plus_the_sampling_period() -> None:
    s = sensitivity(unit="s", uncertainty=0.1, low=None, high=5.0, rule=DecisionRule.SIMPLE_ACCEPTANCE,
                    sampling_period_s=0.5)
    assert s["kind"] == "timing" and s["pass_high"] == 5.0 and s["resolution"] == 0.5
    assert s["true_high"] == pytest.approx(5.5) and s["ratio_high"] == pytest.approx(1.1)
    assert s["true_low"] is None and s["ratio_low"] is None
    assert s["text"] == "passes a time up to 5.5 s (1.1 x the required 5 s)"


def test_timing_required_value_differs_from_the_limit() -> None:
    # clearing time 0.2 s +- 0.05 s: the limit is 0.25 s, the requirement 0.2 s
    s = sensitivity(unit="s", uncertainty=0.02, low=0.15, high=0.25, rule=DecisionRule.SIMPLE_ACCEPTANCE,
                    required=0.2)
    assert s["true_high"] == pytest.approx(0.27) and s["ratio_high"] == pytest.approx(1.35)
    assert s["true_low"] == pytest.approx(0.13) and s["ratio_low"] == pytest.approx(0.65)


def test_a_band_without_required_is_judged_against_its_centre() -> None:
    s = sensitivity(unit="W", uncertainty=50.0, low=4000.0, high=6000.0, rule=DecisionRule.SIMPLE_ACCEPTANCE,
                    quantity="active_power")
    assert s["required"] == 5000.0
    assert (s["deviation_low"], s["deviation_high"]) == (pytest.approx(-1050.0), pytest.approx(1050.0))
    assert s["text"] == ("passes active_power up to 6050 W (+1050 W from the required 5000 W) and down to "
                         "3950 W (-1050 W from the required 5000 W)")


def test_guard_band_passes_nothing_beyond_the_limit() -> None:
    s = sensitivity(unit="V", uncertainty=0.5, low=None, high=253.0, rule=DecisionRule.GUARD_BAND,
                    required=250.0, quantity="trip threshold")
    assert s["pass_high"] == 252.5 and s["true_high"] == 253.0 and s["deviation_high"] == pytest.approx(3.0)
    assert s["text"] == "passes trip threshold up to 253 V (+3 V from the required 250 V)"


def test_slope_without_required_is_judged_against_its_limit() -> None:
    s = sensitivity(unit="% Pn/min", uncertainty=0.5, low=None, high=10.0, rule=DecisionRule.SIMPLE_ACCEPTANCE)
    assert s["kind"] == "slope" and s["deviation_high"] == pytest.approx(0.5)
    assert s["ratio_high"] == pytest.approx(1.05)


def test_within_records_the_sensitivity_with_what_the_suite_passes(tmp_path) -> None:
    rec = Recorder(tmp_path / "record.jsonl", now_s=lambda: 1.0)
    chk = Checker(rec, NODE, DecisionRule.SIMPLE_ACCEPTANCE)
    chk.within("PV-UMAX-TRIP", "clearing time", "clearing_time", "s", 0.21, 0.02, 0.15, 0.25,
               required=0.2, sampling_period_s=0.05)
    chk.require_true("PV-UMAX-TRIP", "tripped", True)
    rec.close()
    timing, observation = list(read_record(rec.path))
    assert timing["sensitivity"]["required"] == 0.2 and timing["sensitivity"]["resolution"] == 0.05
    assert timing["sensitivity"]["true_high"] == pytest.approx(0.3)
    assert "sensitivity" not in observation


def test_a_step_response_share_at_tr_is_stated_as_the_slowest_passing_response() -> None:
    # share required at Tr 0.9 - 0.015 (tolerance) ; U 0.02 under simple acceptance: true share 0.865
    s = sensitivity(unit="1", uncertainty=0.02, low=0.885, high=None, rule=DecisionRule.SIMPLE_ACCEPTANCE,
                    quantity="step_fraction", step_fraction_at_tr=0.9)
    assert s["kind"] == "timing" and s["true_low"] == pytest.approx(0.865)
    assert s["response_time_ratio"] == pytest.approx(math.log(0.1) / math.log(0.135))   # 1.15
    assert s["text"].startswith("passes a response up to 1.15 x Tr (first order;")
    guarded = sensitivity(unit="1", uncertainty=0.02, low=0.9, high=None, rule=DecisionRule.GUARD_BAND,
                          step_fraction_at_tr=0.9)
    assert guarded["response_time_ratio"] == pytest.approx(1.0)
    plain = sensitivity(unit="W", uncertainty=1.0, low=None, high=5.0, rule=DecisionRule.GUARD_BAND)
    assert plain["response_time_ratio"] is None
