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
        # stderr goes to an anonymous temporary file, never a pipe (a chatty lab must not block on a
        # full pipe) and never a named file (nothing is left behind however either process ends);
        # it lives as long as the lab, so no with-block: _cleanup() closes it
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives __init__, see above
        # the spec goes in as one line on stdin, which then stays open: when this process ends, however
        # it ends, the lab reads end-of-file and exits by itself (simlab.lab.watch_parent)
        self.proc = subprocess.Popen([sys.executable, "-m", "simlab", "--spec", "-"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log, text=True)
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(asdict(spec)) + "\n")
        self.proc.stdin.flush()
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
        try:   # pread: the lab shares the file offset, so never move it
            fd = self._log.fileno()
            size = os.fstat(fd).st_size
            return os.pread(fd, 2000, max(0, size - 2000)).decode("utf-8", "replace").strip()
        except (OSError, ValueError):
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
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None and not pipe.closed:
                    pipe.close()
            except OSError:
                pass
        if not self._log.closed:
            self._log.close()
