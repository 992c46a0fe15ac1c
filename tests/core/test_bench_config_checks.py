"""Issue 13 finding 7: bench configs that were accepted (and then crashed or misbehaved) are exit-3
errors naming the bench config's file, line and field, before anything is energised."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import cli
from bench.campaign import campaign_catalog
from bench.config import DEFAULT_BENCH, load_bench_config
from bench.errors import ConfigError


def _edited(tmp_path: Path, edit: Any) -> Path:
    data = copy.deepcopy(yaml.safe_load(Path(DEFAULT_BENCH).read_text()))
    edit(data)
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


CASES = {
    "sample-period-1e-9": (lambda d: d.setdefault("clock", {}).update(sample_period_s=1e-9), "clock.sample_period_s"),
    "step-1e-9": (lambda d: d.setdefault("lab", {}).update(step_s=1e-9), "lab.step_s"),
    "vmin-above-vmax": (lambda d: d["safety"].update(voltage_min_v=300), "safety.voltage_min_v"),
    "calendar-not-a-date": (lambda d: d.setdefault("clock", {}).update(start_calendar="not a date"),
                            "clock.start_calendar"),
    "calendar-without-offset": (lambda d: d.setdefault("clock", {}).update(start_calendar="2026-06-21T12:00:00"),
                                "clock.start_calendar"),
    "unknown-model": (lambda d: d["instruments"]["ac_source"].update(model="nonexistent-9000"),
                      "instruments.ac_source.model"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_bench_config_is_an_error_naming_the_field(tmp_path, case):
    edit, field = CASES[case]
    path = _edited(tmp_path, edit)
    with pytest.raises(ConfigError) as err:
        load_bench_config(path)
    assert err.value.field == field and str(path) in str(err.value)


def test_unknown_catalog_override_id_is_named_against_the_bench_config(tmp_path):
    path = _edited(tmp_path, lambda d: d.update(catalog_overrides={"NOPE-1": {"x": 1}}))
    with pytest.raises(ConfigError, match="NOPE-1") as err:
        campaign_catalog(load_bench_config(path), "pv_inverter")
    assert err.value.field == "catalog_overrides.NOPE-1" and str(path) in str(err.value)


def test_cli_refuses_them_with_exit_3_before_any_record(tmp_path, capsys):
    path = _edited(tmp_path, lambda d: d.update(catalog_overrides={"NOPE-1": {"x": 1}}))
    assert cli.main(["run", "--profile", "sim-pv-inverter", "--bench", str(path), "--out", str(tmp_path / "out"),
                     "--quiet"]) == 3
    assert "NOPE-1" in capsys.readouterr().err and not (tmp_path / "out" / "record.jsonl").exists()
