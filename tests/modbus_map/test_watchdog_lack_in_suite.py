"""A heat pump whose firmware lacks its map's watchdog register (exception 02): the heat-pump
watchdog failsafe test (HP-FAILSAFE-MODBUS) FAILs naming the point, before it touches the device, and
the plugin records that FAIL for that requirement only; the link keeps serving the other tests."""

from __future__ import annotations

from typing import Any

import pytest

from bench.checks import Checker
from bench.errors import DeviceLacksFunction
from bench.verdicts import DecisionRule
from fixtures.plugin import _record_missing_function
from links.modbus_map import ModbusMapLink, TcpTransport
from test_suites.heat_pump.strategy import HeatPumpStrategy
from test_suites.heat_pump import test_failsafe as failsafe_suite

from .helpers import DictBackend, LabLoop, NoWatchdogBackend, heat_pump_map
from fake_recorder import ListRecorder


class _Dut:
    """The strategy's Modbus lookups over a real link; any step that would drive the device fails."""

    modbus_point = HeatPumpStrategy.modbus_point

    def __init__(self, link: ModbusMapLink) -> None:
        self.modbus = link

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the test drove the device ({name}) although the watchdog is missing")


def _served_link(lab: LabLoop, backend: DictBackend) -> tuple[Any, ModbusMapLink]:
    handle, port = lab.serve_tcp(heat_pump_map(), backend)
    link = ModbusMapLink(heat_pump_map(), TcpTransport("127.0.0.1", port), timeout_s=1.0)
    link.connect()
    link.service(0.0)                                   # the opener's first heartbeat at open
    return handle, link


def test_the_failsafe_requirement_fails_naming_the_point_and_the_rest_is_served(lab: LabLoop) -> None:
    handle, link = _served_link(lab, NoWatchdogBackend())
    try:
        with pytest.raises(DeviceLacksFunction) as info:
            failsafe_suite.test_modbus_watchdog_failsafe(_Dut(link), check=None)
        assert "watchdog" in info.value.function and "02" in info.value.evidence
        recorder = ListRecorder()
        checker = Checker(recorder, "test_failsafe.py::test_modbus_watchdog_failsafe", DecisionRule.GUARD_BAND)
        _record_missing_function(checker, info.value, ["HP-FAILSAFE-MODBUS"])
        [fail] = [line for line in recorder.lines if line["kind"] == "check"]
        assert fail["requirement"] == "HP-FAILSAFE-MODBUS" and fail["verdict"] == "FAIL"
        assert "watchdog" in fail["name"] and "holding 103" in fail["name"]
        assert link.read("power_limit_w") == 5000          # other requirements' points still answer
    finally:
        link.close()
        lab.stop(handle)


def test_with_the_watchdog_point_the_test_goes_on_to_drive_the_device(lab: LabLoop) -> None:
    """The same stub with a device that takes heartbeats: the test passes the watchdog gate."""
    handle, link = _served_link(lab, DictBackend())
    try:
        with pytest.raises(AssertionError, match="drove the device"):
            failsafe_suite.test_modbus_watchdog_failsafe(_Dut(link), check=None)
    finally:
        link.close()
        lab.stop(handle)
