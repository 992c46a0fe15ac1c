"""Meter accuracy (EV-METER-ACCURACY): what the charger reports in MeterValues agrees with the analyzer.

Method (OCPP 1.6 §3.16 / §7.31, 2.0.1 J01/J02): the suites ask for Power.Active.Import and
Current.Import in MeterValues (EvChargerStrategy.configure_meter_values; the interval is the link's
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
from test_suites.sampling import CHARGER_RESPONSE_SAMPLE_S

REQ = "EV-METER-ACCURACY"
UNIT_SCALE = {"W": 1.0, "kW": 1000.0, "A": 1.0}


def _bench_time(dut, timestamp: str) -> float | None:
    try:
        when = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dut.bench_time_of(when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc))


def _phase_index(phase: object) -> int | None:
    """0 for "L1", 1 for "L2"...; None for anything else (e.g. "L1-N" counts as L1)."""
    text = str(phase)
    return int(text[1]) - 1 if text[:1] == "L" and text[1:2].isdigit() else None


def _differences(dut, t0: float, t1: float, standby_w: float) -> dict[str, tuple[list[float], list[float]]]:
    """Analysis: for each measurand, reported - analyzer and the analyzer's value, for every sample
    of the connector (or connector/EVSE 0) timestamped in [t0, t1]."""
    in_window = []
    for sample in dut.link.meter_values():
        t = _bench_time(dut, sample.timestamp)
        if sample.connector_id in (dut.connector_id, 0) and t is not None and t0 <= t <= t1:
            in_window.append((t, sample))
    diffs_w, ref_w = [], []
    for t, s in in_window:
        if s.measurand != "Power.Active.Import" or s.phase:
            continue
        measured = dut.mean_around(t).consumption_w
        if measured is not None and s.unit in UNIT_SCALE:
            diffs_w.append(s.value * UNIT_SCALE[s.unit] - (measured - standby_w))
            ref_w.append(measured - standby_w)
    diffs_a, ref_a = [], []
    for t, s in in_window:
        if s.measurand != "Current.Import" or not s.phase:
            continue
        phase = _phase_index(s.phase)
        if phase is None or phase >= dut.phase_count:
            continue
        measured_a = dut.mean_around(t).phase_current_a(phase)
        if measured_a is not None:
            diffs_a.append(s.value * UNIT_SCALE.get(s.unit, 1.0) - measured_a)
            ref_a.append(measured_a)
    return {"Power.Active.Import": (diffs_w, ref_w), "Current.Import": (diffs_a, ref_a)}


def _judge_measurand(dut, point: str, name: str, diffs: list[float], refs: list[float], unit: str, u: float,
                     n_needed: int, accuracy_pct: float, window_s: float, standby_w: float) -> None:
    """Enough samples, and the largest difference within +- the declared accuracy of the analyzer."""
    if len(diffs) < n_needed:
        dut.check.require_true(REQ, f"{point}: {name} reported in MeterValues", False,
                               f"{len(diffs)} value(s) in the {window_s:g} s window, at least {n_needed} expected")
        return
    worst = int(np.argmax(np.abs(diffs)))
    allowed = accuracy_pct / 100.0 * abs(refs[worst])
    dut.check.within(REQ, f"{point}: {name} reported - analyzer (largest of {len(diffs)})",
                     f"{name.split('.')[0].lower()}_difference", unit, float(diffs[worst]), u, -allowed, allowed,
                     detail=f"declared accuracy {accuracy_pct:g} % of {refs[worst]:.2f} {unit}"
                            + (f"; standby {standby_w:g} W taken off the analyzer" if unit == "W" else ""))


@pytest.mark.requirement(REQ)
def test_reported_meter_values_agree_with_analyzer(dut):
    """Power.Active.Import and Current.Import within the declared accuracy of the analyzer."""
    accuracy_pct = dut.declared("meter_accuracy_pct", REQ, "accuracy_pct")
    window_s = float(dut.param(REQ, "window_s"))
    min_samples = int(dut.param(REQ, "min_samples"))
    standby_w = dut.declared_standby_w
    dut.needs("meter_values", "smart_charging")
    dut.transition("charging")
    if dut.meter_setup_lacks is not None:      # the charger refused the measurands setting as lacking it
        raise dut.meter_setup_lacks
    profile_id = dut.next_profile_id()
    for amps in [float(a) for a in dut.param(REQ, "currents_a")]:
        # stimulus: the operating point, settled, then the observation window
        if not dut.install(REQ, dut.charging_profile(ProfilePurpose.TX_DEFAULT, [(0, amps)], profile_id=profile_id)):
            return
        dut.wait(float(dut.param(REQ, "settle_s")), sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        t0 = dut.now_s()
        dut.wait(window_s + 1.0, sample_period_s=CHARGER_RESPONSE_SAMPLE_S)
        differences = _differences(dut, t0, dut.now_s() - 1.0, standby_w)
        for name, unit, u, n_needed in (("Power.Active.Import", "W", dut.u_power_w, min_samples),
                                        ("Current.Import", "A", dut.u_current_a, min_samples * dut.phase_count)):
            diffs, refs = differences[name]
            _judge_measurand(dut, f"at {amps:g} A", name, diffs, refs, unit, u, n_needed, accuracy_pct, window_s,
                             standby_w)
