"""test_suites/sampling.py ``captured_step``: the interval asked for, the step applied between arm
and read-back, the samples recorded, and a capture that never completes (no trigger) a bench ERROR
that leaves nothing armed."""

from __future__ import annotations

from typing import Any

import pytest

from bench.errors import BenchError
from instruments.capabilities import AcquiredSample, AnalyzerReading, Capture, PhaseReading
from test_suites.sampling import CAPTURE_INTERVAL_S, captured_step, captures_steps

READING = AnalyzerReading((PhaseReading(230.0, 4.0, 920.0, 0.0, 920.0, 1.0),), 50.0)


class _Dut:
    def __init__(self) -> None:
        self.t_s = 0.0
        self.recorded: list[tuple[Any, str]] = []

    def wait(self, duration_s: float, *, sample_period_s: float | None = None) -> None:
        self.t_s += duration_s

    def now_s(self) -> float:
        return self.t_s

    def record_acquired(self, samples: Any, *, source: str) -> None:
        self.recorded.append((samples, source))


class _Analyzer:
    def __init__(self, min_interval_s: float, complete: bool) -> None:
        self.min_acquisition_interval_s = min_interval_s
        self.min_capture_interval_s = min_interval_s
        self.complete = complete
        self.log: list[Any] = []

    def start_acquisition(self, interval_s: float) -> None: ...

    def read_acquired(self) -> list[AcquiredSample]:
        return []

    def stop_acquisition(self) -> None: ...

    def arm_capture(self, interval_s: float, pre_trigger_s: float, post_trigger_s: float) -> None:
        self.log.append(("arm", interval_s, pre_trigger_s, post_trigger_s))

    def read_capture(self) -> Capture | None:
        self.log.append("read")
        if not self.complete:
            return None
        return Capture(1.0, 0.005, (AcquiredSample(0.995, READING), AcquiredSample(1.0, READING)))

    def abort_capture(self) -> None:
        self.log.append("abort")


@pytest.mark.parametrize("min_interval_s, expected_s", [(0.001, CAPTURE_INTERVAL_S), (0.05, 0.05)])
def test_capture_around_the_step_is_recorded(min_interval_s: float, expected_s: float) -> None:
    dut, analyzer = _Dut(), _Analyzer(min_interval_s, complete=True)
    assert captures_steps(analyzer)
    steps: list[float] = []
    capture = captured_step(dut, analyzer, lambda: steps.append(dut.t_s), pre_s=0.2, post_s=1.5)
    assert analyzer.log[0] == ("arm", expected_s, 0.2, 1.5)
    assert steps == [pytest.approx(0.2)]                  # applied after the pre-trigger wait
    assert dut.t_s == pytest.approx(1.7)
    assert capture.trigger_t_s == 1.0 and capture.timing_uncertainty_s == pytest.approx(0.005)
    assert dut.recorded == [(capture.samples, "capture")]


def test_no_trigger_is_a_bench_error_and_disarms() -> None:
    dut, analyzer = _Dut(), _Analyzer(0.001, complete=False)
    with pytest.raises(BenchError, match="no trigger"):
        captured_step(dut, analyzer, lambda: None, pre_s=0.2, post_s=1.0)
    assert analyzer.log[-1] == "abort"
    assert dut.recorded == []


def test_an_analyzer_without_acquisition_is_polled() -> None:
    assert not captures_steps(object())
