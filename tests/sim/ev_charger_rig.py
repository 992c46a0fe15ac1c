"""A rig for the simulated OCPP charger against the bench's own CSMS: the CSMS on its own thread,
the charger in an asyncio loop thread advanced in virtual time by the lab (``Lab.advance``). Shared by
the simulated-charger tests (tests/sim/test_ev_charger_*.py)."""


from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from links.ocpp import (CsmsConfig, CsmsServer,
                        OcppVersion, TestPki)
from simlab.lab import Lab, LabSpec

START = "2026-06-21T12:00:00+02:00"
CHARGER_ID = "SIMCP1"
PASSWORD = "s3cret-pass-1234"
REPLY_S = 5.0
STEP_S = 0.1          # physics step of these tests (campaigns use 0.02 s)


def calendar(t_s: float, start: str = START) -> dt.datetime:
    return dt.datetime.fromisoformat(start) + dt.timedelta(seconds=t_s)


def iso(t_s: float, start: str = START) -> str:
    return calendar(t_s, start).astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Rig:
    """The bench's CSMS (own thread, as in a campaign) + the lab with one simulated charger
    (``kind: ev_charger``, built by the registry's ``lab_device``) in an asyncio loop thread."""

    def __init__(self, version: OcppVersion, tmp_path: Path, *, security_profile: int = 0, trust_other_ca: bool = False,
                 parameters: dict[str, Any] | None = None, knobs: dict[str, Any] | None = None,
                 heartbeat_interval_s: int = 60, start_calendar: str = START) -> None:
        self.version = version
        self.frames: list[tuple[str, str]] = []
        tls = ca_cert = client = None
        if security_profile >= 2:
            pki = TestPki(tmp_path / "pki")
            tls = pki.issue_server_cert()
            ca_cert = pki.ca_cert_path
            if trust_other_ca:
                ca_cert = TestPki(tmp_path / "other", name="some other CA").ca_cert_path
            if security_profile == 3:
                client = pki.issue_client_cert(CHARGER_ID)
        self.csms = CsmsServer(CsmsConfig(security_profile=security_profile, tls=tls,
                                          passwords={CHARGER_ID: PASSWORD} if security_profile in (1, 2) else {},
                                          heartbeat_interval_s=heartbeat_interval_s, response_timeout_s=REPLY_S),
                               trace=lambda direction, text: self.frames.append((direction, text)))
        port = self.csms.start()
        scheme = "wss" if security_profile >= 2 else "ws"
        link = {"protocol": version.protocol,
                "csms_url": f"{scheme}://localhost:{port}", "charger_id": CHARGER_ID,
                "password": PASSWORD if security_profile in (1, 2) else None,
                "ocpp_version": version.name, "security_profile": security_profile,
                "ca_cert": str(ca_cert) if ca_cert else None,
                "client_cert": str(client.cert_path) if client else None,
                "client_key": str(client.key_path) if client else None}
        params = {"rated_current_a": 32.0, "meter_value_interval_s": 10.0, "reboot_delay_s": 5.0,
                  "reconnect_backoff_min_s": 10.0, "call_timeout_s": REPLY_S, **(parameters or {})}
        nameplate = {"manufacturer": "Flexbench", "model": "SimCharger", "serial_number": "SN-0001",
                     "firmware_version": "1.0.0"}
        device = {"kind": "ev_charger", "parameters": params, "knobs": knobs or {}, "nameplate": nameplate,
                  "links": {"control": link}}
        self.spec = LabSpec(start_calendar=start_calendar, step_s=STEP_S, device=device)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lab: Lab = self.run(self._start_lab())
        self.charger = self.lab.device
        self.port = self.lab.physics.ev_port

    async def _start_lab(self) -> Lab:
        lab = Lab(self.spec)
        lab.source.output_on = True                     # the grid: 230 V on three phases
        lab.source.voltage_setpoint_v = [230.0, 230.0, 230.0]
        await lab.start()
        return lab

    def run(self, coroutine: Any, timeout_s: float = 15.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def advance(self, to_s: float) -> None:
        """Advance the lab to ``to_s`` as the bench does, then once more to the same time: messages
        the physics caused during the chunk (status, transaction start) go out at the lab's next
        ``advance`` (the bench's next clock tick), timestamped when they happened."""
        self.run(self.lab.advance(to_s))
        self.run(self.lab.advance(to_s))

    def in_loop(self, fn: Any) -> Any:
        async def run() -> Any:
            return fn()
        return self.run(run())

    def plug_in(self, *, charge: bool = True) -> None:
        def go() -> None:
            self.port.ev_connected = True
            self.port.ev_requests_charge = charge
        self.in_loop(go)

    def drop_connection(self) -> None:
        """The CSMS closes the charger's WebSocket and refuses it; wait (real time) until the
        charger has seen the close, so it counts as offline from the present bench time."""
        self.csms.refuse_connections(CHARGER_ID, True)
        assert self.csms.disconnect(CHARGER_ID)
        deadline = time.monotonic() + REPLY_S
        while self.in_loop(lambda: self.charger.online):
            assert time.monotonic() < deadline, "the charger did not notice the closed connection"
            time.sleep(0.005)

    def call(self, request: Any) -> Any:
        return self.csms.call_checked(CHARGER_ID, request, REPLY_S)

    def actions_in(self, action: str) -> list[dict[str, Any]]:
        """Payloads of CALLs ``action`` the charger sent, in order."""
        out = []
        for direction, text in self.frames:
            if direction == f"in:{CHARGER_ID}":
                frame = json.loads(text)
                if frame[0] == 2 and frame[2] == action:
                    out.append(frame[3])
        return out

    def close(self) -> None:
        try:
            self.lab.handle({"op": "shutdown"})
            self.run(self.lab.run_until_stopped())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5.0)
            self.csms.stop()


def rig_factory(tmp_path: Path) -> Iterator[Any]:
    """Body of a ``make_rig`` fixture: yields ``make(version, **kwargs) -> Rig``, closes every rig after."""
    rigs: list[Rig] = []

    def make(version: OcppVersion, **kwargs: Any) -> Rig:
        rig = Rig(version, tmp_path, **kwargs)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()
