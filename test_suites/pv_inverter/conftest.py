"""PV-inverter campaign fixtures: the market's settings written to the DUT, and named DUT states.

Everything here reaches the device only through the plugin's capabilities (AC source, power
analyzer, PV simulator) and the DUT's SunSpec link, so it means the same on hardware.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from bench.errors import BenchError
from links.sunspec_modbus.types import TripKind, TripStageSetting
from test_suites.common import SuiteBench

PRODUCTION_TIMEOUT_S = 1500.0   # observation time + a first-start ramp, with margin
SETTLE_WINDOW_S = 30.0
SETTLE_SAMPLE_S = 1.0     # waiting for a named state needs no fine sampling
RAMP_SETTING_SHARE_OF_LIMIT = 0.8


class PvBench(SuiteBench):
    """The PV suites' view of the bench: capabilities, catalog values and a few named states."""

    def __init__(self, *, ac_source: Any, power_analyzer: Any, pv_simulator: Any, dut_link: Any,
                 clock: Any, dut_profile: Any, catalog: Any, market: str, bench: Any,
                 step: Callable[[str], None]) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.analyzer = power_analyzer
        self.pv_simulator = pv_simulator
        self.dut = dut_link
        self.s_rated_va = float(dut_profile.ratings.get("rated_apparent_power_va", self.p_rated_w))

    # --- catalog -------------------------------------------------------------------------------
    def mra_voltage_v(self, requirement_id: str) -> float:
        return self.param(requirement_id, "mra_voltage_pct_un") / 100.0 * self.v_nom_v

    def mra_power_w(self, requirement_id: str) -> float:
        return self.param(requirement_id, "mra_active_power_pct_srated") / 100.0 * self.s_rated_va

    # --- actions -------------------------------------------------------------------------------
    def set_voltage_v(self, volts: float) -> None:
        self.step(f"AC source: {volts:.1f} V on all phases ({volts / self.v_nom_v * 100:.1f} % Un)")
        self.ac_source.set_voltage_v(volts)

    def set_frequency_hz(self, hertz: float) -> None:
        self.step(f"AC source: {hertz:.3f} Hz")
        self.ac_source.set_frequency_hz(hertz)

    def set_available_fraction(self, fraction: float) -> None:
        """Program the PV simulator's array at ``fraction`` of the profile's array (Imp, Isc scaled)."""
        arr = self.profile.ratings["pv_array"]
        self.step(f"PV simulator: array at {fraction * 100:.0f} % irradiance")
        self.pv_simulator.set_iv_curve(arr["voc_v"], arr["isc_a"] * fraction, arr["vmp_v"], arr["imp_a"] * fraction)

    # --- measurements --------------------------------------------------------------------------
    def samples_since(self, t0_s: float) -> list[Any]:
        return self._bench.samples_since(t0_s)

    def series(self, t0_s: float, quantity: str = "active_power_w") -> tuple[np.ndarray, np.ndarray]:
        samples = self.samples_since(t0_s)
        t = np.array([s.t_s for s in samples])
        if quantity == "active_power_w":
            y = np.array([s.reading.active_power_w for s in samples])
        elif quantity == "max_voltage_v":
            y = np.array([s.reading.max_voltage_v for s in samples])
        elif quantity == "min_voltage_v":
            y = np.array([s.reading.min_voltage_v for s in samples])
        elif quantity == "frequency_hz":
            y = np.array([s.reading.frequency_hz for s in samples])
        else:
            raise ValueError(quantity)
        return t, y

    def mean_over(self, duration_s: float, quantity: str = "active_power_w") -> float:
        """Wait ``duration_s`` and return the mean of ``quantity`` over it."""
        t0 = self.now_s()
        self.wait(duration_s)
        _, y = self.series(t0 + 1e-6, quantity)
        if y.size == 0:
            raise BenchError("no samples recorded in the averaging window")
        return float(np.mean(y))

    # --- named states --------------------------------------------------------------------------
    def bring_to_production(self, *, fraction: float = 1.0, timeout_s: float = PRODUCTION_TIMEOUT_S) -> float:
        """Nominal grid, PV array at ``fraction``; wait until the DUT's output is steady.

        Returns the steady output power. A DUT that never produces makes this an ERROR
        (inconclusive for the requirement under test), not a FAIL of it.
        """
        self.step(f"bring DUT to steady production at nominal grid, {fraction * 100:.0f} % irradiance")
        self.energize_nominal()
        self.set_available_fraction(fraction)
        if not self.pv_simulator.output_is_on():
            self.pv_simulator.set_output(True)
        t_start = self.now_s()
        while self.now_s() - t_start < timeout_s:
            self.wait(SETTLE_WINDOW_S, sample_period_s=SETTLE_SAMPLE_S)
            _, p = self.series(self.now_s() - SETTLE_WINDOW_S + 1e-6)
            if p.size and p.min() > 0.05 * self.p_rated_w and p.max() - p.min() < 0.005 * self.p_rated_w:
                return float(p.mean())
        raise BenchError(f"DUT did not reach steady production within {timeout_s:.0f} s of bench time")


