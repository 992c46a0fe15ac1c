"""What every device-class suite needs from the bench, and the named states of its DUT.

:class:`DutStrategy` is the base of each device class's strategy (test_suites/<class>/strategy.py;
after labgrid's strategies): catalog values, the clock, the grid at nominal, the analyzer's
declared accuracy and the recorded samples, plus :meth:`DutStrategy.transition` to a named state
("producing", "running", "idle", "charging"...). Each state's preparation lives in one place, its
strategy class; the suites' ``dut`` fixture (each class's conftest.py) hands the strategy to a test.

Every catalog parameter and every declared value a suite reads through the strategy
(:meth:`DutStrategy.param`, :meth:`DutStrategy.declared`, ``dut.profile.declared_value``) is recorded as a
``parameter`` line (docs/record-format.md), so the report's traceability matrix can tell which values a
check exercised and list the others as not verified.

Only capabilities and links are reached from here, never the simulated lab.
"""

from __future__ import annotations

from typing import Any, Callable

from bench.errors import BenchError


def device_phases(profile: Any) -> tuple[int, ...]:
    """The grid phases (1-based) the DUT is connected to, from its profile's declaration: 1, 2, 3
    for a three-phase device; a single-phase device's ``ratings.phase_connection`` (default L1).
    Judging a device on its own phases never depends on what the device outputs."""
    count = int(profile.phase_count)
    if count != 1:
        return tuple(range(1, count + 1))
    connection = str((getattr(profile, "ratings", None) or {}).get("phase_connection", "L1"))
    return (int(connection[1:]),)


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a parameter value (numbers, text, bools, lists and mappings of them)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


class _RecordedDeclarations:
    """The device profile as the suites see it: every declared value read is recorded."""

    def __init__(self, profile: Any, record: Callable[[str, str, Any, str], None]) -> None:
        self._profile = profile
        self._record = record

    def __getattr__(self, name: str) -> Any:
        return getattr(self._profile, name)

    def declared_value(self, name: str, default: Any = None) -> Any:
        value = self._profile.declared_value(name)
        if value is None:
            return default
        self._record("", name, value, "declared")
        return value


