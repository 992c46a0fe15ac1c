"""The suites' sampling periods (bench time, s), each named by what it is sampled for.

A wait on the bench clock records one analyzer sample per period (``dut.wait(duration_s,
sample_period_s=...)``); a wait without a period samples at the bench config's recorder period.
The period bounds the time resolution of what is judged on the samples (a time measured between
two samples is uncertain by one period), so each value here is part of the method: changing one
changes the measured data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.errors import BenchError
from instruments.capabilities import AcquiredSample, AnalyzerAcquisition

# --- instants: the time of an event is judged to within one period -----------------------------
TRIP_SAMPLE_S = 0.02
"""Protection clearing times and the first power after a reconnection (timed to tens of ms)."""

DROOP_RESPONSE_SAMPLE_S = 0.05
"""An inverter's first-order power response to a frequency step (LFSM-O, Tr of a few seconds)."""

REMOTE_LIMIT_SAMPLE_S = 0.1
"""An inverter's response to a remote power limit (at most Tr / 20 of the response time)."""

NO_TRIP_HOLD_SAMPLE_S = 0.1
"""A level held to see the output stay up: a trip latches the output at 0, no timing is needed."""

SETPOINT_RESPONSE_SAMPLE_S = 0.2
"""A battery settling on a new setpoint (response time of seconds)."""

CONTROL_RESPONSE_SAMPLE_S = 0.5
"""A heat pump's or battery's response to a control signal or its loss (SG-Ready, limits, failsafe,
an undervoltage stop; Tr of tens of seconds)."""

CHARGER_RESPONSE_SAMPLE_S = 1.0
"""A charger's response to a charging-profile limit or a grid event (Tr of tens of seconds)."""

RESTART_SAMPLE_S = 1.0
"""A load's restart after a stop, polled over minutes and timed to within a second."""

CAPTURE_INTERVAL_S = 0.005
"""A triggered capture around a programmed step (trip clearing times): a quarter of a 50 Hz cycle, or
the analyzer's shortest interval when that is longer. The instant is then judged to within one
capture interval (plus the trigger's uncertainty), whatever the bench's own sampling period."""

CAPTURE_WATCH_SAMPLE_S = 0.1
"""The bench's own samples while a capture records a step (the safety current watch, the record)."""

# --- levels: means, extremes and ramps over an observation ------------------------------------
STEADY_SAMPLE_S = 1.0
"""Reaching a named state, and observations judged on a mean, extreme or ramp over tens of seconds."""

AGGREGATE_SAMPLE_S = 1.0
"""The 10-minute mean's 3-s aggregates: levels change on 3-s boundaries only, so 1-s samples give
exact aggregates."""

SLOW_LOAD_SAMPLE_S = 2.0
"""Holds of minutes on slow loads (heat pumps, batteries): blocks, failsafe holds, SoC legs."""

LONG_OBSERVATION_SAMPLE_S = 10.0
"""Observations of many minutes to hours (a 2-h block, a charger kept offline)."""

TIME_OF_DAY_SAMPLE_S = 60.0
"""Hours of bench time passed to reach a time of day on the bench calendar."""

# --- polling ----------------------------------------------------------------------------------
LINK_POLL_S = 2.0
"""Polling a link for a state (a charger back online): wait this long, sampled once, between looks."""


# --- triggered capture -----------------------------------------------------------------------
@dataclass(frozen=True)
class StepCapture:
    """A step recorded by the analyzer's own triggered capture: the trigger instant (the source
    applied the step), the capture interval, the trigger's own uncertainty and every sample."""

    trigger_t_s: float
    interval_s: float
    trigger_uncertainty_s: float
    samples: tuple[AcquiredSample, ...]

    @property
    def timing_uncertainty_s(self) -> float:
        """Uncertainty of an instant judged on the samples, measured from the trigger: one capture
        interval (the event lies between two samples) plus the trigger's."""
        return self.interval_s + self.trigger_uncertainty_s


def captures_steps(analyzer: Any) -> bool:
    """Whether the analyzer offers the triggered capture (``AnalyzerAcquisition``)."""
    return isinstance(analyzer, AnalyzerAcquisition)


def captured_step(dut: Any, analyzer: Any, apply_step: Callable[[], None], *, pre_s: float,
                  post_s: float, interval_s: float = CAPTURE_INTERVAL_S) -> StepCapture:
    """Arm the analyzer's capture, wait ``pre_s``, apply the step (the source's step triggers the
    capture; ``apply_step`` may itself hold the level for a while), wait out ``post_s`` after it and
    read the capture back; every captured sample is recorded.

    A capture that never completes (no trigger reached the analyzer) is a bench ERROR."""
    interval = max(interval_s, float(analyzer.min_capture_interval_s))
    analyzer.arm_capture(interval, pre_s, post_s)
    try:
        dut.wait(pre_s, sample_period_s=CAPTURE_WATCH_SAMPLE_S)
        t_step = dut.now_s()
        apply_step()
        remaining_s = post_s - (dut.now_s() - t_step)
        if remaining_s > 0:
            dut.wait(remaining_s, sample_period_s=CAPTURE_WATCH_SAMPLE_S)
        capture = analyzer.read_capture()
        for _ in range(round(1.0 / CAPTURE_WATCH_SAMPLE_S)):    # up to 1 s more for the record's tail
            if capture is not None:
                break
            dut.wait(CAPTURE_WATCH_SAMPLE_S, sample_period_s=CAPTURE_WATCH_SAMPLE_S)
            capture = analyzer.read_capture()
        if capture is None:
            raise BenchError(f"the analyzer's capture did not complete {post_s + 1.0:g} s after the step: "
                             "no trigger from the AC source reached it (check the trigger wiring)")
    except BaseException:
        abort = getattr(analyzer, "abort_capture", None)   # a model's own: leave nothing armed
        if abort is not None:
            abort()
        raise
    dut.record_acquired(capture.samples, source="capture")
    return StepCapture(capture.trigger_t_s, capture.interval_s,
                       float(getattr(analyzer, "capture_trigger_uncertainty_s", 0.0)), capture.samples)
