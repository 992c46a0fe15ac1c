"""Limit enforcement: stepped charging-profile limits, judged on the charger's measured input.

Method (OCPP 1.6 §3.13, 2.0.1 K01): from full-power charging, the bench installs limits one step
at a time and records the analyzer's per-phase current (A limits) or total consumption (W limits).
After each change (SetChargingProfile accepted, or a schedule period boundary) the measured value
must settle within +- tolerance of the expected value (min of the limit, the charger's rating and
the EV's demand) within the response time Tr, stay there, and never rise above max(previous,
new limit) + tolerance during the change (EvChargerStrategy.judge_follow). Tr is the catalog's (a lab
parameter, OCPP sets none) or the profile's shorter declared ``smart_charging_response_time_s``.

* EV-LIMIT-TXDEFAULT: a TxDefaultProfile in A, replaced (same id and stack level) at each step.
* EV-LIMIT-TX: one TxProfile for the running transaction whose periods step the limit.
* EV-LIMIT-STATIONMAX: a ChargePointMaxProfile (connector 0) stepped below a higher TxDefaultProfile.
* EV-LIMIT-WATT: TxDefaultProfile limits in W (total; 230 V x phases), judged on consumption.
"""

from __future__ import annotations

import pytest

from links.ocpp import ProfilePurpose
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

TX_DEFAULT, TX, STATION_MAX = ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX, ProfilePurpose.STATION_MAX


def _stepped(dut, req: str, purpose: ProfilePurpose, steps: list[float], *, unit: str = "A",
             previous: float | None) -> None:
    """Install ``steps`` one after the other as the same profile (same id and stack level)."""
    tr = dut.response_time_s(req)
    tol_a = float(dut.param(req, "tolerance_a"))
    hold = float(dut.param(req, "hold_s"))
    profile_id = dut.next_profile_id()
    for number, limit in enumerate(steps, start=1):
        spec = dut.charging_profile(purpose, [(0, limit)], unit=unit, profile_id=profile_id)
        if not dut.install(req, spec):
            return
        t0 = dut.now_s()
        dut.wait(tr + hold, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        tolerance = dut.watts_for_amps(tol_a) if unit == "W" else tol_a
        dut.judge_limit_step(req, f"step {number}: {limit:g} {unit}", t_change_s=t0, t_end_s=dut.now_s(), limit=limit,
                             tolerance=tolerance, response_time_s=tr, previous_limit=previous, unit=unit)
        previous = limit


@pytest.mark.requirement("EV-LIMIT-TXDEFAULT")
def test_tx_default_profile_steps(dut):
    """Stepped TxDefaultProfile limits in A: the measured current follows each within Tr."""
    req = "EV-LIMIT-TXDEFAULT"
    dut.needs("smart_charging")
    dut.transition("charging")
    _stepped(dut, req, TX_DEFAULT, [float(a) for a in dut.param(req, "steps_a")], previous=dut.rated_current_a)


@pytest.mark.requirement("EV-LIMIT-TX")
def test_tx_profile_periods(dut):
    """One TxProfile for the running transaction; its periods step the limit at known instants."""
    req = "EV-LIMIT-TX"
    dut.needs("smart_charging")
    dut.transition("charging")
    tr = dut.response_time_s(req)
    tol = float(dut.param(req, "tolerance_a"))
    period_s = int(tr + float(dut.param(req, "hold_s")))
    steps = [float(a) for a in dut.param(req, "steps_a")]
    spec = dut.charging_profile(TX, [(i * period_s, limit) for i, limit in enumerate(steps)],
                      transaction_id=dut.transaction_id(), duration_s=period_s * len(steps) + 600)
    if not dut.install(req, spec):
        return
    t_start = dut.bench_time_of(spec.start_schedule)
    dut.wait(period_s * len(steps), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    previous = dut.rated_current_a
    for i, limit in enumerate(steps):
        t0 = t_start + i * period_s
        dut.judge_limit_step(req, f"period {i + 1} ({i * period_s} s): {limit:g} A", t_change_s=t0,
                             t_end_s=t0 + period_s - 1e-6, limit=limit, tolerance=tol, response_time_s=tr,
                             previous_limit=previous,
                             schedule=[(t_start + j * period_s, a) for j, a in enumerate(steps)])
        previous = limit


@pytest.mark.requirement("EV-LIMIT-STATIONMAX")
def test_station_max_profile_caps(dut):
    """A ChargePointMaxProfile below the TxDefaultProfile decides the current (minimum of purposes)."""
    req = "EV-LIMIT-STATIONMAX"
    dut.needs("smart_charging")
    dut.transition("charging")
    tr = dut.response_time_s(req)
    default_a = float(dut.param(req, "default_limit_a"))
    if not dut.install(req, dut.charging_profile(TX_DEFAULT, [(0, default_a)])):
        return
    t0 = dut.now_s()
    dut.wait(tr, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
    dut.judge_limit_step(req, f"TxDefaultProfile {default_a:g} A (before the station maximum)", t_change_s=t0,
                         t_end_s=dut.now_s(), limit=default_a, tolerance=float(dut.param(req, "tolerance_a")),
                         response_time_s=tr, previous_limit=dut.rated_current_a)
    _stepped(dut, req, STATION_MAX, [float(a) for a in dut.param(req, "steps_a")], previous=default_a)


@pytest.mark.requirement("EV-LIMIT-WATT")
def test_watt_limits(dut):
    """Stepped TxDefaultProfile limits in W: the measured consumption follows each within Tr."""
    req = "EV-LIMIT-WATT"
    dut.needs("smart_charging")
    dut.transition("charging")
    _stepped(dut, req, TX_DEFAULT, [float(w) for w in dut.param(req, "steps_w")], unit="W",
             previous=dut.watts_for_amps(dut.rated_current_a))
