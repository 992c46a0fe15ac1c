"""Issue 3 acceptance, end to end: a whole `flexbench run` of the EV-charger campaign against an
unmodified third-party OCPP charge point (``test-ocpp`` 1.0.0 from PyPI, a pinned dev dependency, run
as its own process exactly as published) pointed at the bench's CSMS.

That charge point boots, sends one Heartbeat and hangs up; it has no EV, no smart charging and no
meter. The campaign must come to a verdict anyway: what it does not do is a FAIL or an
INCONCLUSIVE result in a report, never a crash of the bench. The instruments are the simulated
lab's (no simulated device: the profile has no ``simulation`` section); ``--clock virtual`` keeps the
campaign as short as it was before a real device defaulted to the wall clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.redaction import redacted
from external_device import free_port, ocpp_charger_profile

REPO = Path(__file__).resolve().parents[2]
CHARGER_ID = "THIRD-PARTY-CP-1"
PASSWORD = "third-party-campaign-pw"


def _profile(tmp_path: Path, port: int) -> Path:
    return ocpp_charger_profile(
        tmp_path / "third-party.yaml", charger_id=CHARGER_ID, port=port,
        description="test-ocpp 1.0.0 (PyPI) command-line charge point, unmodified",
        manufacturer="test-ocpp", model="test-ocpp",
        link={"security_profile": 1, "password": PASSWORD, "connect_timeout_s": 20.0})


def test_campaign_against_an_unmodified_third_party_charge_point_ends_in_a_verdict(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "out"
    campaign = subprocess.Popen(
        [sys.executable, "-m", "bench.cli", "run", "--profile", str(_profile(tmp_path, port)), "--out", str(out),
         "--quiet", "--clock", "virtual"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    charge_point_runs: list[subprocess.CompletedProcess[str]] = []
    try:
        deadline = time.monotonic() + 20.0
        # the charge point dials until the CSMS is listening and has taken its boot and heartbeat
        while campaign.poll() is None and time.monotonic() < deadline:
            run = subprocess.run([sys.executable, "-m", "test_ocpp", f"ws://127.0.0.1:{port}", CHARGER_ID,
                                  "--no-tls", "--password", PASSWORD, "--timeout", "10"],
                                 capture_output=True, text=True, timeout=30, check=False)
            charge_point_runs.append(run)
            if run.returncode == 0:
                break
            time.sleep(0.5)
        stdout, stderr = campaign.communicate(timeout=600)
    finally:
        if campaign.poll() is None:
            campaign.kill()
    assert charge_point_runs and charge_point_runs[-1].returncode == 0, \
        (charge_point_runs[-1].stdout if charge_point_runs else "never ran") + stderr[-3000:]
    # 1 non-compliant or 2 inconclusive: a verdict, not a crash (3 would be a configuration error)
    assert campaign.returncode in (1, 2), stdout + stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert report["verdict"] in ("NON_COMPLIANT", "INCONCLUSIVE"), report["verdict"]
    # what it does conform to may PASS (e.g. no schema breach); whether the session opens at all
    # depends on whether it is still connected when the bench looks (it hangs up after its Heartbeat)
    assert verdicts and set(verdicts.values()) <= {"PASS", "FAIL", "INCONCLUSIVE", "NOT_APPLICABLE",
                                                   "NOT_TESTED"}, verdicts
    # it has no EV, no smart charging and no meter: nothing judged on measured current can PASS
    assert all(verdicts[rid] != "PASS" for rid in ("EV-LIMIT-TXDEFAULT", "EV-MIN-CURRENT",
                                                   "EV-METER-ACCURACY")), verdicts
    record = [json.loads(line) for line in (out / "record.jsonl").read_text().splitlines()]
    frames = [e["text"] for e in record if e["kind"] == "command" and e.get("target") == "dut"]
    assert any('"BootNotification"' in t for t in frames), frames[:5]
    assert any('"Heartbeat"' in t for t in frames), frames[:5]
    assert record[-1]["kind"] == "campaign_end"
    # --clock reached the session through the pytest plugin; the report labels the real device as real
    assert record[0]["clock"]["mode"] == "virtual" and report["campaign"]["clock"]["mode"] == "virtual"
    assert report["campaign"]["simulated_parts"] == {"instruments": True, "device": False}
    assert report["dut"]["simulated"] is False
    assert any("bench ran on the virtual clock" in d for d in report["deviations"])
    # issue 13 finding 8: the charger's Basic-auth password is nowhere in the evidence, only its fingerprint
    for name in ("record.jsonl", "report.json", "report.html"):
        assert PASSWORD not in (out / name).read_text(), name
    assert record[0]["profile"]["config"]["links"]["control"]["password"] == redacted(PASSWORD)
