"""The compliance suites' layout (fast, no lab): shared code lives in importable modules, the suites
never reach the simulated lab, and each device class's ``dut`` strategy knows its named states and
refuses an unknown one with a bench ERROR that lists them."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench.errors import BenchError
from test_suites.ev_charger.strategy import EvChargerStrategy
from test_suites.heat_pump.strategy import HeatPumpStrategy
from test_suites.home_battery.strategy import HomeBatteryStrategy
from test_suites.pv_inverter.strategy import PvInverterStrategy

SUITES = Path(__file__).resolve().parents[2] / "test_suites"


def _imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


SUITE_FILES = sorted(SUITES.rglob("*.py"))


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: str(p.relative_to(SUITES)))
def test_no_import_from_conftest_test_modules_or_the_lab(path: Path) -> None:
    for name in _imported_modules(path):
        last = name.rsplit(".", 1)[-1]
        assert last != "conftest", f"{path.name} imports {name}: conftest files only define fixtures"
        assert not last.startswith("test_"), f"{path.name} imports the test module {name}"
        assert name.split(".")[0] != "simlab", f"{path.name} imports {name}: suites never reach the lab"


def _profile() -> SimpleNamespace:
    return SimpleNamespace(nominal_voltage_v=230.0, nominal_frequency_hz=50.0, rated_power_w=5000.0, phase_count=3,
                           ratings={}, links={}, declared_value=lambda name, default=None: default)


def _bench() -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace(instruments={"power_analyzer": SimpleNamespace(accuracy={})}),
                           samples=[])


def _common() -> dict[str, Any]:
    return dict(ac_source=None, clock=None, dut_profile=_profile(), catalog=None, market="NL", bench=_bench(),
                step=lambda text: None)


STRATEGIES = {
    "pv_inverter": (lambda: PvInverterStrategy(power_analyzer=None, pv_simulator=None, dut_link=None, **_common()),
                    ("producing", "tripped", "reconnected")),
    "heat_pump": (lambda: HeatPumpStrategy(dut_link=None, dut_links={}, **_common()), ("running",)),
    "home_battery": (lambda: HomeBatteryStrategy(dut_links={}, **_common()), ("idle", "discharging", "charging")),
    "ev_charger": (lambda: EvChargerStrategy(ev_emulator=None, dut_link=None, **_common()), ("online", "charging")),
}


@pytest.mark.parametrize("device_class", sorted(STRATEGIES))
def test_strategy_names_its_states(device_class: str) -> None:
    make, states = STRATEGIES[device_class]
    assert make().states == states


@pytest.mark.parametrize("device_class", sorted(STRATEGIES))
def test_unknown_state_is_a_bench_error_listing_the_states(device_class: str) -> None:
    make, states = STRATEGIES[device_class]
    with pytest.raises(BenchError) as raised:
        make().transition("no-such-state")
    message = str(raised.value)
    assert "'no-such-state'" in message
    assert all(f"'{state}'" in message for state in states), message


def test_battery_power_states_refuse_a_negative_power() -> None:
    battery = HomeBatteryStrategy(dut_links={}, **_common())
    for state in ("discharging", "charging"):
        with pytest.raises(BenchError, match="0 W or more"):
            battery.transition(state, power_w=-1.0, settle_s=1.0)
