"""EV-charger campaign fixtures: ``dut``, the EV charger's strategy (test_suites/ev_charger/strategy.py)
driving the bench's EV emulator, bound to each test and left ready for the next.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from bench.errors import BenchError
from test_suites.ev_charger.strategy import EvChargerStrategy


@pytest.fixture(scope="session")
def dut_strategy(bench: Any, ac_source: Any, dut_link: Any, clock: Any, dut_profile: Any, catalog: Any,
                 market: str) -> EvChargerStrategy:
    """The EV charger's strategy; a bench without an EV emulator or a profile without an OCPP control
    link is a bench error (the suites cannot run), not a requirement that does not apply."""
    ev_emulator = bench.require_ev_emulator()       # ConfigError naming instruments.ev_emulator
    if dut_link is None or not hasattr(dut_link, "set_charging_profile"):
        raise BenchError("the EV-charger suites need an OCPP control link (protocol ocpp16j or ocpp201)")
    return EvChargerStrategy(ac_source=ac_source, ev_emulator=ev_emulator, dut_link=dut_link, clock=clock,
                             dut_profile=dut_profile, catalog=catalog, market=market, bench=bench,
                             step=lambda text: bench.step("campaign", text))


@pytest.fixture
def dut(dut_strategy: EvChargerStrategy, step: Callable[[str], None], check: Any) -> Iterator[EvChargerStrategy]:
    """The EV charger (named state: ``dut.transition("charging")``) bound to the running test (its
    steps and its Checker); the bench is left online, at nominal grid and without charging
    profiles afterwards."""
    dut_strategy.step = step
    dut_strategy.check = check
    try:
        yield dut_strategy
    finally:
        dut_strategy.cleanup()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """EV-INTEROP-MESSAGES judges everything the CSMS saw: run it last."""
    def last(item: pytest.Item) -> bool:
        return any("EV-INTEROP-MESSAGES" in mark.args for mark in item.iter_markers("requirement"))

    items.sort(key=last)
