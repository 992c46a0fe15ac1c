"""The simulated OCPP charger (simlab/devices/ev_charger) against the bench's own CSMS (links.ocpp).

The CSMS runs on its own thread (as in a campaign); the charger runs in an asyncio loop thread and
is advanced in virtual time with the lab's own ``Lab.advance`` (physics chunks, ``next_event_s``,
``on_time``). Both OCPP 1.6J and 2.0.1: the tests run over the version objects and let them build the
CSMS's requests; what only one version has is in the per-version tables below.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from links.ocpp import (OCPP16J, OCPP201, VERSIONS, ChargingProfile, ConnectorState, OcppCallError, OcppVersion)

from ev_charger_rig import (CHARGER_ID, REPLY_S, STEP_S, calendar, iso, Rig, rig_factory)


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Any]:
    yield from rig_factory(tmp_path)


def tx_default_profile(version: OcppVersion, limit_a: float, *, profile_id: int = 7) -> Any:
    return profile_request(version, 0, profile_id, "tx_default", 1, "A", [(0, limit_a)])


def profile_request(version: OcppVersion, connector_id: int, profile_id: int, purpose: str, stack_level: int,
                    unit: str, periods: list[tuple[Any, ...]], *, kind: str = "Absolute",
                    start: dt.datetime | None = None, recurrency: str | None = None,
                    transaction_id: Any = None) -> Any:
    """A SetChargingProfile of the version (the version object names the purpose and builds the payload)."""
    profile = ChargingProfile(profile_id=profile_id, purpose=purpose, stack_level=stack_level, unit=unit,
                              periods=periods, kind=kind, recurrency=recurrency, transaction_id=transaction_id,
                              start_schedule=None if kind == "Relative" else start or calendar(0))
    return version.set_charging_profile_request(profile, connector_id)


def composite_request(version: OcppVersion, duration_s: int) -> Any:
    return version.composite_schedule_request(1, duration_s, "A")


def composite_periods(version: OcppVersion, reply: Any) -> list[tuple[int, float | None]]:
    return [(p.start_s, p.limit) for p in version.composite_from_reply(reply).periods]


def composite_limits(version: OcppVersion, reply: Any) -> list[float | None]:
    return [limit for _, limit in composite_periods(version, reply)]


def started_transactions(rig: Rig) -> list[dict[str, Any]]:
    """Payloads of the charger's transaction starts (1.6 StartTransaction, 2.0.1 TransactionEvent Started)."""
    return [p for p in rig.actions_in(rig.version.transaction_start_action)
            if p.get("eventType", "Started") == "Started"]


# ---- what only one version has: the CSMS's requests and what the charger then sent --------------------
UNLOCK: dict[OcppVersion, Any] = {OCPP16J: lambda: OCPP16J.call.UnlockConnector(connector_id=1),
                                  OCPP201: lambda: OCPP201.call.UnlockConnector(evse_id=1, connector_id=1)}
REMOTE_START: dict[OcppVersion, Any] = {
    OCPP16J: lambda: OCPP16J.call.RemoteStartTransaction(id_tag="BENCH-TAG", connector_id=1),
    OCPP201: lambda: OCPP201.call.RequestStartTransaction(id_token={"id_token": "BENCH-TAG", "type": "Central"},
                                                          remote_start_id=42, evse_id=1)}
REMOTE_STOP: dict[OcppVersion, Any] = {
    OCPP16J: lambda tx_id: OCPP16J.call.RemoteStopTransaction(transaction_id=int(tx_id)),
    OCPP201: lambda tx_id: OCPP201.call.RequestStopTransaction(transaction_id=tx_id)}
INOPERATIVE: dict[OcppVersion, Any] = {
    OCPP16J: lambda: OCPP16J.call.ChangeAvailability(connector_id=0, type="Inoperative"),
    OCPP201: lambda: OCPP201.call.ChangeAvailability(operational_status="Inoperative")}


def _remote_start_and_stop_were_reported_16(rig: Rig) -> None:
    assert rig.actions_in("StartTransaction")[0]["idTag"] == "BENCH-TAG"
    assert rig.actions_in("StopTransaction")[0]["reason"] == "Remote"
    assert rig.csms.connector_status(CHARGER_ID).get(1) == "Finishing"


def _remote_start_and_stop_were_reported_201(rig: Rig) -> None:
    events = rig.actions_in("TransactionEvent")
    assert events[0]["triggerReason"] == "RemoteStart" and events[0]["transactionInfo"]["remoteStartId"] == 42
    assert events[-1]["eventType"] == "Ended" and events[-1]["transactionInfo"]["stoppedReason"] == "Remote"


