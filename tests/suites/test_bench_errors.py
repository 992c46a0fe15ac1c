"""DUT FAIL is never bench ERROR: configuration problems exit 3, instrument and lab problems exit 2
(INCONCLUSIVE) with the record intact and the AC source sent to its safe state."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bench.recorder import read_record
from hostile import pid_alive
from proof_campaigns import DEFAULT_BENCH, REPO

REQ = ["PV-PU-RESPONSE"]


def _record(path):
    return list(read_record(path / "record.jsonl"))


def _ac_source_commands_after(entries, seq):
    return [e["text"] for e in entries if e["kind"] == "command" and e["target"] == "ac_source" and e["seq"] > seq]


def test_malformed_profile_exits_3_naming_file_and_field(lab):
    profile = lab.profile(edit={"ratings.rated_power_w": "ten kilowatt"})
    res = lab.run(profile=profile, requirements=REQ)
    assert res.exit_code == 3, res.stderr
    assert str(profile) in res.stderr and "ratings.rated_power_w" in res.stderr


def test_unknown_fault_knob_exits_3_naming_the_knob(lab):
    profile = lab.profile(knobs={"volt_watt_ignord": True})
    res = lab.run(profile=profile, requirements=REQ)
    assert res.exit_code == 3, res.stderr
    assert "simulation.knobs.volt_watt_ignord" in res.stderr


def test_malformed_bench_config_exits_3_naming_field(lab):
    bench = lab.bench({"safety.voltage_max_v": -5})
    res = lab.run(bench=bench, requirements=REQ)
    assert res.exit_code == 3, res.stderr
    assert str(bench) in res.stderr and "safety.voltage_max_v" in res.stderr


def test_instrument_reporting_an_scpi_error_is_inconclusive(lab):
    bench = lab.bench({"lab.instrument_faults": {"ac_source": {"error_after_commands": 30}}})
    res = lab.run(bench=bench, requirements=REQ)
    assert res.exit_code == 2, res.stdout + res.stderr
    entries = _record(res.out_dir)
    ends = [e for e in entries if e["kind"] == "test_end"]
    assert ends and all(e["outcome"] == "ERROR" for e in ends)
    assert "InstrumentReportedError" in ends[0]["message"]
    assert res.verdict("PV-PU-RESPONSE") == "INCONCLUSIVE"
    assert entries[-1]["kind"] == "campaign_end"
    # the safe state was commanded after the error
    assert "OUTPut:STATe OFF" in _ac_source_commands_after(entries, ends[0]["seq"])


def test_instrument_that_stops_answering_is_inconclusive(lab):
    # about 46 analyzer commands open the bench and the test has about 46 block reads: it hangs mid-test
    bench = lab.bench({"lab.instrument_faults": {"power_analyzer": {"hang_after_commands": 70}},
                       "instruments.power_analyzer.timeout_ms": 300})
    res = lab.run(bench=bench, requirements=REQ)
    assert res.exit_code == 2, res.stdout + res.stderr
    entries = _record(res.out_dir)
    ends = [e for e in entries if e["kind"] == "test_end"]
    assert ends[0]["outcome"] == "ERROR" and "InstrumentTimeout" in ends[0]["message"]
    assert "OUTPut:STATe OFF" in _ac_source_commands_after(entries, ends[0]["seq"])


def _wait_for_samples(record_path, n, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if record_path.exists():
            text = record_path.read_text()
            if text.count('"kind":"sample"') >= n:
                return text
        time.sleep(0.05)
    raise AssertionError("campaign produced no samples")


def test_lab_killed_mid_campaign_is_inconclusive_and_record_is_intact(lab):
    # a second, long requirement (the 10-minute mean) so that the campaign is still running when the
    # 200th sample is seen, however fast the lab is
    proc = subprocess.Popen(lab.command(requirements=REQ + ["PV-UMEAN-TRIP"]), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    text = _wait_for_samples(lab.tmp_path / "out" / "record.jsonl", 200)
    pid = int(re.search(r"simulated lab started \(pid (\d+)", text).group(1))
    os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, out + err
    entries = _record(lab.tmp_path / "out")
    assert [e["seq"] for e in entries] == list(range(len(entries)))   # nothing lost, nothing torn
    assert sum(e["kind"] == "sample" for e in entries) >= 200
    ends = [e for e in entries if e["kind"] == "test_end"]
    errors = [e for e in ends if e["outcome"] == "ERROR"]
    assert errors, ends
    # a test that ended before the kill passed; the one running when the lab died is a bench ERROR from
    # whichever transport noticed first (lab control, instrument socket, DUT link)
    assert all(e["outcome"] == "PASS" for e in ends[:ends.index(errors[0])]), ends
    assert re.match(r"(LabError|LinkError|LinkTimeout|InstrumentError|InstrumentTimeout)", errors[0]["message"])
    assert entries[-1]["kind"] == "campaign_end" and entries[-1]["verdict"] == "INCONCLUSIVE"
    report = json.loads((lab.tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "INCONCLUSIVE"


def _lab_pid(record_text):
    return int(re.search(r"simulated lab started \(pid (\d+)", record_text).group(1))


def _gone_within(pid, seconds):
    """True when process ``pid`` has ended (or is a zombie awaiting its parent) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _private_tmp(tmp_path):
    """An environment whose temporary directory is the test's own, to see what the run leaves there."""
    (tmp_path / "tmp").mkdir()
    return {**os.environ, "TMPDIR": str(tmp_path / "tmp")}


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT],
                         ids=lambda s: s.name)
