"""Heat-pump campaign fixtures: ``dut``, the heat pump's strategy (test_suites/heat_pump/strategy.py)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from test_suites.heat_pump.strategy import HeatPumpStrategy


@pytest.fixture(scope="session")
def dut_strategy(bench: Any, ac_source: Any, dut_link: Any, clock: Any, dut_profile: Any, catalog: Any,
                 market: str) -> HeatPumpStrategy:
    """The heat pump's strategy; the suites drive SG-Ready contacts, so a bench without a digital_io
    instrument is a bench error (ConfigError naming instruments.digital_io)."""
    digital_io = bench.require_digital_io()
    return HeatPumpStrategy(ac_source=ac_source, dut_link=dut_link, clock=clock, dut_profile=dut_profile,
                            catalog=catalog, market=market, bench=bench,
                            step=lambda text: bench.step("campaign", text),
                            dut_links=dict(bench.dut_links), digital_io=digital_io)


@pytest.fixture
def dut(dut_strategy: HeatPumpStrategy, step: Callable[[str], None]) -> HeatPumpStrategy:
    """The heat pump (named state: ``dut.transition("running")``), its progress steps attributed
    to the running test."""
    dut_strategy.step = step
    return dut_strategy


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """HP-REBOUND last: its repeated blocks, dimming and outages leave the house and buffer cooler
    than normal operation, so a test after it would measure an elevated "running" consumption."""
    def rebound(item: pytest.Item) -> bool:
        return any("HP-REBOUND" in mark.args for mark in item.iter_markers("requirement"))

    items.sort(key=rebound)
