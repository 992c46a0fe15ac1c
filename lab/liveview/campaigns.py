"""Running campaigns, found in campaign output folders and followed through their records.

A folder holding a ``record.jsonl`` is a campaign. :class:`LabMonitor` looks for them under its roots
(the root itself and up to :data:`SCAN_DEPTH` folders below it) and follows each one that has no
signed package yet (no ``manifest.sig``): a :class:`LiveCampaign` tails its record incrementally
(:class:`lab.liveview.tail.RecordTail`) and keeps what the page shows: DUT, bench, requirement and
test being run, step, bench time, ETA (:class:`bench.estimate.CampaignPosition`, the console's own)
and the analyzer's U / f / P / I samples of the running test.

State of a campaign: ``running`` (no ``campaign_end`` yet and its writer process, ``campaign_start.writer``,
is alive; for a record without a writer on this host: it grew within :data:`STALE_S`), ``stopped``
(no ``campaign_end`` and the writer is gone: killed, crashed), ``finished`` (``campaign_end`` written;
``report`` once the signed package is there).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from bench.estimate import CampaignPosition, estimate_bench_time
from lab.liveview.tail import RecordTail

__all__ = ["LabMonitor", "LiveCampaign", "campaign_key", "find_records", "sample_point", "writer_alive"]

RECORD_NAME = "record.jsonl"
SIGNATURE_NAME = "manifest.sig"
SCAN_DEPTH = 4                  # out/<name>/record.jsonl, out/demo/<name>/..., out/lab/<bench>/<name>/...
SKIPPED_FOLDERS = frozenset({"raw", "allure-results", "__pycache__", "node_modules"})
STALE_S = 120.0                 # a record without a known writer that has not grown this long is "stopped"
STOPPED_SHOWN_S = 24 * 3600.0   # a stopped campaign is listed while its record changed this recently
FINISHED_SHOWN_S = 15 * 60.0    # a finished campaign stays listed this long after its campaign_end was seen
MAX_POINTS = 4000               # samples kept for the live plot: beyond, every other one is dropped

POINT_FIELDS = ("t_s", "voltage_v", "frequency_hz", "active_power_w", "current_a")
"""A plot point: bench time, U and I of the first phase, frequency and total active power."""


def campaign_key(folder: Path) -> str:
    """The campaign's id in the page's URLs: a digest of its folder's resolved path."""
    return hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:12]


