"""Issue 11 item 5: a real charger runs in real time. A bench session opened for a charger that is not
simulated (the profile has no ``simulation`` section; the instruments are the simulated lab's) runs
on the wall clock by default, so the BootNotification ``currentTime`` the bench's CSMS sends is the
real time (within 2 s); with ``--clock virtual`` it is the frozen virtual calendar, and the record
and the report say the real device ran on the virtual clock.

The charger is the ``ocpp`` library's own 1.6J ChargePoint, on its own thread, dialling the bench's
CSMS while the session opens."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from pathlib import Path
from typing import Any

from external_device import free_port, ocpp_charger_profile
from ocpp_test_chargers import ChargerThread, FullCharger16, basic_auth_header, boot16

from bench.campaign import build_session
from bench.recorder import read_record
from bench.session import OpenBench
from links.ocpp.timestamps import parse_timestamp
from reports.build import assemble_report

CHARGER_ID = "REAL-CP-1"
PASSWORD = "real-charger-password-16"
VIRTUAL_START = "2026-06-21T12:00:00+02:00"     # bench/configs/simulated.yaml start_calendar


def _real_charger_profile(tmp_path: Path, port: int) -> Path:
    return ocpp_charger_profile(
        tmp_path / "real-charger.yaml", charger_id=CHARGER_ID, port=port,
        description="an OCPP 1.6J charge point built from the ocpp library, not simulated by the bench",
        manufacturer="Acme", model="W11",
        link={"security_profile": 1, "password": PASSWORD, "connect_timeout_s": 30.0})


def _wait_listening(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the bench's CSMS never listened on port {port}")


def _open_with_charger(tmp_path: Path, clock: str | None) -> tuple[OpenBench, str, float]:
    """Open the bench for the real charger; return it, the ``currentTime`` of the BootNotification
    reply the charger received, and the wall time (POSIX s) it received it at."""
    port = free_port()
    profile = _real_charger_profile(tmp_path, port)
    opened: dict[str, Any] = {}

    def open_bench() -> None:
        try:
            opened["bench"] = build_session(bench=None, profile=profile, out=tmp_path / "out", clock=clock)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            opened["error"] = exc

    opener = threading.Thread(target=open_bench, daemon=True)
    opener.start()
    _wait_listening(port, 30.0)
    replies: list[tuple[Any, float]] = []

    async def boot(cp: Any) -> None:
        result = await boot16(cp)
        replies.append((result, time.time()))

    with ChargerThread(FullCharger16, f"ws://127.0.0.1:{port}", CHARGER_ID, "ocpp1.6", boot,
                       headers=basic_auth_header(CHARGER_ID, PASSWORD)) as charger:
        opener.join(60.0)
        assert charger.error is None, charger.error
    assert "error" not in opened, opened.get("error")
    [(result, received_at)] = replies
    assert result.status == "Accepted"
    return opened["bench"], result.current_time, received_at


def test_a_real_charger_gets_the_wall_clock_in_boot_current_time(tmp_path: Path) -> None:
    bench, current_time, received_at = _open_with_charger(tmp_path, clock=None)   # the default
    try:
        assert bench.clock.virtual is False and bench.lab is not None           # simulated instruments
        sent = parse_timestamp(current_time)
        assert sent is not None and current_time.endswith("Z")
        assert abs(sent.timestamp() - received_at) < 2.0, (current_time, received_at)
        # the bench calendar follows the wall clock while the campaign runs
        assert abs(bench.clock.calendar().timestamp() - time.time()) < 2.0
        # and the simulated lab runs in real time: its time moves without the bench advancing it
        lab_before_s = bench.lab.request("hello")["t_s"]
        time.sleep(0.5)
        assert bench.lab.request("hello")["t_s"] - lab_before_s > 0.3
    finally:
        bench.close()
    [start] = [e for e in read_record(tmp_path / "out" / "record.jsonl") if e["kind"] == "campaign_start"]
    assert start["clock"]["mode"] == "wall" and start["clock"]["requested"] is None
    recorded_start = dt.datetime.fromisoformat(start["clock"]["start_calendar"])
    assert abs(recorded_start.timestamp() - dt.datetime.fromisoformat(start["wall_utc"]).timestamp()) < 2.0
    assert start["simulated_parts"] == {"instruments": True, "device": False}


def test_a_real_charger_on_the_virtual_clock_gets_the_frozen_calendar_and_the_report_says_so(
        tmp_path: Path) -> None:
    bench, current_time, _ = _open_with_charger(tmp_path, clock="virtual")
    try:
        assert bench.clock.virtual is True
        sent = parse_timestamp(current_time)
        assert sent == dt.datetime.fromisoformat(VIRTUAL_START)
    finally:
        bench.close()
    entries = list(read_record(tmp_path / "out" / "record.jsonl"))
    [start] = [e for e in entries if e["kind"] == "campaign_start"]
    assert start["clock"]["mode"] == "virtual" and start["clock"]["requested"] == "virtual"
    assert start["simulated_parts"] == {"instruments": True, "device": False}
    report = assemble_report(entries)
    assert report["dut"]["simulated"] is False
    assert report["campaign"]["simulated_parts"] == {"instruments": True, "device": False}
    assert "the instruments were simulated (the device under test is real)" in report["simulation_notice"]
    assert any("device under test is real but the bench ran on the virtual clock" in d for d in report["deviations"])

