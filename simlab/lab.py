"""The simulated lab process: ``python -m simlab.lab --spec SPEC.json`` (or ``flexbench sim``).

One asyncio loop serves everything, so the lab is deterministic: the simulated instruments
(SCPI over TCP sockets), the simulated device's protocol server (SunSpec Modbus TCP) and the
control channel. Time is virtual and moves only when the bench sends ``advance`` over the control
channel (or, in real-time mode, with wall time x time_scale).

Control channel: JSON Lines over TCP, one request -> one reply:
  {"op": "hello"}               -> {"ok": true, "t_s": ..., "ports": {...}, "pid": ...}
  {"op": "advance", "to_s": T}  -> {"ok": true, "t_s": T}   (runs the physics up to bench time T)
  {"op": "time"}                -> {"ok": true, "t_s": ...}
  {"op": "shutdown"}            -> {"ok": true}  then the process exits
Any error -> {"ok": false, "error": "..."}.

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
import time
from dataclasses import dataclass, field
from typing import Any

from simlab.physics import Feeder, GridSourceState, Physics, PvArrayState


@dataclass
class LabSpec:
    """What to simulate; built by the bench session from the bench config and device profile."""

    host: str = "127.0.0.1"
    seed: int = 1
    step_s: float = 0.02
    feeder_resistance_ohm: float = 0.0
    feeder_reactance_ohm: float = 0.0
    ports: dict[str, int] = field(default_factory=dict)            # role -> fixed port (0 = any)
    instruments: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> {model, faults}
    device: dict[str, Any] | None = None    # {kind, parameters, knobs, map, nameplate, unit_id, contact_channels}
    time_scale: float | None = None         # real-time mode: lab time = wall time x scale
    start_calendar: str = "2026-06-21T12:00:00+02:00"   # calendar time of bench time 0 (virtual time of day)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LabSpec":
        return cls(**data)


class SpecError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        self.field_name = field_name
        super().__init__(message)


def _device_context(spec: LabSpec, physics: Any = None) -> Any:
    from simlab.devices.registry import DeviceContext

    d = spec.device or {}
    channels = d.get("contact_channels")
    return DeviceContext(kind=str(d.get("kind")), parameters=dict(d.get("parameters") or {}),
                         knobs=dict(d.get("knobs") or {}), nameplate=dict(d.get("nameplate") or {}),
                         links={k: dict(v) for k, v in (d.get("links") or {}).items()},
                         map=dict(d.get("map") or {}), unit_id=int(d.get("unit_id", 1)),
                         contact_channels=tuple(channels) if channels else None, seed=spec.seed,
                         host=spec.host, start_calendar=spec.start_calendar, physics=physics)


def _build_device(spec: LabSpec, physics: Any = None):
    """Build the simulated DUT named by ``spec.device.kind`` (simlab/devices/registry.py)."""
    if spec.device is None:
        return None
    from simlab.devices.registry import SimSettingError, builder

    kind = spec.device.get("kind")
    try:
        build = builder(str(kind))
    except KeyError:
        raise SpecError("simulation.device", f"unknown simulated device kind {kind!r}") from None
    from bench.errors import ConfigError

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


def _build_instrument(role: str, cfg: dict[str, Any], physics: Physics, seed: int):
    from simlab.instrument_registry import SIM_INSTRUMENTS

    model = cfg["model"]
    factory = SIM_INSTRUMENTS.get(model)
    if factory is None:
        raise SpecError(f"instruments.{role}.model",
                        f"the simulated lab has no model {model!r} (it has: {', '.join(sorted(SIM_INSTRUMENTS))})")
    return factory(physics, seed=seed, faults=cfg.get("faults", {}))


class Lab:
    def __init__(self, spec: LabSpec) -> None:
        self.spec = spec
        self.source = GridSourceState()
        self.pv_array = PvArrayState()
        self.physics = Physics(self.source, None,
                               feeder=Feeder(spec.feeder_resistance_ohm, spec.feeder_reactance_ohm),
                               pv_array=self.pv_array, step_s=spec.step_s)
        self.device = _build_device(spec, self.physics)
        self.physics.device = self.device
        # a device whose dynamics are slow may declare a coarser physics step (never finer than the
        # bench's): e.g. an EV charger, whose fastest behaviour is the EV's ~seconds response
        device_step_s = getattr(self.device, "physics_step_s", None)
        if device_step_s:
            self.physics.step_s = max(spec.step_s, float(device_step_s))
        self.ports: dict[str, int] = {}
        self._servers: list[Any] = []
        self._stop = asyncio.Event()
        self._wall0 = time.monotonic()

    async def start(self) -> None:
        from simlab.instruments.scpi_server import serve_scpi

        host = self.spec.host
        for role, cfg in self.spec.instruments.items():
            sim = _build_instrument(role, cfg, self.physics, self.spec.seed)
            server, port = await serve_scpi(sim, host, self.spec.ports.get(role, 0))
            self._servers.append(server)
            self.ports[role] = port
        if self.device is not None and self.spec.device.get("kind") == "pv_inverter":
            from links.sunspec_modbus.server import start_sunspec_server

            m = self.spec.device.get("map", {})
            handle, port = await start_sunspec_server(
                self.device, host=host, port=self.spec.ports.get("dut", 0),
                unit_id=int(self.spec.device.get("unit_id", 1)),
                base_address=int(m.get("base_address", 40000)),
                omit_models=tuple(m.get("omit_models", ())))
            self._servers.append(handle)
            self.ports["dut"] = port
        elif self.device is not None and hasattr(self.device, "serve"):
            endpoints = await self.device.serve(host)
            self.ports.update(endpoints or {})
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
        due (``next_event_s``) to await its ``on_time`` hook there; then let the loop run."""
        device = self.device
        next_event = getattr(device, "next_event_s", None)
        on_time = getattr(device, "on_time", None)
        repeats, last_due = 0, None
        for _ in range(10_000_000):
            due = next_event() if next_event is not None and on_time is not None else None
            if due is None or due > to_s + 1e-9:
                if self.physics.t_s < to_s - 1e-9:
                    self.physics.advance_to(to_s)
                    continue        # the physics may have made protocol work due (EV plugged in...)
                break
            self.physics.advance_to(max(due, self.physics.t_s))
            repeats = repeats + 1 if due == last_due else 0
            if repeats > 1000:      # the hook must move its next event on
                raise RuntimeError(f"simulated device kept protocol work due at {due} s")
            last_due = due
            await on_time(self.physics.t_s)
        await asyncio.sleep(0)

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
                except Exception as exc:  # a bad request must not kill the lab
                    reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def run_until_stopped(self) -> None:
        await self._stop.wait()
        aclose = getattr(self.device, "aclose", None)
        if aclose is not None:
            try:
                await asyncio.wait_for(aclose(), timeout=5.0)
            except Exception as exc:   # shutting down: report, never hang
                print(f"lab: device close failed: {exc!r}", file=sys.stderr, flush=True)
        for server in self._servers:
            close = getattr(server, "close", None)
            if close is not None:
                result = close()
                if asyncio.iscoroutine(result):
                    await result


async def _amain(spec: LabSpec) -> int:
    try:
        lab = Lab(spec)
        await lab.start()
    except SpecError as exc:
        print(json.dumps({"ready": False, "error": str(exc), "field": exc.field_name}), flush=True)
        return 3
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lab._stop.set)
    print(json.dumps({"ready": True, "ports": lab.ports, "pid": os.getpid()}), flush=True)
    await lab.run_until_stopped()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simlab.lab", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="lab spec JSON file ('-' for stdin)")
    args = parser.parse_args(argv)
    raw = sys.stdin.read() if args.spec == "-" else open(args.spec, encoding="utf-8").read()
    spec = LabSpec.from_json(json.loads(raw))
    return asyncio.run(_amain(spec))


if __name__ == "__main__":
    sys.exit(main())
