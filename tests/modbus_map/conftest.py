"""Fixtures: a lab loop per module, a dict-backed heat pump served over TCP and RTU, a trace log."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from links.modbus_map.server import ModbusMapServerHandle
from links.modbus_map import RegisterMap

from .helpers import DictBackend, LabLoop, TraceLog, heat_pump_map



@pytest.fixture(scope="module")
def lab() -> Iterator[LabLoop]:
    lab_loop = LabLoop()
    yield lab_loop
    lab_loop.shutdown()


@pytest.fixture
def register_map() -> RegisterMap:
    return heat_pump_map()


@pytest.fixture
def backend() -> DictBackend:
    return DictBackend()


@pytest.fixture
def tcp_server(lab: LabLoop, register_map: RegisterMap,
               backend: DictBackend) -> Iterator[tuple[ModbusMapServerHandle, int]]:
    handle, port = lab.serve_tcp(register_map, backend)
    yield handle, port
    lab.stop(handle)


@pytest.fixture
def rtu_server(lab: LabLoop, register_map: RegisterMap,
               backend: DictBackend) -> Iterator[tuple[ModbusMapServerHandle, str]]:
    handle, path = lab.serve_rtu(register_map, backend)
    yield handle, path
    lab.stop(handle)


@pytest.fixture
def trace_log() -> TraceLog:
    return []


@pytest.fixture
def tracer(trace_log: TraceLog) -> Callable[[str, str], None]:
    return lambda direction, text: trace_log.append((direction, text))
