"""Fixtures for the SunSpec lab server and link tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from links.sunspec_modbus.server import SunSpecServerHandle

from .helpers import LabLoop, StubInverter


@pytest.fixture(scope="module")
def lab() -> Iterator[LabLoop]:
    lab_loop = LabLoop()
    yield lab_loop
    lab_loop.shutdown()


@pytest.fixture
def inverter() -> StubInverter:
    return StubInverter()


@pytest.fixture
def served(lab: LabLoop, inverter: StubInverter) -> Iterator[tuple[StubInverter, int, SunSpecServerHandle]]:
    handle, port = lab.serve(inverter)
    yield inverter, port, handle
    if handle in lab._handles:
        lab.stop(handle)


TraceLog = list[tuple[str, str]]


@pytest.fixture
def trace_log() -> TraceLog:
    return []


@pytest.fixture
def tracer(trace_log: TraceLog) -> Callable[[str, str], None]:
    return lambda direction, text: trace_log.append((direction, text))