def find_records(root: Path, depth: int = SCAN_DEPTH) -> Iterator[Path]:
    """Every ``record.jsonl`` in ``root`` and up to ``depth`` folders below it (hidden folders and a
    package's own ``raw/`` / ``allure-results/`` skipped)."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if entry.name == RECORD_NAME and entry.is_file():
            yield Path(entry.path)
    if depth <= 0:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") \
                and entry.name not in SKIPPED_FOLDERS:
            yield from find_records(Path(entry.path), depth - 1)


def _wall_s(entry: Mapping[str, Any]) -> float | None:
    try:
        return _dt.datetime.fromisoformat(str(entry["wall_utc"])).timestamp()
    except (KeyError, ValueError):
        return None


def _number(value: Any, digits: int) -> float | None:
    return round(float(value), digits) if isinstance(value, (int, float)) else None


def sample_point(entry: Mapping[str, Any]) -> list[float | None] | None:
    """The plot point of a ``sample`` line (:data:`POINT_FIELDS`), None for a triggered capture's
    readings (read back after the fact, out of time order) or a line without a time."""
    t_s = entry.get("t_s")
    if entry.get("source") or not isinstance(t_s, (int, float)):
        return None
    phases = entry.get("phases") or []
    first = phases[0] if phases and isinstance(phases[0], list) else []
    voltage = first[0] if len(first) > 0 else None
    current = first[1] if len(first) > 1 else None
    return [round(float(t_s), 3), _number(voltage, 2), _number(entry.get("frequency_hz"), 4),
            _number(entry.get("active_power_w"), 1), _number(current, 3)]


def _process_started_s(pid: int) -> float | None:
    """When process ``pid`` started (Unix time, from /proc), None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot_s = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                      if line.startswith("btime "))
        ticks = int(stat.rsplit(")", 1)[1].split()[19])      # field 22, starttime, after "pid (comm)"
        return boot_s + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def writer_alive(pid: int, record_started_s: float | None) -> bool:
    """Process ``pid`` exists and (where /proc tells) started before the record did: a pid the system
    gave to another process since (after a reboot) is not the writer."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # someone else's process: it exists
        pass
    except OSError:
        return False
    started = _process_started_s(pid)
    return started is None or record_started_s is None or started <= record_started_s + 2.0


class LiveCampaign:
    """One campaign folder, followed through its record (call :meth:`update` to read what is new)."""

    def __init__(self, folder: Path, *, host: str | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self.key = campaign_key(folder)
        self.tail = RecordTail(folder / RECORD_NAME)
        self._host = host if host is not None else socket.gethostname()
        self._monotonic = monotonic
        self._reset()

    def _reset(self) -> None:
        self.start: dict[str, Any] | None = None
        self.end: dict[str, Any] | None = None
        self.identity: dict[str, Any] = {}
        self.position = CampaignPosition([], {})
        self.t_s = 0.0
        self.wall_s: float | None = None
        self.lines = 0
        self.points: list[list[float | None]] = []
        self.generation = 0          # bumped whenever ``points`` is replaced rather than appended to
        self._stride = 1
        self._samples_in_test = 0
        self.grew_at = self._monotonic()
        self.ended_at: float | None = None
        self.shown_state = ""          # the state the monitor last reported

    # --- reading ------------------------------------------------------------------------------------
    def update(self) -> bool:
        """Read the lines appended since the last call; True when anything was."""
        entries = self.tail.read_new()
        if self.tail.restarted:
            generation = self.generation
            self._reset()
            self.generation = generation + 1
        for entry in entries:
            try:
                self.apply(entry)
            except (TypeError, ValueError, AttributeError):     # a line no bench wrote: skipped, counted
                self.tail.bad_lines += 1
        if entries:
            self.grew_at = self._monotonic()
        return bool(entries) or self.tail.restarted

    def apply(self, entry: Mapping[str, Any]) -> None:
        """Take one record entry."""
        self.lines += 1
        kind = entry.get("kind")
        t_s = entry.get("t_s")
        if isinstance(t_s, (int, float)) and kind != "sample":
            self.t_s = max(self.t_s, float(t_s))
        wall = _wall_s(entry)
        if wall is not None:
            self.wall_s = wall
        if kind == "sample":
            self._add_sample(entry)
        elif kind == "campaign_start":
            self.start = dict(entry)
        elif kind == "plan":
            planned = [str(n) for n in entry.get("tests") or []]
            self.position = CampaignPosition(planned, estimate_bench_time(planned).per_test_s)
        elif kind == "dut_identity":
            self.identity = dict(entry.get("declared") or {})
        elif kind == "campaign_end":
            self.end = dict(entry)
            self.ended_at = self._monotonic()
        elif kind in ("test_start", "step", "test_end"):
            self.position.observe(entry, wall if wall is not None else time.time())
            if kind == "test_start":
                self.points, self._stride, self._samples_in_test = [], 1, 0
                self.generation += 1

    def _add_sample(self, entry: Mapping[str, Any]) -> None:
        point = sample_point(entry)
        if point is None:
            return
        self.t_s = max(self.t_s, float(point[0] or 0.0))
        self._samples_in_test += 1
        if (self._samples_in_test - 1) % self._stride:
            return
        self.points.append(point)
        if len(self.points) > MAX_POINTS:
            self.points = self.points[::2]
            self._stride *= 2
            self.generation += 1

    # --- what the page shows ------------------------------------------------------------------------
    @property
    def has_package(self) -> bool:
        return (self.folder / SIGNATURE_NAME).exists()

    def state(self) -> str:
        """``running``, ``stopped``, ``finished`` or ``report`` (finished, signed package there)."""
        if self.end is not None:
            return "report" if self.has_package else "finished"
        writer = (self.start or {}).get("writer") or {}
        pid = writer.get("pid")
        if writer.get("host") == self._host and isinstance(pid, int):
            return "running" if writer_alive(pid, _wall_s(self.start or {})) else "stopped"
        return "running" if self._monotonic() - self.grew_at < STALE_S else "stopped"

    def dut_text(self) -> str:
        device = ((self.start or {}).get("profile") or {}).get("config", {}).get("device") or {}
        ident = {**device, **{k: v for k, v in self.identity.items() if v}}
        name = " ".join(str(ident[k]) for k in ("manufacturer", "model") if ident.get(k))
        extra = ", ".join(f"{label} {ident[k]}" for k, label in (("serial_number", "serial"),
                                                                   ("firmware_version", "firmware")) if ident.get(k))
        return f"{name} ({extra})" if extra else name

    def summary(self) -> dict[str, Any]:
        """The campaign as the page's ``campaigns`` event carries it (docs/live-view.md)."""
        start = self.start or {}
        pos = self.position
        state = self.state()
        known = bool(pos.planned) and self.wall_s is not None and self.end is None and state != "stopped"
        eta_s = pos.eta_s(self.t_s, self.wall_s or 0.0) if known else None
        return {
            "key": self.key, "folder": str(self.folder), "state": state,
            "campaign_id": start.get("campaign_id"),
            "dut": self.dut_text(),
            "device_class": (((start.get("profile") or {}).get("config") or {}).get("device") or {}).get("class"),
            "bench": (start.get("bench") or {}).get("name"), "market": start.get("market"),
            "clock": (start.get("clock") or {}).get("mode"),
            "requirements": pos.requirements, "test": pos.name,
            "nodeid": pos.nodeid, "step": pos.step, "outcome": pos.outcome,
            "index": pos.index, "planned": len(pos.planned), "counter": pos.counter(),
            "bench_time_s": round(self.t_s, 3),
            "eta_s": None if eta_s is None else round(eta_s, 1),
            "eta_text": ("" if self.end is not None or state == "stopped"
                         else pos.eta_text(self.t_s, self.wall_s or 0.0) if known else "ETA \u2014"),
            "verdict": (self.end or {}).get("verdict"),
            "report": f"/campaigns/{self.key}/report.html" if state == "report" else None,
            "pdf": f"/campaigns/{self.key}/report.pdf" if state == "report" else None,
            "points": len(self.points), "generation": self.generation,
            "lines": self.lines, "bad_lines": self.tail.bad_lines,
        }


