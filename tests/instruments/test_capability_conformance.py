"""Shared capability conformance: every driver in ``instruments.registry.DRIVERS``, grouped by
the runtime-checkable capability Protocols it fills, against transcripts only.

For each registered model:
* it is an ``Instrument`` and fills at least one capability besides it;
* every method of every capability it fills exists, is callable and accepts the capability's
  parameter names (suites may pass them as keywords);
* out-of-range values are refused *before anything is sent* (``TranscriptTransport.sent == []``),
  from a per-capability table of values no model accepts;
* ``identify()`` returns the transcript's ``*IDN?`` answer, and ``check_errors()`` is quiet on an
  empty queue and raises ``InstrumentReportedError`` naming every queued error.

A new driver is covered as soon as it is registered (and ``test_driver_coverage.py`` demands its
transcript). A transcript may override the error-queue exchange with ``check_errors_clean`` /
``check_errors_two`` entries when the model's queue does not follow ``SYSTem:ERRor?`` style.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import BenchError, InstrumentReportedError
from instruments import capabilities
from instruments.capabilities import AcSourceTransients, Instrument, VoltageStep
from instruments.registry import DRIVERS
from instruments.transport import TranscriptTransport


def _is_capability(obj: object) -> bool:
    return (inspect.isclass(obj) and getattr(obj, "_is_protocol", False)
            and getattr(obj, "_is_runtime_protocol", False)
            and obj.__module__ == capabilities.__name__)


CAPABILITIES: dict[str, type] = {name: obj for name, obj in vars(capabilities).items()
                                 if _is_capability(obj)}


def _members(protocol: type) -> tuple[dict[str, Callable[..., Any]], set[str]]:
    """Methods and data attributes a Protocol declares (its own and its Protocol bases')."""
    methods: dict[str, Callable[..., Any]] = {}
    attributes: set[str] = set()
    for klass in reversed(protocol.__mro__):
        if not getattr(klass, "_is_protocol", False) or klass.__module__ == "typing":
            continue
        attributes.update(getattr(klass, "__annotations__", {}))
        methods.update({name: value for name, value in vars(klass).items()
                        if not name.startswith("_") and callable(value)})
    return methods, attributes - set(methods)


def _driver(model: str, pairs: list[tuple[str, str | None]] | None = None) -> tuple[Any, Any]:
    transport = TranscriptTransport(pairs or [])
    return DRIVERS.get(model)(transport, name=f"conformance-{model}"), transport


def _filled(model: str) -> list[str]:
    driver, _ = _driver(model)
    return sorted(name for name, cap in CAPABILITIES.items()
                  if name != "Instrument" and isinstance(driver, cap))


PAIRS = [(model, cap) for model in sorted(DRIVERS) for cap in _filled(model)]

# Values no model of the capability accepts. Each call must raise a BenchError (normally
# SettingOutOfRange) without sending anything.
NAN = math.nan
REFUSALS: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {
    "AcSource": [
        ("voltage far above any range", lambda d: d.set_voltage_v(1e6)),
        ("negative voltage", lambda d: d.set_voltage_v(-1.0)),
        ("NaN voltage", lambda d: d.set_voltage_v(NAN)),
        ("phase beyond phase_count", lambda d: d.set_voltage_v(230.0, d.phase_count + 1)),
        ("phase 0", lambda d: d.set_voltage_v(230.0, 0)),
        ("setpoint of phase beyond phase_count", lambda d: d.voltage_setpoint_v(d.phase_count + 1)),
        ("frequency 0 Hz", lambda d: d.set_frequency_hz(0.0)),
        ("frequency 1 MHz", lambda d: d.set_frequency_hz(1e6)),
        ("angle of a phase beyond phase_count",
         lambda d: d.set_phase_angle_deg(d.phase_count + 1, 0)),
        ("output state not a bool", lambda d: d.set_output("yes")),
        ("negative voltage slew", lambda d: d.set_voltage_slew_v_per_s(-1.0)),
    ],
    "AcSourceTransients": [
        ("empty program", lambda d: d.program_voltage_steps([])),
        ("step above any range", lambda d: d.program_voltage_steps([VoltageStep(0.1, 1e6)])),
        ("negative duration", lambda d: d.program_voltage_steps([VoltageStep(-0.1, 230.0)])),
        ("more steps than the list holds", lambda d: d.program_voltage_steps(
            [VoltageStep(1.0, 230.0)] * (d.max_transient_steps + 1))),
    ],
    "PvSimulator": [
        ("negative Voc", lambda d: d.set_iv_curve(-1.0, 1.0, 0.5, 0.5)),
        ("Vmp above Voc", lambda d: d.set_iv_curve(10.0, 1.0, 20.0, 0.5)),
        ("output state not a bool", lambda d: d.set_output("yes")),
    ],
    "AcLoad": [
        ("unknown mode", lambda d: d.set_mode("no-such-mode")),
        ("negative current", lambda d: d.set_current_a(-1.0)),
        ("NaN current", lambda d: d.set_current_a(NAN)),
        ("negative power", lambda d: d.set_power_w(-1.0)),
        ("negative resistance", lambda d: d.set_resistance_ohm(-1.0)),
        ("load state not a bool", lambda d: d.set_load("yes")),
    ],
    "RlcLoad": [
        ("phase beyond phase_count", lambda d: d.set_resistance_ohm(d.phase_count + 1, 100.0)),
        ("negative resistance", lambda d: d.set_resistance_ohm(1, -1.0)),
        ("NaN inductive current", lambda d: d.set_inductive_current_a(1, NAN)),
        ("negative capacitive current", lambda d: d.set_capacitive_current_a(1, -1.0)),
    ],
    "DigitalIO": [
        ("negative channel", lambda d: d.set_output(-1, True)),
        ("contact state not a bool", lambda d: d.set_output(d.channels[0] if d.channels else 101,
                                                            "yes")),
    ],
    "EvEmulator": [
        ("negative EV current", lambda d: d.set_max_current_a(-1.0)),
        ("EV current far above any pilot", lambda d: d.set_max_current_a(1e6)),
        ("two phases", lambda d: d.set_phases(2)),
        ("negative response delay", lambda d: d.set_response_delay_s(-1.0)),
        ("state of charge above 100 %", lambda d: d.set_battery(60000.0, 101.0)),
        ("charge request not a bool", lambda d: d.set_charge_request("yes")),
    ],
}


def test_capabilities_are_discovered() -> None:
    assert {"Instrument", "AcSource", "AcSourceTransients", "PowerAnalyzer",
            "PvSimulator"} <= set(CAPABILITIES)


@pytest.mark.parametrize("model", sorted(DRIVERS))
def test_driver_fills_a_capability(model: str) -> None:
    driver, transport = _driver(model)
    assert isinstance(driver, Instrument)
    filled = _filled(model)
    assert set(filled) - {"AcSourceTransients"}, f"{model} fills no capability"
    if "AcSourceTransients" in filled:
        assert "AcSource" in filled, f"{model}: transients without AcSource"
    assert transport.sent == []  # constructing a driver sends nothing


@pytest.mark.parametrize(("model", "capability"), PAIRS)
def test_capability_members_present(model: str, capability: str) -> None:
    methods, attributes = _members(CAPABILITIES[capability])
    driver, _ = _driver(model)
    for name in attributes:
        if name == "channels":  # known after open() for switch units
            continue
        assert hasattr(driver, name), f"{model}: {capability}.{name} missing"
    for name, declared in methods.items():
        implemented = getattr(driver, name, None)
        assert callable(implemented), f"{model}: {capability}.{name}() missing"
        wanted = [p for p in inspect.signature(declared).parameters if p != "self"]
        offered = inspect.signature(implemented).parameters
        missing = [p for p in wanted if p not in offered]
        assert not missing, f"{model}.{name}: parameters {missing} of {capability} missing"
    if capability in ("AcSource", "PowerAnalyzer"):
        assert driver.phase_count in (1, 3)


REFUSAL_CASES = [(model, capability, label, call)
                 for model, capability in PAIRS
                 for label, call in REFUSALS.get(capability, [])]


@pytest.mark.parametrize(("model", "capability", "label", "call"), REFUSAL_CASES,
                         ids=[f"{m}-{c}-{lbl}" for m, c, lbl, _ in REFUSAL_CASES])
def test_out_of_range_refused_before_sending(model: str, capability: str, label: str,
                                             call: Callable[[Any], Any]) -> None:
    driver, transport = _driver(model)
    with pytest.raises(BenchError):
        call(driver)
    assert transport.sent == [], f"{model}: sent {transport.sent} before refusing {label}"


@pytest.mark.parametrize("model", sorted(DRIVERS))
def test_identify_returns_the_idn_answer(model: str) -> None:
    transcript = TRANSCRIPTS[model]
    assert "identify" in transcript, f"{model}: transcript has no 'identify' entry"
    (sent, reply), = transcript["identify"]
    assert sent == "*IDN?" and reply
    driver, transport = _driver(model, transcript["identify"])
    assert driver.identify() == reply
    transport.verify()


@pytest.mark.parametrize("model", sorted(DRIVERS))
def test_check_errors_quiet_then_raising(model: str) -> None:
    transcript = TRANSCRIPTS[model]
    query = DRIVERS.get(model).error_query
    clean = transcript.get("check_errors_clean", [(query, '0,"No error"')])
    two = transcript.get("check_errors_two", [(query, '-222,"Data out of range"'),
                                              (query, '-221,"Settings conflict"'),
                                              (query, '0,"No error"')])
    driver, transport = _driver(model, clean)
    driver.check_errors()
    transport.verify()
    driver, transport = _driver(model, two)
    with pytest.raises(InstrumentReportedError) as info:
        driver.check_errors()
    assert len(info.value.errors) == 2
    transport.verify()


def test_transient_sources_are_also_ac_sources() -> None:
    for model in DRIVERS:
        driver, _ = _driver(model)
        if isinstance(driver, AcSourceTransients):
            assert driver.max_transient_steps >= 2 and driver.min_step_duration_s > 0
