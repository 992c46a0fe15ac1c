"""Isolation in the EV-charger suites (test_suites/ev_charger/strategy.py): each test prepares only
what its requirement needs. A function the profile does not declare is NOT_APPLICABLE before any
preparation; ClearChargingProfile is sent only for a charger declaring smart charging; ``online``
plugs no EV and clears nothing; the cleanup never turns the charger's NotImplemented into an ERROR;
security profile 0 FAILs on the declaration alone, whatever the preparation would have done."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from _pytest.outcomes import Skipped

from bench.checks import Checker
from bench.errors import BenchError, DeviceLacksFunction
from bench.verdicts import DecisionRule
from test_suites.ev_charger import test_meter_accuracy, test_security
from test_suites.ev_charger.strategy import EvChargerStrategy
from fake_recorder import ListRecorder

NOT_IMPLEMENTED = '[4,"42","NotImplemented","No handler for ClearChargingProfile registered.",{}]'


class _Link:
    """A charger that is online and answers ClearChargingProfile NotImplemented (when ``lacks``)."""

    security_profile = 0

    def __init__(self, *, lacks: bool) -> None:
        self.lacks, self.calls = lacks, list[str]()

    def wait_connected(self, timeout_s: float) -> None:
        self.calls.append("wait_connected")

    def refuse_connections(self, refuse: bool) -> None: ...
    def set_expected_password(self, password: str | None) -> None: ...
    def use_untrusted_server_certificate(self, use: bool) -> None: ...
    def trust_client_certificates(self, trust: bool) -> None: ...

    def configure(self, setting: str, value: Any) -> str:
        self.calls.append(f"configure {setting}")
        return "Accepted"

    def clear_charging_profile(self, **criteria: Any) -> str:
        self.calls.append("ClearChargingProfile")
        if self.lacks:
            raise DeviceLacksFunction("smart charging (ClearChargingProfile)", NOT_IMPLEMENTED)
        return "Accepted"


class _Source:
    def set_frequency_hz(self, hz: float) -> None: ...
    def set_voltage_v(self, volts: float) -> None: ...
    def output_is_on(self) -> bool:
        return True


class _Ev:
    def __init__(self) -> None:
        self.plugged = False

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None

    def plug_in(self) -> None:
        self.plugged = True


def _strategy(functions: dict[str, bool], link: _Link) -> EvChargerStrategy:
    profile = SimpleNamespace(nominal_voltage_v=230.0, nominal_frequency_hz=50.0, rated_power_w=11040.0,
                              phase_count=3, ratings={"max_current_a": 16.0},
                              declared_value=lambda name, default=None: default,
                              claims=lambda function: bool(functions.get(function, False)))
    bench = SimpleNamespace(config=SimpleNamespace(instruments={"power_analyzer": SimpleNamespace(accuracy={})}))
    dut = EvChargerStrategy(ac_source=_Source(), ev_emulator=_Ev(), dut_link=link, clock=None, dut_profile=profile,
                            catalog=None, market="NL", bench=bench, step=lambda text: None)
    dut.check = Checker(ListRecorder(), "isolation", DecisionRule.GUARD_BAND)
    return dut


def test_an_undeclared_function_is_not_applicable() -> None:
    dut = _strategy({"smart_charging": False, "meter_values": True}, _Link(lacks=True))
    with pytest.raises(Skipped, match="^NOT_APPLICABLE: .*smart_charging"):
        dut.needs("meter_values", "smart_charging")
    dut.needs("meter_values")                      # declared: nothing happens


def test_charging_sends_no_clear_to_a_charger_without_smart_charging(monkeypatch: pytest.MonkeyPatch) -> None:
    link = _Link(lacks=True)
    dut = _strategy({"smart_charging": False}, link)
    monkeypatch.setattr(dut, "start_charging", lambda: 0.0)
    dut.transition("charging")
    assert "ClearChargingProfile" not in link.calls and "configure measurands" not in link.calls


def test_charging_of_a_declared_smart_charger_fails_on_its_not_implemented_before_the_ev(
        monkeypatch: pytest.MonkeyPatch) -> None:
    link = _Link(lacks=True)
    dut = _strategy({"smart_charging": True, "meter_values": True}, link)
    monkeypatch.setattr(dut, "start_charging", lambda: pytest.fail("the EV was plugged in before the clear"))
    with pytest.raises(DeviceLacksFunction):
        dut.transition("charging")
    assert link.calls[-1] == "ClearChargingProfile"


def test_online_plugs_no_ev_and_clears_nothing() -> None:
    link = _Link(lacks=True)
    dut = _strategy({"smart_charging": True}, link)
    dut.transition("online")
    assert link.calls == ["wait_connected"] and not dut.ev.plugged


def test_cleanup_clears_only_what_the_test_sent_and_never_raises_the_devices_answer() -> None:
    link = _Link(lacks=True)
    dut = _strategy({"smart_charging": True}, link)
    dut.cleanup()
    assert "ClearChargingProfile" not in link.calls
    dut._profiles_sent = True
    dut.cleanup()                                   # NotImplemented: a step, not an exception
    assert link.calls.count("ClearChargingProfile") == 1


def test_security_profile_0_fails_without_any_preparation(monkeypatch: pytest.MonkeyPatch) -> None:
    dut = _strategy({"smart_charging": True}, _Link(lacks=True))

    def broken(state: str, **options: Any) -> None:
        raise BenchError(f"preparing {state!r} failed")

    monkeypatch.setattr(dut, "transition", broken)
    test_security.test_basic_auth(dut)
    [check] = dut.check.checks()
    assert check["requirement"] == test_security.BASIC and check["verdict"] == "FAIL"
    assert "security profile 0" in check["detail"]


class _MeterLacking(_Link):
    """Answers the measurands setting as a charger lacking it (the link's DeviceLacksFunction)."""

    def configure(self, setting: str, value: Any) -> str:
        self.calls.append(f"configure {setting}")
        raise DeviceLacksFunction("meter values (ChangeConfiguration; declared as functions.meter_values)",
                                  '[4,"7","NotImplemented","",{}]')


def test_a_lacking_measurands_setting_fails_the_meter_requirement_not_the_test_that_prepared_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    link = _MeterLacking(lacks=False)
    dut = _strategy({"smart_charging": True, "meter_values": True}, link)
    monkeypatch.setattr(dut, "start_charging", lambda: 0.0)
    dut.transition("charging")                      # a smart-charging test prepares: it goes on
    assert link.calls[-1] == "ClearChargingProfile" and dut.meter_setup_lacks is not None
    monkeypatch.setattr(dut, "declared", lambda *args: 1.0)
    monkeypatch.setattr(dut, "param", lambda *args: 1)
    with pytest.raises(DeviceLacksFunction, match="meter values") as lacks:   # the meter requirement FAILs
        test_meter_accuracy.test_reported_meter_values_agree_with_analyzer(dut)
    assert lacks.value is dut.meter_setup_lacks
    assert link.calls.count("configure measurands") == 1


def test_a_meter_requirement_with_the_setting_accepted_goes_on_to_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    dut = _strategy({"smart_charging": True, "meter_values": True}, _Link(lacks=False))
    monkeypatch.setattr(dut, "start_charging", lambda: 0.0)
    monkeypatch.setattr(dut, "declared", lambda *args: 1.0)
    monkeypatch.setattr(dut, "param", lambda req, name: [6.0] if name == "currents_a" else 1)
    installed: list[Any] = []
    monkeypatch.setattr(dut, "charging_profile", lambda *args, **kwargs: "TxDefaultProfile 6 A")
    monkeypatch.setattr(dut, "install", lambda *args: installed.append(args) and False)   # stop at the stimulus
    test_meter_accuracy.test_reported_meter_values_agree_with_analyzer(dut)
    assert dut.meter_setup_lacks is None and len(installed) == 1
