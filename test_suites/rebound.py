"""Randomised restart (rebound) judged on the measured input, for every device class that declares it.

A device that declares ``functions.randomised_restart`` declares its delay range
(``declared.randomised_restart_min_delay_s`` / ``..._max_delay_s``) and its highest ramp
(``declared.randomised_restart_ramp_w_per_s`` for a heat pump, ``..._ramp_a_per_s`` per phase for a
charger). Each suite (test_suites/<class>/test_rebound.py) repeats one event (a block lifted, a
window end, an outage) N times and hands the measured restarts to :func:`judge_restarts`:

* each delay: from the event to the first sample above the device's restart level, within
  [declared min, declared max + detection allowance] (timing, the sample period is the resolution);
* each ramp: the steepest rise over the catalog's window after the restart, at most the declared ramp
  (uncertainty 2 U / window);
* the spread of the N delays (fleet criterion): max - min at least ``min_spread_fraction`` of the
  declared range and more than ``fleet_window_s``. For a compliant device drawing uniformly, the
  range R of N draws on [0, 1] has P(R < f) = N f^(N-1) - (N-1) f^N (:func:`false_fail_probability`:
  0.7 % for N = 5, f = 0.2), while a device restarting always after the same delay, or without
  delay, has a spread of about one sample period and FAILs every time. The check's detail reports
  the distribution (N, min, max, mean, standard deviation); its plot is a strip of the delays per
  repetition against the declared range.

On hardware the N repetitions are just repetitions of one unit; a simulated unit draws a fresh
delay at every event (simlab/devices/restart_delay.py), so the repetitions sample the spread a
fleet of its twins would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from bench.errors import ConfigError
from test_suites.evidence import curve_plot

__all__ = ["DeclaredRestart", "Restart", "declared_restart", "first_above_s", "steepest_rise_per_s",
           "delay_distribution", "false_fail_probability", "judge_restarts", "restart_allowance_s", "FUNCTION"]

FUNCTION = "randomised_restart"


@dataclass(frozen=True)
class DeclaredRestart:
    """The profile's declaration: delay range (s) and highest ramp (``ramp_unit`` per s)."""

    min_delay_s: float
    max_delay_s: float
    ramp_per_s: float
    ramp_unit: str

    @property
    def range_s(self) -> float:
        return self.max_delay_s - self.min_delay_s


@dataclass(frozen=True)
class Restart:
    """One repetition: the event's bench time, the measured restart (None: none seen) and the
    steepest rise after it (None: not measurable)."""

    t_event_s: float
    t_restart_s: float | None
    ramp_per_s: float | None

    @property
    def delay_s(self) -> float | None:
        return None if self.t_restart_s is None else self.t_restart_s - self.t_event_s


def declared_restart(dut: Any, ramp_key: str, ramp_unit: str) -> DeclaredRestart:
    """The declared range and ramp of a profile claiming the function (a missing or inverted
    declaration is a configuration error naming the field)."""
    names = ("randomised_restart_min_delay_s", "randomised_restart_max_delay_s", ramp_key)
    values = [dut.profile.declared_value(name) for name in names]
    for name, value in zip(names, values, strict=True):
        if value is None:
            raise ConfigError(f"functions.{FUNCTION} needs declared.{name}", file=dut.profile.file,
                              field=f"declared.{name}")
    low, high, ramp = (float(v) for v in values)
    if high < low or ramp <= 0:
        raise ConfigError(f"declared randomised restart range [{low:g}, {high:g}] s / ramp {ramp:g} "
                          f"{ramp_unit}/s is not a range and a positive ramp", file=dut.profile.file,
                          field=f"declared.{names[1]}")
    return DeclaredRestart(low, high, ramp, ramp_unit)


def first_above_s(t: np.ndarray, y: np.ndarray, t0_s: float, level: float) -> float | None:
    """Bench time of the first sample at or after ``t0_s`` above ``level`` (None: none)."""
    hits = np.nonzero((t >= t0_s - 1e-9) & (y > level))[0]
    return float(t[hits[0]]) if hits.size else None


