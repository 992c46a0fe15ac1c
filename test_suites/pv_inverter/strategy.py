"""The PV inverter's strategy: the market's settings each requirement needs, and the named states.

Each requirement writes only the market settings its result depends on, in its own setup
(:meth:`PvInverterStrategy.prepare_for`, called by the ``dut`` fixture with the test's
requirements): the function it judges first, then the protection and reconnection settings that
govern the DUT at the grid levels it applies. A setting the device refuses (its own answer:
``DeviceLacksFunction``) is a FAIL of that requirement and voids no other one.

States (``dut.transition(name, ...)``):

* ``producing``: nominal grid, the PV array at ``fraction`` of the profile's array, output steady;
  returns the steady output power (W);
* ``tripped``: the AC source output off (a loss of mains) and 5 s for the DUT to cease; returns the
  bench time the output went off;
* ``reconnected``: after a trip, nominal grid, the reconnection (observation time + a full ramp)
  on a coarse record, then ``producing``.

Everything here reaches the device only through the plugin's capabilities (AC source, power
analyzer, PV simulator) and the DUT's SunSpec link, so it means the same on hardware.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from bench.analysis import cos_phi_p_as_watt_var_pct
from bench.errors import BenchError, DeviceLacksFunction, ModelNotFoundError
from links.sunspec_modbus import PointOutsideSchema
from links.sunspec_modbus.types import TripKind, TripStageSetting
from test_suites.common import DutStrategy
from test_suites.sampling import STEADY_SAMPLE_S, TRIP_SAMPLE_S

PRODUCTION_TIMEOUT_S = 1500.0   # observation time + a first-start ramp, with margin
SETTLE_WINDOW_S = 30.0
STEADY_SHARE_OF_RATED = 0.05    # producing: above 5 % of rated power ...
STEADY_SPREAD_SHARE_OF_RATED = 0.005   # ... with max - min over the window below 0.5 % of it
CEASE_WAIT_S = 5.0              # tripped: time given to the DUT to cease after the loss of mains
RAMP_SETTING_SHARE_OF_LIMIT = 0.8
QUANTITIES = ("active_power_w", "max_voltage_v", "min_voltage_v", "frequency_hz", "reactive_power_var")
VOLTAGE_MEAN_S = 2.0        # the terminal voltage measured before a correction

_VOLTAGE_PROTECTION = ("trip_stages", "volt_watt", "enter_service", "power_limit_off")
_FREQUENCY_PROTECTION = ("trip_stages", "frequency_droop", "enter_service", "power_limit_off")
SETTINGS_BY_REQUIREMENT: dict[str, tuple[str, ...]] = {
    # the requirement's own function first (its FAIL names that gap), then what governs the DUT at
    # the grid levels the test applies
    "PV-PU-STEADY": ("volt_watt", "trip_stages", "power_limit_off"),
    "PV-PU-RESPONSE": ("volt_watt", "trip_stages", "power_limit_off"),
    "PV-ACTIVE-LIMITING": ("volt_watt", "trip_stages", "power_limit_off"),
    "PV-LFSM-O": ("frequency_droop", "trip_stages", "power_limit_off"),
    "PV-UMAX-TRIP": _VOLTAGE_PROTECTION, "PV-UMIN-TRIP": _VOLTAGE_PROTECTION,
    "PV-UMINMIN-TRIP": _VOLTAGE_PROTECTION, "PV-UMEAN-TRIP": _VOLTAGE_PROTECTION,
    "PV-FMAX-TRIP": _FREQUENCY_PROTECTION, "PV-FMIN-TRIP": _FREQUENCY_PROTECTION,
    "PV-RECONNECT-WINDOW": ("enter_service", "trip_stages", "power_limit_off"),
    "PV-RECONNECT-DELAY": ("enter_service", "trip_stages", "power_limit_off"),
    "PV-RECONNECT-RAMP": ("enter_service", "trip_stages", "power_limit_off"),
    "PV-REMOTE-LIMIT": ("power_limit",),
    "PV-SUNSPEC-READINGS": ("readings", "power_limit_off"),
    # reactive power: the curves are written disabled; each test enables the mode it judges
    "PV-QU-STEADY": ("volt_var", "volt_watt", "trip_stages", "power_limit_off"),
    "PV-QU-RESPONSE": ("volt_var", "volt_watt", "trip_stages", "power_limit_off"),
    "PV-COSPHI-P": ("watt_var", "power_limit_off"),
    "PV-FIXED-COSPHI": ("power_limit_off",),
    "PV-FIXED-Q": ("power_limit_off",),
    "PV-Q-PRIORITY": ("volt_var", "volt_watt", "trip_stages", "power_limit_off"),
    "PV-LVRT": _VOLTAGE_PROTECTION, "PV-HVRT": _VOLTAGE_PROTECTION,
    "PV-PHASE-JUMP": ("trip_stages", "enter_service", "power_limit_off"), "PV-ROCOF": _FREQUENCY_PROTECTION,
    "PV-LFSM-U": ("frequency_droop_under", "trip_stages", "power_limit_off"),
    "PV-PU-UNBALANCED": ("volt_watt", "trip_stages", "power_limit_off"),
    "PV-CURRENT-UNBALANCE": ("trip_stages", "power_limit_off"),
    "PV-QU-UNBALANCED": ("volt_var", "volt_watt", "trip_stages", "power_limit_off"),
    "PV-FEEDER-VOLTAGE": ("volt_watt", "trip_stages", "enter_service", "power_limit_off"),
}
# catalog parameters the method does not verify, and why (recorded for each test of the requirement,
# so the traceability matrix lists them as not verified with this reason)
_FIRST_ORDER_TIME_MRA = ("the catalog's first_order_response rule puts the whole tolerance on the power "
                         "(1.5 MRA_P at Tr and 2 Tr); no duration is measured, so a time MRA has nothing to widen")
NOT_VERIFIED_BY_METHOD: dict[str, dict[str, str]] = {
    "PV-PU-RESPONSE": {"mra_time_pct_of_duration": _FIRST_ORDER_TIME_MRA},
    "PV-REMOTE-LIMIT": {"mra_time_pct_of_duration": _FIRST_ORDER_TIME_MRA},
    "PV-ACTIVE-LIMITING": {"mra_voltage_pct_un": "the 10-minute-mean limit applies to the terminal voltage the "
                           "analyzer measures (with its uncertainty); the DUT's own voltage accuracy does not "
                           "widen a grid limit"},
    "PV-UMEAN-TRIP": {"threshold_range_pct_un": "the 10-minute-mean threshold is not written to the DUT (SunSpec "
                      "707-710 carry no 10-minute-mean stage): the test judges the catalog's setting, and whether "
                      "the DUT can be set anywhere in this range is not tested"},
    "PV-RECONNECT-DELAY": {"mra_time_pct_of_duration": "the catalog's min_time rule allows no reconnection before "
                           "the observation time; a time MRA would only allow an earlier one and is not applied "
                           "(the check's uncertainty is the bench's sampling)"},
    "PV-RECONNECT-RAMP": {
        "first_start_ramp_max_pct_pn_per_min": "the method produces a reconnection after a trip (judged against "
                                               "ramp_max_pct_pn_per_min); a first start, to which this limit "
                                               "applies, cannot be produced on demand on a device under test",
        "mra_active_power_pct_srated": "the ramp is judged as a slope, in which a power offset within the MRA "
                                       "cancels; its uncertainty is the fit's standard error and the analyzer's "
                                       "gain error"},
}
# a setting is written only when the profile claims its function (trip stages are always mandatory)
_CLAIM_BY_SETTING = {"volt_watt": "volt_watt", "frequency_droop": "frequency_droop",
                     "frequency_droop_under": "lfsm_u", "enter_service": "enter_service",
                     "power_limit_off": "remote_active_power_limit",
                     "power_limit": "remote_active_power_limit", "volt_var": "volt_var",
                     "watt_var": "watt_power_factor"}


class PvInverterStrategy(DutStrategy):
    """The PV suites' view of the bench: capabilities, catalog values and the DUT's named states."""

    def __init__(self, *, ac_source: Any, power_analyzer: Any, pv_simulator: Any, dut_link: Any,
                 clock: Any, dut_profile: Any, catalog: Any, market: str, bench: Any,
                 step: Callable[[str], None]) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.analyzer = power_analyzer
        self.pv_simulator = pv_simulator
        self.link = dut_link
        self.s_rated_va = float(dut_profile.ratings.get("rated_apparent_power_va", self.p_rated_w))
        self._prepared: dict[str, None] = {}   # market settings written this session, in order

    # --- catalog -------------------------------------------------------------------------------
    def mra_voltage_v(self, requirement_id: str) -> float:
        return self.param(requirement_id, "mra_voltage_pct_un") / 100.0 * self.v_nom_v

    def mra_power_w(self, requirement_id: str) -> float:
        return self.param(requirement_id, "mra_active_power_pct_srated") / 100.0 * self.s_rated_va

    def outside_settable_range(self, requirement_id: str, setting: str, range_param: str) -> str | None:
        """Why the market's ``setting`` cannot be judged: it lies outside the catalog's settable range
        ``range_param`` of the same requirement (e.g. a lab override), else None. Both are read."""
        value = float(self.param(requirement_id, setting))
        low, high = (float(x) for x in self.param(requirement_id, range_param))
        if low <= value <= high:
            return None
        return f"{setting} {value:g} lies outside the settable range {range_param} {low:g}-{high:g}"

    def reconnect_time_s(self) -> float:
        """Observation time plus a full 0-100 % reconnection ramp, from the catalog."""
        return (self.param("PV-RECONNECT-DELAY", "observation_time_s")
                + 100.0 / self.param("PV-RECONNECT-RAMP", "ramp_max_pct_pn_per_min") * 60.0)

    # --- actions -------------------------------------------------------------------------------
    def set_voltage_v(self, volts: float) -> None:
        self.step(f"AC source: {volts:.1f} V on all phases ({volts / self.v_nom_v * 100:.1f} % Un)")
        self.ac_source.set_voltage_v(volts)

    def set_terminal_voltage_v(self, target_v: float, settle_s: float) -> None:
        """Set the source so the DUT terminals sit at ``target_v`` (one correction for any feeder)."""
        self.set_voltage_v(target_v)
        self.wait(settle_s)
        measured = self.mean_over(VOLTAGE_MEAN_S, "max_voltage_v")
        correction = target_v - measured
        if abs(correction) > 0.05:
            self.set_voltage_v(target_v + correction)
            self.wait(settle_s)

    def set_frequency_hz(self, hertz: float) -> None:
        self.step(f"AC source: {hertz:.3f} Hz")
        self.ac_source.set_frequency_hz(hertz)

    def restore_nominal_grid(self) -> None:
        """Nominal frequency, then nominal voltage on all phases (each a recorded step)."""
        self.set_frequency_hz(self.f_nom_hz)
        self.set_voltage_v(self.v_nom_v)

    def set_available_fraction(self, fraction: float) -> None:
        """Program the PV simulator's array at ``fraction`` of the profile's array (Imp, Isc scaled)."""
        arr = self.profile.ratings["pv_array"]
        self.step(f"PV simulator: array at {fraction * 100:.0f} % irradiance")
        self.pv_simulator.set_iv_curve(arr["voc_v"], arr["isc_a"] * fraction, arr["vmp_v"], arr["imp_a"] * fraction)

    def prepare_for(self, requirement_ids: Iterable[str]) -> None:
        """Write the market settings the requirements need (:data:`SETTINGS_BY_REQUIREMENT`), each
        once per session. A setting whose function the profile does not claim is left alone (the
        requirement judges the claim itself). The device's own refusal (DeviceLacksFunction) fails
        only the running requirement; the next one that needs the setting tries again. The catalog
        parameters the requirements' methods do not verify are recorded with the reason
        (:data:`NOT_VERIFIED_BY_METHOD`)."""
        requirement_ids = list(requirement_ids)
        for req in requirement_ids:
            for param, reason in NOT_VERIFIED_BY_METHOD.get(req, {}).items():
                self.not_verified(req, param, reason)
        needed = [name for req in requirement_ids for name in SETTINGS_BY_REQUIREMENT.get(req, ())]
        for name in dict.fromkeys(needed):
            if name not in self._prepared and self.write_market_setting(name):
                self._prepared[name] = None

    @property
    def prepared_settings(self) -> tuple[str, ...]:
        """The market settings written this session (by :meth:`prepare_for`), in writing order."""
        return tuple(self._prepared)

    def write_market_setting(self, name: str) -> bool:
        """Write the market setting ``name`` (a key of :data:`SETTINGS_BY_REQUIREMENT`'s values) over
        the link; False (nothing written) if the profile does not claim its function. A claimed
        function whose model is absent is :class:`DeviceLacksFunction`."""
        function = _CLAIM_BY_SETTING.get(name)
        if function is not None and not self.profile.claims(function):
            return False
        try:
            self._settings()[name]()
        except ModelNotFoundError as exc:      # the claimed function's whole model is absent
            raise DeviceLacksFunction(f"the {name.replace('_', ' ')} setting", str(exc)) from None
        return True

    def _settings(self) -> dict[str, Callable[[], None]]:
        return {"volt_watt": self._write_volt_watt, "frequency_droop": self._write_frequency_droop,
                "frequency_droop_under": self._write_frequency_droop_under,
                "enter_service": self._write_enter_service, "trip_stages": self._write_trip_stages,
                "power_limit_off": self._write_power_limit_off, "power_limit": self._probe_power_limit,
                "readings": self._probe_readings, "volt_var": lambda: self.write_volt_var(enabled=False),
                "watt_var": lambda: self.write_watt_var(enabled=False)}

    def _write_volt_watt(self) -> None:
        self.step(f"write the {self.market} P(U) curve to the DUT over SunSpec (706)")
        self.link.write_volt_watt([tuple(p) for p in self.param("PV-PU-STEADY", "volt_watt_points_pct")],
                                  self.param("PV-PU-RESPONSE", "response_time_s"), enabled=True)

    @property
    def reactive_priority(self) -> bool | None:
        """The profile's declared priority at the S limit: True reactive, False active, None undeclared."""
        declared = self.profile.declared_value("reactive_power_priority")
        return None if declared is None else declared == "reactive"

    def write_volt_var(self, *, enabled: bool) -> None:
        """The market's Q(U) curve and Tr, with the declared priority, to 705 (enabled or not)."""
        self.step(f"write the {self.market} Q(U) curve to the DUT over SunSpec (705), "
                  f"{'enabled' if enabled else 'disabled'}")
        self.link.write_volt_var([tuple(p) for p in self.param("PV-QU-STEADY", "volt_var_points_pct")],
                                 self.param("PV-QU-RESPONSE", "response_time_s"),
                                 reactive_priority=self.reactive_priority is not False, enabled=enabled)

    def cos_phi_points(self) -> list[list[float]]:
        """The market's cos phi(P) characteristic [[% Prated, cos phi], ...] for this DUT's Srated:
        1 up to the start, then linear to the cos phi at Prated of the DUT's size class."""
        start_pct = self.param("PV-COSPHI-P", "cos_phi_start_pct_prated")
        by_size = self.param("PV-COSPHI-P", "cos_phi_at_rated_by_srated_va")
        at_rated = next((pf for va, pf in by_size if self.s_rated_va <= va), by_size[-1][1])
        return [[start_pct, 1.0], [100.0, at_rated]]

    def write_watt_var(self, *, enabled: bool) -> None:
        """The market's cos phi(P) characteristic as Q(P) points to 712 (enabled or not)."""
        points = cos_phi_p_as_watt_var_pct(self.cos_phi_points(), self.s_rated_va, self.p_rated_w)
        self.step(f"write the {self.market} cos phi(P) characteristic as a Q(P) curve to the DUT over SunSpec "
                  f"(712): {points}, {'enabled' if enabled else 'disabled'}")
        self.link.write_watt_var(points, reactive_priority=self.reactive_priority is not False, enabled=enabled)

    def _write_frequency_droop(self) -> None:
        self.step(f"write the {self.market} LFSM-O droop to the DUT over SunSpec (711)")
        f_start = self.param("PV-LFSM-O", "f_start_hz")
        self.link.write_frequency_droop(f_start - self.f_nom_hz, self.param("PV-LFSM-O", "droop_pct"),
                                        self.param("PV-LFSM-O", "response_time_s"), enabled=True)

    def _write_frequency_droop_under(self) -> None:
        """711 with the LFSM-U side (DbUf, KUf) and LFSM-O's over-frequency side; the one RspTms
        of 711 is LFSM-U's (both 2 s by default)."""
        self.step(f"write the {self.market} LFSM-U droop (and LFSM-O's) to the DUT over SunSpec (711)")
        f_start_o = self.param("PV-LFSM-O", "f_start_hz")
        f_start_u = self.param("PV-LFSM-U", "f_start_hz")
        self.link.write_frequency_droop(f_start_o - self.f_nom_hz, self.param("PV-LFSM-O", "droop_pct"),
                                        self.param("PV-LFSM-U", "response_time_s"), enabled=True,
                                        under=(self.f_nom_hz - f_start_u, self.param("PV-LFSM-U", "droop_pct")))

    def _write_enter_service(self) -> None:
        self.step(f"write the {self.market} enter-service window, delay and ramp to the DUT over SunSpec (703)")
        param = self.param
        # The ramp is a maximum: configure the DUT at 80 % of it, as an installer would, so a compliant
        # device is measurably inside the limit rather than sitting on it (ILAC-G8 guard band).
        ramp_pct_per_min = RAMP_SETTING_SHARE_OF_LIMIT * param("PV-RECONNECT-RAMP", "ramp_max_pct_pn_per_min")
        self.link.write_enter_service(enabled=True,
                                      voltage_high_pct=param("PV-RECONNECT-WINDOW", "voltage_high_pct_un"),
                                      voltage_low_pct=param("PV-RECONNECT-WINDOW", "voltage_low_pct_un"),
                                      frequency_high_hz=param("PV-RECONNECT-WINDOW", "frequency_high_hz"),
                                      frequency_low_hz=param("PV-RECONNECT-WINDOW", "frequency_low_hz"),
                                      delay_s=param("PV-RECONNECT-DELAY", "observation_time_s"),
                                      ramp_time_s=100.0 / ramp_pct_per_min * 60.0)

    def _write_trip_stages(self) -> None:
        self.step(f"write the {self.market} protection stages to the DUT over SunSpec (707-710)")
        param = self.param
        stages = [TripStageSetting(TripKind.OVER_VOLTAGE, param("PV-UMAX-TRIP", "threshold_pct_un"),
                                   param("PV-UMAX-TRIP", "clearing_time_s")),
                  TripStageSetting(TripKind.UNDER_VOLTAGE, param("PV-UMIN-TRIP", "threshold_pct_un"),
                                   param("PV-UMIN-TRIP", "clearing_time_s")),
                  TripStageSetting(TripKind.UNDER_VOLTAGE, param("PV-UMINMIN-TRIP", "threshold_pct_un"),
                                   param("PV-UMINMIN-TRIP", "clearing_time_s"))]
        stages += [TripStageSetting(TripKind.OVER_FREQUENCY, hz, s) for hz, s in param("PV-FMAX-TRIP", "stages_hz_s")]
        stages += [TripStageSetting(TripKind.UNDER_FREQUENCY, hz, s) for hz, s in param("PV-FMIN-TRIP", "stages_hz_s")]
        self.link.write_trip_stages(stages)

    def _write_power_limit_off(self) -> None:
        self.step("release any remote active power limit over SunSpec (704 WMaxLimPctEna = 0)")
        self.link.write_power_limit(None)

    def _probe_power_limit(self) -> None:
        """The limit the requirement steps through must be writable: 100 % (no limit), then released."""
        self.step("check the DUT takes a remote active power limit: 704 WMaxLimPct 100 %, then released")
        self.link.write_power_limit(100.0)
        self.link.write_power_limit(None)

    def _probe_readings(self) -> None:
        """The DUT's 701 readings must decode: a value outside the SunSpec schema (e.g. 701.ACType)
        is the device's own answer that it lacks schema-conformant readings."""
        self.step("read the DUT's SunSpec 701 readings once (schema check)")
        try:
            self.link.read_ac()
        except PointOutsideSchema as exc:
            raise DeviceLacksFunction(f"SunSpec 701 readings ({exc.point})", str(exc)) from None

    # --- measurements --------------------------------------------------------------------------
    def series(self, t0_s: float, quantity: str = "active_power_w", *,
               t1_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(bench time / s, ``quantity``) of the samples in [t0_s, t1_s] (t1_s None: up to now);
        ``quantity`` one of :data:`QUANTITIES` (active power export positive, highest / lowest
        phase voltage, frequency)."""
        if quantity not in QUANTITIES:
            raise ValueError(quantity)
        samples = self.samples_between(t0_s, t1_s)
        t = np.array([s.t_s for s in samples])
        return t, np.array([self.quantity_of(s.reading, quantity) for s in samples])

    def quantity_of(self, reading: Any, quantity: str) -> float:
        """``quantity`` of one analyzer reading; the highest / lowest phase voltage is taken over
        the DUT's own phases (:attr:`phases`, from its profile), e.g. L2 alone for a
        single-phase inverter on L2."""
        if quantity not in ("max_voltage_v", "min_voltage_v"):
            return float(getattr(reading, quantity))
        n = len(reading.phases)
        volts = [reading.phases[p - 1].voltage_v for p in self.phases if p <= n] or \
                [phase.voltage_v for phase in reading.phases]
        return float(max(volts) if quantity == "max_voltage_v" else min(volts))

    def mean_over(self, duration_s: float, quantity: str = "active_power_w") -> float:
        """Wait ``duration_s`` and return the mean of ``quantity`` over it."""
        t0 = self.now_s()
        self.wait(duration_s)
        _, y = self.series(t0 + 1e-6, quantity)
        if y.size == 0:
            raise BenchError("no samples recorded in the averaging window")
        return float(np.mean(y))

    # --- named states --------------------------------------------------------------------------
    def _preparations(self) -> dict[str, Callable[..., Any]]:
        return {"producing": self._producing, "tripped": self._tripped, "reconnected": self._reconnected}

    def _producing(self, *, fraction: float = 1.0, timeout_s: float = PRODUCTION_TIMEOUT_S) -> float:
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
            self.wait(SETTLE_WINDOW_S, sample_period_s=STEADY_SAMPLE_S)
            _, p = self.series(self.now_s() - SETTLE_WINDOW_S + 1e-6)
            if p.size and p.min() > STEADY_SHARE_OF_RATED * self.p_rated_w \
                    and p.max() - p.min() < STEADY_SPREAD_SHARE_OF_RATED * self.p_rated_w:
                return float(p.mean())
        raise BenchError(f"DUT did not reach steady production within {timeout_s:.0f} s of bench time")

    def _tripped(self) -> float:
        """A loss of mains: the AC source output off, then time for the DUT to cease. Returns the
        bench time the output went off (the suite judges whether the DUT ceased)."""
        self.step("trip: AC source output off (loss of mains)")
        t_off = self.now_s()
        self.ac_source.set_output(False)
        self.wait(CEASE_WAIT_S, sample_period_s=TRIP_SAMPLE_S)
        return t_off

    def _reconnected(self, *, fraction: float = 1.0) -> float:
        """After a trip: nominal grid, the reconnection (observation time + ramp) on a coarse record,
        then steady production at ``fraction`` (returns its power)."""
        self.restore_nominal_grid()
        self.step("DUT tripped: nominal grid, wait for the reconnection (observation time + ramp)")
        self.wait(self.reconnect_time_s(), sample_period_s=STEADY_SAMPLE_S)
        return self._producing(fraction=fraction)
