"""Issue 13 (found by benchmarks/reliability.py): declared values a check compares against are checked
by kind, from the unit in their name, so an absurd declaration is an input error naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.config import load_device_profile
from bench.errors import ConfigError

REFERENCE = Path(__file__).resolve().parents[2] / "device_profiles" / "sim-pv-inverter.yaml"


@pytest.mark.parametrize(("field", "value"), [
    ("readings_accuracy", 11805916207174113034),
    ("readings_accuracy", -0.0),
    ("readings_accuracy", {"frequency_hz": -1}),
    ("power_limit_response_time_s", -5),
    ("power_limit_response_time_s", "fast"),
    ("meter_accuracy_pct", 250),
    ("grid_undervoltage_stop_v", 0),
    ("connector_id", 1.5),
])
def test_absurd_declarations_are_refused(tmp_path, field, value):
    data = yaml.safe_load(REFERENCE.read_text())
    data["declared"][field] = value
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_device_profile(path)
    assert err.value.field is not None and err.value.field.startswith(f"declared.{field}"), err.value


def test_every_reference_profile_still_loads():
    for path in sorted(REFERENCE.parent.glob("*.yaml")):
        load_device_profile(path)