def test_every_stop_signal_leaves_the_source_safe_and_ends_the_record(lab, stop):
    """Issue 13: SIGHUP (an SSH session dropping) and SIGQUIT end like SIGTERM and Ctrl-C: safe state,
    campaign_end, the lab process gone, no lab files left."""
    env = _private_tmp(lab.tmp_path)
    proc = subprocess.Popen(lab.command(requirements=REQ), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    lab_pid = _lab_pid(_wait_for_samples(lab.tmp_path / "out" / "record.jsonl", 200))
    proc.send_signal(stop)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode not in (0, 1, -stop), out + err   # neither a verdict nor killed by the signal
    entries = _record(lab.tmp_path / "out")
    last_output = [e["text"] for e in entries if e["kind"] == "command" and e["target"] == "ac_source"
                   and e["text"].startswith("OUTPut:STATe")]
    assert last_output and last_output[-1] == "OUTPut:STATe OFF", out + err
    assert entries[-1]["kind"] == "campaign_end" and entries[-1]["verdict"] == "INCONCLUSIVE"
    assert _gone_within(lab_pid, 2.0)
    assert not list(Path(env["TMPDIR"]).iterdir())


def test_lab_ends_by_itself_within_2_s_when_the_bench_is_killed(lab):
    """Issue 13: after SIGKILL of the bench nothing can stop the lab but the lab itself: it sees its
    parent's end of stdin close and exits, leaving no files; the record stays parseable."""
    env = _private_tmp(lab.tmp_path)
    proc = subprocess.Popen(lab.command(requirements=REQ), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    lab_pid = _lab_pid(_wait_for_samples(lab.tmp_path / "out" / "record.jsonl", 200))
    proc.kill()
    proc.communicate(timeout=30)
    assert _gone_within(lab_pid, 2.0)
    assert not list(Path(env["TMPDIR"]).iterdir())
    entries = _record(lab.tmp_path / "out")
    assert [e["seq"] for e in entries] == list(range(len(entries)))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_flexbench_sim_stops_its_lab_on_a_signal(stop):
    proc = subprocess.Popen([sys.executable, "-m", "bench.cli", "sim", "--bench", str(DEFAULT_BENCH),
                             "--profile", str(REPO / "device_profiles" / "sim-pv-inverter.yaml")],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header = proc.stdout.readline()
        while not header.startswith("{") or not header.rstrip("\n").endswith("\n}"):
            line = proc.stdout.readline()
            assert line, header + proc.stderr.read()
            header += line
        lab_pid = json.loads(header)["pid"]
        proc.send_signal(stop)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert _gone_within(lab_pid, 2.0)


def _copy_without(source, dotted, path):
    """A copy of the YAML file ``source`` at ``path`` without the key ``dotted``."""
    data = yaml.safe_load(source.read_text())
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node[key]
    del node[leaf]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(("reference", "drop_link", "role", "requirement"), [
    ("sim-ev-charger-16j-11kw.yaml", None, "ev_emulator", "EV-LIMIT-TX"),
    # without its SG-Ready contacts link, so that the bench opens and the suites find digital_io missing
    ("sim-heat-pump-modbus.yaml", "sg_ready", "digital_io", "HP-LIMIT-MODBUS"),
], ids=["ev_charger", "heat_pump"])
def test_missing_instrument_the_suites_need_is_a_bench_error(lab, reference, drop_link, role, requirement):
    """A bench without the instrument a device class's suites drive (the EV emulator, the SG-Ready
    contacts) cannot test it: every test is a bench ERROR naming the missing instrument, never
    NOT_APPLICABLE, and the campaign is INCONCLUSIVE."""
    profile = REPO / "device_profiles" / reference
    if drop_link is not None:
        profile = _copy_without(profile, f"links.{drop_link}", lab.tmp_path / "dut.yaml")
    bench = _copy_without(DEFAULT_BENCH, f"instruments.{role}", lab.tmp_path / "bench.yaml")
    result = lab.run(profile=profile, bench=bench, requirements=[requirement])
    assert result.exit_code == 2, result.stdout + result.stderr[-3000:]
    ends = [e for e in _record(result.out_dir) if e["kind"] == "test_end"]
    assert ends and all(e["outcome"] == "ERROR" for e in ends)
    assert all(f"instruments.{role}" in e["message"] for e in ends), ends[0]["message"]
    assert result.verdict(requirement) == "INCONCLUSIVE"
    assert result.report["verdict"] == "INCONCLUSIVE"


def test_force_rerun_into_an_old_report_records_what_it_replaced(lab):
    """Issue 13 finding 6: an existing --out folder is never overwritten silently."""
    first = subprocess.run(lab.command(requirements=["PV-SUNSPEC-DISCOVERY"]), cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 2, first.stderr[-2000:]   # one requirement only: the campaign is INCONCLUSIVE
    again = subprocess.run(lab.command(requirements=["PV-SUNSPEC-DISCOVERY"]), cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 3 and "not empty" in again.stderr
    forced = subprocess.run([*lab.command(requirements=["PV-SUNSPEC-DISCOVERY"]), "--force"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert forced.returncode == 2, forced.stderr[-2000:]
    events = [e["message"] for e in _record(lab.tmp_path / "out") if e["kind"] == "event"]
    assert any(m.startswith("--force: the output folder's previous contents were removed") and "record.jsonl" in m
               for m in events), events