REMOTE_EVIDENCE: dict[OcppVersion, Any] = {OCPP16J: _remote_start_and_stop_were_reported_16,
                                           OCPP201: _remote_start_and_stop_were_reported_201}


def _queued_sample_16(rig: Rig) -> None:
    """The sample taken offline at 10 s came as a MeterValues of the running transaction."""
    queued = [p for p in rig.actions_in("MeterValues") if p["meterValue"][0]["timestamp"] == iso(10.0)]
    assert queued and queued[0].get("transactionId") is not None


def _queued_sample_201(rig: Rig) -> None:
    """... as a TransactionEvent Updated flagged ``offline`` (E04)."""
    updated = [p for p in rig.actions_in("TransactionEvent") if p["eventType"] == "Updated"
               and p["timestamp"] == iso(10.0)]
    assert updated and updated[0]["offline"] is True


QUEUED_SAMPLE: dict[OcppVersion, Any] = {OCPP16J: _queued_sample_16, OCPP201: _queued_sample_201}


def _meter_interval_via_configuration_keys(rig: Rig) -> None:
    call = OCPP16J.call
    assert rig.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="5")).status == "Accepted"
    got = rig.call(call.GetConfiguration(key=["MeterValueSampleInterval", "Nope"]))
    assert got.configuration_key[0]["value"] == "5"
    assert got.unknown_key == ["Nope"]
    assert rig.call(call.ChangeConfiguration(key="NumberOfConnectors", value="2")).status == "Rejected"
    assert rig.call(call.ChangeConfiguration(key="Nope", value="1")).status == "NotSupported"
    assert rig.call(call.ChangeConfiguration(key="MeterValuesSampledData",
                                             value="Power.Active.Import,Bogus")).status == "Rejected"


def _meter_interval_via_device_model(rig: Rig) -> None:
    call = OCPP201.call
    data = [{"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
             "attribute_value": "5"},
            {"component": {"name": "SmartChargingCtrlr"}, "variable": {"name": "ProfileStackLevel"},
             "attribute_value": "99"},
            {"component": {"name": "NoSuchCtrlr"}, "variable": {"name": "X"}, "attribute_value": "1"}]
    results = rig.call(call.SetVariables(set_variable_data=data)).set_variable_result
    assert [r["attribute_status"] for r in results] == ["Accepted", "Rejected", "UnknownComponent"]
    got = rig.call(call.GetVariables(get_variable_data=[
        {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}}]))
    assert got.get_variable_result[0]["attribute_value"] == "5"


#: 1.6 configuration keys (ChangeConfiguration / GetConfiguration), 2.0.1 device model (Set/GetVariables)
SET_METER_INTERVAL_5_S: dict[OcppVersion, Any] = {OCPP16J: _meter_interval_via_configuration_keys,
                                                  OCPP201: _meter_interval_via_device_model}


