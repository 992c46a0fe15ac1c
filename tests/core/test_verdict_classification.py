"""The classification rule of docs/verdicts.md, one synthetic case per row: what the device answers is
the device's result (PASS / FAIL / NOT_APPLICABLE), what the bench suffers is an ERROR."""

from __future__ import annotations


import pytest

from bench.checks import Checker
from bench.errors import (ConfigError, DeviceLacksFunction, Inconclusive, InstrumentReportedError, InstrumentTimeout,
                          LabError, LinkError, LinkTimeout, ProtocolFrameError, SafetyLimitError)
from bench.verdicts import DecisionRule, TestOutcome, Verdict, requirement_verdict
from fixtures.plugin import _outcome, _record_missing_function
from links.modbus_protocol import ModbusExceptionReply
from fake_recorder import FailedCall, ListRecorder


class _Report:
    def __init__(self, *, skipped: bool = False) -> None:
        self.passed = False
        self.skipped = skipped


# Each row of docs/verdicts.md where the device's own answer shows a declared function missing or broken.
LACKS = {
    "callerror-notimplemented": ("smart charging (ClearChargingProfile)",
                                 '[4,"1","NotImplemented","ClearChargingProfile not implemented",{}]'),
    "callerror-notsupported": ("smart charging (SetChargingProfile)",
                               '[4,"2","NotSupported","TxDefaultProfile not supported",{}]'),
    "modbus-exception-on-declared-point": ("power limit (WMaxLimPct)",
                                          "Modbus exception 02 (ILLEGAL DATA ADDRESS) writing 40188"),
    "mandatory-sunspec-point-unimplemented": ("volt-watt curve (706)", "mandatory point 706.RspTms_SF unimplemented"),
    "rm-without-declared-control-type": ("S2 control type PEBC",
                                         "ResourceManagerDetails.available_control_types = [FILL_RATE_BASED_CONTROL]"),
    "schema-breaking-reply": ("meter values (MeterValues)", '[2,"9","MeterValues",{"connectorId":"one"}]'),
    "modbus-scale-factor-not-implemented": ("the scale factor power_sf (input 2) of the declared point active_power_w",
                                            "Modbus TCP 192.0.2.7:502 unit 3: power_sf reads 0x8000 (not implemented)"),
    "ocpp-core-action-notimplemented": ("the OCPP 1.6 Core profile (Reset; declared by links.control.protocol ocpp16j)",
                                        'CALLERROR NotImplemented to Reset: [4,"3","NotImplemented","",{}]'),
    "s2-broken-answer-to-declared-control-type": (
        "S2 control type FRBC (FILL_RATE_BASED_CONTROL)",
        'RM hp-1 answered the CEM\'s FRBC.Instruction with a broken ReceptionStatus: ReceptionStatus breaks the S2 '
        'schema: status: ...: frame {"message_type": "ReceptionStatus", "status": "MAYBE"}'),
}


@pytest.mark.parametrize("row", sorted(LACKS))
def test_a_declared_function_the_device_lacks_is_a_fail_with_the_frame(row: str) -> None:
    function, evidence = LACKS[row]
    exc = DeviceLacksFunction(function, evidence)
    outcome, message = _outcome(_Report(), FailedCall(exc))
    assert outcome is TestOutcome.FAIL and evidence in message
    recorder = ListRecorder()
    checker = Checker(recorder, "t::x", DecisionRule.GUARD_BAND)
    _record_missing_function(checker, exc, ["REQ-A"])
    (check,) = checker.checks()
    assert check["verdict"] == "FAIL" and evidence in check["detail"] and function in check["name"]
    assert requirement_verdict([check["verdict"]], [outcome]) is Verdict.FAIL


def test_a_function_the_profile_does_not_declare_is_not_applicable() -> None:
    skip = pytest.skip.Exception("NOT_APPLICABLE: the profile declares no smart charging")
    outcome, message = _outcome(_Report(skipped=True), FailedCall(skip))
    assert outcome is TestOutcome.NOT_APPLICABLE and "declares no smart charging" in message
    assert requirement_verdict([], [outcome]) is Verdict.NOT_APPLICABLE


# Each row where the bench, not the device, failed.
BENCH_FAILURES = {
    "instrument-timeout": InstrumentTimeout("power_analyzer: no answer to MEAS:POW? within 2 s"),
    "instrument-reported-error": InstrumentReportedError("ac_source", "VOLT 300", ["-222,Data out of range"]),
    "link-lost": LinkError("sunspec: connection reset by peer"),
    "link-timeout": LinkTimeout("ocpp: no answer to GetCompositeSchedule within 30 s"),
    "link-bug-or-unreadable-frame": ProtocolFrameError("Modbus RTU /dev/ttyUSB0 9600 baud 8E1 unit 3: no valid reply "
                                                       "to read holding registers (0x03) holding 100 [power_limit_w]: "
                                                       "frame 03 03 02 13"),
    "modbus-exception-03-04": ModbusExceptionReply(endpoint="Modbus TCP 192.0.2.7:502 unit 3", function_code=6,
                                                   exception_code=4, address=100, points=("power_limit_w",),
                                                   frame=bytes.fromhex("000100000003038604")),
    "lab-failure": LabError("simulated lab process ended (exit 1)"),
    "safety-limit": SafetyLimitError("measured current 40 A above the bench limit 32 A"),
    "bench-configuration": ConfigError("instruments.ac_source.resource missing"),
    "bug-in-the-bench": TypeError("unsupported operand type(s) for +: 'NoneType' and 'float'"),
}


@pytest.mark.parametrize("row", sorted(BENCH_FAILURES))
def test_a_bench_failure_is_an_error_never_a_fail(row: str) -> None:
    outcome, message = _outcome(_Report(), FailedCall(BENCH_FAILURES[row]))
    assert outcome is TestOutcome.ERROR and type(BENCH_FAILURES[row]).__name__ in message
    assert requirement_verdict([], [outcome]) is Verdict.INCONCLUSIVE


def test_an_undecidable_measurement_is_inconclusive_and_the_test_an_error() -> None:
    checker = Checker(ListRecorder(), "t::x", DecisionRule.GUARD_BAND)
    assert checker.within("REQ-A", "p", "active_power", "W", 5990.0, 50.0, 4000.0, 6000.0) is Verdict.INCONCLUSIVE
    with pytest.raises(Inconclusive) as exc:
        checker.raise_if_failed()
    outcome, _ = _outcome(_Report(), FailedCall(exc.value))
    assert outcome is TestOutcome.ERROR
    assert requirement_verdict(["INCONCLUSIVE"], [outcome]) is Verdict.INCONCLUSIVE


def test_measured_values_inside_and_outside_the_limits_pass_and_fail() -> None:
    checker = Checker(ListRecorder(), "t::x", DecisionRule.GUARD_BAND)
    assert checker.within("REQ-A", "in", "voltage", "V", 230.0, 0.5, 220.0, 240.0) is Verdict.PASS
    assert checker.within("REQ-B", "out", "voltage", "V", 250.0, 0.5, 220.0, 240.0) is Verdict.FAIL
    assert checker.require_true("REQ-C", "tripped", False, "still producing 5 kW") is Verdict.FAIL
