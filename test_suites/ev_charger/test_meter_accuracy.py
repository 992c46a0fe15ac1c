"""Meter accuracy (EV-METER-ACCURACY): what the charger reports in MeterValues agrees with the analyzer.

Method (OCPP 1.6 §3.16 / §7.31, 2.0.1 J01/J02): the suites ask for Power.Active.Import and
Current.Import in MeterValues (EvBench.configure_meter_values; the interval is the link's
``meter_value_interval_s``). At each operating point of ``currents_a`` (a TxDefaultProfile, steady
after ``settle_s``) every sample timestamped inside the ``window_s`` observation is compared with
the analyzer at the sample's time (mean of the analyzer's samples within +- 1 s). Samples of the
connector and of connector/EVSE 0 count (one connector: the station's meter is the connector's;
a 2.0.1 TransactionEvent after the first names no EVSE):

* Power.Active.Import (total): reported - (analyzer consumption - declared standby power);
* Current.Import per phase: reported - analyzer current of that phase.

The largest difference of each measurand is judged against +- the declared accuracy (profile
``meter_accuracy_pct``, else the catalog's ``accuracy_pct``) of the analyzer's value, with the
analyzer's expanded uncertainty. Fewer than ``min_samples`` samples of a measurand is a FAIL (the
charger does not report what it was asked to).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from links.ocpp import ProfilePurpose
from test_suites.ev_charger.conftest import FINE_SAMPLE_S

REQ = "EV-METER-ACCURACY"
UNIT_SCALE = {"W": 1.0, "kW": 1000.0, "A": 1.0}


def _bench_time(ev, timestamp: str) -> float | None:
    try:
        when = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ev.bench_time_of(when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc))


@pytest.mark.requirement(REQ)
def test_reported_meter_values_agree_with_analyzer(ev):
    """Power.Active.Import and Current.Import within the declared accuracy of the analyzer."""
    check = ev.check
    declared = ev.profile.declared_value("meter_accuracy_pct")
    accuracy_pct = float(declared) if declared is not None else float(ev.param(REQ, "accuracy_pct"))
    window_s = float(ev.param(REQ, "window_s"))
    min_samples = int(ev.param(REQ, "min_samples"))
    standby_w = ev.declared_standby_w
    ev.prepare()
    profile_id = ev.next_profile_id()
    for amps in [float(a) for a in ev.param(REQ, "currents_a")]:
        if not ev.install(REQ, ev.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, amps)], profile_id=profile_id)):
            return
        ev.wait(float(ev.param(REQ, "settle_s")), sample_period_s=FINE_SAMPLE_S)
        t0 = ev.now_s()
        ev.wait(window_s + 1.0, sample_period_s=FINE_SAMPLE_S)
        t1 = ev.now_s() - 1.0
        point = f"at {amps:g} A"
        in_window = []
        for sample in ev.link.meter_values():
            t = _bench_time(ev, sample.timestamp)
            if sample.connector_id in (ev.connector_id, 0) and t is not None and t0 <= t <= t1:
                in_window.append((t, sample))
        power = [(t, s) for t, s in in_window if s.measurand == "Power.Active.Import" and not s.phase]
        current = [(t, s) for t, s in in_window if s.measurand == "Current.Import" and s.phase]
        diffs_w, ref_w = [], []
        for t, s in power:
            measured = ev.mean_around(t).consumption_w
            if measured is not None and s.unit in UNIT_SCALE:
                diffs_w.append(s.value * UNIT_SCALE[s.unit] - (measured - standby_w))
                ref_w.append(measured - standby_w)
        diffs_a, ref_a = [], []
        for t, s in current:
            phase = int(str(s.phase)[1]) - 1 if str(s.phase)[:1] == "L" and str(s.phase)[1:2].isdigit() else None
            if phase is None or phase >= ev.phase_count:
                continue
            measured = ev.mean_around(t).phase_current_a(phase)
            if measured is not None:
                diffs_a.append(s.value * UNIT_SCALE.get(s.unit, 1.0) - measured)
                ref_a.append(measured)
        for name, diffs, refs, unit, u, n_needed in (
                ("Power.Active.Import", diffs_w, ref_w, "W", ev.u_power_w, min_samples),
                ("Current.Import", diffs_a, ref_a, "A", ev.u_current_a, min_samples * ev.phase_count)):
            if len(diffs) < n_needed:
                check.require_true(REQ, f"{point}: {name} reported in MeterValues", False,
                                   f"{len(diffs)} value(s) in the {window_s:g} s window, at least {n_needed} "
                                   "expected")
                continue
            worst = int(np.argmax(np.abs(diffs)))
            allowed = accuracy_pct / 100.0 * abs(refs[worst])
            check.within(REQ, f"{point}: {name} reported - analyzer (largest of {len(diffs)})",
                         f"{name.split('.')[0].lower()}_difference", unit, float(diffs[worst]), u, -allowed, allowed,
                         detail=f"declared accuracy {accuracy_pct:g} % of {refs[worst]:.2f} {unit}"
                                + (f"; standby {standby_w:g} W taken off the analyzer" if unit == "W" else ""))
