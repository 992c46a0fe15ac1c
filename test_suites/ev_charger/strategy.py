"""The EV charger's strategy: the EV emulator, the charger's OCPP link, judging on the measured input.

States (``dut.transition(name)``); each test prepares only what its requirement needs, so a
failed preparation is that requirement's result and never another's:

* ``online``: nominal grid, charger online (the CSMS with its own credentials and certificates).
* ``charging``: ``online``, no charging profile (ClearChargingProfile, when the profile declares
  ``smart_charging``), the EV plugged in and charging at full power.

A test of a function the profile does not declare skips NOT_APPLICABLE (:meth:`EvChargerStrategy.needs`)
before preparing anything; a charger answering a declared function's call with CALLERROR
NotImplemented / NotSupported FAILs the requirement (the link raises DeviceLacksFunction).

The charger's MEASURED input current and power decide (power analyzer on the charger's supply;
test_suites/ev_charger/measurements.py). The suites reach the charger only through its OCPP link
(``dut_link``: the bench is the CSMS, links/ocpp/opener.py), the vehicle only through the
``EvEmulator`` capability of bench role ``ev_emulator`` and the grid through the guarded AC
source; so they mean the same on hardware.

A session of the suites keeps one EV plugged in and asking for charge; every test starts from the
``charging`` state and the ``dut`` fixture leaves the bench that way again (:meth:`EvChargerStrategy.cleanup`),
whatever happened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Sequence

import numpy as np
import pytest

from bench.checks import observed_value
from bench.errors import BenchError, DeviceLacksFunction, LinkError
from links.ocpp import (ChargingProfile, CompositeSchedule, OcppCallError, OcppCallTimeout, ProfileKind,
                        ProfilePurpose, RateUnit, Recurrency, SchedulePeriod)
from test_suites.common import DutStrategy
from test_suites.ev_charger.measurements import Envelope, MeanReading, consumption_w
from test_suites.evidence import applied_limit, key_instant, series_plot, stimulus_series
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S, LINK_POLL_S

# --- the emulated vehicle (a fast, large, three-phase EV that asks for more than any limit) -----
EV_MAX_CURRENT_A = 32.0          # the vehicle's own limit: above every charger's rating here
EV_RESPONSE_DELAY_S = 2.0        # within the 5 s IEC 61851-1 allows the EV [unverified]
EV_BATTERY_WH = 200_000.0        # large enough for the long net-aware observation
EV_START_SOC_PCT = 5.0

# --- bench timing (bench time; virtual in the simulated lab) -----------------------------------
START_TIMEOUT_S = 120.0          # plug-in -> current flowing
REPLUG_AFTER_S = 20.0            # no current by then: plug the EV in again
CHARGING_THRESHOLD_A = 1.0       # per phase: "charging"
ONLINE_TIMEOUT_S = 900.0         # "charging": a charger that is gone this long is a bench ERROR
CONNECTOR_ID = 1

#: What the suites ask the charger to sample (OCPP 1.6 §7.31 / 2.0.1 MeasurandEnumType).
METER_MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
                    "Current.Offered")


def _rounded_period(period: tuple[float, float] | tuple[float, float, int]) -> SchedulePeriod:
    """``(start_s, limit[, number_phases])`` with the limit rounded to the one decimal OCPP carries."""
    return SchedulePeriod(int(period[0]), round(float(period[1]), 1), *period[2:])


class EvChargerStrategy(DutStrategy):
    """The EV-charger suites' view of the bench: EV emulator, OCPP link, catalog values, judging, and
    the DUT's named state."""

    def __init__(self, *, ac_source: Any, ev_emulator: Any, dut_link: Any, clock: Any, dut_profile: Any,
                 catalog: Any, market: str, bench: Any, step: Callable[[str], None]) -> None:
        super().__init__(ac_source=ac_source, clock=clock, dut_profile=dut_profile, catalog=catalog,
                         market=market, bench=bench, step=step)
        self.ev = ev_emulator
        self.link = dut_link
        self.check: Any = None                      # the running test's Checker (fixture ``dut``)
        self.phase_count = dut_profile.phase_count
        self.connector_id = int(dut_profile.declared_value("connector_id", CONNECTOR_ID))
        self.rated_current_a = float(dut_profile.ratings.get(
            "max_current_a", self.p_rated_w / (self.v_nom_v * self.phase_count)))
        acc = bench.config.instruments["power_analyzer"].accuracy
        self.u_current_a = float(acc.get("current_a", 0.0))
        self._next_profile_id = 100
        self._meter_configured = False
        #: the charger's answer that it lacks the meter-values setting: EV-METER-ACCURACY's FAIL
        self.meter_setup_lacks: DeviceLacksFunction | None = None
        self._profiles_sent = False             # a profile may be installed: cleanup clears them

    # --- catalog and declarations ---------------------------------------------------------------
    def needs(self, *functions: str) -> None:
        """Skip the test NOT_APPLICABLE unless the profile declares every one of ``functions``
        (``functions.<name>``, e.g. ``smart_charging``); call it before preparing anything."""
        missing = [f for f in functions if not self.profile.claims(f)]
        if missing:
            pytest.skip(f"NOT_APPLICABLE: the charger does not declare {', '.join(missing)} "
                        f"(functions.{missing[0]})")

    def response_time_s(self, requirement_id: str) -> float:
        """The catalog's response time, or the profile's declared one when that is shorter."""
        catalog_s = float(self.param(requirement_id, "response_time_s"))
        declared = self.profile.declared_value("smart_charging_response_time_s")
        return min(catalog_s, float(declared)) if declared is not None else catalog_s

    def expected_current_a(self, limit_a: float) -> float:
        """What should flow per phase under an A limit: the limit, the rating and the EV's own."""
        return min(limit_a, self.rated_current_a, EV_MAX_CURRENT_A)

    def amps_for_watts(self, watts: float, phases: int | None = None) -> float:
        """A W limit as A per phase (OCPP 1.6 §3.13.4: at 230 V x number of phases)."""
        return watts / (self.v_nom_v * (phases or self.phase_count))

    def watts_for_amps(self, amps: float, phases: int | None = None) -> float:
        return amps * self.v_nom_v * (phases or self.phase_count)

    @property
    def declared_standby_w(self) -> float:
        return float(self.profile.declared_value("standby_power_w", 0.0))

    # --- measurements ---------------------------------------------------------------------------
    def envelope(self, t0_s: float, t1_s: float | None = None) -> Envelope:
        """Per-sample highest and lowest current of the charger's phases and the consumption in [t0, t1]."""
        samples = self.samples_between(t0_s, t1_s)
        if not samples:
            return Envelope(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
        currents = np.array([[s.reading.phases[i].current_a for i in self._analyzer_phases] for s in samples])
        return Envelope(np.array([s.t_s for s in samples]), currents.max(axis=1), currents.min(axis=1),
                        consumption_w(np.array([s.reading.active_power_w for s in samples])))

    def mean_around(self, t_s: float, half_window_s: float = 1.0) -> MeanReading:
        """Mean analyzer values over [t - half_window, t + half_window] (e.g. at a MeterValues time);
        ``current_a`` per phase of the charger (index 0: its L1)."""
        samples = self.samples_between(t_s - half_window_s, t_s + half_window_s)
        if not samples:
            return MeanReading(None, ())
        return MeanReading(float(np.mean([consumption_w(s.reading.active_power_w) for s in samples])),
                           tuple(float(np.mean([s.reading.phases[i].current_a for s in samples]))
                                 for i in self._analyzer_phases))

    @property
    def _analyzer_phases(self) -> tuple[int, ...]:
        """0-based analyzer phases of the charger's phases (its L1.. on the grid phases its profile
        declares: L2 alone for a single-phase charger on L2)."""
        return tuple(p - 1 for p in self.phases)

    def bench_time_of(self, calendar: dt.datetime) -> float:
        """The bench time of a calendar instant (e.g. a MeterValues timestamp)."""
        return self.now_s() - (self.clock.calendar() - calendar).total_seconds()

    # --- the vehicle ----------------------------------------------------------------------------
    def plug_in_ev(self) -> None:
        """A large three-phase EV (or one-phase on a one-phase charger) asking for charge."""
        ev = self.ev
        ev.set_phases(self.phase_count)
        ev.set_max_current_a(EV_MAX_CURRENT_A)
        ev.set_response_delay_s(EV_RESPONSE_DELAY_S)
        ev.set_battery(EV_BATTERY_WH, EV_START_SOC_PCT, True)
        ev.plug_in()
        ev.set_charge_request(True)

    # --- the charger's link ---------------------------------------------------------------------
    def online(self) -> bool:
        """Connected and booted (BootNotification accepted)."""
        try:
            self.link.wait_connected(0.0)
        except OcppCallTimeout:
            return False
        return True

    def wait_online(self, timeout_s: float, *, sample_period_s: float = LINK_POLL_S) -> float | None:
        """Let bench time pass until the charger is connected and booted; the bench time it took,
        or None after ``timeout_s`` (the lab only moves while the clock does)."""
        t0 = self.now_s()
        while True:
            if self.online():
                return self.now_s() - t0
            if self.now_s() - t0 >= timeout_s:
                return None
            self.wait(sample_period_s, sample_period_s=sample_period_s)

    def wait_reconnected(self, since_event: int, timeout_s: float,
                         *, sample_period_s: float = LINK_POLL_S) -> float | None:
        """Let bench time pass until the charger has made a NEW connection (a "connected" event
        after the first ``since_event`` events of ``link.connection_events()``) and is booted; the
        bench time it took, or None after ``timeout_s``. For a Reset, which the charger carries
        out after answering it."""
        t0 = self.now_s()
        while True:
            fresh = self.link.connection_events()[since_event:]
            if any(e.kind == "connected" for e in fresh) and self.online():
                return self.now_s() - t0
            if self.now_s() - t0 >= timeout_s:
                return None
            self.wait(sample_period_s, sample_period_s=sample_period_s)

    def restore_link(self) -> None:
        """The CSMS accepts the charger again with the bench's own credentials and certificates."""
        self.link.refuse_connections(False)
        self.link.set_expected_password(None)
        self.link.use_untrusted_server_certificate(False)
        self.link.trust_client_certificates(True)

    def next_profile_id(self) -> int:
        self._next_profile_id += 1
        return self._next_profile_id

    def configure_meter_values(self) -> str:
        """Ask for the suites' measurands in MeterValues (1.6 MeterValuesSampledData, 2.0.1
        SampledDataCtrlr.TxUpdatedMeasurands); the interval is the link's (``meter_value_interval_s``)."""
        text = ",".join(METER_MEASURANDS)
        try:
            return self.link.configure("measurands", text)
        except OcppCallError as error:
            return f"CALLERROR {error.code}"
        except DeviceLacksFunction as error:    # judged by the meter-values requirement, not the running test
            self.meter_setup_lacks = error
            return f"the charger lacks {error.function}"

    def charging_profile(self, purpose: ProfilePurpose | str,
                         periods: Sequence[tuple[float, float] | tuple[float, float, int]], *,
                         unit: RateUnit | str = "A", stack_level: int = 0, profile_id: int | None = None,
                         kind: ProfileKind | str = ProfileKind.ABSOLUTE, start: dt.datetime | None = None,
                         recurrency: Recurrency | str | None = None, duration_s: int | None = None,
                         transaction_id: str | int | None = None) -> ChargingProfile:
        """A charging profile starting now (Absolute) with ``(start_s, limit[, phases])`` periods;
        limits rounded to the one decimal OCPP carries."""
        rounded = tuple(_rounded_period(p) for p in periods)
        profile_id = profile_id if profile_id is not None else self.next_profile_id()
        start_schedule = (start if start is not None or ProfileKind(kind) is ProfileKind.RELATIVE
                          else self.next_whole_second())
        return ChargingProfile(
            profile_id=profile_id, purpose=ProfilePurpose.parse(purpose), kind=ProfileKind.parse(kind),
            unit=RateUnit.parse(unit), recurrency=None if recurrency is None else Recurrency.parse(recurrency),
            stack_level=stack_level, periods=rounded, start_schedule=start_schedule, duration_s=duration_s,
            transaction_id=None if transaction_id is None else str(transaction_id))

    def next_whole_second(self) -> dt.datetime:
        """The calendar at the next whole second (OCPP date-times on the wire carry seconds)."""
        now = self.clock.calendar()
        return now if now.microsecond == 0 else (now + dt.timedelta(seconds=1)).replace(microsecond=0)

    def install(self, requirement: str, spec: ChargingProfile, connector_id: int | None = None) -> bool:
        """SetChargingProfile; a Rejected (or a CALLERROR) for a valid profile is a FAIL of
        ``requirement`` (observed on the wire). Returns True when accepted.

        A profile starting within the next second (as :meth:`charging_profile` builds them) is
        sent at its start, so the bench time after this call is the instant the new limit is due."""
        if spec.start_schedule is not None:
            ahead_s = (spec.start_schedule - self.clock.calendar()).total_seconds()
            if 0.0 < ahead_s <= 1.0:
                self.wait(ahead_s, sample_period_s=ahead_s)
        purpose = ProfilePurpose.parse(spec.purpose)
        if connector_id is None:
            connector_id = 0 if purpose is ProfilePurpose.STATION_MAX else self.connector_id
        limits = ", ".join(f"{p.start_s} s: {p.limit:g} {spec.unit}" for p in spec.periods)
        self.step(f"SetChargingProfile {self.link.version.purpose_name(purpose)} id {spec.profile_id} "
                  f"stack {spec.stack_level} on connector {connector_id}: {limits}")
        self._profiles_sent = True
        try:
            status = self.link.set_charging_profile(spec, connector_id)
        except OcppCallError as error:
            status = f"CALLERROR {error.code} {error.description}"
        return self.check.require_true(
            requirement, f"SetChargingProfile {self.link.version.purpose_name(purpose)} id {spec.profile_id} "
                         "accepted", status == "Accepted", f"status {status}").value == "PASS"

    def clear_profiles(self) -> None:
        """ClearChargingProfile with no criteria (all of them)."""
        self.step("ClearChargingProfile (all)")
        self.link.clear_charging_profile()
        self._profiles_sent = False

    def transaction_id(self) -> str | int:
        """The charger's running transaction on the connector (for a TxProfile)."""
        getter = getattr(self.link, "active_transaction_id", None)
        if getter is None:
            raise BenchError("the OCPP link cannot tell the running transaction id (active_transaction_id)")
        tx = getter(self.connector_id)
        if tx is None:
            raise BenchError(f"no transaction is running on connector {self.connector_id}")
        return tx

    def composite(self, duration_s: int, unit: str = "A") -> CompositeSchedule:
        self.step(f"GetCompositeSchedule connector {self.connector_id}, {duration_s} s, {unit}")
        return self.link.get_composite_schedule(self.connector_id, duration_s, unit)

    # --- named states ---------------------------------------------------------------------------
    def _preparations(self) -> dict[str, Callable[..., Any]]:
        return {"online": self._online, "charging": self._charging}

    def _online(self) -> None:
        """Nominal grid, the CSMS with its own settings, the charger connected and booted.

        A charger that does not come back online makes the test an ERROR (inconclusive), never a
        FAIL: that is not what the test judges."""
        self.step("prepare: nominal grid, charger online")
        self.energize_nominal()
        self.restore_link()
        if not self.online():
            took = self.wait_online(ONLINE_TIMEOUT_S)
            if took is None:
                raise BenchError(f"the charger did not come back to the CSMS within {ONLINE_TIMEOUT_S:g} s "
                                 "of bench time")

    def _charging(self) -> None:
        """``online``, no charging profile, EV charging at full power.

        ClearChargingProfile only when the profile declares smart charging (a NotImplemented answer
        then FAILs the running requirement, before any EV is plugged in); a charger that does not
        charge makes the test an ERROR (inconclusive), never a FAIL.
        """
        self._online()
        self.step("prepare: no charging profile, EV charging")
        if not self._meter_configured and self.profile.claims("meter_values"):
            self._meter_configured = True
            status = self.configure_meter_values()
            self.step(f"MeterValues measurands {','.join(METER_MEASURANDS)} -> {status}")
        if self.profile.claims("smart_charging"):
            self.clear_profiles()
        self.start_charging()

    def start_charging(self) -> float:
        """EV plugged in and asking for charge until current flows; a charger that waits for a
        fresh plug-in (after a session ended with the EV still connected) gets one. Returns the
        bench time it took (ERROR when the charger does not charge at all)."""
        t0 = self.now_s()
        self.plug_in_ev()
        try:
            self.wait_charging(timeout_s=REPLUG_AFTER_S)
        except BenchError:
            self.step("no current: unplug the EV and plug it in again")
            self.ev.unplug()
            self.wait(2.0, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
            self.plug_in_ev()
            self.wait_charging()
        return self.now_s() - t0

    def wait_charging(self, threshold_a: float = CHARGING_THRESHOLD_A, timeout_s: float = START_TIMEOUT_S) -> float:
        """Wait until every phase carries current; return the bench time it took (ERROR after
        ``timeout_s``)."""
        t0 = self.now_s()
        while self.now_s() - t0 < timeout_s:
            self.wait(2.0, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
            env = self.envelope(self.now_s() - 1e-6)
            if not env.empty and env.min_current_a[-1] >= threshold_a:
                return self.now_s() - t0
        raise BenchError(f"the charger did not start charging the EV within {timeout_s:g} s of bench time "
                         f"(need >= {threshold_a:g} A on every phase)")

    def cleanup(self) -> None:
        """Leave the bench ready for the next test: CSMS accepting, grid nominal, no profiles (when
        the test sent one)."""
        try:
            self.restore_link()
            self.energize_nominal()
            if self._profiles_sent and self.online():
                self.clear_profiles()
        except (LinkError, BenchError, DeviceLacksFunction) as error:   # the next "charging" will retry
            self.step(f"cleanup incomplete: {error}")

    # --- judging --------------------------------------------------------------------------------
    def judge_follow(self, requirement: str, label: str, *, t_change_s: float, t_end_s: float, low: float | None,
                     high: float, response_time_s: float, peak_limit: float | None, unit: str = "A",
                     detail: str = "", stimulus: dict[str, Any] | None = None,
                     instants: Sequence[dict[str, Any]] = ()) -> None:
        """Judge one change of limit from ``t_change_s`` to ``t_end_s`` on the measured values.

        ``unit`` "A": highest and lowest per-phase current; "W": total consumption. Checks: the
        time to settle into the band [low, high] for good (last entry) <= the response time;
        from the response time on, highest <= high and lowest >= low; during the change, the
        peak <= ``peak_limit`` (usually max(previous, new limit) + tolerance: no overshoot).
        ``stimulus``/``instants``: the plot's (default: the band's upper edge from ``t_change_s`` on).
        """
        env = self.envelope(t_change_s, t_end_s)
        if env.empty:
            raise BenchError(f"no analyzer samples between {t_change_s:g} s and {t_end_s:g} s")
        watts = unit == "W"
        hi = env.consumption_w if watts else env.max_current_a
        lo = env.consumption_w if watts else env.min_current_a
        u = self.u_power_w if watts else self.u_current_a
        quantity = "consumption" if watts else "current"
        floor = -np.inf if low is None else low
        band = f"[{'-' if low is None else f'{low:g}'}, {high:g}] {unit}"
        if stimulus is None:
            stimulus = stimulus_series(f"limit + tolerance / {unit}", [t_change_s], [high], staircase=True,
                                       axis=(0, high))
        limits = [applied_limit(f"<= {high:g} {unit}", high)] + (
            [applied_limit(f">= {low:g} {unit}", low)] if low is not None else [])
        plot = series_plot(env.t_s, hi, "consumption / W" if watts else "highest phase current / A",
                           window=[t_change_s, t_change_s + response_time_s], stimulus=stimulus, limits=limits,
                           instants=list(instants) or [key_instant("limit change", t_change_s)],
                           t_zero_s=t_change_s)
        outside = np.nonzero(~((hi <= high) & (lo >= floor)))[0]
        if outside.size and outside[-1] == env.t_s.size - 1:
            self.check.require_true(requirement, f"{label}: reached {band}", False,
                                    f"still outside at the end of the {t_end_s - t_change_s:g} s observation "
                                    f"(last {hi[-1]:.2f} {unit}); {detail}".rstrip("; "), plot=plot,
                                    observed=observed_value(("consumption" if watts else "highest phase current")
                                                            + " at the end of the observation", unit,
                                                            float(hi[-1]), low=low, high=high, uncertainty=u))
        else:
            settle_s = 0.0 if outside.size == 0 else float(env.t_s[outside[-1] + 1] - t_change_s)
            self.check.within(requirement, f"{label}: time to settle in {band}", "time", "s", settle_s,
                              CHARGER_RESPONSE_SAMPLE_S, None, response_time_s, plot=plot, detail=detail)
        steady = env.after(t_change_s + response_time_s)
        if not steady.empty:
            s_hi = steady.consumption_w if watts else steady.max_current_a
            s_lo = steady.consumption_w if watts else steady.min_current_a
            self.check.within(requirement, f"{label}: highest {quantity} from Tr on", quantity, unit,
                              float(s_hi.max()), u, None, high, detail=detail)
            if low is not None:
                self.check.within(requirement, f"{label}: lowest {quantity} from Tr on", quantity, unit,
                                  float(s_lo.min()), u, low, None, detail=detail)
        if peak_limit is not None:
            transition = env.before(t_change_s + response_time_s)
            if not transition.empty:
                t_hi = transition.consumption_w if watts else transition.max_current_a
                self.check.within(requirement, f"{label}: peak {quantity} during the change", quantity, unit,
                                  float(t_hi.max()), u, None, peak_limit,
                                  detail="no overshoot above the previous and the new limit")

    def judge_limit_step(self, requirement: str, label: str, *, t_change_s: float, t_end_s: float, limit: float,
                         tolerance: float, response_time_s: float, previous_limit: float | None,
                         unit: str = "A", schedule: Sequence[tuple[float, float]] = ()) -> None:
        """:meth:`judge_follow` for a limit the charger can reach: band [expected - tol, limit + tol]
        with expected = min(limit, rating, EV demand) (A per phase, or W in total). The plot's
        stimulus is the profile's staircase: ``schedule`` ((bench time, limit) of every period),
        else the previous limit then this one."""
        if unit == "W":
            expected = min(limit, self.watts_for_amps(self.expected_current_a(self.amps_for_watts(limit))))
        else:
            expected = self.expected_current_a(limit)
        steps = list(schedule) or ([(t_change_s - 1e-3, previous_limit)] if previous_limit is not None else []) + [
            (t_change_s, limit)]
        stimulus = stimulus_series(f"charging-profile limit / {unit}", [t for t, _ in steps], [v for _, v in steps],
                                   staircase=True, axis=(0, max(v for _, v in steps)))
        self.judge_follow(requirement, label, t_change_s=t_change_s, t_end_s=t_end_s, low=expected - tolerance,
                          high=limit + tolerance, response_time_s=response_time_s,
                          peak_limit=None if previous_limit is None else max(previous_limit, limit) + tolerance,
                          unit=unit, detail=f"limit {limit:g} {unit}, expected {expected:g} {unit}, "
                                            f"tolerance {tolerance:g} {unit}", stimulus=stimulus,
                          instants=[key_instant("profile limit applied", t_change_s)])

    def judge_at_most(self, requirement: str, label: str, *, t0_s: float, t1_s: float | None, limit: float,
                      unit: str = "A", detail: str = "", stimulus: dict[str, Any] | None = None,
                      instants: Sequence[dict[str, Any]] = ()) -> float:
        """Highest per-phase current (A) or consumption (W) over [t0, t1] <= limit; returns it.
        ``stimulus``/``instants``: the plot's (default: the limit from ``t0_s`` on, ``t0_s``)."""
        env = self.envelope(t0_s, t1_s)
        if env.empty:
            raise BenchError(f"no analyzer samples between {t0_s:g} s and {t1_s} s")
        watts = unit == "W"
        y = env.consumption_w if watts else env.max_current_a
        quantity = "consumption" if watts else "current"
        self.check.within(requirement, label, quantity, unit, float(y.max()),
                          self.u_power_w if watts else self.u_current_a, None, limit,
                          plot=series_plot(env.t_s, y, "consumption / W" if watts else "highest phase current / A",
                                           window=[t0_s, env.t_s[-1]],
                                           stimulus=stimulus or stimulus_series(f"limit / {unit}", [t0_s], [limit],
                                                                                staircase=True, axis=(0, limit)),
                                           limits=[applied_limit(f"<= {limit:g} {unit}", limit)],
                                           instants=list(instants) or [key_instant("judged from", t0_s)]),
                          detail=detail)
        return float(y.max())
