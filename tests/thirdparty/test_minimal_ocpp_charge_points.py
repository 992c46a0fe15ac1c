"""Issue 11 acceptance (b): OCPP 1.6J and 2.0.1 charge points built only from the ``ocpp`` library's
classes (tests/thirdparty/minimal_ocpp_charge_point.py, its own process, no flexbench code, no
simulated device) that implement BootNotification, Heartbeat and StatusNotification and answer
everything else with CALLERROR NotImplemented, against a profile declaring smart charging and meter
values. The campaign must reach a verdict on the device: NON_COMPLIANT (exit 1), no requirement
voided by a bench ERROR, every smart-charging requirement FAILed on the charger's NotImplemented
(the frame as evidence), security profile 0 FAILed, NOT_APPLICABLE where the profile declares
nothing (offline fallback, TLS, client certificates)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from external_device import GAP_SHOWN_WITHIN_S, bench_time_per_failed_test_s, free_port, ocpp_charger_profile

REPO = Path(__file__).resolve().parents[2]
CHARGE_POINT = Path(__file__).with_name("minimal_ocpp_charge_point.py")

#: The campaign's command line after ``--profile P --out O`` (one place: ``--clock virtual`` goes here).
CAMPAIGN_ARGS = ("--quiet", "--clock", "virtual")   # issue 11: keep the acceptance run short
CAMPAIGN_TIMEOUT_S = 240.0

#: Requirements that need smart charging (SetChargingProfile, ClearChargingProfile, GetCompositeSchedule).
SMART_CHARGING = ("EV-LIMIT-TXDEFAULT", "EV-LIMIT-TX", "EV-LIMIT-STATIONMAX", "EV-LIMIT-WATT", "EV-COMPOSITE",
                  "EV-MIN-CURRENT", "EV-NETAWARE", "EV-14A-DIMMING", "EV-COMMLOSS-OFFLINE", "EV-COMMLOSS-RECONNECT",
                  "EV-COMMLOSS-RESET", "EV-METER-ACCURACY", "EV-GRID-EXCURSION")
NOT_DECLARED = ("EV-OFFLINE-FALLBACK", "EV-SECURITY-SERVER-CERT", "EV-SECURITY-MTLS")


def _profile(tmp_path: Path, protocol: str, charger_id: str, port: int) -> Path:
    return ocpp_charger_profile(
        tmp_path / f"{charger_id}.yaml", charger_id=charger_id, port=port, protocol=protocol,
        description=f"minimal {protocol} charge point from the ocpp library's classes (Boot, Heartbeat, Status)",
        manufacturer="ocpp library", model="minimal charge point", firmware_version="0.1",
        functions={"smart_charging": True, "meter_values": True, "offline_fallback": False},
        link={"security_profile": 0, "connect_timeout_s": 30.0, "timeout_s": 5.0})


@pytest.mark.timeout(CAMPAIGN_TIMEOUT_S + 60)
@pytest.mark.parametrize("version, protocol", [("1.6", "ocpp16j"), ("2.0.1", "ocpp201")])
def test_minimal_charge_point_is_non_compliant_never_inconclusive(tmp_path: Path, version: str,
                                                                 protocol: str) -> None:
    port, charger_id, out = free_port(), f"MIN-CP-{protocol.upper()}", tmp_path / "out"
    profile = _profile(tmp_path, protocol, charger_id, port)
    charge_point = subprocess.Popen([sys.executable, str(CHARGE_POINT), version, f"ws://127.0.0.1:{port}",
                                     charger_id], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
    try:
        campaign = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", str(profile), "--out",
                                   str(out), *CAMPAIGN_ARGS], cwd=REPO, capture_output=True, text=True,
                                  timeout=CAMPAIGN_TIMEOUT_S, check=False)
    finally:
        charge_point.kill()
        charge_point.wait(10)
    output = campaign.stdout[-4000:] + campaign.stderr[-4000:]
    assert campaign.returncode == 1, output
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "NON_COMPLIANT", output
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert "INCONCLUSIVE" not in verdicts.values(), verdicts
    record = [json.loads(line) for line in (out / "record.jsonl").read_text().splitlines()]
    outcomes = {e["nodeid"]: e["outcome"] for e in record if e["kind"] == "test_end"}
    assert outcomes and "ERROR" not in outcomes.values(), outcomes
    # smart charging is declared and answered NotImplemented: each of its requirements FAILs on that frame
    checks = [e for e in record if e["kind"] == "check"]
    for requirement in SMART_CHARGING:
        assert verdicts[requirement] == "FAIL", (requirement, verdicts)
        lacking = [c for c in checks if c["requirement"] == requirement and c["verdict"] == "FAIL"
                   and "smart charging" in c["name"] and "ClearChargingProfile" in c["name"]]
        assert lacking and "CALLERROR NotImplemented" in lacking[0]["detail"] and "[4," in lacking[0]["detail"], \
            (requirement, [c for c in checks if c["requirement"] == requirement])
    assert verdicts["EV-SECURITY-BASIC-AUTH"] == "FAIL", verdicts
    spent = bench_time_per_failed_test_s(record)   # each gap ends its requirement at once
    assert spent and max(spent.values()) <= GAP_SHOWN_WITHIN_S, spent
    for requirement in NOT_DECLARED:
        assert verdicts[requirement] == "NOT_APPLICABLE", (requirement, verdicts)
    frames = [e["text"] for e in record if e["kind"] == "command" and e.get("target") == "dut"]
    assert any('"BootNotification"' in t for t in frames) and any('"StatusNotification"' in t for t in frames)
    assert "Traceback" not in campaign.stderr, campaign.stderr[-4000:]
