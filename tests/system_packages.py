"""Tests that need a Debian package .ci/system-deps installs (headless Chromium, the PostgreSQL server):
without it they skip with the reason, except under CI (CI=true), where a missing package fails them."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from reports.chromium import find_chromium


def missing(reason: str) -> NoReturn:
    """Skip with ``reason``; fail under CI=true, where .ci/system-deps must have installed it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (on CI: .ci/system-deps installs it)")
    pytest.skip(reason)


def chromium_or_skip(purpose: str) -> str:
    """The Chromium executable, or a skip (a failure on CI) saying which tests need it."""
    found = find_chromium()
    if found is None:
        missing(f"chromium not installed (apt-get install chromium); {purpose} need it")
    return found
