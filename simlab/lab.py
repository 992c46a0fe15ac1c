"""The simulated lab process: ``python -m simlab --spec SPEC.json`` (or ``flexbench sim``).

One asyncio loop serves everything, so the lab is deterministic: the simulated instruments
(SCPI over TCP sockets), the simulated device's protocol servers and clients (its ``serve`` hook,
simlab/devices/hooks.py) and the control channel. Time is virtual and moves only when the bench sends
``advance`` over the control channel (or, in real-time mode, with wall time x time_scale).

Control channel: JSON Lines over TCP, one request -> one reply:
  {"op": "hello"}               -> {"ok": true, "t_s": ..., "ports": {...}, "pid": ...}
  {"op": "advance", "to_s": T}  -> {"ok": true, "t_s": T}   (runs the physics up to bench time T)
  {"op": "time"}                -> {"ok": true, "t_s": ...}
  {"op": "shutdown"}            -> {"ok": true}  then the process exits
Any error -> {"ok": false, "error": "..."}.

With ``--spec -`` (how the bench starts it, simlab/launcher.py) the spec is the first line of stdin
and stdin stays open: when the parent dies, however it dies, the lab reads end-of-file and exits by
itself (:func:`watch_parent`), so no lab outlives its bench.

On start the lab prints exactly one JSON line on stdout: {"ready": true, "ports": {...}}, or
{"ready": false, "error": "...", "field": "..."} and exits 3 when the spec is invalid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from bench.errors import ConfigError
from bench.registry import UnknownEntryError
from simlab.devices.hooks import LabDevice
from simlab.devices.registry import SIM_DEVICES, DeviceContext, SimSettingError
from simlab.instrument_registry import SIM_INSTRUMENTS
from simlab.physics import Feeder, GridSourceState, Physics, PvArrayState
from simlab.spec import DeviceDeclaration, LabSpec, SpecError


def _device_context(spec: LabSpec, physics: Physics | None) -> DeviceContext:
    d = spec.device or {}
    channels = d.get("contact_channels")
    return DeviceContext(kind=str(d.get("kind")), parameters=dict(d.get("parameters") or {}),
                         knobs=dict(d.get("knobs") or {}), nameplate=dict(d.get("nameplate") or {}),
                         links={k: dict(v) for k, v in (d.get("links") or {}).items()},
                         map=dict(d.get("map") or {}), unit_id=int(d.get("unit_id", 1)),
                         contact_channels=tuple(channels) if channels else None, seed=spec.seed,
                         host=spec.host, start_calendar=spec.start_calendar,
                         dut_port=int(spec.ports.get("dut", 0)), physics=physics)


def build_lab_device(spec: LabSpec, physics: Physics | None = None) -> LabDevice | None:
    """Build the simulated DUT named by ``spec.device.kind`` (simlab/devices/registry.py); a bad
    kind, parameter or knob raises :class:`SpecError` naming the profile field."""
    if spec.device is None:
        return None
    kind = str(spec.device.get("kind"))
    try:
        build = SIM_DEVICES.get(kind)
    except UnknownEntryError as exc:
        raise SpecError("simulation.device", exc.detail) from None
    try:
        return build(_device_context(spec, physics))
    except ConfigError as exc:     # e.g. a declared register map the device cannot serve
        raise SpecError(exc.field or "simulation", exc.detail) from exc
    except (SimSettingError, ValueError) as exc:
        key = getattr(exc, "key", "")
        section = getattr(exc, "section", None) or "parameters"
        if section == "parameters" and key.startswith("nameplate."):
            raise SpecError("ratings", str(exc)) from exc
        raise SpecError(f"simulation.{section}.{key}" if key else f"simulation.{section}", str(exc)) from exc


def validate_device(profile: DeviceDeclaration) -> None:
    """Build a profile's simulated device in-process, without a lab (nothing starts), from its
    ``simulation`` section alone: a bad device kind, parameter or knob raises :class:`SpecError`
    naming the profile field. Nothing to check for a real device."""
    sim = profile.simulation
    if sim is None:
        return
    build_lab_device(LabSpec(device={"kind": sim["device"], "parameters": sim.get("parameters", {}),
                                     "knobs": sim.get("knobs", {})}))


def _build_instrument(role: str, cfg: dict[str, Any], physics: Physics, seed: int) -> Any:
    model = cfg["model"]
    try:
        factory = SIM_INSTRUMENTS.get(model)
    except UnknownEntryError as exc:
        raise SpecError(f"instruments.{role}.model", exc.detail) from None
    return factory(physics, seed=seed, faults=cfg.get("faults", {}))


@runtime_checkable
class LabObserver(Protocol):
    """Something in the lab that must see the lab's state at instants of its own (a simulated
    instrument's data store): the lab stops its physics exactly at ``next_due_s()`` and calls
    ``observe`` there, after the device's protocol work due at that instant."""

    def next_due_s(self) -> float | None:
        """The next instant (lab seconds) to observe; None: nothing due."""

    def observe(self, t_s: float) -> None:
        """Take the observation due at ``t_s`` (and move the next due instant on)."""


