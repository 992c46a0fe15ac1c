"""A real labgrid coordinator for tests: ``labgrid-coordinator`` of the project's environment on a
free local port, in a folder of its own (it keeps its places there), stopped afterwards."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from external_device import free_port

COORDINATOR = Path(sys.executable).with_name("labgrid-coordinator")


@contextmanager
def running_coordinator(folder: Path, places: tuple[str, ...] = ()) -> Iterator[str]:
    """Start a coordinator, create ``places`` on it, yield its HOST:PORT."""
    from bench.places import CoordinatorSession

    folder.mkdir(parents=True, exist_ok=True)
    address = f"127.0.0.1:{free_port()}"
    log = (folder / "coordinator.log").open("w")
    proc = subprocess.Popen([str(COORDINATOR), "-l", address], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20.0
        while "listening on" not in (folder / "coordinator.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"labgrid-coordinator did not start:\n{(folder / 'coordinator.log').read_text()}")
            time.sleep(0.05)
        admin = CoordinatorSession(address, "tests/admin")
        try:
            for name in places:
                admin.add_place(name)
        finally:
            admin.close()
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
