"""Issue 3 acceptance: an unmodified third-party OCPP charge point, run as a separate process and pointed
at the bench's CSMS, completes boot and heartbeat; what it does wrong becomes a recorded Violation or a
LinkError (inconclusive), never a crash of the bench.

The third party is ``test-ocpp`` 1.0.0 (PyPI, MIT; pinned in the project's dev dependencies): a command-line
charge point that negotiates ``ocpp1.6`` / ``ocpp2.0.1``, sends BootNotification and Heartbeat over ws://
or wss:// with Basic auth or a client certificate, answers any CSMS CALL with CALLERROR NotImplemented,
and exits 0 on success. It is run exactly as published (``python -m test_ocpp``).
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from links.ocpp.opener import OcppOpener
from bench.errors import LinkError
from bench.recorder import Recorder, read_record
from links.ocpp import CsmsConfig, CsmsServer, TestPki

THIRD_PARTY = "test-ocpp"
PINNED = "1.0.0"
PASSWORD = "third-party-password-16"
RUN_TIMEOUT_S = 20.0


@pytest.fixture(scope="module", autouse=True)
def third_party_installed() -> None:
    try:
        version = importlib.metadata.version(THIRD_PARTY)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{THIRD_PARTY}=={PINNED} is not installed: it is a pinned dev dependency "
                    f"(pip install -e '.[dev]')", pytrace=False)
    assert version == PINNED, f"{THIRD_PARTY} {version} installed, the acceptance test pins {PINNED}"


class TracedCsms:
    """The bench's CSMS with its frame trace kept, as a campaign's recorder would keep it."""

    def __init__(self, config: CsmsConfig) -> None:
        self.frames: list[tuple[str, str]] = []
        self.server = CsmsServer(config, trace=lambda d, t: self.frames.append((d, t)))
        self.port = self.server.start()

    def actions_in(self, charger_id: str) -> list[str]:
        return [json.loads(t)[2] for d, t in self.frames if d == f"in:{charger_id}" and t.startswith("[2")]

    def results_out(self, charger_id: str) -> list[dict[str, Any]]:
        return [json.loads(t)[2] for d, t in self.frames if d == f"out:{charger_id}" and t.startswith("[3")]


@pytest.fixture
def make_csms() -> Iterator:
    servers: list[TracedCsms] = []

    def make(**kwargs: Any) -> TracedCsms:
        servers.append(TracedCsms(CsmsConfig(heartbeat_interval_s=120, **kwargs)))
        return servers[-1]

    yield make
    for csms in servers:
        csms.server.stop()


def run_charge_point(url: str, charger_id: str, *options: str) -> subprocess.CompletedProcess[str]:
    """The third-party charge point as its own process, unmodified."""
    return subprocess.run([sys.executable, "-m", "test_ocpp", url, charger_id, "--timeout", "10", *options],
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)


def test_ocpp16_security_profile1_boot_and_heartbeat(make_csms) -> None:
    csms = make_csms(security_profile=1, passwords={"TP-16": PASSWORD})
    done = run_charge_point(f"ws://127.0.0.1:{csms.port}", "TP-16", "--ocpp", "1.6", "--password", PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
    assert csms.actions_in("TP-16") == ["BootNotification", "Heartbeat"]
    boot, beat = csms.results_out("TP-16")
    assert boot["status"] == "Accepted" and boot["interval"] == 120 and "currentTime" in beat
    assert csms.server.boot_info("TP-16") == {"vendor": "TestVendor", "model": "TestModel"}
    csms.server.wait_for_disconnect("TP-16", RUN_TIMEOUT_S)     # it exits after hanging up: until the CSMS saw it
    assert [e.kind for e in csms.server.connection_events("TP-16")] == ["connected", "closed"]
    assert csms.server.violations() == []


@pytest.mark.parametrize("profile", [2, 3])
def test_ocpp201_over_tls_boot_and_heartbeat(make_csms, tmp_path: Path, profile: int) -> None:
    pki = TestPki(tmp_path / "pki")
    charger_id = f"TP-201-SP{profile}"
    options = ["--ocpp", "2.0.1", "--ca", str(pki.ca_cert_path)]
    if profile == 2:
        csms = make_csms(security_profile=2, passwords={charger_id: PASSWORD}, tls=pki.issue_server_cert())
        options += ["--password", PASSWORD]
    else:
        csms = make_csms(security_profile=3, tls=pki.issue_server_cert())
        client = pki.issue_client_cert(charger_id)
        options += ["--cert", str(client.cert_path), "--key", str(client.key_path)]
    done = run_charge_point(f"wss://localhost:{csms.port}", charger_id, *options)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TLS: TLSv1.3" in done.stdout or "TLS: TLSv1.2" in done.stdout
    assert csms.actions_in(charger_id) == ["BootNotification", "Heartbeat"]
    assert csms.server.boot_info(charger_id) == {"vendor_name": "TestVendor", "model": "TestModel",
                                                 "reason": "PowerUp"}
    assert "TLSv1" in csms.server.connection_events(charger_id)[0].detail
    assert csms.server.violations() == []


def test_its_non_conformances_are_recorded_violations_and_the_bench_keeps_serving(make_csms) -> None:
    csms = make_csms(security_profile=0)
    url = f"ws://127.0.0.1:{csms.port}"
    # chargePointVendor is CiString20Type (OCPP 1.6 §6.2): 29 characters break the schema
    bad = run_charge_point(url, "TP-BAD", "--ocpp", "1.6", "--vendor", "A" * 29)
    assert bad.returncode == 1 and "CallError" in bad.stdout          # it got a CALLERROR, not a hang-up
    [violation] = csms.server.violations("TP-BAD")
    assert "BootNotification rejected" in violation.reason and "A" * 29 in violation.frame
    assert csms.server.boot_info("TP-BAD") is None
    # the same server still boots the next charger
    good = run_charge_point(url, "TP-GOOD", "--ocpp", "1.6")
    assert good.returncode == 0, good.stdout + good.stderr
    assert csms.server.violations("TP-GOOD") == []
    # a wrong password is refused at the handshake (401), recorded as a connection event, no crash
    guarded = make_csms(security_profile=1, passwords={"TP-PW": PASSWORD})
    refused = run_charge_point(f"ws://127.0.0.1:{guarded.port}", "TP-PW", "--password", "not the password")
    assert refused.returncode == 1 and "HTTP 401" in refused.stdout
    assert [e.kind for e in guarded.server.connection_events("TP-PW")] == ["refused"]


def test_through_the_bench_opener_the_outcome_is_a_link_or_a_link_error_never_a_crash(tmp_path: Path) -> None:
    """The opener a campaign uses: it waits for the boot, then asks for a meter value interval, which this
    charge point answers with CALLERROR NotImplemented (or it has already hung up, as it does after its
    Heartbeat). Either way the record holds the frames and the outcome is a link or a LinkError."""
    session = SimpleNamespace(recorder=Recorder(tmp_path / "record.jsonl", lambda: 0.0), out_dir=tmp_path,
                              clock=None, simulated=False, clock_mode="wall",
                              config=SimpleNamespace(start_calendar=None),
                              profile=SimpleNamespace(identity={"manufacturer": "TestVendor"}, doc=None))
    opener = OcppOpener(session, "control", {"protocol": "ocpp16j", "charger_id": "TP-CAMPAIGN",
                                             "meter_value_interval_s": 10, "connect_timeout_s": 10.0})
    runtime = opener.before_lab()
    process = subprocess.Popen([sys.executable, "-m", "test_ocpp", runtime["csms_url"], "TP-CAMPAIGN"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        try:
            link = opener.open()
            outcome = f"link {link.version}"
        except LinkError as error:           # inconclusive, by design; anything else fails this test
            outcome = f"link error {type(error).__name__}"
        output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
        opener.close()
    assert process.returncode == 0, output
    entries = list(read_record(session.recorder.path))
    texts = [e["text"] for e in entries if e["kind"] == "command"]
    assert any('"BootNotification"' in t and t.startswith("<- ") for t in texts)
    assert any('"Heartbeat"' in t and t.startswith("<- ") for t in texts)
    if outcome == "link 1.6":
        [identity] = [e for e in entries if e["kind"] == "dut_identity"]
        assert identity["read"]["manufacturer"] == "TestVendor"
        # its answer to ChangeConfiguration (OCPP 1.6 Core) is evidence for the suites (a warning naming
        # what it lacks, with the frame), not a bench failure
        assert any(e["kind"] == "event" and "-> the charger lacks the OCPP 1.6 Core profile (ChangeConfiguration"
                   in e["message"] and "CALLERROR NotImplemented to ChangeConfiguration: [4," in e["message"]
                   for e in entries)
