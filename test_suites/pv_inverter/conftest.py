"""PV-inverter campaign fixtures: ``dut``, the PV inverter's strategy (test_suites/pv_inverter/strategy.py),
with the market settings the running test's requirements need written in its own setup."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from test_suites.pv_inverter.strategy import PvInverterStrategy


@pytest.fixture(scope="session")
def dut_strategy(bench: Any, ac_source: Any, power_analyzer: Any, pv_simulator: Any, dut_link: Any, clock: Any,
                 dut_profile: Any, catalog: Any, market: str) -> PvInverterStrategy:
    return PvInverterStrategy(ac_source=ac_source, power_analyzer=power_analyzer, pv_simulator=pv_simulator,
                              dut_link=dut_link, clock=clock, dut_profile=dut_profile, catalog=catalog,
                              market=market, bench=bench, step=lambda text: bench.step("campaign", text))


@pytest.fixture
def dut(request: pytest.FixtureRequest, dut_strategy: PvInverterStrategy,
        step: Callable[[str], None]) -> PvInverterStrategy:
    """The PV inverter (named states: ``dut.transition("producing")``...), its progress steps
    attributed to the running test, and the market settings of the test's requirements written
    (a setting the device lacks fails this test only)."""
    dut_strategy.step = step
    requirements = [str(r) for m in request.node.iter_markers("requirement") for r in m.args]
    dut_strategy.prepare_for(requirements)
    return dut_strategy
