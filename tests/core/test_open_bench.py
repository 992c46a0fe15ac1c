"""bench.session.OpenBench: an instrument role the bench config lacks is named when it is needed;
acquired readings are recorded with the instrument's timestamps and each one is safety-checked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bench.config import load_bench_config
from bench.errors import ConfigError, SafetyLimitError
from bench.session import OpenBench
from instruments.capabilities import AcquiredSample, AnalyzerReading, PhaseReading


def _bench(power_analyzer: Any = None, recorder: Any = None, ac_source: Any = None, **instruments: Any) -> OpenBench:
    unused: Any = SimpleNamespace()
    roles = {"pv_simulator": None, "digital_io": None, "ev_emulator": None, "ac_load": None, **instruments}
    return OpenBench(config=load_bench_config(), profile=unused, out_dir=unused, market="NL",
                     decision_rule="guard_band", catalog=unused, catalog_requirements=[], recorder=recorder or unused,
                     clock=unused, lab=None, ac_source=ac_source or unused, power_analyzer=power_analyzer or unused,
                     dut_links={"control": unused}, _guard=unused, _teardown=unused, **roles)


def _reading(current_a: float) -> AnalyzerReading:
    phase = PhaseReading(230.0, current_a, 230.0 * current_a, 0.0, 230.0 * current_a, 1.0)
    return AnalyzerReading((phase, phase, phase), 50.0)


class _Acquiring:
    """An analyzer with a block acquisition (AnalyzerAcquisition)."""

    min_acquisition_interval_s = 0.01
    min_capture_interval_s = 0.0025

    def __init__(self, block: list[AcquiredSample]) -> None:
        self.block = block

    def read(self) -> AnalyzerReading:
        return _reading(1.0)

    def start_acquisition(self, interval_s: float) -> None: ...

    def stop_acquisition(self) -> None: ...

    def read_acquired(self) -> list[AcquiredSample]:
        block, self.block = self.block, []
        return block

    def arm_capture(self, interval_s: float, pre_trigger_s: float, post_trigger_s: float) -> None: ...

    def read_capture(self) -> None:
        return None


class _Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def write(self, kind: str, **fields: Any) -> None:
        self.lines.append((kind, fields))


def test_acquired_readings_are_recorded_at_the_instruments_instants() -> None:
    recorder = _Recorder()
    bench = _bench(power_analyzer=_Acquiring([AcquiredSample(0.2, _reading(1.0)), AcquiredSample(0.4, _reading(2.0))]),
                   recorder=recorder)
    assert bench.acquisition_supports(0.2) and not bench.acquisition_supports(0.005)
    bench.collect_acquired()
    assert [s.t_s for s in bench.samples] == [0.2, 0.4]
    assert [f["t_s"] for kind, f in recorder.lines if kind == "sample"] == [0.2, 0.4]
    assert bench.samples_since(0.3)[0].reading.phases[0].current_a == 2.0


def test_any_acquired_reading_above_the_current_limit_makes_the_source_safe() -> None:
    limit_a = load_bench_config().safety.current_max_a
    went_safe: list[bool] = []
    block = [AcquiredSample(0.2, _reading(limit_a + 5.0)), AcquiredSample(0.4, _reading(1.0))]
    bench = _bench(power_analyzer=_Acquiring(block), recorder=_Recorder(),
                   ac_source=SimpleNamespace(go_safe=lambda: went_safe.append(True)))
    with pytest.raises(SafetyLimitError, match="at 0.2 s"):
        bench.collect_acquired()
    assert went_safe == [True] and len(bench.samples) == 2      # the whole block stays on record


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
