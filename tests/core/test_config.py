"""Bench config and device profile loading: good files load, bad ones name file, line and field."""

from pathlib import Path

import pytest

from bench.config import DEFAULT_BENCH, load_bench_config, load_device_profile
from bench.errors import ConfigError


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mutated(src: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = src.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {src}"
    return _write(tmp_path, src.name, text.replace(old, new, 1))


def test_shipped_bench_and_profile_load():
    bench = load_bench_config()
    assert bench.lab.simulated and bench.market in ("NL", "DE")
    assert set(bench.instruments) >= {"ac_source", "power_analyzer"}
    profile = load_device_profile("sim-pv-inverter")
    assert profile.device_class == "pv_inverter" and profile.rated_power_w == 10000


def test_bench_wrong_type_names_field_and_line(tmp_path):
    bad = _mutated(DEFAULT_BENCH, tmp_path, "voltage_max_v: 276.0", "voltage_max_v: lots")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.field == "safety.voltage_max_v"
    assert err.value.file == str(bad)
    line = bad.read_text().splitlines()[err.value.line - 1]
    assert "voltage_max_v" in line


def test_bench_unknown_field_is_named(tmp_path):
    bad = _mutated(DEFAULT_BENCH, tmp_path, "market: NL", "market: NL\nmarkt: DE")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.field == "markt"


def test_bench_missing_required_field(tmp_path):
    bad = _mutated(DEFAULT_BENCH, tmp_path, "  current_max_a: 40.0\n", "")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.field == "safety.current_max_a"
    assert "missing" in str(err.value)


def test_bench_wrong_format_version(tmp_path):
    bad = _mutated(DEFAULT_BENCH, tmp_path, "format: flexbench-bench/1", "format: flexbench-bench/9")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.field == "format"


def test_bench_safe_state_above_limit(tmp_path):
    bad = _mutated(DEFAULT_BENCH, tmp_path, "    voltage_v: 0.0", "    voltage_v: 300.0")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.field == "safety.safe_state.voltage_v"


def test_not_yaml_names_line(tmp_path):
    bad = _write(tmp_path, "broken.yaml", "format: flexbench-bench/1\nname: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.line is not None and "broken.yaml" in str(err.value)


def test_profile_bad_enum_names_field(tmp_path):
    src = Path(load_device_profile("sim-pv-inverter").file)
    bad = _mutated(src, tmp_path, "phase_count: 3", "phase_count: 2")
    with pytest.raises(ConfigError) as err:
        load_device_profile(bad)
    assert err.value.field == "ratings.phase_count"


def test_profile_missing_file():
    with pytest.raises(ConfigError) as err:
        load_device_profile("/nonexistent/profile.yaml")
    assert "profile.yaml" in str(err.value)


def _real_pv_inverter(tmp_path: Path, port_line: str) -> Path:
    """The shipped PV inverter profile as a real device: no simulation section, ``port_line``."""
    text = Path(load_device_profile("sim-pv-inverter").file).read_text(encoding="utf-8")
    text = text[:text.index("simulation:")].replace("    port: sim\n", port_line)
    return _write(tmp_path, "real-pv-inverter.yaml", text)


def test_a_real_sunspec_device_needs_a_port(tmp_path):
    """The SunSpec opener's own check (links/sunspec_modbus/opener.py), applied at profile load."""
    with pytest.raises(ConfigError) as err:
        load_device_profile(_real_pv_inverter(tmp_path, ""))
    assert err.value.field == "links.control.port"
    assert "required for a real device" in str(err.value)
    assert load_device_profile(_real_pv_inverter(tmp_path, "    port: 502\n")).simulation is None


def test_clock_acquisition_switch_defaults_on_and_can_force_polling(tmp_path):
    assert load_bench_config().acquisition is True
    polling = _mutated(DEFAULT_BENCH, tmp_path, "acquisition: true", "acquisition: false")
    assert load_bench_config(polling).acquisition is False
    bad = _mutated(DEFAULT_BENCH, tmp_path, "acquisition: true", "acquisition: sometimes")
    with pytest.raises(ConfigError) as err:
        load_bench_config(bad)
    assert err.value.field == "clock.acquisition"
