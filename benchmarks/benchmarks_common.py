"""Shared timing helper for the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def measure(op: Callable[[], object], iterations: int) -> dict[str, float]:
    """Median and p90 of ``op``'s wall time in microseconds, after a short warm-up."""
    for _ in range(min(20, iterations)):
        op()
    samples_us = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        op()
        samples_us.append((time.perf_counter_ns() - start) / 1000.0)
    samples_us.sort()
    return {"iterations": iterations, "median_us": statistics.median(samples_us),
            "p90_us": samples_us[int(0.9 * (len(samples_us) - 1))]}
