"""``flexbench instruments scan`` / ``check``: recognition, role assignment, the proposed bench
config, the read-only check, and the acceptance path scan --sim -> flexbench run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from transcripts import TRANSCRIPTS

from bench.cli import main
from bench.config import REPO_ROOT, load_bench_config
from simlab.instruments import SimChroma61845
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.physics import GridSourceState
from instruments.check import check_instrument, protection_settings
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.identify import IDN_PATTERNS, model_key_for_idn, parse_idn
from instruments.registry import DRIVERS
from instruments.scan import ScanResult, assign_roles, propose_bench_yaml, role_for_model
from instruments.scpi_messages import is_query_message


# -- recognition -----------------------------------------------------------------------------
def test_identify_table_covers_exactly_the_registered_drivers() -> None:
    keys = [pattern.model_key for pattern in IDN_PATTERNS]
    assert sorted(set(keys)) == sorted(DRIVERS), "every driver needs an IDN pattern, and only drivers"


@pytest.mark.parametrize("model", sorted(DRIVERS))
def test_each_driver_transcript_identity_is_recognised_as_its_model(model: str) -> None:
    pairs = TRANSCRIPTS.get(model, {}).get("identify")
    if not pairs:
        pytest.skip(f"{model}: no identify transcript (test_driver_coverage demands a transcript)")
    assert model_key_for_idn(pairs[0][1]) == model


@pytest.mark.parametrize("reply,model", [
    ("  CHROMA ATE , 61845 , X1, 1.0", "chroma_61845"),
    ("chroma ate,62150H 1000S,1,1", "chroma_62150h_1000s"),
    ("Agilent Technologies,E4360A,MY1,A.01", "keysight_e4360a"),
    ("yokogawa,wt5000,1,F1", "yokogawa_wt5000"),
    ("YOKOGAWA,WT1806,C2,F3", "yokogawa_wt1800"),
    ("Fluke,6105A,1,1", None), ("Chroma ATE,61846,1,1", None), ("YOKOGAWA,WT500,1,1", None)])
def test_recognition_ignores_case_and_blanks_but_not_the_model(reply: str, model: str | None) -> None:
    assert model_key_for_idn(reply) == model


def test_a_reply_that_is_no_idn_is_refused() -> None:
    with pytest.raises(ValueError):
        model_key_for_idn("1")
    assert parse_idn("A,B").serial_number == ""


# -- roles and the proposal --------------------------------------------------------------------
@pytest.mark.parametrize("model,role", [("chroma_61845", "ac_source"), ("yokogawa_wt5000", "power_analyzer"),
                                        ("chroma_62150h_1000s", "pv_simulator"), ("keysight_e4360a", "pv_simulator")])
def test_roles_follow_the_capability(model: str, role: str) -> None:
    assert role_for_model(model) == role


def test_every_registered_driver_fills_a_capability_role() -> None:
    assert {m: role_for_model(m) for m in DRIVERS if role_for_model(m) is None} == {}


def test_proposal_for_real_instruments_keeps_resources_and_is_a_valid_bench(tmp_path: Path) -> None:
    results = [ScanResult("TCPIP::192.0.2.10::2101::SOCKET", "Chroma ATE,61845,1,1", "chroma_61845"),
               ScanResult("TCPIP::192.0.2.11::inst0::INSTR", "YOKOGAWA,WT5000,1,F1", "yokogawa_wt5000"),
               ScanResult("TCPIP::192.0.2.12::inst0::INSTR", "YOKOGAWA,WT5000,2,F1", "yokogawa_wt5000"),
               ScanResult("ASRL1::INSTR", error="no answer")]
    notes = assign_roles(results, simulated_lab=False)
    assert [r.role for r in results] == ["ac_source", "power_analyzer", None, None]
    assert any("second power_analyzer" in note for note in notes)
    path = tmp_path / "proposed.yaml"
    path.write_text(propose_bench_yaml(results, simulated_lab=False, notes=notes))
    config = load_bench_config(path)
    assert config.lab.simulated is False
    assert config.instruments["ac_source"].resource == "TCPIP::192.0.2.10::2101::SOCKET"
    assert config.instruments["power_analyzer"].model == "yokogawa_wt5000"
    assert config.safety.voltage_max_v == 253.0 and config.safety.safe_output_on is False
    assert "REVIEW" in path.read_text()


def test_a_simulated_lab_proposal_leaves_real_instruments_out() -> None:
    results = [ScanResult("TCPIP::127.0.0.1::4000::SOCKET", "Chroma ATE,61845,S,1", "chroma_61845", simulated=True),
               ScanResult("TCPIP::192.0.2.10::2101::SOCKET", "Chroma ATE,61845,1,1", "chroma_61845")]
    notes = assign_roles(results, simulated_lab=True)
    assert results[0].role == "ac_source" and results[1].role is None
    assert "real instrument left out" in notes[0]
    assert '"TCPIP::127.0.0.1::{port}::SOCKET"' in propose_bench_yaml(results, simulated_lab=True)


# -- the read-only check ---------------------------------------------------------------------
class RecordingChroma(SimChroma61845):
    def __init__(self, state: GridSourceState) -> None:
        super().__init__(state)
        self.lines: list[str] = []

    def handle(self, line: str) -> str | None:
        self.lines.append(line)
        return super().handle(line)


def test_check_reads_identity_errors_output_and_limits_and_sends_only_queries() -> None:
    grid = GridSourceState()
    device = RecordingChroma(grid)
    device.push_error(-222, "left over from an earlier session")
    with BackgroundScpiServer(device) as port:
        result = check_instrument("ac_source", "chroma_61845", f"TCPIP::127.0.0.1::{port}::SOCKET",
                                  timeout_ms=1000)
    assert result.recognised_model == "chroma_61845"
    assert result.errors_found and result.errors_found[0].startswith("-222")
    assert any("error queue held 1" in p for p in result.problems)
    assert result.output == {"output_is_on": False}
    assert result.protection == {"VOLTAGE_LIMIT_AC": pytest.approx(300.0)}
    assert device.lines and all(is_query_message(line) or line == "*CLS" for line in device.lines)
    assert grid.output_on is False
    assert "VOLTAGE_LIMIT_AC" in protection_settings(Chroma61845)
    assert result.transcript[0] == ("*IDN?", result.idn)  # the dry transcript of the check
    assert [sent for sent, _ in result.transcript] == device.lines


def test_check_flags_a_model_mismatch() -> None:
    with BackgroundScpiServer(SimChroma61845(GridSourceState())) as port:
        result = check_instrument("ac_source", "chroma_61605", f"TCPIP::127.0.0.1::{port}::SOCKET",
                                  timeout_ms=300)
    assert any("the bench config says chroma_61605" in p for p in result.problems)


def test_check_cli_on_the_simulated_bench(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instruments", "check", str(REPO_ROOT / "bench/configs/simulated.yaml"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_role = {r["role"]: r for r in report["instruments"]}
    assert by_role["ac_source"]["output"] == {"output_is_on": False}
    assert all(r["problems"] == [] and r["idn"] for r in report["instruments"])
    assert "INSTrument:NSELect" in by_role["ac_source"]["unconfirmed_commands"]
    assert "SOURce:FREQuency" not in by_role["ac_source"]["unconfirmed_commands"]
    assert "EV:CONNect" in by_role["ev_emulator"]["unconfirmed_commands"]


def test_check_cli_prints_the_unconfirmed_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instruments", "check", str(REPO_ROOT / "bench/configs/simulated.yaml")]) == 0
    out = capsys.readouterr().out
    assert "unconfirmed commands the driver may send" in out
    assert "INSTrument:NSELect" in out and "TRIG:STATE" in out and "EV:CONNect" in out


def test_scan_of_an_unanswering_resource_recognises_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["instruments", "scan", "--no-discover", "--json", "--timeout-ms", "300",
                 "--resources", f"TCPIP::127.0.0.1::{port}::SOCKET"]) == 2
    found = json.loads(capsys.readouterr().out)["instruments"]
    assert found[0]["model"] is None and "cannot connect" in found[0]["error"]


# -- acceptance: scan the simulated lab, then run a campaign on the proposal ------------------------
def test_scan_sim_proposes_a_bench_that_flexbench_run_accepts(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    proposal = tmp_path / "X.yaml"
    assert main(["instruments", "scan", "--sim", "--no-discover", "--propose", str(proposal)]) == 0
    assert "review it before use" in capsys.readouterr().out
    config = load_bench_config(proposal)
    assert config.lab.simulated is True
    assert {r: i.model for r, i in config.instruments.items()} == {
        "ac_source": "chroma_61845", "power_analyzer": "yokogawa_wt5000", "pv_simulator": "chroma_62150h_1000s",
        "ev_emulator": "flexbench_ev_emulator"}
    assert all(i.resource == "TCPIP::127.0.0.1::{port}::SOCKET" for i in config.instruments.values())
    out = tmp_path / "run"
    run = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--bench", str(proposal),
                          "--profile", "sim-pv-inverter", "--requirements", "PV-SUNSPEC-DISCOVERY",
                          "--out", str(out), "--quiet"], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode != 3, run.stderr  # 3 = usage or configuration error
    ends = [json.loads(line) for line in (out / "record.jsonl").read_text().splitlines()]
    outcomes = {tuple(e["requirements"]): e["outcome"] for e in ends if e["kind"] == "test_end"}
    assert outcomes[("PV-SUNSPEC-DISCOVERY",)] == "PASS"
