"""Resource strings -> interface class -> open settings, for every class (no hardware)."""

from __future__ import annotations

import pytest
from pyvisa import constants

from bench.errors import ConfigError
from instruments.visa_resources import RESOURCE_CLASSES, SerialSettings, open_kwargs, parse_resource

CASES = [
    ("TCPIP::192.0.2.10::5025::SOCKET", "TCPIP_SOCKET", {"host": "192.0.2.10", "port": "5025"}),
    ("tcpip0::bench-src.lab::2101::socket", "TCPIP_SOCKET", {"host": "bench-src.lab", "port": "2101"}),
    ("TCPIP::192.0.2.11::inst0::INSTR", "TCPIP_VXI11", {"host": "192.0.2.11", "device": "inst0"}),
    ("TCPIP::192.0.2.11::INSTR", "TCPIP_VXI11", {"host": "192.0.2.11"}),
    ("TCPIP::192.0.2.11::gpib0,5::INSTR", "TCPIP_VXI11", {"device": "gpib0,5"}),
    ("TCPIP::192.0.2.12::hislip0::INSTR", "TCPIP_HISLIP", {"device": "hislip0"}),
    ("TCPIP::192.0.2.12::hislip0,4880::INSTR", "TCPIP_HISLIP", {"port": "4880"}),
    ("USB0::0x0957::0x1907::MY12345::INSTR", "USB_INSTR", {"vendor": "0x0957", "serial_number": "MY12345"}),
    ("GPIB0::5::INSTR", "GPIB_INSTR", {"primary": "5"}),
    ("GPIB1::5::96::INSTR", "GPIB_INSTR", {"board": "1", "secondary": "96"}),
    ("ASRL/dev/ttyUSB0::INSTR", "ASRL_INSTR", {"device": "/dev/ttyUSB0"}),
    ("ASRL3::INSTR", "ASRL_INSTR", {"device": "3"}),
    ("ASRLCOM4::INSTR", "ASRL_INSTR", {"device": "COM4"}),
]


@pytest.mark.parametrize("resource,key,fields", CASES)
def test_each_resource_string_names_its_class(resource: str, key: str, fields: dict[str, str]) -> None:
    parsed = parse_resource(resource)
    assert parsed.resource_class.key == key
    assert fields.items() <= parsed.fields.items()


def test_every_class_is_exercised_by_a_case() -> None:
    assert {c.key for c in RESOURCE_CLASSES} == {key for _, key, _ in CASES}


@pytest.mark.parametrize("resource", ["", "192.0.2.10:5025", "TCPIP::h::x::SOCKET", "GPIB0::INSTR",
                                      "PRLGX-ASRL::/dev/ttyS0::INTFC", "VICP::h::INSTR"])
def test_unknown_resource_strings_are_configuration_errors(resource: str) -> None:
    with pytest.raises(ConfigError, match="resource"):
        parse_resource(resource)


def test_socket_port_and_lan_flags() -> None:
    socket_class = parse_resource("TCPIP::h::5025::SOCKET")
    assert socket_class.port == 5025 and socket_class.resource_class.tcp_nodelay
    assert all(parse_resource(r).resource_class.lan for r in
               ("TCPIP::h::5025::SOCKET", "TCPIP::h::inst0::INSTR", "TCPIP::h::hislip0::INSTR"))
    assert not any(parse_resource(r).resource_class.lan for r in
                   ("USB::1::2::S::INSTR", "GPIB0::1::INSTR", "ASRL1::INSTR"))
    assert parse_resource("ASRL1::INSTR").port is None  # a COM number is no TCP port


@pytest.mark.parametrize("resource,open_timeout_ms", [
    ("TCPIP::h::5025::SOCKET", 700), ("TCPIP::h::inst0::INSTR", 5000), ("TCPIP::h::hislip0::INSTR", 5000),
    ("USB::1::2::S::INSTR", 2000), ("GPIB0::1::INSTR", 2000), ("ASRL1::INSTR", 700)])
def test_timeouts_are_explicit_for_every_class(resource: str, open_timeout_ms: int) -> None:
    kwargs = open_kwargs(parse_resource(resource), timeout_ms=700)
    assert kwargs["timeout"] == 700
    assert kwargs["open_timeout"] == open_timeout_ms
    assert kwargs["read_termination"] == "\n" and kwargs["write_termination"] == "\n"
    assert open_kwargs(parse_resource(resource), timeout_ms=9000)["open_timeout"] == 9000


@pytest.mark.parametrize("timeout_ms", [0, -1, 1.5, True])
def test_timeout_must_be_a_positive_integer(timeout_ms: object) -> None:
    with pytest.raises(ValueError):
        open_kwargs(parse_resource("TCPIP::h::1::SOCKET"), timeout_ms=timeout_ms)  # type: ignore[arg-type]


def test_serial_line_settings_come_from_options() -> None:
    kwargs = open_kwargs(parse_resource("ASRL/dev/ttyUSB0::INSTR"), timeout_ms=1000, options={
        "baud_rate": 115200, "parity": "even", "stop_bits": 2, "data_bits": 7,
        "flow_control": "rts_cts", "read_termination": "\r\n", "write_termination": "\r"})
    assert kwargs["baud_rate"] == 115200 and kwargs["data_bits"] == 7
    assert kwargs["parity"] == constants.Parity.even
    assert kwargs["stop_bits"] == constants.StopBits.two
    assert kwargs["flow_control"] == constants.ControlFlow.rts_cts
    assert (kwargs["read_termination"], kwargs["write_termination"]) == ("\r\n", "\r")


def test_serial_defaults_are_9600_8n1_without_flow_control() -> None:
    kwargs = open_kwargs(parse_resource("ASRL1::INSTR"), timeout_ms=1000)
    assert (kwargs["baud_rate"], kwargs["data_bits"], kwargs["parity"], kwargs["stop_bits"],
            kwargs["flow_control"]) == (9600, 8, constants.Parity.none, constants.StopBits.one,
                                        constants.ControlFlow.none)


@pytest.mark.parametrize("options,field", [
    ({"baud_rate": 9601}, "options.baud_rate"), ({"parity": "EVEN"}, "options.parity"),
    ({"stop_bits": 3}, "options.stop_bits"), ({"flow_control": "hardware"}, "options.flow_control"),
    ({"data_bits": True}, "options.data_bits"), ({"read_termination": ""}, "options.read_termination")])
def test_serial_settings_are_strict(options: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_kwargs(parse_resource("ASRL1::INSTR"), timeout_ms=1000, options=options)
    assert info.value.field == field


def test_line_settings_are_refused_on_a_lan_resource() -> None:
    with pytest.raises(ConfigError, match="baud_rate"):
        open_kwargs(parse_resource("TCPIP::h::5025::SOCKET"), timeout_ms=1000, options={"baud_rate": 9600})
    assert SerialSettings().baud_rate == 9600
