"""flexbench's EV emulator dialect (EvEmulator) against transcripts."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from transcripts import TRANSCRIPTS

from bench.errors import InstrumentError, InstrumentReportedError
from instruments.capabilities import EvDrawReading, EvEmulator, PilotReading
from instruments.drivers.flexbench_ev_emulator import FlexbenchEvEmulator
from instruments.scpi import SettingOutOfRange
from instruments.transport import TranscriptTransport

T = TRANSCRIPTS["flexbench_ev_emulator"]


def emulator(*steps: str, extra: list[tuple[str, str | None]] | None = None
             ) -> tuple[FlexbenchEvEmulator, TranscriptTransport]:
    pairs = [pair for step in steps for pair in T[step]] + (extra or [])
    transport = TranscriptTransport(pairs)
    return FlexbenchEvEmulator(transport, name="ev"), transport


def test_plug_in_charge_stop_unplug() -> None:
    ev, transport = emulator("identify", "plug_in_and_charge", "stop_and_unplug")
    assert isinstance(ev, EvEmulator)
    assert ev.identify().split(",")[1] == "EV-EMULATOR"
    ev.plug_in()
    ev.set_charge_request(True)
    assert ev.is_plugged_in() is True and ev.charge_requested() is True
    ev.set_charge_request(False)
    ev.unplug()
    assert ev.is_plugged_in() is False
    transport.close()


def test_ev_settings() -> None:
    ev, transport = emulator("ev_settings")
    ev.set_max_current_a(16)
    ev.set_phases(1)
    ev.set_response_delay_s(2.5)
    assert ev.max_current_setpoint_a() == 16.0
    assert ev.phases() == 1
    assert ev.response_delay_setpoint_s() == 2.5
    transport.close()


def test_battery() -> None:
    ev, transport = emulator("battery")
    ev.set_battery(capacity_wh=60000, soc_pct=80, stop_when_full=True)
    assert ev.battery_capacity_wh() == 60000.0
    assert ev.stops_when_full() is True
    transport.close()


def test_read_pilot_with_and_without_pwm() -> None:
    ev, transport = emulator("pilot_pwm", "pilot_no_pwm")
    charging = ev.read_pilot()
    assert charging == PilotReading(state="C", duty_pct=pytest.approx(26.6667),
                                    offered_current_a=16.0)
    paused = ev.read_pilot()
    assert paused.state == "B" and paused.duty_pct is None and paused.offered_current_a == 0.0
    transport.close()


def test_read_draw() -> None:
    ev, transport = emulator("draw")
    draw = ev.read_draw()
    assert isinstance(draw, EvDrawReading)
    assert draw.current_a == (15.98, 15.99, 16.01) and draw.soc_pct == 80.25
    assert draw.max_current_a == 16.01
    transport.close()


def test_a_setting_the_unit_refuses_raises() -> None:
    ev, transport = emulator("rejected_setting")
    with pytest.raises(InstrumentReportedError) as info:
        ev.set_response_delay_s(30)
    assert "EV:DELay 30" in str(info.value) and "-222" in str(info.value)
    transport.close()


@pytest.mark.parametrize("call", [
    lambda ev: ev.set_max_current_a(80.5),
    lambda ev: ev.set_max_current_a(-1),
    lambda ev: ev.set_max_current_a(float("nan")),
    lambda ev: ev.set_max_current_a(True),
    lambda ev: ev.set_phases(2),
    lambda ev: ev.set_phases(True),
    lambda ev: ev.set_phases(3.0),
    lambda ev: ev.set_response_delay_s(-0.1),
    lambda ev: ev.set_response_delay_s(61),
    lambda ev: ev.set_charge_request(1),
    lambda ev: ev.set_battery(60000, 101, True),          # third value fine, second not
    lambda ev: ev.set_battery(500, 50, True),
    lambda ev: ev.set_battery(60000, 50, "yes"),          # refused before the first is sent
], ids=["current-high", "current-negative", "current-nan", "current-bool", "phases-2",
        "phases-bool", "phases-float", "delay-negative", "delay-high", "request-int",
        "soc-high", "capacity-low", "stop-not-bool"])
def test_out_of_range_raises_before_sending(call: Callable[[Any], Any]) -> None:
    ev, transport = emulator()
    with pytest.raises(SettingOutOfRange):
        call(ev)
    assert transport.sent == []


@pytest.mark.parametrize("pairs", [
    [("MEASure:CP:STATe?", "X")],
    [("MEASure:CP:STATe?", "C"), ("MEASure:CP:DUTY?", "120")],
    [("MEASure:CP:STATe?", "C"), ("MEASure:CP:DUTY?", "garbage")],
], ids=["bad-state", "duty-out-of-range", "duty-garbled"])
def test_garbled_pilot_replies_are_instrument_errors(pairs: list[tuple[str, str | None]]) -> None:
    ev, _ = emulator(extra=pairs)
    with pytest.raises(InstrumentError):
        ev.read_pilot()


def test_draw_needs_three_phase_currents() -> None:
    ev, _ = emulator(extra=[("MEASure:CURRent?", "16.0,16.0")])
    with pytest.raises(InstrumentError):
        ev.read_draw()
