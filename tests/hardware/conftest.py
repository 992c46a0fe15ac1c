"""Opt-in hardware smoke tests: ``pytest tests/hardware --hardware --bench MY-BENCH.yaml``
(or ``FLEXBENCH_HARDWARE_BENCH=MY-BENCH.yaml``). Without ``--hardware`` every test here is
skipped (fixtures/plugin.py); without a bench config they skip with a reason. A bench config
with ``lab.simulated: true`` runs them against the simulated lab (a dry run of the procedure in
docs/hardware-first-connection.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ENV_BENCH = "FLEXBENCH_HARDWARE_BENCH"


@dataclass
class HardwareBench:
    """The bench config under test and the resource of each role (``{port}`` filled)."""

    config: Any
    resources: dict[str, str]

    def open(self, role: str) -> Any:
        """Open the role's driver with its ``open()`` sequence, or skip when the bench lacks it."""
        from instruments.registry import open_instrument

        if role not in self.config.instruments:
            pytest.skip(f"the bench config has no '{role}'")
        inst = self.config.instruments[role]
        return open_instrument(inst.model, self.resources[role], name=role, timeout_ms=inst.timeout_ms)


@pytest.fixture(scope="session")
def hardware_bench(request: pytest.FixtureRequest) -> Iterator[HardwareBench]:
    from bench.config import load_bench_config

    path = request.config.getoption("flexbench_bench", default=None) or os.environ.get(ENV_BENCH)
    if not path:
        pytest.skip(f"name the bench config: --bench FILE or {ENV_BENCH}=FILE")
    config = load_bench_config(path)
    lab = None
    if config.lab.simulated:
        from instruments.scan import start_sim_lab

        lab = start_sim_lab(config)
    try:
        resources = {role: inst.resource.replace("{port}", str(lab.ports.get(role))) if lab else inst.resource
                     for role, inst in config.instruments.items()}
        yield HardwareBench(config, resources)
    finally:
        if lab is not None:
            lab.stop()