def steepest_rise_per_s(t: np.ndarray, y: np.ndarray, window_s: float) -> float | None:
    """The largest rise of ``y`` over ``window_s`` (per s), sample to sample; None when shorter."""
    ends = np.searchsorted(t, t + window_s - 1e-6)
    valid = ends < t.size
    rises = (y[ends[valid]] - y[valid]) / (t[ends[valid]] - t[valid])
    return float(rises.max()) if rises.size else None


def false_fail_probability(n: int, fraction: float) -> float:
    """P(range of n uniform draws < fraction of their interval) = n f^(n-1) - (n-1) f^n."""
    f = min(max(float(fraction), 0.0), 1.0)
    return n * f ** (n - 1) - (n - 1) * f ** n if n >= 2 else 1.0


def delay_distribution(delays_s: Sequence[float]) -> dict[str, float]:
    """N, min, max, mean, standard deviation (sample) and spread (max - min) of the delays, s."""
    d = np.asarray(delays_s, dtype=float)
    return {"n": float(d.size), "min_s": float(d.min()), "max_s": float(d.max()), "mean_s": float(d.mean()),
            "std_s": float(d.std(ddof=1)) if d.size > 1 else 0.0, "spread_s": float(d.max() - d.min())}


def _strip_plot(delays_s: Sequence[float], declared: DeclaredRestart) -> dict[str, Any]:
    n = len(delays_s)
    return curve_plot("restart delay / s", "repetition", [(d, i + 1) for i, d in enumerate(delays_s)],
                      [(declared.min_delay_s, 0.5), (declared.min_delay_s, n + 0.5)],
                      [(declared.max_delay_s, 0.5), (declared.max_delay_s, n + 0.5)])


def judge_restarts(dut: Any, check: Any, req: str, event: str, restarts: Sequence[Restart],
                   declared: DeclaredRestart, *, allowance_s: float, sample_period_s: float,
                   ramp_uncertainty: float, ramp_window_s: float, plot: dict[str, Any] | None = None) -> None:
    """Judge each repetition's delay and ramp, then the spread of the delays (see the module docstring)."""
    fraction = float(dut.param(req, "min_spread_fraction"))
    fleet_s = float(dut.param(req, "fleet_window_s"))
    high_s = declared.max_delay_s + allowance_s
    delays: list[float] = []
    for i, r in enumerate(restarts, start=1):
        what = f"{event}, repetition {i}/{len(restarts)}"
        delay = r.delay_s
        if delay is None:
            check.require_true(req, f"{what}: restarted", False,
                               f"no restart within {high_s:g} s of the event (declared max "
                               f"{declared.max_delay_s:g} s + detection {allowance_s:g} s)",
                               plot=plot if i == 1 else None)
            continue
        delays.append(delay)
        check.within(req, f"{what}: restart delay", "time", "s", delay, None, declared.min_delay_s, high_s,
                     plot=plot if i == 1 else None, sampling_period_s=sample_period_s,
                     detail=f"declared {declared.min_delay_s:g}-{declared.max_delay_s:g} s; detection "
                            f"allowance {allowance_s:g} s")
        if r.ramp_per_s is not None:
            check.within(req, f"{what}: steepest rise over {ramp_window_s:g} s after the restart", "ramp_rate",
                         f"{declared.ramp_unit}/s", r.ramp_per_s, ramp_uncertainty, None, declared.ramp_per_s,
                         detail=f"declared ramp {declared.ramp_per_s:g} {declared.ramp_unit}/s")
    if len(delays) < 2:
        check.require_true(req, f"{event}: spread of the restart delays", False,
                           f"{len(delays)} restart(s) measured of {len(restarts)}: no distribution")
        return
    dist = delay_distribution(delays)
    required_s = max(fraction * declared.range_s, fleet_s)
    n = len(delays)
    check.within(req, f"{event}: spread (max - min) of {n} restart delays", "time", "s", dist["spread_s"],
                 2.0 * sample_period_s, required_s, None, plot=_strip_plot(delays, declared),
                 sampling_period_s=sample_period_s,
                 detail=(f"delays min {dist['min_s']:.1f} / max {dist['max_s']:.1f} / mean {dist['mean_s']:.1f} / "
                         f"std {dist['std_s']:.1f} s over N = {n}; required >= max({fraction:g} x declared range "
                         f"{declared.range_s:g} s, fleet window {fleet_s:g} s); a uniform compliant device "
                         f"FAILs this with probability {100 * false_fail_probability(n, fraction):.1f} %"))


