"""Safety interlocks: out-of-limit commands never reach the instrument; safe state on every exit."""

import os
import signal

import pytest

from bench.config import SafetyLimits
from bench.errors import SafetyLimitError
from bench.safety import GuardedAcSource, SafeStateGuard

LIMITS = SafetyLimits(voltage_max_v=276.0, voltage_min_v=0.0, current_max_a=40.0, frequency_min_hz=45.0,
                      frequency_max_hz=55.0, voltage_slew_max_v_per_s=1000.0, safe_output_on=False,
                      safe_voltage_v=0.0, safe_frequency_hz=50.0)


class FakeSource:
    name = "fake"
    phase_count = 3

    def __init__(self):
        self.calls = []
        self.v = [0.0, 0.0, 0.0]
        self.f = 50.0
        self.on = False

    def identify(self): return "FAKE"
    def check_errors(self): pass
    def close(self): pass
    def set_voltage_v(self, volts, phase=None):
        self.calls.append(("V", volts, phase))
        for i in ([phase - 1] if phase else range(3)):
            self.v[i] = volts
    def set_frequency_hz(self, hz):
        self.calls.append(("F", hz))
        self.f = hz
    def set_phase_angle_deg(self, phase, deg): self.calls.append(("PH", phase, deg))
    def set_voltage_slew_v_per_s(self, s): self.calls.append(("SLEW", s))
    def set_frequency_slew_hz_per_s(self, s): self.calls.append(("FSLEW", s))
    def set_output(self, on):
        self.calls.append(("OUT", on))
        self.on = on
    def output_is_on(self): return self.on
    def voltage_setpoint_v(self, phase): return self.v[phase - 1]
    def frequency_setpoint_hz(self): return self.f


@pytest.mark.parametrize("action", [
    lambda s: s.set_voltage_v(300.0),
    lambda s: s.set_voltage_v(-1.0, phase=2),
    lambda s: s.set_frequency_hz(60.0),
    lambda s: s.set_frequency_hz(44.9),
    lambda s: s.set_voltage_slew_v_per_s(5000.0),
    lambda s: s.energize(280.0, 50.0),
])
def test_command_beyond_limits_never_reaches_instrument(action):
    raw = FakeSource()
    guarded = GuardedAcSource(raw, LIMITS)
    with pytest.raises(SafetyLimitError):
        action(guarded)
    assert raw.calls == []


def test_commands_inside_limits_pass_through():
    raw = FakeSource()
    guarded = GuardedAcSource(raw, LIMITS)
    guarded.energize(264.5, 51.5)
    assert ("V", 264.5, None) in raw.calls and ("OUT", True) in raw.calls


def test_go_safe_switches_output_off_and_sets_safe_values():
    raw = FakeSource()
    guarded = GuardedAcSource(raw, LIMITS)
    guarded.energize(230.0, 50.0)
    guarded.go_safe()
    assert raw.on is False and raw.v == [0.0, 0.0, 0.0] and raw.f == 50.0


def test_guard_makes_safe_once_on_exception_path():
    raw = FakeSource()
    guarded = GuardedAcSource(raw, LIMITS)
    guard = SafeStateGuard(guarded.go_safe, on_error=lambda exc: None)
    guarded.energize(230.0, 50.0)
    with pytest.raises(RuntimeError):
        try:
            raise RuntimeError("suite crashed")
        finally:
            guard.release()
    assert raw.on is False
    n = len(raw.calls)
    guard.make_safe()
    assert len(raw.calls) == n  # only once


def test_sigterm_unwinds_as_keyboard_interrupt_and_leaves_source_safe():
    raw = FakeSource()
    guarded = GuardedAcSource(raw, LIMITS)
    guard = SafeStateGuard(guarded.go_safe, on_error=lambda exc: None)
    guarded.energize(230.0, 50.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            finally:
                guard.release()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert raw.on is False


def test_failure_to_reach_safe_state_is_reported_not_masked():
    class Broken(FakeSource):
        def set_output(self, on):
            raise OSError("source unreachable")

    seen = []
    guard = SafeStateGuard(GuardedAcSource(Broken(), LIMITS).go_safe, on_error=seen.append)
    guard.release()
    assert isinstance(seen[0], OSError)


class FakeTransientSource(FakeSource):
    max_transient_steps = 10
    min_step_duration_s = 0.01

    def program_voltage_steps(self, steps, phase=None):
        self.calls.append(("LIST", [(s.duration_s, s.volts) for s in steps], phase))

    def run_transient(self): self.calls.append(("RUN",))
    def transient_done(self): return True
    def abort_transient(self): self.calls.append(("ABORT",))


def test_guard_keeps_the_transient_capability_and_checks_every_step():
    from bench.safety import guard_ac_source
    from instruments.capabilities import AcSourceTransients, VoltageStep

    raw = FakeTransientSource()
    guarded = guard_ac_source(raw, LIMITS)
    assert isinstance(guarded, AcSourceTransients)
    with pytest.raises(SafetyLimitError):
        guarded.program_voltage_steps([VoltageStep(0.1, 230.0), VoltageStep(0.2, 290.0)])
    assert raw.calls == []
    guarded.program_voltage_steps([VoltageStep(0.1, 230.0), VoltageStep(0.2, 264.5)])
    guarded.run_transient()
    assert raw.calls[-1] == ("RUN",)


def test_guard_of_a_plain_source_has_no_transient_capability():
    from bench.safety import guard_ac_source
    from instruments.capabilities import AcSourceTransients

    assert not isinstance(guard_ac_source(FakeSource(), LIMITS), AcSourceTransients)


class FakeLimitedSource(FakeSource):
    """A source whose own current limit can be programmed (instruments.capabilities.AcSourceCurrentLimit)."""

    def set_current_limit_a(self, amps):
        self.calls.append(("ILIM", amps))


def test_the_source_current_limit_is_the_bench_limit_before_every_switch_on():
    raw = FakeLimitedSource()
    guarded = GuardedAcSource(raw, LIMITS)
    guarded.energize(230.0, 50.0)
    assert raw.calls.index(("ILIM", LIMITS.current_max_a)) < raw.calls.index(("OUT", True))
    guarded.set_output(False)
    raw.calls.clear()
    guarded.set_output(True)
    assert raw.calls == [("ILIM", LIMITS.current_max_a), ("OUT", True)]


def test_a_source_without_a_programmable_limit_is_switched_on_as_before():
    raw = FakeSource()
    GuardedAcSource(raw, LIMITS).energize(230.0, 50.0)
    assert not any(call[0] == "ILIM" for call in raw.calls) and ("OUT", True) in raw.calls
