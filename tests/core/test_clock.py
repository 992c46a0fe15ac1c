"""The virtual clock advances the lab tick by tick, samples every tick and never drifts."""

import pytest

from bench.clock import VirtualClock


def test_virtual_clock_ticks_and_samples():
    advanced, sampled = [], []
    clock = VirtualClock(advanced.append, sample_period_s=0.2, start_calendar="2026-06-21T12:00:00+02:00")
    clock.add_sampler(sampled.append)
    clock.sleep(1.0)
    assert advanced == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert sampled == advanced
    assert clock.now_s() == 1.0


def test_virtual_clock_no_drift_over_many_ticks():
    clock = VirtualClock(lambda t: None, sample_period_s=0.2)
    for _ in range(3000):
        clock.sleep(0.2)
    assert clock.now_s() == 600.0


def test_partial_sleep_realigns_to_the_period_grid():
    ticks = []
    clock = VirtualClock(ticks.append, sample_period_s=0.2)
    clock.sleep(0.3)
    clock.sleep(0.3)
    assert ticks == pytest.approx([0.2, 0.3, 0.4, 0.6])


def test_calendar_and_time_of_day():
    clock = VirtualClock(lambda t: None, sample_period_s=1.0, start_calendar="2026-06-21T15:30:00+02:00")
    assert clock.seconds_until(16, 0) == 1800
    clock.sleep(1800)
    assert clock.calendar().hour == 16


def test_negative_sleep_refused():
    with pytest.raises(ValueError):
        VirtualClock(lambda t: None).sleep(-1)
