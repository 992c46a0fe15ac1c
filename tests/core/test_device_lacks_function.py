"""A device whose own protocol answer shows it lacks a declared function FAILs the requirement that
needs it, with the frame as evidence (bench.errors.DeviceLacksFunction); it is never a bench ERROR."""

from __future__ import annotations



from bench.checks import Checker
from bench.errors import BenchError, DeviceLacksFunction, DutNonConformance, LinkError
from bench.verdicts import DecisionRule, TestOutcome
from fixtures.plugin import _outcome, _record_missing_function
from fake_recorder import FailedCall, ListRecorder

FRAME = '[4,"19223201","NotImplemented","ClearChargingProfile not implemented",{}]'


class _Report:
    passed = False
    skipped = False


def test_it_is_a_dut_non_conformance_not_a_bench_error() -> None:
    exc = DeviceLacksFunction("smart charging (ClearChargingProfile)", FRAME)
    assert isinstance(exc, DutNonConformance) and not isinstance(exc, BenchError)
    assert "ClearChargingProfile" in str(exc) and FRAME in str(exc)


def test_the_plugin_maps_it_to_fail_and_a_link_error_to_error() -> None:
    outcome, message = _outcome(_Report(), FailedCall(DeviceLacksFunction("point 706.RspTms_SF", "unimplemented")))
    assert outcome is TestOutcome.FAIL and "706.RspTms_SF" in message
    outcome, _ = _outcome(_Report(), FailedCall(LinkError("connection reset")))
    assert outcome is TestOutcome.ERROR


def test_each_covered_requirement_gets_a_fail_check_with_the_frame() -> None:
    recorder = ListRecorder()
    checker = Checker(recorder, "t::smart", DecisionRule.GUARD_BAND)
    exc = DeviceLacksFunction("smart charging (ClearChargingProfile)", FRAME)
    _record_missing_function(checker, exc, ["EV-LIMIT", "EV-COMPOSITE"])
    checks = [line for line in recorder.lines if line["kind"] == "check"]
    assert [c["requirement"] for c in checks] == ["EV-LIMIT", "EV-COMPOSITE"]
    assert all(c["verdict"] == "FAIL" and FRAME in c["detail"] for c in checks)
    # recorded once: a second report of the same missing function adds nothing
    _record_missing_function(checker, exc, ["EV-LIMIT", "EV-COMPOSITE"])
    assert len([line for line in recorder.lines if line["kind"] == "check"]) == 2


def test_a_named_requirement_is_the_only_one_failed() -> None:
    recorder = ListRecorder()
    checker = Checker(recorder, "t::pv", DecisionRule.GUARD_BAND)
    _record_missing_function(checker, DeviceLacksFunction("volt-watt curve (706)", "RspTms_SF unimplemented",
                                                         requirement_id="PV-PU-STEADY"),
                             ["PV-PU-STEADY", "PV-PU-RESPONSE"])
    assert [line["requirement"] for line in recorder.lines] == ["PV-PU-STEADY"]
