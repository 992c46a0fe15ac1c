"""Issue 13 chaos suite, inputs: property-based mutations of every reference bench config and device
profile. Whatever the mutation, loading and validating it either succeeds or raises a ConfigError naming
the file; never another exception, never a hang (hypothesis' deadline bounds each example)."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.campaign import campaign_catalog, validate_simulation
from bench.config import DEFAULT_BENCH, load_bench_config, load_device_profile
from bench.errors import ConfigError
from hostile import value_paths

REPO = Path(__file__).resolve().parents[2]
PROFILES = sorted((REPO / "device_profiles").glob("*.yaml"))

HOSTILE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, -1, 1e-9, 1e308, -0.0, "", " "]),
    st.text(max_size=40), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                                max_size=2))


@st.composite
def mutated(draw: st.DrawFn, original: dict[str, Any]) -> dict[str, Any]:
    """``original`` with 1-3 values replaced by hostile ones or deleted."""
    data = copy.deepcopy(original)
    paths = value_paths(data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths))
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            if draw(st.booleans()) and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = draw(HOSTILE_VALUES)
        except (KeyError, IndexError, TypeError):
            continue          # an earlier mutation removed or replaced this path's parent
    return data


def _dump(data: dict[str, Any], path: Path) -> Path:
    # YAML has .nan/.inf; safe_dump writes them, and the loader must refuse them
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


FUZZ = settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
BENCH = yaml.safe_load(Path(DEFAULT_BENCH).read_text())


@FUZZ
@given(data=mutated(BENCH))
def test_mutated_bench_config_loads_or_names_the_file(tmp_path_factory, data):
    path = _dump(data, tmp_path_factory.mktemp("bench") / "bench.yaml")
    try:
        config = load_bench_config(path)
        campaign_catalog(config, "pv_inverter")
    except ConfigError as exc:
        assert str(path) in str(exc)
    else:
        assert all(math.isfinite(v) for v in (config.sample_period_s, config.safety.voltage_max_v,
                                              config.safety.safe_voltage_v, config.lab.step_s))


@pytest.mark.parametrize("reference", PROFILES, ids=lambda p: p.stem)
def test_mutated_profiles_load_or_name_the_file(tmp_path_factory, reference):
    original = yaml.safe_load(reference.read_text())

    @FUZZ
    @given(data=mutated(original))
    def check(data: dict[str, Any]) -> None:
        path = _dump(data, tmp_path_factory.mktemp("profile") / reference.name)
        try:
            validate_simulation(load_device_profile(path))
        except ConfigError as exc:
            assert str(path) in str(exc) or path.name in str(exc), str(exc)

    check()
