"""Limit enforcement: stepped charging-profile limits, judged on the charger's measured input.

Method (OCPP 1.6 §3.13, 2.0.1 K01): from full-power charging, the bench installs limits one step
at a time and records the analyzer's per-phase current (A limits) or total consumption (W limits).
After each change (SetChargingProfile accepted, or a schedule period boundary) the measured value
must settle within +- tolerance of the expected value (min of the limit, the charger's rating and
the EV's demand) within the response time Tr, stay there, and never rise above max(previous,
new limit) + tolerance during the change (EvBench.judge_follow). Tr is the catalog's (a lab
parameter, OCPP sets none) or the profile's shorter declared ``smart_charging_response_time_s``.

* EV-LIMIT-TXDEFAULT: a TxDefaultProfile in A, replaced (same id and stack level) at each step.
* EV-LIMIT-TX: one TxProfile for the running transaction whose periods step the limit.
* EV-LIMIT-STATIONMAX: a ChargePointMaxProfile (connector 0) stepped below a higher TxDefaultProfile.
* EV-LIMIT-WATT: TxDefaultProfile limits in W (total; 230 V x phases), judged on consumption.
"""

from __future__ import annotations

import pytest

from links.ocpp import ProfilePurpose
from test_suites.ev_charger.conftest import FINE_SAMPLE_S

TX_DEFAULT, TX, STATION_MAX = ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX, ProfilePurpose.STATION_MAX


def _stepped(ev, req: str, purpose: ProfilePurpose, steps: list[float], *, unit: str = "A",
             previous: float | None) -> None:
    """Install ``steps`` one after the other as the same profile (same id and stack level)."""
    tr = ev.response_time_s(req)
    tol_a = float(ev.param(req, "tolerance_a"))
    hold = float(ev.param(req, "hold_s"))
    profile_id = ev.next_profile_id()
    for number, limit in enumerate(steps, start=1):
        spec = ev.charging_profile(purpose, [(0, limit)], unit=unit, profile_id=profile_id)
        if not ev.install(req, spec):
            return
        t0 = ev.now_s()
        ev.wait(tr + hold, sample_period_s=FINE_SAMPLE_S)
        tolerance = ev.watts_for_amps(tol_a) if unit == "W" else tol_a
        ev.judge_limit_step(req, f"step {number}: {limit:g} {unit}", t_change_s=t0, t_end_s=ev.now_s(), limit=limit,
                            tolerance=tolerance, response_time_s=tr, previous_limit=previous, unit=unit)
        previous = limit


@pytest.mark.requirement("EV-LIMIT-TXDEFAULT")
def test_tx_default_profile_steps(ev):
    """Stepped TxDefaultProfile limits in A: the measured current follows each within Tr."""
    req = "EV-LIMIT-TXDEFAULT"
    ev.prepare()
    _stepped(ev, req, TX_DEFAULT, [float(a) for a in ev.param(req, "steps_a")], previous=ev.rated_current_a)


@pytest.mark.requirement("EV-LIMIT-TX")
def test_tx_profile_periods(ev):
    """One TxProfile for the running transaction; its periods step the limit at known instants."""
    req = "EV-LIMIT-TX"
    ev.prepare()
    tr = ev.response_time_s(req)
    tol = float(ev.param(req, "tolerance_a"))
    period_s = int(tr + float(ev.param(req, "hold_s")))
    steps = [float(a) for a in ev.param(req, "steps_a")]
    spec = ev.charging_profile(TX, [(i * period_s, limit) for i, limit in enumerate(steps)],
                      transaction_id=ev.transaction_id(), duration_s=period_s * len(steps) + 600)
    if not ev.install(req, spec):
        return
    t_start = ev.bench_time_of(spec.start_schedule)
    ev.wait(period_s * len(steps), sample_period_s=FINE_SAMPLE_S)
    previous = ev.rated_current_a
    for i, limit in enumerate(steps):
        t0 = t_start + i * period_s
        ev.judge_limit_step(req, f"period {i + 1} ({i * period_s} s): {limit:g} A", t_change_s=t0,
                            t_end_s=t0 + period_s - 1e-6, limit=limit, tolerance=tol, response_time_s=tr,
                            previous_limit=previous)
        previous = limit


@pytest.mark.requirement("EV-LIMIT-STATIONMAX")
def test_station_max_profile_caps(ev):
    """A ChargePointMaxProfile below the TxDefaultProfile decides the current (minimum of purposes)."""
    req = "EV-LIMIT-STATIONMAX"
    ev.prepare()
    tr = ev.response_time_s(req)
    default_a = float(ev.param(req, "default_limit_a"))
    if not ev.install(req, ev.charging_profile(TX_DEFAULT, [(0, default_a)])):
        return
    t0 = ev.now_s()
    ev.wait(tr, sample_period_s=FINE_SAMPLE_S)
    ev.judge_limit_step(req, f"TxDefaultProfile {default_a:g} A (before the station maximum)", t_change_s=t0,
                        t_end_s=ev.now_s(), limit=default_a, tolerance=float(ev.param(req, "tolerance_a")),
                        response_time_s=tr, previous_limit=ev.rated_current_a)
    _stepped(ev, req, STATION_MAX, [float(a) for a in ev.param(req, "steps_a")], previous=default_a)


@pytest.mark.requirement("EV-LIMIT-WATT")
def test_watt_limits(ev):
    """Stepped TxDefaultProfile limits in W: the measured consumption follows each within Tr."""
    req = "EV-LIMIT-WATT"
    ev.prepare()
    _stepped(ev, req, TX_DEFAULT, [float(w) for w in ev.param(req, "steps_w")], unit="W",
             previous=ev.watts_for_amps(ev.rated_current_a))
