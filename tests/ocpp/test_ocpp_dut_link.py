"""The ``ocpp16j`` / ``ocpp201`` opener (links/ocpp/opener.py): CSMS before the lab, runtime info for
the simulated charger, open() waits for boot, frames and events in the record, bench calendar in the
CSMS's timestamps, a silent charger is a LinkTimeout, bad link keys are configuration errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ocpp_test_chargers import (CALL_TIMEOUT_S, ChargerThread, FullCharger16, FullCharger201, basic_auth_header,
                                boot16, boot201)

from links.openers import validate_link
from links.ocpp.opener import OcppOpener
from bench.errors import ConfigError, LinkTimeout
from bench.recorder import Recorder, read_record
from bench.yamlconf import LoadedYaml
from links.ocpp import OCPP16J, OCPP201, ChargingProfile, client_ssl_context
from links.ocpp.security import CertFiles

START = "2026-06-21T12:00:00+02:00"
PASSWORD = "sixteen+chars-pw-42"


class FakeClock:
    """Stands in for the bench clock: bench time set by the test, calendar = start + bench time."""

    def __init__(self, t_s: float) -> None:
        self.t_s = t_s

    def calendar(self) -> dt.datetime:
        return dt.datetime.fromisoformat(START) + dt.timedelta(seconds=self.t_s)


def make_session(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(recorder=Recorder(tmp_path / "record.jsonl", lambda: 0.0), out_dir=tmp_path, clock=None,
                           simulated=True, clock_mode="virtual", config=SimpleNamespace(start_calendar=START),
                           profile=SimpleNamespace(identity={"manufacturer": "Acme", "model": "W11"}, doc=None))


def records(session: SimpleNamespace, kind: str) -> list[dict[str, Any]]:
    return [e for e in read_record(session.recorder.path) if e["kind"] == kind]


def test_v16_link_boots_traces_configures_and_stamps_the_bench_calendar(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    opener = OcppOpener(session, "control", {"protocol": "ocpp16j", "charger_id": "SIM-CP-1", "security_profile": 1,
                                             "password": PASSWORD, "meter_value_interval_s": 10,
                                             "heartbeat_interval_s": 60, "connect_timeout_s": CALL_TIMEOUT_S})
    runtime = opener.before_lab()
    assert runtime["csms_url"].startswith("ws://127.0.0.1:") and runtime["ocpp_version"] == OCPP16J.name
    assert (runtime["charger_id"], runtime["password"], runtime["ca_cert"]) == ("SIM-CP-1", PASSWORD, None)
    assert json.loads(json.dumps(runtime)) == runtime          # crosses the process boundary to the lab
    session.clock = FakeClock(3600.0)                          # the clock exists from here on
    try:
        with ChargerThread(FullCharger16, runtime["csms_url"], "SIM-CP-1", "ocpp1.6", boot16,
                           headers=basic_auth_header("SIM-CP-1", PASSWORD)) as charger:
            link = opener.open()
            assert charger.error is None and link.version is OCPP16J
            assert charger.cp.configuration == {"MeterValueSampleInterval": "10"}
            spec = ChargingProfile(profile_id=1, purpose="station_max", stack_level=0, unit="A",
                                   periods=[(0, 6.0)], start_schedule=session.clock.calendar())
            assert link.set_charging_profile(spec, 0) == "Accepted"
            assert link.get_composite_schedule(1, 600).periods[0].limit == 10.0
            assert link.send_raw('[2,"r1","NoSuchAction",{}]').error_code == "NotSupported"
            assert link.is_connected() and link.violations() == []
            assert link.boot_info() == {"vendor": "Acme", "model": "W11"}
    finally:
        opener.close()
    [identity] = records(session, "dut_identity")
    assert identity["read"]["manufacturer"] == "Acme" and identity["read"]["model"] == "W11"
    commands = records(session, "command")
    assert {c["target"] for c in commands} == {"dut"}
    boot_reply = next(c["text"] for c in commands if c["text"].startswith("-> [3,") and "currentTime" in c["text"])
    # BootNotification.conf currentTime = bench calendar at t = 3600 s (13:00 +02:00 = 11:00 UTC)
    assert '"currentTime":"2026-06-21T11:00:00.000Z"' in boot_reply
    assert any(c["text"].startswith("<- [2,") and '"BootNotification"' in c["text"] for c in commands)
    assert {c["direction"] for c in commands} == {"to_dut", "from_dut"}
    messages = [e["message"] for e in records(session, "event")]
    assert any("listening at ws://127.0.0.1:" in m for m in messages)
    assert any("meter value interval 10 s -> Accepted" in m for m in messages)
    assert any("SIM-CP-1 connected: subprotocol ocpp1.6" in m for m in messages)


def test_v201_profile3_link_hands_the_simulated_charger_its_certificates(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    opener = OcppOpener(session, "ocpp", {"protocol": "ocpp201", "charger_id": "SIM-CS-3", "security_profile": 3,
                                          "meter_value_interval_s": 15, "connect_timeout_s": CALL_TIMEOUT_S})
    runtime = opener.before_lab()
    assert runtime["csms_url"].startswith("wss://127.0.0.1:") and runtime["password"] is None
    assert all(Path(runtime[k]).is_file() for k in ("ca_cert", "client_cert", "client_key"))
    # the CA's keys live beside the report package (<out>.pki), never inside it (it is signed and shipped)
    pki = tmp_path.with_name(tmp_path.name + ".pki")
    assert Path(runtime["ca_cert"]).parent == pki
    assert not (tmp_path / "pki").exists()
    assert (pki / "untrusted" / "ca.pem").is_file()       # the rogue CSMS's CA, never handed out
    tls = client_ssl_context(Path(runtime["ca_cert"]),
                             CertFiles(Path(runtime["client_cert"]), Path(runtime["client_key"])))
    try:
        with ChargerThread(FullCharger201, runtime["csms_url"], "SIM-CS-3", "ocpp2.0.1", boot201,
                           ssl_context=tls) as charger:
            link = opener.open()
            assert link.version is OCPP201 and link.reset("Hard") == "Scheduled"
            assert charger.cp.variables[0]["variable"]["name"] == "TxUpdatedInterval"
            link.trust_client_certificates(False)
            link.trust_client_certificates(True)
            assert link.disconnect() is True and not link.is_connected()
    finally:
        opener.close()
    assert {c["target"] for c in records(session, "command")} == {"dut:ocpp"}
    assert records(session, "dut_identity") == []             # only the control link records identity
    assert [e.kind for e in link.connection_events()] == ["connected", "disconnected", "closed"]


def test_a_charger_that_never_comes_is_a_link_timeout_naming_what_was_seen(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    opener = OcppOpener(session, "control", {"protocol": "ocpp16j", "charger_id": "GHOST", "connect_timeout_s": 0.3})
    opener.before_lab()
    try:
        with pytest.raises(LinkTimeout, match="never tried"):
            opener.open()
    finally:
        opener.close()

    opener = OcppOpener(session, "control", {"protocol": "ocpp16j", "charger_id": "CP-PW", "security_profile": 1,
                                             "password": PASSWORD, "connect_timeout_s": 1.0})
    runtime = opener.before_lab()
    try:
        with ChargerThread(FullCharger16, runtime["csms_url"], "CP-PW", "ocpp1.6", boot16,
                           headers=basic_auth_header("CP-PW", "wrong password!!")) as charger:
            with pytest.raises(LinkTimeout, match="refused: HTTP 401"):
                opener.open()
        assert charger.error is not None                      # the charger itself was turned away
    finally:
        opener.close()


def test_a_charger_of_the_other_version_is_turned_away_and_recorded(tmp_path: Path) -> None:
    session = make_session(tmp_path)
    opener = OcppOpener(session, "control", {"protocol": "ocpp201", "charger_id": "CP-OLD", "connect_timeout_s": 1.0})
    runtime = opener.before_lab()
    try:
        with ChargerThread(FullCharger16, runtime["csms_url"], "CP-OLD", "ocpp1.6", boot16):
            with pytest.raises(LinkTimeout, match="no OCPP subprotocol"):
                opener.open()
    finally:
        opener.close()
    assert any("OCPP violation by CP-OLD" in e["message"] for e in records(session, "event"))


@pytest.mark.parametrize("link, field, message", [
    ({"charger_id": "has space"}, "charger_id", "1-48 characters"),
    ({"charger_id": "x" * 49}, "charger_id", "1-48 characters"),
    ({"charger_id": "CP", "security_profile": 4}, "security_profile", "0..3"),
    ({"charger_id": "CP", "security_profile": 2}, "password", "16-40"),
    ({"charger_id": "CP", "password": PASSWORD}, "password", "uses no password"),
    ({"charger_id": "CP", "port": 70000}, "port", "0..65535"),
    ({"charger_id": "CP", "heartbeat_interval_s": 0}, "heartbeat_interval_s", ">= 1"),
    ({"charger_id": "CP", "meter_value_interval_s": 2.5}, "meter_value_interval_s", "integer"),
    ({"charger_id": "CP", "timeout_s": True}, "timeout_s", "number"),
    ({"charger_id": "CP", "pki_dir": "/tmp/pki"}, "pki_dir", "only for security profiles 2 and 3"),
    ({"charger_id": "CP", "security_profile": 3, "tls_server_names": []}, "tls_server_names", "list"),
    ({"charger_id": "CP", "url": "ws://x"}, "url", "unknown key"),
])
def test_bad_link_keys_are_configuration_errors_naming_the_field(link: dict[str, Any], field: str,
                                                                 message: str) -> None:
    doc = LoadedYaml(Path("dut.yaml"), {}, {"links.control": 7})
    with pytest.raises(ConfigError, match=message) as raised:
        validate_link(doc, "control", {"protocol": "ocpp16j", **link})
    assert raised.value.field == f"links.control.{field}"
    assert raised.value.file == "dut.yaml" and raised.value.line == 7


def test_good_link_keys_pass_validation() -> None:
    doc = LoadedYaml(Path("dut.yaml"), {}, {})
    for link in ({"charger_id": "CP-1"},
                 {"charger_id": "CP-1", "security_profile": 2, "password": PASSWORD, "host": "0.0.0.0", "port": 9000,
                  "pki_dir": "/var/lib/bench/pki", "tls_server_names": ["192.0.2.5"], "timeout_s": 5,
                  "connect_timeout_s": 120.0, "meter_value_interval_s": 0, "heartbeat_interval_s": 30}):
        validate_link(doc, "control", {"protocol": "ocpp201", **link})