class DutStrategy:
    """The suites' view of the bench shared by every device class, and its named DUT states."""

    def __init__(self, *, ac_source: Any, clock: Any, dut_profile: Any, catalog: Any, market: str,
                 bench: Any, step: Callable[[str], None]) -> None:
        self.ac_source = ac_source
        self.clock = clock
        self._declarations = dut_profile
        self.profile: Any = _RecordedDeclarations(dut_profile, self._record_parameter)
        self.catalog = catalog
        self.market = market
        self._bench = bench
        self.step = step
        self.v_nom_v = dut_profile.nominal_voltage_v
        self.f_nom_hz = dut_profile.nominal_frequency_hz
        self.p_rated_w = dut_profile.rated_power_w
        self.phases = device_phases(dut_profile)    # 1-based grid phases the DUT is on
        acc = bench.config.instruments["power_analyzer"].accuracy   # expanded (k = 2), per reading
        self.u_voltage_v = float(acc.get("voltage_v", 0.0))
        self.u_power_w = float(acc.get("power_w", 0.0)) * dut_profile.phase_count   # sum of phases
        self.u_reactive_power_var = float(acc.get("reactive_power_var", acc.get("power_w", 0.0))) \
            * dut_profile.phase_count                                                    # sum of phases
        self.u_frequency_hz = float(acc.get("frequency_hz", 0.0))

    # --- named states ---------------------------------------------------------------------------
    def _preparations(self) -> dict[str, Callable[..., Any]]:
        """Each named state of this device class and the method that brings the DUT to it."""
        return {}

    @property
    def states(self) -> tuple[str, ...]:
        """The named states :meth:`transition` knows."""
        return tuple(self._preparations())

    def transition(self, state: str, **options: Any) -> Any:
        """Bring the DUT to the named ``state`` (``options`` go to its preparation); returns what the
        preparation measured (e.g. the steady power). An unknown state is a bench ERROR."""
        prepare = self._preparations().get(state)
        if prepare is None:
            known = ", ".join(repr(s) for s in self.states) or "none"
            raise BenchError(f"{type(self).__name__}: no DUT state {state!r}; its states are {known}")
        return prepare(**options)

    # --- catalog and declarations ---------------------------------------------------------------
    def _record_parameter(self, requirement_id: str, name: str, value: Any, source: str, reason: str = "") -> None:
        """A ``parameter`` record line: ``source`` "catalog" (``name`` a parameter of ``requirement_id``)
        or "declared" (``name`` a profile declaration; requirement "" = the running test's); with a
        ``reason``, the suite states it does not verify the value (and why)."""
        recorder = getattr(self._bench, "recorder", None)
        if recorder is not None:
            fields = {"reason": reason} if reason else {}
            recorder.write("parameter", requirement=requirement_id, name=name, source=source, value=_plain(value),
                           **fields)

    def not_verified(self, requirement_id: str, name: str, reason: str) -> None:
        """Record that the method does not verify catalog parameter ``name`` of ``requirement_id``, and
        why: the traceability matrix lists it as not verified with ``reason`` (never as exercised)."""
        value = self.catalog.requirement(requirement_id).param(name, self.market)
        self._record_parameter(requirement_id, name, value, "catalog", reason)

    def param(self, requirement_id: str, name: str) -> Any:
        """A catalog parameter of the campaign's market (recorded as read for ``requirement_id``)."""
        value = self.catalog.requirement(requirement_id).param(name, self.market)
        self._record_parameter(requirement_id, name, value, "catalog")
        return value

    def declared(self, name: str, requirement_id: str, param: str) -> float:
        """The profile's declared value ``name``, else the catalog parameter (market value); either
        is recorded as read for ``requirement_id``."""
        value = self._declarations.declared_value(name)
        if value is None:
            return float(self.param(requirement_id, param))
        self._record_parameter(requirement_id, name, value, "declared")
        return float(value)

    def pct_of_rated_w(self, pct: float) -> float:
        return float(pct) / 100.0 * self.p_rated_w

    def link_of(self, links: dict[str, Any], *protocols: str) -> Any:
        """The first declared link (control first) in ``links`` speaking one of ``protocols``, else None."""
        declared = self.profile.links
        for name in sorted(declared, key=lambda n: (n != "control", n)):
            if declared[name].get("protocol") in protocols and name in links:
                return links[name]
        return None

    # --- clock and grid -------------------------------------------------------------------------
    def wait(self, duration_s: float, *, sample_period_s: float | None = None) -> None:
        """Wait on the bench clock (virtual in simulation), sampling as it goes."""
        self.clock.sleep(duration_s, sample_period_s=sample_period_s)

    def now_s(self) -> float:
        return self.clock.now_s()

    def energize_nominal(self) -> None:
        """Nominal voltage and frequency on the AC source, output on (through the safety guard)."""
        src = self.ac_source
        src.set_frequency_hz(self.f_nom_hz)
        src.set_voltage_v(self.v_nom_v)
        if not src.output_is_on():
            src.set_output(True)

    # --- recorded samples -----------------------------------------------------------------------
    def samples_between(self, t0_s: float, t1_s: float | None = None) -> list[Any]:
        """The analyzer samples recorded in [t0_s, t1_s] (t1_s None: up to now)."""
        return [s for s in self._bench.samples_since(t0_s) if t1_s is None or s.t_s <= t1_s + 1e-9]

    def record_acquired(self, samples: Any, *, source: str) -> None:
        """Record readings the analyzer acquired itself (``AcquiredSample``: a triggered capture) as
        ``sample`` lines stamped with their instrument time, marked ``source`` (OpenBench.record_captured)."""
        self._bench.record_captured(samples, source=source)

    def latest_sample(self) -> Any:
        """The latest recorded analyzer sample, None before the first (the clock samples at the end
        of every wait)."""
        samples = self._bench.samples
        return samples[-1] if samples else None

    def sample_now(self) -> Any:
        """The latest recorded analyzer sample (a bench ERROR when none was recorded yet)."""
        sample = self.latest_sample()
        if sample is None:
            raise BenchError("no analyzer sample recorded yet")
        return sample