class Lab:
    def __init__(self, spec: LabSpec) -> None:
        self.spec = spec
        self.source = GridSourceState()
        self.pv_array = PvArrayState()
        self.physics = Physics(self.source, None,
                               feeder=Feeder(spec.feeder_resistance_ohm, spec.feeder_reactance_ohm),
                               pv_array=self.pv_array, step_s=spec.step_s)
        self.device = build_lab_device(spec, self.physics)
        self.physics.device = self.device
        # a device whose dynamics are slow may declare a coarser physics step (never finer than the
        # bench's): e.g. an EV charger, whose fastest behaviour is the EV's ~seconds response
        device_step_s = self.device.physics_step_s if self.device is not None else None
        if device_step_s:
            self.physics.step_s = max(spec.step_s, float(device_step_s))
        self.ports: dict[str, int | str] = {}
        self.observers: list[LabObserver] = []
        self._servers: list[asyncio.AbstractServer] = []
        self._stop = asyncio.Event()
        # real time: lab time 0 at the bench's origin when given (the same system-wide monotonic clock)
        origin_s = spec.time_origin_monotonic_s
        self._wall0 = time.monotonic() if origin_s is None else float(origin_s)

    async def start(self) -> None:
        from simlab.instruments.scpi_server import serve_scpi

        host = self.spec.host
        for role, cfg in self.spec.instruments.items():
            sim = _build_instrument(role, cfg, self.physics, self.spec.seed)
            if isinstance(sim, LabObserver):
                self.observers.append(sim)
            serve = getattr(sim, "serve", None)     # a streaming port (the P1 meter), else SCPI lines
            server, port = await (serve(host, self.spec.ports.get(role, 0)) if serve is not None
                                  else serve_scpi(sim, host, self.spec.ports.get(role, 0)))
            self._servers.append(server)
            self.ports[role] = port
        if self.device is not None:
            self.ports.update(await self.device.serve(host))
        control = await asyncio.start_server(self._serve_control, host, self.spec.ports.get("control", 0))
        self._servers.append(control)
        self.ports["control"] = control.sockets[0].getsockname()[1]
        if self.spec.time_scale:
            asyncio.get_running_loop().create_task(self._real_time())

    async def _real_time(self) -> None:
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
            target = (time.monotonic() - self._wall0) * float(self.spec.time_scale or 1.0)
            if target > self.physics.t_s:
                await self.advance(target)

    async def advance(self, to_s: float) -> None:
        """Run the physics to bench time ``to_s``, stopping wherever the device has protocol work
        due (``next_event_s``) to await its ``on_time`` hook there, and at every observer's due
        instant (device work due at the same instant first); then let the loop run."""
        device, physics = self.device, self.physics
        repeats, last_due = 0, None
        for _ in range(10_000_000):
            due = device.next_event_s() if device is not None else None
            observer, seen_s = self._next_observer(to_s)
            if due is not None and due <= to_s + 1e-9 and (seen_s is None or due <= seen_s + 1e-9):
                physics.advance_to(max(due, physics.t_s))
                repeats = repeats + 1 if due == last_due else 0
                if repeats > 1000:      # the hook must move its next event on
                    raise RuntimeError(f"simulated device kept protocol work due at {due} s")
                last_due = due
                assert device is not None
                await device.on_time(physics.t_s)
                continue
            target_s = to_s if seen_s is None else seen_s
            if physics.t_s < target_s - 1e-9:
                physics.advance_to(target_s)
                continue            # the physics may have made protocol work due (EV plugged in...)
            if observer is None:
                break
            observer.observe(physics.t_s)
            await asyncio.sleep(0)  # as between the bench's ticks: pending protocol I/O runs
        await asyncio.sleep(0)

    def _next_observer(self, to_s: float) -> tuple[LabObserver | None, float | None]:
        """The observer due first at or before ``to_s`` and its instant (None, None: none)."""
        first: LabObserver | None = None
        first_s: float | None = None
        for observer in self.observers:
            due_s = observer.next_due_s()
            if due_s is not None and due_s <= to_s + 1e-9 and (first_s is None or due_s < first_s):
                first, first_s = observer, due_s
        return first, first_s

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "time":
            return {"ok": True, "t_s": self.physics.t_s}
        if op == "hello":
            return {"ok": True, "t_s": self.physics.t_s, "ports": self.ports, "pid": os.getpid(),
                    "step_s": self.physics.step_s}
        if op == "shutdown":
            self._stop.set()
            return {"ok": True}
        return {"ok": False, "error": f"unknown op {op!r}"}

    async def _serve_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            import socket as _socket

            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        try:
            while not reader.at_eof():
                line = await reader.readline()
                if not line:
                    break
                try:
                    request = json.loads(line)
                    if request.get("op") == "advance":
                        if self.spec.time_scale:
                            reply = {"ok": False, "error": "lab runs in real-time mode; advance is not accepted"}
                        else:
                            await self.advance(float(request["to_s"]))
                            reply = {"ok": True, "t_s": self.physics.t_s}
                    else:
                        reply = self.handle(request)
                except Exception as exc:  # noqa: BLE001 - a bad request must not kill the lab: it gets an error reply
                    reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def run_until_stopped(self) -> None:
        await self._stop.wait()
        if self.device is not None:
            try:
                await asyncio.wait_for(self.device.aclose(), timeout=5.0)
            except Exception as exc:  # noqa: BLE001 - shutting down: report any close failure, never hang
                print(f"lab: device close failed: {exc!r}", file=sys.stderr, flush=True)
        for server in self._servers:
            server.close()


