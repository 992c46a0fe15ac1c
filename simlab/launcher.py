"""Start, drive and stop the simulated lab process from the bench (the control channel's client)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict
from typing import Any

from bench.errors import ConfigError, LabError
from simlab.spec import LabSpec


class SimLabProcess:
    """A running lab process (``python -m simlab``, simlab/lab.py) and its control connection."""

    def __init__(self, spec: LabSpec, *, start_timeout_s: float = 30.0, config_file: str | None = None) -> None:
        self.spec = spec
        self._config_file = config_file
        fd, self._spec_path = tempfile.mkstemp(prefix="flexbench-lab-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(spec), fh)
        # stderr goes to a file, never a pipe: a chatty lab must not block on a full pipe.
        self.log_path = self._spec_path[:-5] + ".log"
        # open for the lab process's whole life, so no with-block: _cleanup() closes it
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - outlives __init__, see above
        self.proc = subprocess.Popen([sys.executable, "-m", "simlab", "--spec", self._spec_path],
                                     stdout=subprocess.PIPE, stderr=self._log, text=True)
        line = self._read_ready_line(start_timeout_s)
        try:
            ready = json.loads(line)
        except json.JSONDecodeError:
            reason = line.strip() or self._stderr_tail()
            self.kill()
            raise LabError(f"simulated lab did not start: {reason}") from None
        if not ready.get("ready"):
            self.kill()
            raise ConfigError(ready.get("error", "simulated lab refused its spec"),
                              file=config_file, field=ready.get("field"))
        self.ports: dict[str, int] = ready["ports"]
        self.pid: int = ready["pid"]
        self._sock = socket.create_connection((spec.host, self.ports["control"]), timeout=30.0)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._rfile = self._sock.makefile("rb")

    def _read_ready_line(self, timeout_s: float) -> str:
        import selectors

        sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout_s):
            self.kill()
            raise LabError(f"simulated lab did not report ready within {timeout_s} s")
        return self.proc.stdout.readline()

    def _stderr_tail(self) -> str:
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        try:
            with open(self.log_path, encoding="utf-8") as fh:
                return fh.read().strip()[-2000:]
        except OSError:
            return ""

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        payload = (json.dumps({"op": op, **fields}) + "\n").encode()
        try:
            self._sock.sendall(payload)
            line = self._rfile.readline()
        except OSError as exc:
            raise LabError(f"simulated lab control channel failed during '{op}': {exc}") from exc
        if not line:
            code = self.proc.poll()
            raise LabError(f"simulated lab vanished during '{op}' (exit code {code})")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise LabError(f"simulated lab refused '{op}': {reply.get('error')}")
        return reply

    def advance_to(self, t_s: float) -> None:
        self.request("advance", to_s=t_s)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive:
            try:
                self.request("shutdown")
            except LabError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._cleanup()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        for closer in (getattr(self, "_rfile", None), getattr(self, "_sock", None)):
            try:
                if closer is not None:
                    closer.close()
            except OSError:
                pass
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self._log.closed:
            self._log.close()
        for path in (self._spec_path, self.log_path):
            try:
                os.unlink(path)
            except OSError:
                pass
