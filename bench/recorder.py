"""Append-only, flushed campaign record (JSON Lines). See docs/record-format.md."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

RECORD_FORMAT = "flexbench-record/1"
SEAL_FIELD = "seal"
"""``campaign_end`` carries ``record_sha256`` (SHA-256 over every earlier line's bytes) and, when the
bench has a signing key, ``seal``: that digest signed (Ed25519) by the lab's (or the development) key,
so a record edited after the campaign is refused by ``flexbench report``."""


MAX_TEXT_CHARS = 16_384
"""Longest text kept in a record line. Text from the DUT, the operator or an instrument can be any
length (a charger put 200 KB into a BootNotification field): a longer text is cut here, with a
note naming the file under ``raw/long-text/`` (beside the record) that holds it in full."""
LONG_TEXT_DIR = Path("raw") / "long-text"


def _clean(value: Any, overflow: Callable[[str, str], str] | None = None, path: str = "") -> Any:
    """JSON cannot carry NaN/inf: record them as null, never crash the recorder. Text longer than
    :data:`MAX_TEXT_CHARS` is cut and handed in full to ``overflow(path, text)``, which returns where
    it was kept."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS and overflow is not None:
        kept = overflow(path, value)
        return f"{value[:MAX_TEXT_CHARS]}... [cut at {MAX_TEXT_CHARS} of {len(value)} characters; full text: {kept}]"
    if isinstance(value, dict):
        return {str(k): _clean(v, overflow, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, overflow, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _safe_name(path: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in path)[:80] or "text"


class Recorder:
    """Writes one JSON object per line; every line is flushed before ``write`` returns.

    ``now_s`` returns bench time. The file is opened in append mode and never rewritten, so a
    crash loses at most the line being written. It is created with its first line: a campaign
    stopped before it wrote anything leaves no empty record behind.
    """

    def __init__(self, path: str | Path, now_s: Callable[[], float],
                 sealer: Callable[[bytes], dict[str, Any]] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._now_s = now_s
        self._lock = threading.Lock()
        self._seq = 0
        self._digest = hashlib.sha256()        # over every line written so far, newline included
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open("rb") as fh:
                for line in fh:
                    self._seq += 1
                    self._digest.update(line)
        self._fh: TextIO | None = None
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._sealer = sealer

    def set_sealer(self, sealer: Callable[[bytes], dict[str, Any]]) -> None:
        """Sign the record's head at ``campaign_end``: ``sealer(sha256 of every earlier line)`` returns
        the seal recorded in that line (see :data:`SEAL_FIELD`)."""
        self._sealer = sealer

    def add_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener(entry)`` after each line is written (live progress)."""
        self._listeners.append(listener)

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            entry = {"seq": self._seq, "kind": kind, "t_s": round(self._now_s(), 6),
                     "wall_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")}
            seq = self._seq

            def keep_in_full(path: str, text: str) -> str:
                name = LONG_TEXT_DIR / f"{seq:07d}-{_safe_name(path)}.txt"
                (self.path.parent / name).parent.mkdir(parents=True, exist_ok=True)
                (self.path.parent / name).write_text(text, encoding="utf-8", errors="backslashreplace")
                return name.as_posix()

            entry.update(_clean(fields, keep_in_full))
            if kind == "campaign_end":
                head = self._digest.digest()
                entry["record_sha256"] = head.hex()
                if self._sealer is not None:
                    entry[SEAL_FIELD] = self._sealer(head)
            line = json.dumps(entry, separators=(",", ":"), sort_keys=False) + "\n"
            self._digest.update(line.encode("utf-8"))
            if self._fh is None:
                self._fh = self.path.open("a", encoding="utf-8")
            self._fh.write(line)
            self._fh.flush()
            if kind in ("campaign_start", "campaign_end", "test_end"):
                os.fsync(self._fh.fileno())
            self._seq += 1
        for listener in self._listeners:
            listener(entry)
        return entry

    def close(self) -> None:
        with self._lock:
            if self._fh is not None and not self._fh.closed:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()


class RecordLineError(ValueError):
    """A line in the middle of a record is not JSON (only the last may be torn, by a crash)."""

    def __init__(self, path: Path, line: int) -> None:
        self.path, self.line = path, line
        super().__init__(f"{path}:{line}: record line is not valid JSON")


def read_record(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the entries of a record; a torn last line (crash while writing) is skipped."""
    with Path(path).open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                # Only the last line may be torn; anything else is corruption worth raising.
                rest = fh.read()
                if rest.strip():
                    raise RecordLineError(Path(path), line_no) from None
                return
