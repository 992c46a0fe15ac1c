"""A throwaway PostgreSQL cluster for tests and benchmarks: the Debian package's initdb / pg_ctl
(/usr/lib/postgresql/<version>/bin, .ci/system-deps installs it) in a temp dir, trust authentication,
fsync off, TCP on 127.0.0.1 on a free port and the unix socket in the temp dir; stopped with
``pg_ctl -m immediate``. initdb refuses root, so as root the cluster runs as the ``postgres`` user
(``runuser -u postgres --``) in a temp dir chowned to it.

Tests use :func:`cluster_or_skip` (session-scoped fixture): without the binaries it skips with the
reason, except under CI (CI=true), where it fails.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from external_device import free_port
from system_packages import missing

SUPERUSER = "postgres"
START_TIMEOUT_S = 60


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (None: not installed)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")
             if (Path(p).parent / "pg_ctl").is_file()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


class PostgresCluster:
    """One running cluster; :meth:`create_database` gives a fresh database's URL."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="flexbench-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)

    def start(self) -> PostgresCluster:
        init = self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", SUPERUSER, "-E", "UTF8",
                         "--no-sync", "--no-instructions")
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}): {init.stderr.strip()[-2000:]}")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                            "-w", "-t", str(START_TIMEOUT_S), "start")
        if started.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:] if (
                self.root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed ({started.returncode}): {started.stderr.strip()} {log}")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL (``postgresql://`` form, as a user would type it)."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def cluster_or_skip() -> PostgresCluster:
    """A started cluster, or a skip naming what is missing (a failure under CI=true)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        reason = ("PostgreSQL server binaries missing (/usr/lib/postgresql/*/bin/initdb): "
                  ".ci/system-deps installs the Debian package 'postgresql'")
        missing(reason)
    return PostgresCluster(bin_dir).start()
