"""Which phases a charger charges on, read from the analyzer's per-phase currents (the phase-switching
suite, test_phase_switching.py): instants of pauses and of settled phase sets. Pure functions of
sampled arrays (bench time ``t_s`` [n], current ``amps`` [n, 3] per grid phase L1..L3)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["first_flow_after", "first_pause_after", "settle_instant", "settled_on", "switch_starts"]


def settled_on(amps: np.ndarray, phases: Sequence[int], low_a: float, paused_a: float) -> np.ndarray:
    """Per sample: every phase of ``phases`` (0-based) carries at least ``low_a`` and every other
    at most ``paused_a``."""
    on = np.zeros(amps.shape[1], dtype=bool)
    on[list(phases)] = True
    return np.all(amps[:, on] >= low_a, axis=1) & np.all(amps[:, ~on] <= paused_a, axis=1)


def first_pause_after(t_s: np.ndarray, amps: np.ndarray, t0_s: float, paused_a: float) -> float | None:
    """The first instant at or after ``t0_s`` with no phase above ``paused_a`` (a pause starts)."""
    idle = (t_s >= t0_s - 1e-9) & np.all(amps <= paused_a, axis=1)
    hits = np.nonzero(idle)[0]
    return float(t_s[hits[0]]) if hits.size else None


def first_flow_after(t_s: np.ndarray, amps: np.ndarray, t0_s: float, paused_a: float) -> float | None:
    """The first instant at or after ``t0_s`` with some phase above ``paused_a`` (current flows)."""
    flowing = (t_s >= t0_s - 1e-9) & np.any(amps > paused_a, axis=1)
    hits = np.nonzero(flowing)[0]
    return float(t_s[hits[0]]) if hits.size else None


def settle_instant(t_s: np.ndarray, ok: np.ndarray) -> float | None:
    """The first instant from which ``ok`` holds to the end (None: it does not hold at the end)."""
    if not ok.size or not ok[-1]:
        return None
    bad = np.nonzero(~ok)[0]
    return float(t_s[0] if bad.size == 0 else t_s[bad[-1] + 1])


def switch_starts(t_s: np.ndarray, amps: np.ndarray, paused_a: float) -> list[float]:
    """The instants a phase switch starts: the first sample of a pause (no phase above ``paused_a``)
    between two stretches of current on different sets of phases (a pause with the same phases on
    both sides is not a switch: e.g. load balancing pausing and resuming)."""
    flowing = np.asarray(amps > paused_a)
    any_flow = np.asarray(flowing.any(axis=1))
    stretches: list[tuple[int, int, tuple[bool, ...]]] = []     # (first, last sample, phases at the last)
    i, n = 0, len(t_s)
    while i < n:
        if not any_flow[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and any_flow[j + 1]:
            j += 1
        stretches.append((i, j, tuple(bool(v) for v in flowing[j])))
        i = j + 1
    return [float(t_s[a[1] + 1]) for a, b in zip(stretches, stretches[1:], strict=False) if a[2] != b[2]]
