"""Following a campaign record as it grows: read only what was appended since the last look.

A :class:`RecordTail` remembers its byte offset. Each :meth:`RecordTail.read_new` reads from there to
the end of the file, returns the complete lines as entries and keeps a partial last line (the
recorder is writing it) for the next call: that is not an error. A record that shrank or was
replaced (``flexbench run --force`` starts a new one in the same folder) is read again from the
start, and :attr:`RecordTail.restarted` says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["RecordTail"]

READ_CHUNK_BYTES = 4 * 1024 * 1024
"""Most bytes one :meth:`RecordTail.read_new` reads: a long record is caught up over several calls,
so no single update holds the server for long."""


class RecordTail:
    """The entries appended to ``path`` since the last :meth:`read_new`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.offset = 0                 # bytes consumed (complete lines only)
        self.bad_lines = 0              # complete lines that were not a JSON object (skipped)
        self.restarted = False          # the last read_new found a new record and began again
        self._partial = b""
        self._inode: int | None = None

    @property
    def caught_up(self) -> bool:
        """Nothing more to read at the last look (but a partial line may be waiting)."""
        try:
            return os.stat(self.path).st_size <= self.offset + len(self._partial)
        except OSError:
            return True

    def read_new(self, limit_bytes: int = READ_CHUNK_BYTES) -> list[dict[str, Any]]:
        """The entries of the complete lines appended since the last call (at most ``limit_bytes``
        read); [] when the file is missing or has nothing new."""
        self.restarted = False
        try:
            with self.path.open("rb") as fh:
                stat = os.fstat(fh.fileno())
                if self._inode is not None and (stat.st_ino != self._inode
                                                or stat.st_size < self.offset + len(self._partial)):
                    self.offset, self._partial, self.restarted = 0, b"", True
                self._inode = stat.st_ino
                fh.seek(self.offset + len(self._partial))
                chunk = fh.read(limit_bytes)
        except OSError:
            return []
        if not chunk:
            return []
        data = self._partial + chunk
        end = data.rfind(b"\n") + 1
        self._partial = data[end:]
        self.offset += end
        entries = []
        for line in data[:end].splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                entry = None
            if isinstance(entry, dict):
                entries.append(entry)
            else:
                self.bad_lines += 1
        return entries
