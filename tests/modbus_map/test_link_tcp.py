"""The generic link against the simulated lab's map server over Modbus TCP (a dict-backed device)."""

from __future__ import annotations

import pytest

from bench.errors import DeviceLacksFunction, LinkError, ProtocolFrameError
from links.modbus_map.server import ModbusMapServerHandle
from links.modbus_map import ModbusExceptionReply, ModbusMapLink, TcpTransport, Table

from .helpers import TraceLog
from .helpers import HEAT_PUMP_MAP, DictBackend, LabLoop, heat_pump_map

READBACKS = ["power_limit_w", "operating_mode", "sg_ready_mode", "setpoint_c", "active_power_w", "flow_temp_c",
             "energy_wh", "compressor_enable", "defrost_active"]


def _link(port: int, tracer=None, **kwargs) -> ModbusMapLink:  # type: ignore[no-untyped-def]
    return ModbusMapLink(heat_pump_map(), TcpTransport("127.0.0.1", port), timeout_s=kwargs.pop("timeout_s", 1.0),
                         trace=tracer, **kwargs)


def test_reads_every_table_in_engineering_units(tcp_server: tuple[ModbusMapServerHandle, int]) -> None:
    _handle, port = tcp_server
    with _link(port) as link:
        values = link.read_many(READBACKS)
        assert values == {
            "power_limit_w": 5000, "operating_mode": 1, "sg_ready_mode": 2, "setpoint_c": pytest.approx(45.5),
            "active_power_w": pytest.approx(-1234.5), "flow_temp_c": pytest.approx(35.25), "energy_wh": 1_234_500,
            "compressor_enable": True, "defrost_active": False}
        assert isinstance(values["power_limit_w"], int) and isinstance(values["compressor_enable"], bool)
        assert link.read_label("operating_mode") == "heating"


def test_back_to_back_points_share_one_request(tcp_server: tuple[ModbusMapServerHandle, int]) -> None:
    handle, port = tcp_server
    with _link(port) as link:
        handle.requests.clear()
        link.read_many(["power_limit_w", "operating_mode", "sg_ready_mode", "active_power_w", "flow_temp_c"])
    served = [(r.function_code, r.address, r.count, r.points) for r in handle.requests]
    assert served == [
        (3, 100, 3, ("power_limit_w", "operating_mode", "sg_ready_mode")),
        (4, 0, 5, ("active_power_w", "power_sf", "flow_temp_c")),     # sunssf read with its point
    ]


def test_writes_reach_the_device_in_engineering_units(tcp_server: tuple[ModbusMapServerHandle, int],
                                                       backend: DictBackend) -> None:
    _handle, port = tcp_server
    with _link(port) as link:
        link.write("power_limit_w", 4200)
        link.write("sg_ready_mode", "forced")
        link.write("operating_mode", 3)
        link.write("setpoint_c", 52.25)                # sunssf -1: raw 523 (ties away from zero) -> 52.3
        link.write("compressor_enable", False)
        assert link.read_many(["power_limit_w", "sg_ready_mode", "compressor_enable"]) == {
            "power_limit_w": 4200, "sg_ready_mode": 4, "compressor_enable": False}
    assert backend.writes == [("power_limit_w", 4200), ("sg_ready_mode", 4), ("operating_mode", 3),
                              ("setpoint_c", pytest.approx(52.3)), ("compressor_enable", False)]


def test_trace_carries_every_frame_as_hex_and_text(tcp_server: tuple[ModbusMapServerHandle, int],
                                                   tracer, trace_log: TraceLog) -> None:  # type: ignore[no-untyped-def]
    _handle, port = tcp_server
    with _link(port, tracer) as link:
        link.write("power_limit_w", 4200)
    (out_dir, out_text), (in_dir, in_text) = trace_log
    assert (out_dir, in_dir) == ("out", "in")
    # MBAP (tid, protocol 0, length 6, unit 3), function 06, address 100 (0x64), raw 420 (0x01a4)
    assert out_text.endswith("| 00 01 00 00 00 06 03 06 00 64 01 a4")
    assert "write single register (0x06) holding 100 power_limit_w=4200 W raw [420]" in out_text
    assert in_text == "write single register reply: echo address 100 value [420] | 00 01 00 00 00 06 03 06 00 64 01 a4"


