"""PV isolation: each requirement writes only the market settings it needs, in its own setup; a
setting the device refuses fails the requirement that needs it and no other one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bench.catalog import load_catalog
from bench.errors import DeviceLacksFunction, ModelNotFoundError
from links.sunspec_modbus import PointOutsideSchema
from test_suites.pv_inverter.strategy import SETTINGS_BY_REQUIREMENT, PvInverterStrategy


class _Link:
    """Records the settings written; ``lacks`` names the writes the device refuses."""

    def __init__(self, lacks: dict[str, Exception]) -> None:
        self.lacks = lacks
        self.written: list[str] = []

    def _do(self, name: str) -> None:
        if name in self.lacks:
            raise self.lacks[name]
        self.written.append(name)

    def write_volt_watt(self, *_a: Any, **_k: Any) -> None:
        self._do("volt_watt")

    def write_frequency_droop(self, *_a: Any, **_k: Any) -> None:
        self._do("frequency_droop")

    def write_enter_service(self, **_k: Any) -> None:
        self._do("enter_service")

    def write_trip_stages(self, _stages: Any) -> None:
        self._do("trip_stages")

    def write_power_limit(self, pct: float | None, **_k: Any) -> None:
        self._do("power_limit" if pct is not None else "power_limit_off")

    def read_ac(self) -> None:
        self._do("read_ac")


def _strategy(link: _Link, functions: dict[str, bool] | None = None) -> PvInverterStrategy:
    claimed = functions if functions is not None else {
        "volt_watt": True, "frequency_droop": True, "remote_active_power_limit": True, "enter_service": True}
    profile = SimpleNamespace(nominal_voltage_v=230.0, nominal_frequency_hz=50.0, rated_power_w=10000.0,
                              phase_count=3, ratings={}, claims=lambda f: claimed.get(f, False))
    bench = SimpleNamespace(config=SimpleNamespace(instruments={"power_analyzer": SimpleNamespace(accuracy={})}))
    return PvInverterStrategy(ac_source=None, power_analyzer=None, pv_simulator=None, dut_link=link, clock=None,
                              dut_profile=profile, catalog=load_catalog("pv_inverter"), market="NL", bench=bench,
                              step=lambda _text: None)


def test_a_refused_setting_fails_only_the_requirements_that_need_it() -> None:
    link = _Link({"volt_watt": DeviceLacksFunction("the volt-watt curve setting (SunSpec 706)",
                                                   "706.RspTms_SF is not implemented")})
    dut = _strategy(link)
    with pytest.raises(DeviceLacksFunction, match="706.RspTms_SF"):
        dut.prepare_for(["PV-PU-STEADY"])
    dut.prepare_for(["PV-LFSM-O"])                              # not voided by the volt-watt gap
    dut.prepare_for(["PV-FMAX-TRIP"])
    assert link.written == ["frequency_droop", "trip_stages", "power_limit_off", "enter_service"]
    with pytest.raises(DeviceLacksFunction):                    # the next requirement needing it asks again
        dut.prepare_for(["PV-PU-RESPONSE"])
    dut.prepare_for(["PV-SUNSPEC-DISCOVERY"])                   # needs nothing


def test_each_setting_is_written_once_per_session() -> None:
    link = _Link({})
    dut = _strategy(link)
    for requirement in SETTINGS_BY_REQUIREMENT:
        dut.prepare_for([requirement])
    assert sorted(link.written) == sorted(["volt_watt", "trip_stages", "power_limit_off", "frequency_droop",
                                           "enter_service", "power_limit", "power_limit_off", "read_ac"])


def test_settings_of_unclaimed_functions_are_not_written() -> None:
    link = _Link({"volt_watt": DeviceLacksFunction("volt-watt", "706 refused")})
    _strategy(link, functions={}).prepare_for(["PV-UMAX-TRIP", "PV-PU-STEADY", "PV-REMOTE-LIMIT"])
    assert link.written == ["trip_stages"]


def test_a_missing_model_of_a_claimed_function_and_a_schema_breaking_reading_are_device_gaps() -> None:
    link = _Link({"frequency_droop": ModelNotFoundError("SunSpec model 711 not found"),
                  "read_ac": PointOutsideSchema("701.ACType", 3, "701.ACType =3: outside its enumeration")})
    dut = _strategy(link)
    with pytest.raises(DeviceLacksFunction, match="model 711 not found"):
        dut.prepare_for(["PV-LFSM-O"])
    with pytest.raises(DeviceLacksFunction, match="701.ACType") as lacks:
        dut.prepare_for(["PV-SUNSPEC-READINGS"])
    assert "701.ACType" in lacks.value.function
