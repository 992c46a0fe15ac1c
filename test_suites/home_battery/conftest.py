"""Home-battery campaign fixtures: ``dut``, the home battery's strategy (test_suites/home_battery/strategy.py)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from test_suites.home_battery.strategy import HomeBatteryStrategy


@pytest.fixture(scope="session")
def dut_strategy(bench: Any, ac_source: Any, clock: Any, dut_profile: Any, catalog: Any,
                 market: str) -> HomeBatteryStrategy:
    return HomeBatteryStrategy(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                               market=market, bench=bench, step=lambda text: bench.step("campaign", text),
                               dut_links=dict(bench.dut_links))


@pytest.fixture
def dut(dut_strategy: HomeBatteryStrategy, step: Callable[[str], None]) -> HomeBatteryStrategy:
    """The home battery (named states: ``dut.transition("idle")``...), its progress steps attributed
    to the running test."""
    dut_strategy.step = step
    return dut_strategy
