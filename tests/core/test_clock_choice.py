"""Issue 11 item 5: which clock a campaign runs on. ``virtual`` by default when the device is simulated,
``wall`` otherwise whatever the instruments are; ``flexbench run --clock`` / pytest ``--clock``
override it; a virtual clock needs the simulated lab."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from bench.cli import build_parser, main
from bench.config import DEFAULT_BENCH
from bench.clock import WallClock, choose_clock_mode, default_clock_mode
from bench.errors import ConfigError
from bench.session import BenchSession
from bench.verdicts import EXIT_USAGE
from fixtures import plugin



def _hardware_bench(tmp_path: Path) -> Path:
    """The simulated bench config turned into a hardware one (real resources, no lab)."""
    data = yaml.safe_load(DEFAULT_BENCH.read_text())
    data["lab"]["simulated"] = False
    for i, inst in enumerate(data["instruments"].values()):
        inst["resource"] = f"TCPIP::192.0.2.{i + 1}::5025::SOCKET"
    path = tmp_path / "hardware.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("device_simulated, lab_simulated, expected", [
    (True, True, "virtual"),       # simulated device in the simulated lab
    (False, True, "wall"),         # real device, simulated instruments: real time all the same
    (False, False, "wall"),        # real device, real instruments
    (True, False, "wall"),         # without the lab nothing advances virtual time
])
def test_the_default_follows_the_device_not_the_instruments(device_simulated: bool, lab_simulated: bool,
                                                            expected: str) -> None:
    assert choose_clock_mode(None, device_simulated=device_simulated, lab_simulated=lab_simulated) == expected


def test_default_clock_mode() -> None:
    assert default_clock_mode(device_simulated=True) == "virtual"
    assert default_clock_mode(device_simulated=False) == "wall"


@pytest.mark.parametrize("device_simulated", [True, False])
def test_the_option_overrides_the_default(device_simulated: bool) -> None:
    assert choose_clock_mode("wall", device_simulated=device_simulated, lab_simulated=True) == "wall"
    # a real (software) device may run on the virtual clock: allowed, and recorded as such
    assert choose_clock_mode("virtual", device_simulated=device_simulated, lab_simulated=True) == "virtual"


def test_a_virtual_clock_needs_the_simulated_lab_and_an_unknown_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="simulated lab"):
        choose_clock_mode("virtual", device_simulated=False, lab_simulated=False)
    with pytest.raises(ValueError, match="unknown clock"):
        choose_clock_mode("sundial", device_simulated=True, lab_simulated=True)


def _session(*, device_simulated: bool, lab_simulated: bool, clock: str | None) -> BenchSession:
    unused: Any = SimpleNamespace()
    config: Any = SimpleNamespace(lab=SimpleNamespace(simulated=lab_simulated), file=Path("bench.yaml"))
    profile: Any = SimpleNamespace(simulation={} if device_simulated else None)
    return BenchSession(config=config, profile=profile, out_dir=Path("out"), market="NL", decision_rule="guard_band",
                        catalog=unused, clock=clock)


def test_the_session_resolves_its_clock_and_names_the_option_when_it_cannot() -> None:
    assert _session(device_simulated=True, lab_simulated=True, clock=None).clock_mode == "virtual"
    assert _session(device_simulated=False, lab_simulated=True, clock=None).clock_mode == "wall"
    assert _session(device_simulated=False, lab_simulated=True, clock="virtual").clock_mode == "virtual"
    assert _session(device_simulated=True, lab_simulated=True, clock="wall").clock_mode == "wall"
    with pytest.raises(ConfigError) as err:
        _ = _session(device_simulated=False, lab_simulated=False, clock="virtual").clock_mode
    assert err.value.field == "clock"


def test_a_wall_clock_without_a_start_calendar_follows_the_real_calendar() -> None:
    clock = WallClock(sample_period_s=0.2)
    assert abs(clock.calendar().timestamp() - time.time()) < 1.0
    assert clock.calendar().tzinfo is not None
    assert abs((clock.calendar() - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 1.0


def test_flexbench_run_takes_clock() -> None:
    parser = build_parser()
    assert parser.parse_args(["run", "--profile", "p"]).clock is None
    assert parser.parse_args(["run", "--profile", "p", "--clock", "wall"]).clock == "wall"
    assert parser.parse_args(["run", "--profile", "p", "--clock", "virtual"]).clock == "virtual"
    assert main(["run", "--profile", "p", "--clock", "sundial"]) == EXIT_USAGE


def test_flexbench_run_refuses_a_virtual_clock_on_real_instruments_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _hardware_bench(tmp_path)
    code = main(["run", "--profile", "sim-pv-inverter", "--bench", str(bench), "--clock", "virtual",
                 "--out", str(tmp_path / "out"), "--quiet"])
    assert code == EXIT_USAGE
    assert "virtual clock needs the simulated lab" in capsys.readouterr().err
    assert not (tmp_path / "out" / "record.jsonl").exists()


def test_the_pytest_plugin_has_the_clock_option() -> None:
    options: dict[str, dict[str, Any]] = {}

    class Group:
        def addoption(self, *names: str, **kwargs: Any) -> None:
            for name in names:
                options[name] = kwargs

    plugin.pytest_addoption(SimpleNamespace(getgroup=lambda *a, **k: Group()))  # type: ignore[arg-type]
    assert options["--clock"]["dest"] == "flexbench_clock"
    assert options["--clock"]["default"] is None and options["--clock"]["choices"] == ["wall", "virtual"]
