"""SunSpecLink (bench side) against the simulated lab's SunSpec server, over loopback TCP."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.errors import ConfigError, LinkError, ModelNotFoundError
from simlab.devices.pv_inverter.api import OperatingState
from links.sunspec_modbus import CurveAdoptionFailed, ModbusExceptionReply, SunSpecLink, TripKind, TripStageSetting
from simlab.devices.pv_inverter.knobs import PvInverterKnobs

from .helpers import StubInverter


@pytest.mark.parametrize("base", [40000, 0, 50000])
def test_discovery_at_each_base_address(lab, base: int, tracer, trace_log) -> None:
    inverter = StubInverter()
    _, port = lab.serve(inverter, base_address=base)
    with SunSpecLink("127.0.0.1", port, trace=tracer) as link:
        assert link.discover() == base
        assert link.base_address == base
        assert link.model_ids == [1, 701, 702, 703, 704, 705, 706, 707, 708, 709, 710, 711, 712]
    assert any(f"discovered SunSpec map at base {base}" in text for _, text in trace_log)


def test_identity_nameplate_and_ac_measurements(served) -> None:
    inverter, port, _ = served
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        identity = link.read_identity()
        np = inverter.nameplate
        assert (identity.manufacturer, identity.model, identity.serial_number, identity.firmware_version) == \
            (np.manufacturer, np.model, np.serial_number, np.firmware_version)
        plate = link.read_nameplate()
        assert plate.rated_power_w == np.rated_power_w
        assert plate.rated_apparent_power_va == np.rated_apparent_power_va
        assert plate.nominal_voltage_v == np.nominal_voltage_v
        ac = link.read_ac()
        r = inverter.current
        assert ac.voltage_v == pytest.approx(r.voltage_v, abs=0.05)
        assert ac.current_a == pytest.approx(r.current_a, abs=0.005)
        assert ac.active_power_w == pytest.approx(r.active_power_w, abs=0.5)
        assert ac.reactive_power_var == pytest.approx(r.reactive_power_var, abs=0.5)
        assert ac.apparent_power_va == pytest.approx(r.apparent_power_va, abs=0.5)
        assert ac.frequency_hz == pytest.approx(r.frequency_hz, abs=0.0005)
        assert ac.inverter_state == "RUNNING" and ac.connected
        # every read refreshes 701 from the inverter
        inverter.current = replace(r, active_power_w=0.0, state=OperatingState.TRIPPED,
                                   last_trip="over_voltage 115.0% 0.20 s")
        ac = link.read_ac()
        assert ac.active_power_w == 0.0 and ac.inverter_state == "FAULT" and not ac.connected
        assert ac.alarm_info == "over_voltage 115.0% 0.20 s"


def test_read_back_shows_device_defaults(served) -> None:
    inverter, port, _ = served
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        s = link.read_settings()
    d = inverter.settings
    assert s.power_limit_enabled is d.power_limit.enabled and s.power_limit_pct == d.power_limit.limit_pct
    assert s.volt_watt.points_pct == d.volt_watt.points
    assert s.volt_watt.response_time_s == d.volt_watt.response_time_s
    assert s.frequency_droop.deadband_hz == d.frequency_droop.deadband_over_hz
    assert s.frequency_droop.droop_pct == d.frequency_droop.droop_pct
    assert s.enter_service.voltage_high_pct == d.enter_service.voltage_high_pct
    assert s.enter_service.ramp_time_s == d.enter_service.ramp_time_s
    assert sorted((t.kind.value, t.threshold, t.clearing_time_s) for t in s.trip_stages) == \
        sorted((t.kind.value, t.threshold, t.clearing_time_s) for t in d.trip_stages)


def test_power_limit_reaches_settings_and_is_traced(served, tracer, trace_log) -> None:
    inverter, port, _ = served
    with SunSpecLink("127.0.0.1", port, trace=tracer) as link:
        link.discover()
        link.write_power_limit(50.0)
        assert inverter.settings.power_limit.enabled and inverter.settings.power_limit.limit_pct == 50.0
        assert inverter.changes == 1
        link.write_power_limit(None)
        assert not inverter.settings.power_limit.enabled
        with pytest.raises(ConfigError):
            link.write_power_limit(120.0)
    writes = [text for direction, text in trace_log if direction == "out"]
    assert any(t.startswith("write 704 WMaxLimPctEna=1, WMaxLimPct=50.0 (addr ") and t.endswith("[1, 500])")
               for t in writes), writes
    assert any(direction == "in" and text.startswith("read 704 (addr ") for direction, text in trace_log)


def test_volt_watt_curve_written_and_adopted(served, trace_log, tracer) -> None:
    inverter, port, _ = served
    with SunSpecLink("127.0.0.1", port, trace=tracer) as link:
        link.discover()
        link.write_volt_watt([(105.0, 100.0), (108.0, 50.0), (111.5, 0.0)], response_time_s=5.0)
        vw = inverter.settings.volt_watt
        assert vw.points == [(105.0, 100.0), (108.0, 50.0), (111.5, 0.0)]
        assert vw.response_time_s == 5.0 and vw.enabled
        assert link.read_settings().volt_watt.points_pct == vw.points
        link.write_volt_watt([(104.0, 100.0), (110.0, 10.0)], 3.0, enabled=False)
        assert not inverter.settings.volt_watt.enabled
        assert inverter.settings.volt_watt.points == [(104.0, 100.0), (110.0, 10.0)]
        with pytest.raises(CurveAdoptionFailed, match="AdptCrvRslt=FAILED"):   # voltages not increasing
            link.write_volt_watt([(110.0, 100.0), (104.0, 10.0)], 3.0)
        assert inverter.settings.volt_watt.points == [(104.0, 100.0), (110.0, 10.0)]
    assert any("write 706 AdptCrvReq=2" in text for _, text in trace_log)


def test_resolution_is_one_count_of_the_declared_scale_factor(served) -> None:
    _, port, _ = served
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        assert link.resolution(706, "RspTms") == pytest.approx(0.1)       # 706.RspTms_SF = -1
        assert link.resolution(704, "WMaxLimPct") == pytest.approx(0.1)
        assert link.resolution(711, "KOf") == pytest.approx(0.001)
        assert link.resolution(703, "ESDlyTms") == 1.0                     # unscaled
        assert link.resolution(706, "NoSuchPoint") is None and link.resolution(1234, "V") is None


def test_conformance_knobs(lab) -> None:
    """readback_scale_factor_wrong: 706 RspTms reads a tenth of the value the device acts on;
    accepts_unordered_curve: a curve with decreasing voltages is adopted."""
    wrong_sf = StubInverter(knobs=PvInverterKnobs(readback_scale_factor_wrong=True))
    unordered = StubInverter(knobs=PvInverterKnobs(accepts_unordered_curve=True))
    for inverter in (wrong_sf, unordered):
        _, port = lab.serve(inverter)
        with SunSpecLink("127.0.0.1", port) as link:
            link.discover()
            if inverter is wrong_sf:
                link.write_volt_watt([(105.0, 100.0), (110.0, 0.0)], response_time_s=5.0)
                assert inverter.settings.volt_watt.response_time_s == 5.0
                assert link.read_settings().volt_watt.response_time_s == pytest.approx(0.5)
            else:
                link.write_volt_watt([(110.0, 100.0), (104.0, 10.0)], 3.0)
                assert inverter.settings.volt_watt.points == [(110.0, 100.0), (104.0, 10.0)]


def test_droop_enter_service_and_trip_stages(served) -> None:
    inverter, port, _ = served
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        link.write_frequency_droop(deadband_hz=0.1, droop_pct=4.0, response_time_s=1.5)
        fd = inverter.settings.frequency_droop
        assert (fd.deadband_over_hz, fd.droop_pct, fd.response_time_s, fd.enabled) == (0.1, 4.0, 1.5, True)
        link.write_enter_service(enabled=True, voltage_high_pct=109.0, voltage_low_pct=90.0,
                                 frequency_high_hz=50.2, frequency_low_hz=49.5, delay_s=30, ramp_time_s=300)
        es = inverter.settings.enter_service
        assert (es.voltage_high_pct, es.voltage_low_pct, es.frequency_high_hz, es.frequency_low_hz,
                es.delay_s, es.ramp_time_s) == (109.0, 90.0, 50.2, 49.5, 30.0, 300.0)
        link.write_trip_stages([TripStageSetting(TripKind.OVER_VOLTAGE, 110.0, 3.0),
                                TripStageSetting(TripKind.OVER_VOLTAGE, 115.0, 0.2),
                                TripStageSetting(TripKind.OVER_FREQUENCY, 52.0, 0.5)])
        stages = {(s.kind, s.threshold, s.clearing_time_s) for s in inverter.settings.trip_stages}
        assert stages == {(TripKind.OVER_VOLTAGE, 110.0, 3.0), (TripKind.OVER_VOLTAGE, 115.0, 0.2),
                          (TripKind.OVER_FREQUENCY, 52.0, 0.5), (TripKind.UNDER_VOLTAGE, 70.0, 2.0),
                          (TripKind.UNDER_FREQUENCY, 47.5, 0.1)}
        read = {(s.kind.value, s.threshold, s.clearing_time_s) for s in link.read_settings().trip_stages}
        assert read == {(k.value, t, c) for k, t, c in stages}
        assert all(isinstance(s, TripStageSetting) for s in inverter.settings.trip_stages)


def test_read_only_and_out_of_range_writes_are_refused(served, tracer, trace_log) -> None:
    inverter, port, _ = served
    with SunSpecLink("127.0.0.1", port, trace=tracer) as link:
        link.discover()
        with pytest.raises(ModbusExceptionReply) as refused:
            link.write_point(701, "W", 5)
        assert refused.value.exception_code == 2
        message = str(refused.value)
        address = link._model(701).model_addr + link._model(701).W.offset
        assert (f"127.0.0.1:{port} unit 1: DUT refused write single register (function code 0x06) at holding "
                f"{address}: Modbus exception code 02 (ILLEGAL DATA ADDRESS)") in message
        with pytest.raises(LinkError, match=r"exception code 03 \(ILLEGAL DATA VALUE\)"):
            link.write_point(704, "WMaxLimPct", 150.0)
        assert inverter.changes == 0
        assert link.read_ac().active_power_w == pytest.approx(inverter.current.active_power_w)  # still usable
    assert any(text.endswith("-> exception 02 (illegal data address)") for _, text in trace_log)


def test_missing_model_raises_model_not_found(lab) -> None:
    _, port = lab.serve(StubInverter(), omit_models=(706, 711))
    with SunSpecLink("127.0.0.1", port) as link:
        link.discover()
        assert 706 not in link.model_ids
        with pytest.raises(ModelNotFoundError, match=r"model 706 not found.*\[1, 701, 702"):
            link.write_volt_watt([(105.0, 100.0), (110.0, 0.0)], 5.0)
        settings = link.read_settings()
        assert settings.volt_watt is None and settings.frequency_droop is None
        link.write_power_limit(30.0)             # other models still work


def test_server_stopped_gives_link_error(lab) -> None:
    handle, port = lab.serve(StubInverter())
    link = SunSpecLink("127.0.0.1", port, timeout_s=0.5)
    link.connect()
    link.discover()
    lab.stop(handle)
    with pytest.raises(LinkError):
        link.read_ac()
    with pytest.raises(LinkError, match="Connection refused|connect"):
        link.read_ac()             # reconnect attempt is refused
    link.close()
    with pytest.raises(LinkError):
        SunSpecLink("127.0.0.1", port, timeout_s=0.5).connect()
