"""The SunSpec server in front of the real simulated inverter (``build_pv_inverter({}, {})``)."""

from __future__ import annotations

import pytest

from links.sunspec_modbus import SunSpecLink, TripKind, TripStageSetting

pv_inverter = pytest.importorskip("simlab.devices.pv_inverter.device")


def test_real_inverter_identity_defaults_and_writes(lab) -> None:
    inverter = pv_inverter.build_pv_inverter({}, {})
    _, port = lab.serve(inverter)
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        identity = link.read_identity()
        assert identity.serial_number == inverter.nameplate.serial_number
        assert link.read_nameplate().rated_power_w == inverter.nameplate.rated_power_w
        readings = inverter.readings()
        ac = link.read_ac()
        assert ac.voltage_v == pytest.approx(readings.voltage_v, abs=0.05)
        assert ac.active_power_w == pytest.approx(readings.active_power_w, abs=1.0)
        defaults = link.read_settings()
        assert sorted((s.kind.value, s.threshold, s.clearing_time_s) for s in defaults.trip_stages) == \
            sorted((s.kind.value, s.threshold, s.clearing_time_s) for s in inverter.settings.trip_stages)
        assert defaults.volt_watt.points_pct == inverter.settings.volt_watt.points

        link.write_power_limit(40.0)
        assert inverter.settings.power_limit.limit_pct == 40.0 and inverter.settings.power_limit.enabled
        link.write_volt_watt([(105.0, 100.0), (109.0, 0.0)], 4.0)
        assert inverter.settings.volt_watt.points == [(105.0, 100.0), (109.0, 0.0)]
        link.write_trip_stages([TripStageSetting(TripKind.OVER_VOLTAGE, 112.0, 0.5)])
        over = [(s.threshold, s.clearing_time_s) for s in inverter.settings.trip_stages
                if s.kind.value == "over_voltage"]
        assert over == [(112.0, 0.5)]