# ---- tests ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_boot_status_and_heartbeat_at_the_csms_interval_in_bench_time(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, heartbeat_interval_s=60)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    boot = rig.csms.boot_info(CHARGER_ID)
    assert boot is not None
    assert (boot.get("vendor") or boot.get("vendor_name")) == "Flexbench"
    assert rig.csms.connector_status(CHARGER_ID).get(1) == "Available"
    wall0 = time.monotonic()
    rig.advance(125.0)                     # two heartbeat intervals of bench time, in well under a second
    assert len(rig.actions_in("Heartbeat")) == 2
    assert rig.charger.sent_actions.count((60.0, "Heartbeat")) == 1
    assert time.monotonic() - wall0 < 10.0


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_ev_in_state_c_starts_a_transaction_and_meter_values_follow_the_bench_interval(
        make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.advance(2.0)
    rig.plug_in()
    rig.advance(35.0)
    started = started_transactions(rig)
    assert len(started) == 1
    assert started[0]["timestamp"] == iso(2.0 + STEP_S)
    power = rig.csms.meter_values(CHARGER_ID, measurand="Power.Active.Import")
    stamps = [s.timestamp for s in power]
    assert stamps == [iso(10.0), iso(20.0), iso(30.0)]
    assert power[-1].value == pytest.approx(3 * 230.0 * 32.0, rel=0.01)
    currents = [s for s in rig.csms.meter_values(CHARGER_ID, measurand="Current.Import") if s.timestamp == iso(30.0)]
    assert sorted(s.phase for s in currents) == ["L1", "L2", "L3"]


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_charging_profile_is_applied_reported_in_the_composite_and_kept_over_reset(
        make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    rig.advance(10.0)
    assert rig.charger.electrical.offered_current_a == pytest.approx(32.0, abs=0.1)
    assert rig.call(tx_default_profile(version, 10.0)).status == "Accepted"
    rig.advance(20.0)
    assert rig.charger.electrical.offered_current_a == pytest.approx(10.0, abs=0.1)
    assert max(rig.port.ev_current_a) == pytest.approx(10.0, abs=0.1)
    assert composite_limits(version, rig.call(composite_request(version, 600))) == [10.0]
    assert rig.call(version.reset_request(version.immediate_reset)).status == "Accepted"
    rig.advance(23.0)                                   # rebooting (20-25 s): no offer, not connected
    assert not rig.charger.online
    assert rig.charger.electrical.offered_current_a == 0.0
    rig.advance(40.0)                                   # reboot_delay_s = 5: back, booted, charging again
    assert rig.charger.boot_count == 2
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    assert composite_limits(version, rig.call(composite_request(version, 600))) == [10.0]
    assert rig.charger.electrical.offered_current_a == pytest.approx(10.0, abs=0.1)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_unknown_action_gets_a_callerror_and_the_connection_stays(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    with pytest.raises(OcppCallError) as refused:
        rig.call(UNLOCK[version]())
    assert refused.value.code == "NotImplemented"
    reply = rig.csms.send_raw(CHARGER_ID, '[2,"x-1","NoSuchAction",{}]')
    assert reply.kind == "error"
    assert reply.error_code == "NotSupported"
    assert rig.csms.is_connected(CHARGER_ID)
    assert rig.call(composite_request(version, 60)).status == "Accepted"


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_knob_closes_socket_on_unknown_message(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, knobs={"closes_socket_on_unknown_message": True})
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    reply = rig.csms.send_raw(CHARGER_ID, '[2,"x-1","NoSuchAction",{}]')
    assert reply.kind == "closed"
    assert not rig.charger.online


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_security_profile_2_boots_with_the_right_ca_and_refuses_a_server_from_another_ca(
        make_rig, version: OcppVersion) -> None:
    good = make_rig(version, security_profile=2)
    good.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    assert good.charger.online
    bad = make_rig(version, security_profile=2, trust_other_ca=True)
    assert not bad.charger.online
    assert "CERTIFICATE_VERIFY_FAILED" in (bad.charger.last_connect_error or "")
    assert bad.csms.connected_chargers() == []
    bad.advance(15.0)                                   # the retry in bench time is refused again
    assert bad.charger.connect_attempts == 2
    assert not bad.charger.online


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_security_profile_3_mutual_tls(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, security_profile=3)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    assert rig.charger.online


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_offline_queues_transaction_messages_and_reconnects_in_bench_time(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    rig.advance(5.0)
    rig.drop_connection()
    rig.advance(6.0)
    assert not rig.charger.online
    assert rig.charger.offline_since_s == pytest.approx(5.0)
    rig.advance(25.0)                                   # samples at 10 and 20 s are queued; retries refused
    assert rig.charger.connect_attempts >= 2
    rig.csms.refuse_connections(CHARGER_ID, False)
    rig.advance(80.0)
    assert rig.charger.online
    stamps = [s.timestamp for s in rig.csms.meter_values(CHARGER_ID, measurand="Power.Active.Import")]
    assert iso(10.0) in stamps and iso(20.0) in stamps
    QUEUED_SAMPLE[version](rig)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_configuration_changes_the_meter_interval(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    SET_METER_INTERVAL_5_S[version](rig)
    rig.advance(16.0)
    stamps = [s.timestamp for s in rig.csms.meter_values(CHARGER_ID, measurand="Current.Offered")]
    assert stamps == [iso(5.0), iso(10.0), iso(15.0)]


def offered_a(rig: Rig) -> float:
    return rig.in_loop(lambda: rig.charger.electrical.offered_current_a)


def running_transaction_id(rig: Rig) -> str | None:
    """The id the CSMS knows the running transaction by (1.6: CSMS-made; 2.0.1: charger-made)."""
    return rig.csms.active_transaction_id(CHARGER_ID, 1)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_purposes_stack_levels_and_w_units_combine_into_the_applied_limit(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    rig.advance(5.0)
    # station maximum 6900 W over 3 phases = 10 A; TxDefault 16 A (stack 1) overruled by 8 A (stack 2)
    assert rig.call(profile_request(version, 0, 1, "ChargePointMaxProfile", 0, "W",
                                    [(0, 6900.0)])).status == "Accepted"
    assert rig.call(profile_request(version, 0, 2, "TxDefaultProfile", 1, "A",
                                    [(0, 16.0)])).status == "Accepted"
    assert rig.call(profile_request(version, 0, 3, "TxDefaultProfile", 2, "A",
                                    [(0, 8.0)])).status == "Accepted"
    rig.advance(10.0)
    assert offered_a(rig) == pytest.approx(8.0, abs=0.1)
    # a TxProfile (20 A) replaces the TxDefaultProfiles for this transaction; the station max caps it
    assert rig.call(profile_request(version, 1, 4, "TxProfile", 0, "A", [(0, 20.0)],
                                    kind="Relative", transaction_id=running_transaction_id(rig))).status == "Accepted"
    rig.advance(15.0)
    assert offered_a(rig) == pytest.approx(10.0, abs=0.1)
    assert composite_limits(version, rig.call(composite_request(version, 300))) == [10.0]
    # a TxProfile on connector 0, and a station maximum on connector 1, are refused
    assert rig.call(profile_request(version, 0, 5, "TxProfile", 0, "A", [(0, 6.0)],
                                    kind="Relative", transaction_id=running_transaction_id(rig))).status == "Rejected"
    assert rig.call(profile_request(version, 1, 6, "ChargePointMaxProfile", 1, "A",
                                    [(0, 6.0)])).status == "Rejected"
    # the transaction ends (EV unplugged): its TxProfile goes, the TxDefault applies to the next one
    rig.in_loop(lambda: setattr(rig.port, "ev_connected", False))
    rig.advance(16.0)
    rig.plug_in()
    rig.advance(25.0)
    assert offered_a(rig) == pytest.approx(8.0, abs=0.1)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_recurring_daily_profile_follows_the_virtual_time_of_day(make_rig, version: OcppVersion) -> None:
    start = "2026-06-21T15:59:30+02:00"            # 30 s before a 16:00-21:00 peak window
    rig = make_rig(version, start_calendar=start)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    window = [(0, 6.0), (5 * 3600, 32.0)]
    assert rig.call(profile_request(version, 0, 9, "TxDefaultProfile", 0, "A", window, kind="Recurring",
                                    recurrency="Daily",
                                    start=dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.timezone.utc))).status == "Accepted"
    rig.advance(25.0)
    assert offered_a(rig) == pytest.approx(32.0, abs=0.1)   # 15:59:55: before the window
    rig.advance(40.0)
    assert offered_a(rig) == pytest.approx(6.0, abs=0.1)    # 16:00:10: inside it (1 s EVSE delay)
    reply = rig.call(composite_request(version, 24 * 3600))
    assert composite_periods(version, reply) == [
        (0, 6.0), (5 * 3600 - 10, 32.0), (24 * 3600 - 10, 6.0)]          # asked at 16:00:10


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_remote_start_and_stop_and_availability(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in(charge=False)                     # state B: no automatic start
    rig.advance(3.0)
    assert rig.csms.connector_status(CHARGER_ID).get(1) == version.connector_status(ConnectorState.PREPARING)
    assert rig.in_loop(lambda: rig.charger.transaction) is None
    assert rig.call(REMOTE_START[version]()).status == "Accepted"
    rig.advance(4.0)
    tx_id = running_transaction_id(rig)
    assert tx_id is not None
    assert rig.call(REMOTE_STOP[version](tx_id)).status == "Accepted"
    rig.advance(6.0)
    REMOTE_EVIDENCE[version](rig)
    assert offered_a(rig) == 0.0                   # Finishing: no offer until the EV is unplugged
    assert rig.call(INOPERATIVE[version]()).status == "Accepted"
    rig.in_loop(lambda: setattr(rig.port, "ev_connected", False))
    rig.advance(8.0)
    assert rig.csms.connector_status(CHARGER_ID).get(1) == "Unavailable"
    rig.plug_in()
    rig.advance(10.0)
    assert rig.in_loop(lambda: rig.charger.transaction) is None


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_trigger_message_sends_at_the_next_bench_step(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, heartbeat_interval_s=3600)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    assert rig.call(version.trigger_message_request("Heartbeat", None)).status == "Accepted"
    assert rig.actions_in("Heartbeat") == []      # the lab sends nothing until the bench moves time
    rig.advance(1.0)
    assert len(rig.actions_in("Heartbeat")) == 1


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_phase_switching_to_one_phase_on_a_number_phases_1_period(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, parameters={"phase_switching_supported": True})
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    assert rig.call(profile_request(version, 0, 1, "TxDefaultProfile", 0, "A",
                                    [(0, 16.0, 1)])).status == "Accepted"
    rig.advance(19.0)
    rig.advance(21.0)
    currents = {s.phase: s.value for s in rig.csms.meter_values(CHARGER_ID, measurand="Current.Import")
                if s.timestamp == iso(20.0)}
    assert currents["L1"] == pytest.approx(16.0, abs=0.2)
    assert currents["L2"] == 0.0 and currents["L3"] == 0.0


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_offline_fallback_after_max_offline_duration(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, parameters={"max_offline_duration_s": 30.0, "offline_fallback_limit_a": 8.0})
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    rig.advance(5.0)
    rig.drop_connection()
    rig.advance(30.0)
    assert offered_a(rig) == pytest.approx(32.0, abs=0.1)     # offline 25 s: no profile -> unconstrained
    rig.advance(40.0)
    assert offered_a(rig) == pytest.approx(8.0, abs=0.1)      # offline > 30 s: fallback limit


def test_offline_1_6_transaction_gets_its_csms_id_after_reconnect(make_rig) -> None:
    rig = make_rig(OCPP16J)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.drop_connection()
    rig.advance(1.0)
    rig.plug_in()                                  # the transaction starts offline
    rig.advance(25.0)
    assert rig.actions_in("StartTransaction") == []
    rig.csms.refuse_connections(CHARGER_ID, False)
    rig.advance(60.0)
    starts = rig.actions_in("StartTransaction")
    assert len(starts) == 1 and starts[0]["timestamp"] == iso(1.0 + STEP_S)
    tx_id = rig.in_loop(lambda: rig.charger.transaction.csms_id)
    queued = [p for p in rig.actions_in("MeterValues") if p["meterValue"][0]["timestamp"] in (iso(10.0), iso(20.0))]
    assert [p.get("transactionId") for p in queued] == [tx_id, tx_id]


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_knob_accepts_any_server_certificate(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, security_profile=2, trust_other_ca=True, knobs={"accepts_any_server_certificate": True})
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    assert rig.charger.online


def test_reset_on_idle_waits_for_the_transaction_to_end(make_rig) -> None:
    rig = make_rig(OCPP201)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.plug_in()
    rig.advance(3.0)
    assert rig.call(OCPP201.reset_request("OnIdle")).status == "Scheduled"
    rig.advance(10.0)
    assert rig.charger.boot_count == 1                 # still charging, no reboot
    rig.in_loop(lambda: setattr(rig.port, "ev_connected", False))
    rig.advance(11.0)                                  # transaction ended -> reboot starts
    assert rig.charger.rebooting_until_s == pytest.approx(11.0 + 5.0, abs=0.2)
    rig.advance(20.0)
    assert rig.charger.boot_count == 2
    ended = [p for p in rig.actions_in("TransactionEvent") if p["eventType"] == "Ended"]
    assert ended[0]["transactionInfo"]["stoppedReason"] == "EVDisconnected"
    assert [b["reason"] for b in rig.actions_in("BootNotification")] == ["PowerUp", "RemoteReset"]


def test_bad_settings_name_the_field() -> None:
    from simlab.devices.registry import DeviceContext, SimSettingError, build_device

    with pytest.raises(SimSettingError) as long_name:
        build_device(DeviceContext(kind="ev_charger", nameplate={"manufacturer": "M" * 21},
                                   links={"control": {"protocol": "ocpp16j"}}))
    assert long_name.value.key == "nameplate.manufacturer"
    link = {"protocol": "ocpp201", "csms_url": "wss://localhost:1", "charger_id": "CP", "security_profile": 3}
    with pytest.raises(SimSettingError) as no_cert:
        build_device(DeviceContext(kind="ev_charger", links={"control": link}))
    assert no_cert.value.key == "control.client_cert"
    charger = build_device(DeviceContext(kind="ev_charger", links={"control": {**link, "security_profile": 0}}))
    assert charger.protocol.version is OCPP201          # the link's version when the parameters name none
    assert charger.next_event_s() == 10.0                # first MeterValues; it dials only when served
