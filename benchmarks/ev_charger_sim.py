"""Speed of the simulated OCPP EV charger (simlab/devices/ev_charger) in virtual time.

Fixed scenario: the lab (``simlab.lab.Lab``, in process, 20 ms physics step) with one
``kind: ev_charger`` (OCPP 1.6J, 16 A rated, 3 phases), the grid at 230 V, an EV plugged in and
asking to charge from t = 0, and three charging profiles installed through the charger's own
SetChargingProfile service (``EvChargerSim.install_profile``, the controller's rules):

1. ChargePointMaxProfile, connector 0, Absolute, A: 16 A, then 14 A after 30 min;
2. TxDefaultProfile, connector 0, **Recurring Daily** from local midnight, W: 11 040 W, then
   7 360 W from 12:30 and 9 660 W from 13:30 (the lab's calendar starts at 12:00);
3. TxProfile, connector 1, Relative, A: 13 A, 8 A after 40 min, 3 A (pause) after 80 min,
   12 A on one phase after 100 min.

The lab is advanced like a campaign does, one ``Lab.advance`` per 200 ms of bench time, for
2 h of bench time. With ``--csms`` (default when links.ocpp imports) the charger dials the
bench's CSMS (links.ocpp.CsmsServer, own thread), so boot, StatusNotification, transactions and
MeterValues every 10 s cross a real WebSocket; ``--no-csms`` runs the charger offline.

Prints the bench-time / wall-time ratio and the physics cost per 20 ms step. ``--digest`` also
prints a SHA-256 over the charger state after every tick (offered current, pilot, EV current,
energy, SoC, connector state, messages sent): equal digests before and after a performance
change mean the simulation behaves identically. ``--profile FILE`` writes cProfile stats.

    .venv/bin/python benchmarks/ev_charger_sim.py [--hours 2] [--no-csms] [--digest] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from simlab.lab import Lab, LabSpec  # noqa: E402
from links.ocpp.smart_charging import from_ocpp16  # noqa: E402

START = "2026-06-21T12:00:00+02:00"
CHARGER_ID = "BENCHCP1"
TICK_S = 0.2           # one Lab.advance per 200 ms of bench time, as a campaign's clock does
STEP_S = 0.02          # physics step of the campaigns


def _profiles() -> list[tuple[int, dict[str, Any]]]:
    """(connector id, 1.6 csChargingProfiles) of the scenario."""
    return [
        (0, {"charging_profile_id": 1, "stack_level": 0, "charging_profile_purpose": "ChargePointMaxProfile",
             "charging_profile_kind": "Absolute",
             "charging_schedule": {"start_schedule": "2026-06-21T10:00:00Z", "charging_rate_unit": "A",
                                   "charging_schedule_period": [{"start_period": 0, "limit": 16.0},
                                                                {"start_period": 1800, "limit": 14.0}]}}),
        (0, {"charging_profile_id": 2, "stack_level": 1, "charging_profile_purpose": "TxDefaultProfile",
             "charging_profile_kind": "Recurring", "recurrency_kind": "Daily",
             "charging_schedule": {"start_schedule": "2026-06-20T22:00:00Z", "charging_rate_unit": "W",
                                   "charging_schedule_period": [{"start_period": 0, "limit": 11040.0},
                                                                {"start_period": 45000, "limit": 7360.0},
                                                                {"start_period": 48600, "limit": 9660.0}]}}),
        (1, {"charging_profile_id": 3, "stack_level": 2, "charging_profile_purpose": "TxProfile",
             "charging_profile_kind": "Relative",
             "charging_schedule": {"charging_rate_unit": "A",
                                   "charging_schedule_period": [{"start_period": 0, "limit": 13.0},
                                                                {"start_period": 2400, "limit": 8.0},
                                                                {"start_period": 4800, "limit": 3.0},
                                                                {"start_period": 6000, "limit": 12.0,
                                                                 "number_phases": 1}]}}),
    ]


class Scenario:
    """The lab in an asyncio loop thread (and, with ``csms``, the bench's CSMS on its own thread)."""

    def __init__(self, *, csms: bool) -> None:
        self.csms = None
        links: dict[str, Any] = {}
        if csms:
            from links.ocpp import CsmsConfig, CsmsServer

            self.csms = CsmsServer(CsmsConfig(heartbeat_interval_s=300, response_timeout_s=5.0))
            port = self.csms.start()
            links = {"control": {"protocol": "ocpp16j", "csms_url": f"ws://localhost:{port}",
                                 "charger_id": CHARGER_ID, "ocpp_version": "1.6", "security_profile": 0}}
        params = {"rated_current_a": 16.0, "meter_value_interval_s": 10.0, "phase_switching_supported": True,
                  "ocpp_version": "1.6J"}
        nameplate = {"manufacturer": "Flexbench", "model": "SimCharger", "serial_number": "SN-0001",
                     "firmware_version": "1.0.0"}
        spec = LabSpec(start_calendar=START, step_s=STEP_S,
                       device={"kind": "ev_charger", "parameters": params, "knobs": {}, "nameplate": nameplate,
                               "links": links})
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lab: Lab = self.run(self._start(spec))
        self.charger = self.lab.device

    async def _start(self, spec: LabSpec) -> Lab:
        lab = Lab(spec)
        lab.source.output_on = True
        lab.source.voltage_setpoint_v = [230.0, 230.0, 230.0]
        await lab.start()
        port = lab.physics.ev_port
        port.ev_connected = True
        port.ev_requests_charge = True
        return lab

    def run(self, coroutine: Any, timeout_s: float = 600.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    async def _install(self) -> list[str]:
        return [self.charger.install_profile(from_ocpp16(body), connector) for connector, body in _profiles()]

    async def _ticks(self, first: int, last: int, digest: Any,
                     profiler: cProfile.Profile | None = None) -> float:
        """Tick the lab; returns the CPU seconds the loop thread (the lab) spent."""
        lab, charger = self.lab, self.charger
        if profiler is not None:          # the physics runs in this (the loop's) thread
            profiler.enable()
        cpu0 = time.thread_time()
        for k in range(first, last + 1):
            await lab.advance(round(k * TICK_S, 9))
            if digest is not None:
                port = lab.physics.ev_port
                digest.update(repr((k, charger.electrical.offered_current_a, port.pilot_duty_pct,
                                    port.contactor_closed, port.supply_phases, port.ev_current_a,
                                    round(port.soc_pct, 9), charger.electrical.meter(),
                                    charger.connector_state(), len(charger.sent_actions),
                                    charger.sent_actions[-1:] if charger.sent_actions else None,
                                    lab.device.output())).encode())
        cpu_s = time.thread_time() - cpu0
        if profiler is not None:
            profiler.disable()
        return cpu_s

    def drive(self, hours: float, digest: Any,
              profiler: cProfile.Profile | None) -> tuple[float, float, float]:
        """Advance to 1 s (transaction running), install the profiles, then tick to ``hours``.
        Returns (bench seconds, wall seconds, lab-thread CPU seconds) of the timed part."""
        self.run(self._ticks(1, 5, digest))
        statuses = self.run(self._install())
        if statuses != ["Accepted"] * 3:
            raise SystemExit(f"profiles not accepted: {statuses} ({self.charger.controller.last_rejection})")
        last = int(round(hours * 3600.0 / TICK_S))
        t0 = self.lab.physics.t_s
        wall0 = time.perf_counter()
        cpu = self.run(self._ticks(6, last, digest, profiler), timeout_s=3600.0)
        wall = time.perf_counter() - wall0
        return self.lab.physics.t_s - t0, wall, cpu

    def close(self) -> None:
        try:
            self.lab.handle({"op": "shutdown"})
            self.run(self.lab.run_until_stopped(), timeout_s=20.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5.0)
            if self.csms is not None:
                self.csms.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0, help="bench time to simulate (default 2 h)")
    parser.add_argument("--csms", dest="csms", action="store_true", default=None,
                        help="dial the bench's CSMS (default when links.ocpp imports)")
    parser.add_argument("--no-csms", dest="csms", action="store_false", help="run the charger offline")
    parser.add_argument("--digest", action="store_true", help="print a SHA-256 of the per-tick charger state")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of the timed part")
    args = parser.parse_args(argv)
    csms = args.csms
    if csms is None:
        try:
            import links.ocpp  # noqa: F401
            csms = True
        except ImportError as error:
            print(f"links.ocpp does not import ({error}); running without the CSMS", file=sys.stderr)
            csms = False
    digest = hashlib.sha256() if args.digest else None
    profiler = cProfile.Profile() if args.profile else None
    scenario = Scenario(csms=csms)
    try:
        bench_s, wall_s, cpu_s = scenario.drive(args.hours, digest, profiler)
        sent = len(scenario.charger.sent_actions)
        final = scenario.lab.physics.ev_port
        energy_wh = scenario.charger.electrical.meter().energy_import_wh
    finally:
        scenario.close()
    if profiler is not None:
        profiler.dump_stats(args.profile)
    steps = bench_s / STEP_S
    print(f"scenario: OCPP 1.6J charger, 3 profiles (max / recurring daily W / relative Tx), "
          f"{'with' if csms else 'without'} CSMS, {TICK_S * 1000:.0f} ms ticks, {STEP_S * 1000:.0f} ms steps")
    print(f"bench time {bench_s:.1f} s in {wall_s:.2f} s wall: ratio {bench_s / wall_s:.0f} "
          f"(bench s per wall s); {wall_s / steps * 1e6:.1f} us per physics step (all-in)")
    print(f"lab thread CPU {cpu_s:.2f} s: ratio {bench_s / cpu_s:.0f} (bench s per lab CPU s); "
          f"{cpu_s / steps * 1e6:.1f} us CPU per physics step (machine load does not inflate this)")
    print(f"messages sent {sent}, energy {energy_wh:.1f} Wh, SoC {final.soc_pct:.3f} %")
    if digest is not None:
        print(f"digest {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