@pytest.fixture(scope="session")
def pv(bench: Any, ac_source: Any, power_analyzer: Any, pv_simulator: Any, dut_link: Any, clock: Any,
       dut_profile: Any, catalog: Any, market: str) -> PvBench:
    pvb = PvBench(ac_source=ac_source, power_analyzer=power_analyzer, pv_simulator=pv_simulator,
                  dut_link=dut_link, clock=clock, dut_profile=dut_profile, catalog=catalog, market=market,
                  bench=bench, step=lambda text: bench.step("campaign", text))
    apply_market_settings(pvb)
    return pvb


@pytest.fixture
def pv_step(pv: PvBench, step: Callable[[str], None]) -> PvBench:
    """The session's PvBench with progress steps attributed to the running test."""
    pv.step = step
    return pv


def apply_market_settings(pv: PvBench) -> None:
    """Write the market's grid-code settings into the DUT over SunSpec (703, 704, 706-711)."""
    pv.step(f"write the {pv.market} grid-code settings to the DUT over SunSpec")
    link = pv.dut
    link.write_volt_watt([tuple(p) for p in pv.param("PV-PU-STEADY", "volt_watt_points_pct")],
                         pv.param("PV-PU-RESPONSE", "response_time_s"), enabled=True)
    f_start = pv.param("PV-LFSM-O", "f_start_hz")
    link.write_frequency_droop(f_start - pv.f_nom_hz, pv.param("PV-LFSM-O", "droop_pct"),
                               pv.param("PV-LFSM-O", "response_time_s"), enabled=True)
    # The ramp is a maximum: configure the DUT at 80 % of it, as an installer would, so a compliant
    # device is measurably inside the limit rather than sitting on it (ILAC-G8 guard band).
    ramp_pct_per_min = RAMP_SETTING_SHARE_OF_LIMIT * pv.param("PV-RECONNECT-RAMP", "ramp_max_pct_pn_per_min")
    link.write_enter_service(enabled=True,
                             voltage_high_pct=pv.param("PV-RECONNECT-WINDOW", "voltage_high_pct_un"),
                             voltage_low_pct=pv.param("PV-RECONNECT-WINDOW", "voltage_low_pct_un"),
                             frequency_high_hz=pv.param("PV-RECONNECT-WINDOW", "frequency_high_hz"),
                             frequency_low_hz=pv.param("PV-RECONNECT-WINDOW", "frequency_low_hz"),
                             delay_s=pv.param("PV-RECONNECT-DELAY", "observation_time_s"),
                             ramp_time_s=100.0 / ramp_pct_per_min * 60.0)
    stages = [TripStageSetting(TripKind.OVER_VOLTAGE, pv.param("PV-UMAX-TRIP", "threshold_pct_un"),
                               pv.param("PV-UMAX-TRIP", "clearing_time_s")),
              TripStageSetting(TripKind.UNDER_VOLTAGE, pv.param("PV-UMIN-TRIP", "threshold_pct_un"),
                               pv.param("PV-UMIN-TRIP", "clearing_time_s")),
              TripStageSetting(TripKind.UNDER_VOLTAGE, pv.param("PV-UMINMIN-TRIP", "threshold_pct_un"),
                               pv.param("PV-UMINMIN-TRIP", "clearing_time_s"))]
    stages += [TripStageSetting(TripKind.OVER_FREQUENCY, hz, s) for hz, s in pv.param("PV-FMAX-TRIP", "stages_hz_s")]
    stages += [TripStageSetting(TripKind.UNDER_FREQUENCY, hz, s) for hz, s in pv.param("PV-FMIN-TRIP", "stages_hz_s")]
    link.write_trip_stages(stages)
    link.write_power_limit(None)