def test_out_of_range_write_is_refused_before_sending(tcp_server: tuple[ModbusMapServerHandle, int],
                                                       backend: DictBackend, tracer,  # type: ignore[no-untyped-def]
                                                       trace_log: TraceLog) -> None:
    handle, port = tcp_server
    with _link(port, tracer) as link:
        handle.requests.clear()
        with pytest.raises(ValueError, match=r"'power_limit_w': 9500 W is outside its declared range \[0, 9000\]"):
            link.write("power_limit_w", 9500)
        with pytest.raises(ValueError, match=r"'setpoint_c': 70 degC is outside"):
            link.write("setpoint_c", 70)           # checked before the scale factor is even read
        with pytest.raises(ValueError, match="'active_power_w' is read-only"):
            link.write("active_power_w", 1)
        with pytest.raises(ValueError, match="'watchdog' is write-only"):
            link.read("watchdog")
    assert not handle.requests and not backend.writes and trace_log == []


def test_device_refusal_is_a_frame_error_naming_point_function_code_and_frame(
        tcp_server: tuple[ModbusMapServerHandle, int], backend: DictBackend) -> None:
    _handle, port = tcp_server
    with _link(port) as link:
        with pytest.raises(ModbusExceptionReply) as info:
            link.write("power_limit_w", 8500)          # within the declared range, refused by the device
        err = info.value
        assert isinstance(err, ProtocolFrameError) and isinstance(err, LinkError)    # ERROR, never FAIL
        assert (err.points, err.function_code, err.exception_code, err.address) == (("power_limit_w",), 6, 3, 100)
        assert ("DUT refused write single register (function code 0x06) at holding 100 for power_limit_w: "
                "Modbus exception code 03 (ILLEGAL DATA VALUE): frame ") in str(err)
        assert str(err).endswith(" 03 86 03")                          # the exception PDU as received
        backend.busy = True
        with pytest.raises(ModbusExceptionReply, match=r"read input registers \(function code 0x04\).*"
                                                       r"code 06 \(SERVER DEVICE BUSY\)"):
            link.read("active_power_w")
        backend.busy = False
        assert link.read("power_limit_w") == 5000      # the link stays usable after exception replies


def _serve_without(lab: LabLoop, backend: DictBackend, *missing: str) -> tuple[ModbusMapServerHandle, int]:
    """The heat pump served with a map that lacks ``missing``: the device answers 02 there."""
    return lab.serve_tcp(heat_pump_map(points=[p for p in HEAT_PUMP_MAP["points"] if p["name"] not in missing]),
                         backend)


def test_exception_02_on_a_declared_point_is_device_lacks_function_with_the_frame(
        lab: LabLoop, backend: DictBackend) -> None:
    handle, port = _serve_without(lab, backend, "sg_ready_mode")
    try:
        with _link(port) as link:
            with pytest.raises(DeviceLacksFunction) as lacks:
                link.read("sg_ready_mode")
            assert lacks.value.function == ("the declared point sg_ready_mode (holding 102, "
                                            "read holding registers (0x03))")
            assert lacks.value.evidence.endswith("for sg_ready_mode: Modbus exception code 02 (ILLEGAL DATA "
                                                 "ADDRESS): frame 00 01 00 00 00 03 03 83 02")
            assert isinstance(lacks.value.__cause__, ModbusExceptionReply)
            assert lacks.value.__cause__.exception_code == 2
            with pytest.raises(DeviceLacksFunction, match=r"sg_ready_mode \(holding 102, write single register"):
                link.write("sg_ready_mode", "forced")
            assert link.read("operating_mode") == 1    # the link stays usable
    finally:
        lab.stop(handle)


def test_a_merged_read_refused_with_02_names_the_one_point_the_device_lacks(
        lab: LabLoop, backend: DictBackend, tracer, trace_log: TraceLog) -> None:  # type: ignore[no-untyped-def]
    handle, port = _serve_without(lab, backend, "energy_wh")
    try:
        with _link(port, tracer) as link:
            with pytest.raises(DeviceLacksFunction, match=r"the declared point energy_wh \(input 5\.\.6, read input "
                                                          r"registers \(0x04\)\)"):
                link.read_many(["flow_temp_c", "energy_wh"])      # f32 at input 3..4, u32 at 5..6
        sent = [text.split(" | ")[0] for direction, text in trace_log if direction == "out"]
        assert sent == ["read input registers (0x04) input 3..6 [flow_temp_c, energy_wh]",   # merged,
                        "read input registers (0x04) input 3..4 [flow_temp_c]",              # then point
                        "read input registers (0x04) input 5..6 [energy_wh]"]                # by point
    finally:
        lab.stop(handle)


