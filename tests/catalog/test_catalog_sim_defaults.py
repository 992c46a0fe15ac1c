"""The compliant simulated PV inverter's default settings agree with the NL catalog values
(read-only check of the contract in simlab/devices/pv_inverter/api.py)."""

from __future__ import annotations

import pytest

from bench.catalog import load_catalog
from simlab.devices.pv_inverter.api import PvInverterSettings


@pytest.mark.parametrize("market", ["NL", "DE"])
def test_sim_defaults_match_catalog(market):
    cat = load_catalog()
    s = PvInverterSettings()
    pu = cat.requirement("PV-PU-STEADY")
    assert [list(p) for p in s.volt_watt.points] == pu.param("volt_watt_points_pct", market)
    assert s.volt_watt.response_time_s == cat.requirement("PV-PU-RESPONSE").param("response_time_s", market)
    win = cat.requirement("PV-RECONNECT-WINDOW")
    es = s.enter_service
    assert (es.voltage_low_pct, es.voltage_high_pct) == (win.param("voltage_low_pct_un", market),
                                                         win.param("voltage_high_pct_un", market))
    assert (es.frequency_low_hz, es.frequency_high_hz) == (win.param("frequency_low_hz", market),
                                                           win.param("frequency_high_hz", market))
    assert es.delay_s == cat.requirement("PV-RECONNECT-DELAY").param("observation_time_s", market)
    ramp = cat.requirement("PV-RECONNECT-RAMP").param("ramp_max_pct_pn_per_min", market)
    assert 100.0 / (es.ramp_time_s / 60.0) == pytest.approx(ramp)
    lfsm = cat.requirement("PV-LFSM-O")
    fd = s.frequency_droop
    assert 50.0 + fd.deadband_over_hz == pytest.approx(lfsm.param("f_start_hz", market))
    assert fd.droop_pct == lfsm.param("droop_pct", market)
    lfsm_u = cat.requirement("PV-LFSM-U")
    assert 50.0 - fd.deadband_under_hz == pytest.approx(lfsm_u.param("f_start_hz", market))
    assert fd.droop_under_pct == lfsm_u.param("droop_pct", market)
    umean = cat.requirement("PV-UMEAN-TRIP")
    assert s.ten_minute_mean_trip_pct == umean.param("threshold_pct_un", market)
    assert s.ten_minute_mean_trip_delay_s <= umean.param("max_trip_delay_s", market)
