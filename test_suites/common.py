"""What every device-class suite needs from the bench: catalog values, the clock, the grid at
nominal, and the analyzer's declared accuracy. Device-class helpers (PvBench, HpBench) extend it.

Only capabilities and links are reached from here, never the simulated lab."""

from __future__ import annotations

from typing import Any, Callable


class SuiteBench:
    """The suites' view of the bench shared by every device class."""

    def __init__(self, *, ac_source: Any, clock: Any, dut_profile: Any, catalog: Any, market: str,
                 bench: Any, step: Callable[[str], None]) -> None:
        self.ac_source = ac_source
        self.clock = clock
        self.profile = dut_profile
        self.catalog = catalog
        self.market = market
        self._bench = bench
        self.step = step
        self.v_nom_v = dut_profile.nominal_voltage_v
        self.f_nom_hz = dut_profile.nominal_frequency_hz
        self.p_rated_w = dut_profile.rated_power_w
        acc = bench.config.instruments["power_analyzer"].accuracy   # expanded (k = 2), per reading
        self.u_voltage_v = float(acc.get("voltage_v", 0.0))
        self.u_power_w = float(acc.get("power_w", 0.0)) * dut_profile.phase_count   # sum of phases
        self.u_frequency_hz = float(acc.get("frequency_hz", 0.0))

    def param(self, requirement_id: str, name: str) -> Any:
        """A catalog parameter of the campaign's market."""
        return self.catalog.requirement(requirement_id).param(name, self.market)

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