def test_watchdog_heartbeat_counts_and_follows_the_bench_clock(tcp_server: tuple[ModbusMapServerHandle, int],
                                                                backend: DictBackend) -> None:
    _handle, port = tcp_server
    with _link(port) as link:
        assert link.heartbeat() == 1 and link.heartbeat() == 2
        assert link.service(0.0) is True                # first service writes at once
        assert link.service(29.9) is False              # period 30 s of bench time
        assert link.service(30.0) is True
        link.pause_heartbeat()
        assert link.service(1000.0) is False and link.heartbeat_paused
        link.resume_heartbeat()
        assert link.service(1000.0) is True
    assert [v for n, v in backend.writes if n == "watchdog"] == [1, 2, 3, 4, 5]


def test_heartbeat_of_a_constant_on_a_coil(lab: LabLoop) -> None:
    backend = DictBackend({"alive": False})
    rm = heat_pump_map(points=[{"name": "alive", "address": 9, "table": "coil", "access": "w"}],
                       watchdog={"point": "alive", "timeout_s": 10, "period_s": 2, "value": 1})
    handle, port = lab.serve_tcp(rm, backend)
    try:
        with ModbusMapLink(rm, TcpTransport("127.0.0.1", port)) as link:
            assert link.heartbeat() is True and link.heartbeat() is True
    finally:
        lab.stop(handle)
    assert backend.writes == [("alive", True), ("alive", True)]
    assert [(r.function_code, r.table) for r in handle.requests] == [(5, Table.COIL), (5, Table.COIL)]


def test_single_register_writes_can_use_function_16(lab: LabLoop, backend: DictBackend) -> None:
    rm = heat_pump_map(single_register_function=16)
    handle, port = lab.serve_tcp(rm, backend)
    try:
        with ModbusMapLink(rm, TcpTransport("127.0.0.1", port)) as link:
            link.write("power_limit_w", 3000)
    finally:
        lab.stop(handle)
    assert [(r.function_code, r.address, r.count) for r in handle.requests] == [(16, 100, 1)]
    assert backend.writes == [("power_limit_w", 3000)]


def test_reconnects_once_when_the_device_drops_the_connection(lab: LabLoop, backend: DictBackend, tracer,  # type: ignore[no-untyped-def]
                                                             trace_log: TraceLog) -> None:
    rm = heat_pump_map()
    handle, port = lab.serve_tcp(rm, backend)
    link = ModbusMapLink(rm, TcpTransport("127.0.0.1", port), trace=tracer)
    try:
        link.connect()
        assert link.read("power_limit_w") == 5000
        lab.stop(handle)                                 # the device restarts: connection gone
        handle, _ = lab.serve_tcp(rm, backend, port=port)
        assert link.read("power_limit_w") == 5000
        assert any("reconnecting once" in text for _d, text in trace_log)
        lab.stop(handle)                                 # and now it stays away
        with pytest.raises(LinkError, match="cannot connect"):
            link.read("power_limit_w")
    finally:
        link.close()
        lab.stop(handle)


def test_the_link_unit_id_overrides_the_maps(lab: LabLoop, backend: DictBackend, tracer,  # type: ignore[no-untyped-def]
                                             trace_log: TraceLog) -> None:
    rm = heat_pump_map()
    handle, port = lab.serve_tcp(rm, backend, unit_id=7)
    try:
        with ModbusMapLink(rm, TcpTransport("127.0.0.1", port), unit_id=7, trace=tracer) as link:
            assert link.read("power_limit_w") == 5000
            assert link.unit_id == 7 and link.endpoint == f"Modbus TCP 127.0.0.1:{port} unit 7"
    finally:
        lab.stop(handle)
    assert trace_log[0][1].endswith("| 00 01 00 00 00 06 07 03 00 64 00 01")   # MBAP unit byte 7