class LabMonitor:
    """The campaigns under ``roots``: :meth:`update` finds new ones (every ``scan_s``) and reads what
    every followed record gained."""

    def __init__(self, roots: list[Path], *, scan_s: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.roots = list(roots)
        self.scan_s = scan_s
        self.campaigns: dict[str, LiveCampaign] = {}
        self._monotonic = monotonic
        self._scanned_at: float | None = None
        self._passed: dict[str, int] = {}    # key -> inode of a record shown long enough after its end

    def scan(self) -> None:
        """Follow every campaign folder under the roots that is not followed yet, has no signed
        package and whose record changed within :data:`STOPPED_SHOWN_S`."""
        now_wall = time.time()
        for root in self.roots:
            for record in find_records(root):
                folder = record.parent
                key = campaign_key(folder)
                if key in self.campaigns:
                    continue
                try:
                    stat = record.stat()
                    if self._passed.get(key) == stat.st_ino or (folder / SIGNATURE_NAME).exists() \
                            or now_wall - stat.st_mtime > STOPPED_SHOWN_S:
                        continue
                except OSError:
                    continue
                self.campaigns[key] = LiveCampaign(folder, monotonic=self._monotonic)

    def update(self) -> bool:
        """Scan when due, read every followed record; True when anything changed."""
        now = self._monotonic()
        changed = False
        if self._scanned_at is None or now - self._scanned_at >= self.scan_s:
            before = set(self.campaigns)
            self.scan()
            self._scanned_at = now
            changed = set(self.campaigns) != before
        for key, campaign in list(self.campaigns.items()):
            if not campaign.tail.path.exists():
                del self.campaigns[key]
                changed = True
                continue
            changed = campaign.update() or changed
            state = campaign.state()
            if state != campaign.shown_state:       # e.g. the signed package appeared, the writer died
                campaign.shown_state = state
                changed = True
            if campaign.ended_at is not None and now - campaign.ended_at > FINISHED_SHOWN_S:
                del self.campaigns[key]
                with contextlib.suppress(OSError):
                    self._passed[key] = campaign.tail.path.stat().st_ino
                changed = True
        return changed

    def summaries(self) -> list[dict[str, Any]]:
        """Every followed campaign's :meth:`LiveCampaign.summary`, running ones first."""
        order = {"running": 0, "finished": 1, "report": 1, "stopped": 2}
        items = [c.summary() for c in self.campaigns.values()]
        return sorted(items, key=lambda s: (order.get(s["state"], 3), s["folder"]))

    def folder_of(self, key: str) -> Path | None:
        campaign = self.campaigns.get(key)
        return campaign.folder if campaign is not None else None
