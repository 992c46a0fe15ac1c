"""Issue 11 acceptance (a): a PV campaign against a SunSpec device nobody on the project wrote.

pysunspec2's shipped IEEE 1547 device image (``sunspec2/tests/test_data/device_1547.json``, models 1
and 701-713) is served as plain register memory over pymodbus Modbus TCP, in its own process
(tests/thirdparty/sunspec_json_device.py: field libraries only, no simulator). The profile declares
every function the bench expects; the instruments are the simulated lab's, with no simulated device.

The image leaves mandatory points unimplemented (706 RspTms_SF, 704 WMaxLimPct_SF), offers no
writable curve in 707-711, has an enter-service scale factor that cannot hold the market's window and
reports 701 ACType = 3 (outside its enumeration). Each requirement needing one of those FAILs naming
it, in its own setup, before any stimulus; discovery PASSes; nothing is a bench ERROR.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from external_device import GAP_SHOWN_WITHIN_S, bench_time_per_failed_test_s

REPO = Path(__file__).resolve().parents[2]
SERVER = Path(__file__).with_name("sunspec_json_device.py")
CLOCK_ARGS: list[str] = ["--clock", "virtual"]   # issue 11: keep the acceptance run short
CAMPAIGN_TIMEOUT_S = 110.0
NON_COMPLIANT_EXIT = 1

# requirement -> the gap its FAIL must name
EXPECTED_FAILS = {
    "PV-PU-STEADY": "706.RspTms_SF", "PV-PU-RESPONSE": "706.RspTms_SF", "PV-ACTIVE-LIMITING": "706.RspTms_SF",
    "PV-LFSM-O": "711.Ctl[n].ReadOnly", "PV-UMAX-TRIP": "707.Crv[n].ReadOnly",
    "PV-UMIN-TRIP": "707.Crv[n].ReadOnly", "PV-UMINMIN-TRIP": "707.Crv[n].ReadOnly",
    "PV-UMEAN-TRIP": "707.Crv[n].ReadOnly", "PV-FMAX-TRIP": "707.Crv[n].ReadOnly",
    "PV-FMIN-TRIP": "707.Crv[n].ReadOnly", "PV-RECONNECT-WINDOW": "ESVHi", "PV-RECONNECT-DELAY": "ESVHi",
    "PV-RECONNECT-RAMP": "ESVHi", "PV-REMOTE-LIMIT": "704.WMaxLimPct_SF", "PV-SUNSPEC-READINGS": "701.ACType",
}


def _profile(tmp_path: Path, port: int) -> Path:
    data: dict[str, Any] = {
        "format": "flexbench-device-profile/1",
        "description": "pysunspec2's shipped IEEE 1547 device image (device_1547.json) over pymodbus",
        "device": {"class": "pv_inverter", "manufacturer": "SunSpecTest", "model": "Test-1547-1",
                   "serial_number": "sn-123456789", "firmware_version": "1.2.3"},
        "ratings": {"rated_power_w": 10000, "rated_apparent_power_va": 11000, "nominal_voltage_v": 230,
                    "nominal_frequency_hz": 50, "phase_count": 3, "max_current_a": 50,
                    "pv_array": {"voc_v": 900, "isc_a": 14.8, "vmp_v": 760, "imp_a": 14.0}},
        "functions": {"volt_watt": True, "frequency_droop": True, "remote_active_power_limit": True,
                      "ten_minute_mean_trip": True, "enter_service": True},
        "declared": {"power_limit_response_time_s": 5.0,
                     "readings_accuracy": {"voltage_v": 2.3, "active_power_w": 200.0, "frequency_hz": 0.05}},
        "links": {"control": {"protocol": "sunspec_modbus_tcp", "host": "127.0.0.1", "port": port,
                              "unit_id": 1, "timeout_s": 2.0}},
    }
    path = tmp_path / "pysunspec2-1547.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def device_port() -> Any:
    server = subprocess.Popen([sys.executable, str(SERVER), "--port", "0"], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        assert line.startswith("PORT "), line + (server.stderr.read() if server.stderr else "")
        yield int(line.split()[1])
    finally:
        server.terminate()
        server.wait(10)


def test_pv_campaign_against_pysunspec2_1547_image_is_non_compliant_without_errors(
        tmp_path: Path, device_port: int) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--profile", str(_profile(tmp_path, device_port)),
                          "--out", str(out), "--quiet", *CLOCK_ARGS], cwd=REPO, capture_output=True, text=True,
                         timeout=CAMPAIGN_TIMEOUT_S, check=False)
    assert run.returncode == NON_COMPLIANT_EXIT, run.stdout[-3000:] + run.stderr[-3000:]
    assert time.monotonic() - started < CAMPAIGN_TIMEOUT_S
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "NON_COMPLIANT"
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["PV-SUNSPEC-DISCOVERY"] == "PASS", verdicts
    assert not [r for r, v in verdicts.items() if v in ("ERROR", "INCONCLUSIVE")], verdicts
    entries = [json.loads(line) for line in (out / "record.jsonl").read_text().splitlines()]
    ends = [e for e in entries if e["kind"] == "test_end"]
    assert ends and not [e for e in ends if e["outcome"] == "ERROR"], [e["message"] for e in ends]
    for requirement, gap in EXPECTED_FAILS.items():
        assert verdicts[requirement] == "FAIL", (requirement, verdicts)
        messages = [e["message"] for e in ends if requirement in e["requirements"]]
        assert any(gap in m for m in messages), (requirement, gap, messages)
    # each gap ends its requirement at once: no stimulus plan runs after the device's answer
    spent = bench_time_per_failed_test_s(entries)
    assert spent and max(spent.values()) <= GAP_SHOWN_WITHIN_S, spent
