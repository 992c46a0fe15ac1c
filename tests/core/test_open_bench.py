"""bench.session.OpenBench: an instrument role the bench config lacks is named when it is needed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bench.config import load_bench_config
from bench.errors import ConfigError
from bench.session import OpenBench


def _bench(**instruments: Any) -> OpenBench:
    unused: Any = SimpleNamespace()
    roles = {"pv_simulator": None, "digital_io": None, "ev_emulator": None, "ac_load": None, **instruments}
    return OpenBench(config=load_bench_config(), profile=unused, out_dir=unused, market="NL",
                     decision_rule="guard_band", catalog=unused, catalog_requirements=[], recorder=unused,
                     clock=unused, lab=None, ac_source=unused, power_analyzer=unused, dut_links={"control": unused},
                     _guard=unused, _teardown=unused, **roles)


@pytest.mark.parametrize("role", ["pv_simulator", "digital_io", "ev_emulator", "ac_load"])
def test_a_missing_role_is_a_config_error_naming_it(role: str) -> None:
    with pytest.raises(ConfigError) as err:
        getattr(_bench(), f"require_{role}")()
    assert err.value.field == f"instruments.{role}"
    assert role in str(err.value)
    present = object()
    assert getattr(_bench(**{role: present}), f"require_{role}")() is present


def test_the_control_link_is_dut_link() -> None:
    bench = _bench()
    assert bench.dut_link is bench.dut_links["control"]
