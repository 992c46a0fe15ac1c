"""The terminal side of the command line: output that survives a closed pipe, colour only on a
terminal (and never with ``NO_COLOR``), and durations written for people.

A reader that stops early (``flexbench diff --json A B | head -1``) closes the pipe; the next write
raises BrokenPipeError. :func:`guard_broken_pipes` wraps ``sys.stdout``/``sys.stderr`` so that write
ends quietly instead: the rest of the output goes to ``/dev/null`` and the command finishes and exits
with its own code (a campaign is never cut short by its reader going away).
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

__all__ = ["PipeSafeStream", "colour_enabled", "format_duration_s", "guard_broken_pipes", "paint"]

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1"}


class PipeSafeStream:
    """A text stream whose writes after its reader went away are dropped instead of raising."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def _divert(self) -> None:
        """Point the stream's file descriptor at /dev/null, so the interpreter's own flush at exit
        (of whatever is still buffered) does not report the broken pipe either."""
        self.broken = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):   # no real file descriptor (a test's capture)
            pass

    def write(self, text: str) -> int:
        if self.broken:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._divert()
            return len(text)

    def flush(self) -> None:
        if self.broken:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._divert()

    def isatty(self) -> bool:
        return not self.broken and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:      # encoding, fileno, buffer, ... of the wrapped stream
        return getattr(self._stream, name)


def guard_broken_pipes() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in :class:`PipeSafeStream` (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, PipeSafeStream):
            setattr(sys, name, PipeSafeStream(stream))


def colour_enabled(stream: Any) -> bool:
    """Colour on a terminal only, and never when ``NO_COLOR`` is set (https://no-color.org) or the
    terminal is ``dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def paint(text: str, colour: str, enabled: bool) -> str:
    """``text`` in an ANSI ``colour`` (red, green, yellow, cyan, bold) when ``enabled``."""
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m" if enabled else text


def format_duration_s(seconds: float) -> str:
    """``42 s``, ``4 min 38 s``, ``1 h 05 min``: a duration to the second (to the minute past an hour)."""
    total = max(0, int(round(seconds)))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    minutes = (total + 30) // 60
    return f"{minutes // 60} h {minutes % 60:02d} min"
