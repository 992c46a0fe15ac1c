"""The lab's map server answers like a strict device: exception codes for what the map or the device
refuses (driven through the link with a map that disagrees with the device's)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.errors import DeviceLacksFunction
from links.modbus_map import ModbusExceptionReply, ModbusMapLink, TcpTransport, parse_register_map

from .helpers import DictBackend, LabLoop

DEVICE_MAP = parse_register_map({"unit_id": 1, "points": [
    {"name": "energy_wh", "address": 10, "type": "u32", "access": "rw"},
    {"name": "limit_w", "address": 12, "access": "rw"},
    {"name": "status", "address": 13},
    {"name": "command", "address": 15, "access": "w"},
    {"name": "relay", "address": 3, "table": "coil", "access": "rw"},
    {"name": "lamp", "address": 4, "table": "coil"},
]})

#: what a (wrong) profile claims about the same device
CLAIMED_MAP = parse_register_map({"unit_id": 1, "points": [
    {"name": "energy_hi", "address": 10, "access": "rw"},               # half of the device's u32
    {"name": "limit_w", "address": 12, "access": "rw"},
    {"name": "status", "address": 13, "access": "rw"},                  # read-only on the device
    {"name": "spare", "address": 14},                                   # not on the device
    {"name": "command", "address": 15, "access": "rw"},                 # write-only on the device
    {"name": "lamp", "address": 4, "table": "coil", "access": "rw"},    # read-only coil on the device
    {"name": "fan", "address": 2, "table": "coil"},                     # not on the device
]})


class FussyBackend(DictBackend):
    def read_point(self, name: str) -> float | int | bool:
        if name == "limit_w" and self.values.get("broken"):
            raise RuntimeError("sensor bus down")
        return super().read_point(name)


@pytest.fixture
def device(lab: LabLoop) -> Any:
    backend = FussyBackend({"energy_wh": 7, "limit_w": 100, "status": 1, "command": 0, "relay": True, "lamp": False})
    handle, port = lab.serve_tcp(DEVICE_MAP, backend)
    link = ModbusMapLink(CLAIMED_MAP, TcpTransport("127.0.0.1", port), timeout_s=1.0)
    link.connect()
    yield link, backend, handle
    link.close()
    lab.stop(handle)


@pytest.mark.parametrize(("action", "code"), [
    (lambda link: link.write("energy_hi", 1), 2),        # covers part of a point
    (lambda link: link.write("status", 2), 2),           # read-only point
    (lambda link: link.read("spare"), 2),                # undeclared register
    (lambda link: link.read("command"), 2),              # write-only point
    (lambda link: link.write("lamp", True), 2),          # read-only coil
    (lambda link: link.read("fan"), 2),                  # undeclared coil
])
def test_refusals_by_the_map(device: Any, action: Any, code: int) -> None:
    link, backend, _handle = device
    with pytest.raises(DeviceLacksFunction) as info:     # 02 on a point the (claimed) map declares
        action(link)
    assert isinstance(info.value.__cause__, ModbusExceptionReply)
    assert info.value.__cause__.exception_code == code
    assert backend.writes == []


def test_refusals_by_the_device(device: Any) -> None:
    link, backend, handle = device
    del backend.values["limit_w"]                         # the device lacks the point: 02
    with pytest.raises(DeviceLacksFunction, match="code 02"):
        link.read("limit_w")
    backend.values.update(limit_w=100, broken=True)       # the device fails to produce it: 04
    with pytest.raises(ModbusExceptionReply, match=r"code 04 \(SERVER DEVICE FAILURE\)"):
        link.read("limit_w")
    assert [r.exception_code for r in handle.requests][-2:] == [2, 4]


def test_reads_of_partial_points_and_writes_of_whole_ones_pass(device: Any) -> None:
    link, backend, _handle = device
    assert link.read("energy_hi") == 0                    # high word of 7
    assert link.read_many(["limit_w", "status"]) == {"limit_w": 100, "status": 1}
    link.write("limit_w", 250)
    assert backend.writes == [("limit_w", 250)]
