"""Feeder in the loop: a street's radial LV feeder with simulated neighbours, solved each step from
the DUT's measured power, giving the voltage the AC source applies (docs/feeder.md).

* :mod:`bench.feeder.scenario`: the scenario YAML (feeder, neighbours, day profiles, part of a day);
* :mod:`bench.feeder.neighbours`: the neighbours' declared behaviours;
* :mod:`bench.feeder.solver`: the pandapower power flow (imported lazily);
* :mod:`bench.feeder.loop`: the step loop the suites run on the bench clock.
"""

from __future__ import annotations

from bench.feeder.scenario import Scenario, clock_text, load_scenario

__all__ = ["Scenario", "clock_text", "load_scenario"]
