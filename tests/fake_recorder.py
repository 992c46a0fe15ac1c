"""Stand-ins for unit tests of code that writes record lines or judges a pytest call."""

from __future__ import annotations

from typing import Any

import pytest


class ListRecorder:
    """A recorder that keeps every line in memory (``lines``) instead of writing a record file."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.lines.append({"kind": kind, **fields})
        return self.lines[-1]


class FailedCall:
    """What pytest's ``CallInfo`` offers the plugin's outcome rules for a call that raised ``exc``."""

    def __init__(self, exc: BaseException) -> None:
        self.excinfo = pytest.ExceptionInfo.from_exc_info((type(exc), exc, exc.__traceback__))