def restart_allowance_s(dut: Any, rise: float, ramp_key: str) -> float:
    """Extra time a device that claims the randomised restart may take to come back after a
    rebound event (its declared maximum delay, then a rise of ``rise`` at its declared ramp
    ``ramp_key``); 0 when it does not claim it. Used by the suites whose events are rebound events
    (EV-NETAWARE's window end, HP-SGREADY-NORMAL's release)."""
    if not dut.profile.claims(FUNCTION):
        return 0.0
    max_delay = dut.profile.declared_value("randomised_restart_max_delay_s", 0.0)
    ramp = dut.profile.declared_value(ramp_key)
    return float(max_delay) + (max(float(rise), 0.0) / float(ramp) if ramp else 0.0)


def ac_outage(dut: Any, outage_s: float, steps: list[tuple[float, float]],
              sample_period_s: float) -> Callable[[], float]:
    """One repetition's event: the AC source off for ``outage_s`` and on again, recorded in ``steps``
    as (t, 0 / 1) for the plot's stimulus. The returned callable gives the instant AC is back."""

    def outage() -> float:
        dut.step(f"outage: AC source off for {outage_s:g} s")
        steps.append((dut.now_s(), 0.0))
        dut.ac_source.set_output(False)
        dut.wait(outage_s, sample_period_s=sample_period_s)
        t_event = dut.now_s()
        dut.ac_source.set_output(True)
        steps.append((t_event, 1.0))
        return t_event

    return outage


WATCH_CHUNK_S = 10.0        # the restart is looked for after each chunk of fine sampling
FINE_BEFORE_MIN_S = 10.0    # fine sampling from this long before the declared minimum delay
Series = Callable[[float, float | None], tuple[np.ndarray, np.ndarray]]
"""(bench time, quantity) of the recorded samples in [t0, t1] (t1 None: up to now)."""


def watch_restart(dut: Any, req: str, declared: DeclaredRestart, t_event_s: float, level: float,
                  allowance_s: float, *, series: Series, coarse_period_s: float, fine_period_s: float,
                  ramp_from_s: float) -> Restart:
    """Wait for ``series`` (bench time, quantity in [t0, t1]) to rise above ``level`` after the event
    at ``t_event_s`` (sampling coarsely until shortly before the declared minimum delay, finely up
    to the declared maximum + ``allowance_s``), then observe its ramp from ``ramp_from_s`` after the
    restart over the catalog's ``ramp_observation_s`` (steepest rise over ``ramp_window_s``)."""
    coarse_s = t_event_s + declared.min_delay_s - FINE_BEFORE_MIN_S - dut.now_s()
    if coarse_s > 0:
        dut.wait(coarse_s, sample_period_s=coarse_period_s)
    deadline_s = t_event_s + declared.max_delay_s + allowance_s + fine_period_s
    t_restart = None
    while t_restart is None and dut.now_s() < deadline_s:
        dut.wait(min(WATCH_CHUNK_S, deadline_s - dut.now_s()), sample_period_s=fine_period_s)
        t, y = series(t_event_s, None)
        t_restart = first_above_s(t, y, t_event_s, level)
    if t_restart is None:
        return Restart(t_event_s, None, None)
    window_s = float(dut.param(req, "ramp_window_s"))
    observe_s = float(dut.param(req, "ramp_observation_s"))
    dut.wait(max(t_restart + observe_s - dut.now_s(), 0.0), sample_period_s=fine_period_s)
    t, y = series(t_restart + ramp_from_s, t_restart + observe_s)
    return Restart(t_event_s, t_restart, steepest_rise_per_s(t, y, window_s))
