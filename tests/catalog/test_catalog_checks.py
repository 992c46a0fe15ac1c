"""Checker: soft checks write `check` records; raise_if_failed maps FAIL / INCONCLUSIVE."""

from __future__ import annotations

import pytest

from bench.catalog import load_catalog
from bench.checks import Checker
from bench.errors import ConfigError, DutNonConformance, Inconclusive
from bench.recorder import Recorder, read_record
from bench.verdicts import DecisionRule, Verdict

NODE = "test_suites/pv/test_pu.py::test_steady"
CHECK_FIELDS = {"seq", "kind", "t_s", "wall_utc", "requirement", "nodeid", "name", "quantity", "unit",
                "measured", "uncertainty", "low", "high", "verdict", "rule", "detail"}


@pytest.fixture
def rec(tmp_path):
    r = Recorder(tmp_path / "record.jsonl", now_s=lambda: 12.5)
    yield r
    r.close()


def _lines(rec):
    rec.close()
    return list(read_record(rec.path))


def test_within_writes_a_check_record(rec):
    chk = Checker(rec, NODE, DecisionRule.GUARD_BAND)
    plot = {"type": "curve", "x_label": "U / V", "y_label": "P / W", "points": [[250.0, 5000.0]],
            "band_low": [[250.0, 4000.0]], "band_high": [[250.0, 6000.0]]}
    v = chk.within("PV-PU-STEADY", "point 250 V", "active_power", "W", 5000.0, 100.0, 4000.0,
                   6000.0, detail="at 100 % irradiance", plot=plot)
    assert v is Verdict.PASS
    (line,) = _lines(rec)
    assert set(line) == CHECK_FIELDS | {"plot", "sensitivity"}
    # guard band: accepted measured values 4100..5900 W, a true value between the limits
    assert (line["sensitivity"]["pass_low"], line["sensitivity"]["pass_high"]) == (4100.0, 5900.0)
    assert line["sensitivity"]["kind"] == "level"
    assert line["kind"] == "check" and line["verdict"] == "PASS" and line["rule"] == "GUARD_BAND"
    assert line["nodeid"] == NODE and line["requirement"] == "PV-PU-STEADY"
    assert (line["measured"], line["uncertainty"], line["low"], line["high"]) == (5000.0, 100.0, 4000.0, 6000.0)
    assert line["plot"] == plot
    assert line["t_s"] == 12.5


def test_soft_checks_do_not_raise_and_raise_if_failed_lists_all(rec):
    chk = Checker(rec, NODE, DecisionRule.GUARD_BAND)
    assert chk.within("PV-UMAX-TRIP", "trip time", "time", "s", 0.5, 0.01, None, 0.1) is Verdict.FAIL
    assert chk.within("PV-PU-STEADY", "p1", "active_power", "W", 5990.0, 50.0, 4000.0, 6000.0) is Verdict.INCONCLUSIVE
    assert chk.require_true("PV-ACTIVE-LIMITING", "stayed connected", False, "tripped at 612 s") is Verdict.FAIL
    assert chk.require_true("PV-ACTIVE-LIMITING", "mean <= 253 V", True) is Verdict.PASS
    assert len(chk.failures()) == 2 and len(chk.inconclusives()) == 1
    assert chk.verdict() is Verdict.FAIL
    with pytest.raises(DutNonConformance) as exc:
        chk.raise_if_failed()
    assert exc.value.requirement_id == "PV-UMAX-TRIP"
    assert "stayed connected" in str(exc.value) and "2 check(s) failed" in str(exc.value)
    lines = _lines(rec)
    assert [line["verdict"] for line in lines] == ["FAIL", "INCONCLUSIVE", "FAIL", "PASS"]
    obs = lines[2]
    assert obs["quantity"] == "observed" and obs["measured"] is False and obs["rule"] == "OBSERVATION"
    assert obs["detail"] == "observed: no; tripped at 612 s"
    assert set(obs) == CHECK_FIELDS


def test_inconclusive_only_raises_inconclusive(rec):
    chk = Checker(rec, NODE, DecisionRule.GUARD_BAND)
    chk.within("PV-PU-STEADY", "p1", "active_power", "W", 5990.0, 50.0, 4000.0, 6000.0)
    chk.within("PV-PU-STEADY", "p2", "active_power", "W", 5000.0, 50.0, 4000.0, 6000.0)
    with pytest.raises(Inconclusive) as exc:
        chk.raise_if_failed()
    assert exc.value.requirement_id == "PV-PU-STEADY"
    assert chk.verdict() is Verdict.INCONCLUSIVE


def test_same_measurement_passes_under_simple_acceptance(rec):
    chk = Checker(rec, NODE, DecisionRule.SIMPLE_ACCEPTANCE)
    assert chk.within("PV-PU-STEADY", "p1", "active_power", "W", 5990.0, 50.0, 4000.0, 6000.0) is Verdict.PASS
    chk.raise_if_failed()  # no exception
    assert chk.verdict() is Verdict.PASS
    assert _lines(rec)[0]["rule"] == "SIMPLE_ACCEPTANCE"


def test_nan_measurement_recorded_as_null_and_inconclusive(rec):
    chk = Checker(rec, NODE, DecisionRule.SIMPLE_ACCEPTANCE)
    assert chk.within("PV-UMAX-TRIP", "trip time", "time", "s", float("nan"), 0.01, None, 0.1) is Verdict.INCONCLUSIVE
    line = _lines(rec)[0]
    assert line["measured"] is None and line["detail"]


def test_explicit_inconclusive_and_no_checks(rec):
    chk = Checker(rec, NODE, DecisionRule.GUARD_BAND)
    assert chk.verdict() is Verdict.NOT_TESTED
    chk.raise_if_failed()
    chk.inconclusive("PV-UMAX-TRIP", "trip", "no sample after the step")
    with pytest.raises(Inconclusive):
        chk.raise_if_failed()


def test_catalog_guards_requirement_ids(rec):
    chk = Checker(rec, NODE, DecisionRule.GUARD_BAND, catalog=load_catalog())
    with pytest.raises(ConfigError, match="PV-TYPO"):
        chk.within("PV-TYPO", "x", "q", "u", 1.0, 0.0, 0.0, 2.0)
    assert chk.within("PV-PU-STEADY", "x", "q", "u", 1.0, 0.0, 0.0, 2.0) is Verdict.PASS