async def _amain(spec: LabSpec, watch_stdin: bool = False) -> int:
    try:
        lab = Lab(spec)
        await lab.start()
    except SpecError as exc:
        print(json.dumps({"ready": False, "error": str(exc), "field": exc.field_name}), flush=True)
        return 3
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, lab._stop.set)
    if watch_stdin:
        watch_parent(loop, lab._stop.set)
    print(json.dumps({"ready": True, "ports": lab.ports, "pid": os.getpid()}), flush=True)
    await lab.run_until_stopped()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simlab", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spec", required=True, help="lab spec JSON file ('-' for stdin)")
    args = parser.parse_args(argv)
    # '-': the spec is the first line of stdin, and stdin stays open as the parent's lifeline
    raw = sys.stdin.readline() if args.spec == "-" else Path(args.spec).read_text(encoding="utf-8")
    spec = LabSpec.from_json(json.loads(raw))
    return asyncio.run(_amain(spec, watch_stdin=args.spec == "-"))


PARENT_GONE_EXIT_S = 1.5
"""After the parent is gone, the lab stops in an orderly way, or is ended this long after."""


def watch_parent(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> threading.Thread:
    """Stop the lab when the process that started it dies, however it dies (its end of our stdin
    closes): an orderly stop first, a hard exit ``PARENT_GONE_EXIT_S`` later if that hangs."""

    def wait_for_eof() -> None:
        try:
            while sys.stdin.readline():
                pass
        except (OSError, ValueError):
            pass
        print("lab: the process that started it is gone; stopping", file=sys.stderr, flush=True)
        try:
            loop.call_soon_threadsafe(stop)
        except RuntimeError:   # the loop has already closed: the lab is ending anyway
            return
        time.sleep(PARENT_GONE_EXIT_S)
        os._exit(0)

    thread = threading.Thread(target=wait_for_eof, name="parent-watch", daemon=True)
    thread.start()
    return thread
