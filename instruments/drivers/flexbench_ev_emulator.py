"""flexbench's own EV emulator dialect (model key ``flexbench_ev_emulator``): the vehicle side of
an EV charger test. Fills the :class:`instruments.capabilities.EvEmulator` capability: cable plugged
in or not, the S2 charge request, the control-pilot readback and an EV-like current draw that
follows the pilot duty (IEC 61851-1:2017 Annex A, Table A.8).

**This is not a real instrument's command set.** No EV emulator or EVSE tester with a publicly
documented programming interface was found (Chroma 8000 system, comemso, Keysight Scienlab SL104x,
NH Research, ITECH). The only public driver for "Chroma A800067" (SunSpec SVP
``Lib/svpelab/chroma_A800067.py``) drives that model as a three-phase RLC load, which is what
:mod:`instruments.drivers.chroma_a800067` now is. The dialect below is flexbench's own: the
simulated lab (``simlab/instruments/flexbench_ev_emulator.py``) speaks it, and a real EV-side
instrument needs its own driver written from its manual (every row of :data:`COMMANDS` is marked
unconfirmed for that reason). It follows common SCPI conventions (long/short headers, ``ON|OFF``
booleans answered ``ON``/``OFF``, ``SYSTem:ERRor?`` answering ``<code>,"<message>"`` and
``0,"No error"`` when empty); ``*IDN?`` answers ``flexbench,EV-EMULATOR,<serial>,<version>``:

* ``EV:CONNect ON|OFF`` / ``EV:CONNect?`` — vehicle connected (state A vs B/C);
* ``EV:CHARge ON|OFF`` / ``EV:CHARge?`` — S2 closed, the vehicle asks to charge (state C);
* ``EV:CURRent:MAXimum <A>`` / ``?`` — the vehicle's own limit per phase, 0 ... 80 A;
* ``EV:PHASes 1|3`` / ``?`` — phases the vehicle charges on;
* ``EV:DELay <s>`` / ``?`` — response delay to a duty change, 0 ... 60 s;
* ``BATTery:CAPacity <Wh>`` / ``?`` — 1 kWh ... 200 kWh;
* ``BATTery:SOC <%>`` / ``?`` — state of charge, 0 ... 100 %;
* ``BATTery:FULL:STOP ON|OFF`` / ``?`` — open S2 at 100 % (stop when full);
* ``MEASure:CP:STATe?`` — ``A`` ... ``F`` (IEC 61851-1 Table A.3);
* ``MEASure:CP:DUTY?`` — duty cycle in %; ``100`` for a steady positive pilot (no PWM),
  ``0`` for a steady 0 V / -12 V pilot;
* ``MEASure:CP:CURRent?`` — current per phase the duty offers (Table A.8), A;
* ``MEASure:CURRent?`` — current drawn per phase, ``<L1>,<L2>,<L3>`` A rms;
* ``MEASure:SOC?`` — present state of charge, %;
* ``SYSTem:ERRor?`` — error queue (read after every setting).

Ranges (0 ... 80 A: the largest current a PWM pilot can offer, Table A.7; 0 ... 60 s delay;
1 ... 200 kWh) are this dialect's.
"""

from __future__ import annotations

from bench.errors import InstrumentError

from instruments.capabilities import CP_STATES, EvDrawReading, PilotReading
from instruments.command_sources import CommandRow, unconfirmed
from instruments.scpi import (ScpiDriver, Setting, parse_float, parse_on_off, strict_choice,
                              strict_range)

__all__ = ["FlexbenchEvEmulator", "COMMANDS", "CONNECT", "CHARGE", "MAX_CURRENT", "PHASES", "RESPONSE_DELAY",
           "CAPACITY", "SOC", "FULL_STOP", "MAX_CURRENT_A", "MAX_DELAY_S"]

MAX_CURRENT_A = 80.0
"""The largest current a PWM pilot can offer (IEC 61851-1 Table A.7, 96 % duty)."""
MAX_DELAY_S = 60.0
MIN_CAPACITY_WH = 1000.0
MAX_CAPACITY_WH = 200000.0

_ON_OFF = strict_choice({True: "ON", False: "OFF"})


def _parse_phases(reply: str) -> int:
    value = int(float(reply.strip()))
    if value not in (1, 3):
        raise ValueError(f"not a phase count: {reply!r}")
    return value


CONNECT = Setting("EV:CONNect {value}", "EV:CONNect?", "", _ON_OFF, parse=parse_on_off,
                  doc="vehicle connected (state B/C) or not (state A)")
CHARGE = Setting("EV:CHARge {value}", "EV:CHARge?", "", _ON_OFF, parse=parse_on_off,
                 doc="S2 closed: the vehicle asks to charge (state C)")
MAX_CURRENT = Setting("EV:CURRent:MAXimum {value}", "EV:CURRent:MAXimum?", "A",
                      strict_range(0.0, MAX_CURRENT_A, "A"), doc="vehicle limit per phase")
PHASES = Setting("EV:PHASes {value}", "EV:PHASes?", "", strict_choice({1: "1", 3: "3"}),
                 parse=_parse_phases, doc="phases the vehicle charges on")
RESPONSE_DELAY = Setting("EV:DELay {value}", "EV:DELay?", "s", strict_range(0.0, MAX_DELAY_S, "s"),
                         doc="response delay to a duty-cycle change")
CAPACITY = Setting("BATTery:CAPacity {value}", "BATTery:CAPacity?", "Wh",
                   strict_range(MIN_CAPACITY_WH, MAX_CAPACITY_WH, "Wh"), doc="battery capacity")
SOC = Setting("BATTery:SOC {value}", "BATTery:SOC?", "%", strict_range(0.0, 100.0, "%"),
              doc="battery state of charge")
FULL_STOP = Setting("BATTery:FULL:STOP {value}", "BATTery:FULL:STOP?", "", _ON_OFF,
                    parse=parse_on_off, doc="open S2 at 100 % state of charge")


def _parse_state(reply: str) -> str:
    state = reply.strip().upper()
    if state not in CP_STATES:
        raise ValueError(f"not a control-pilot state: {reply!r}")
    return state


def _parse_currents(reply: str) -> tuple[float, ...]:
    values = tuple(parse_float(part) for part in reply.split(","))
    if len(values) != 3:
        raise ValueError(f"expected three phase currents, got {reply!r}")
    return values


_OWN = ("flexbench's own dialect, served by the simulated lab only: no real instrument is known to speak it "
        "(a real EV emulator needs a driver written from its manual)")
COMMANDS: tuple[CommandRow, ...] = tuple(unconfirmed(header, _OWN) for header in (
    "*IDN", "SYSTem:ERRor", "EV:CONNect", "EV:CHARge", "EV:CURRent:MAXimum", "EV:PHASes", "EV:DELay",
    "BATTery:CAPacity", "BATTery:SOC", "BATTery:FULL:STOP", "MEASure:CP:STATe", "MEASure:CP:DUTY",
    "MEASure:CP:CURRent", "MEASure:CURRent", "MEASure:SOC"))


class FlexbenchEvEmulator(ScpiDriver):
    """flexbench's EV emulator dialect (an ``EvEmulator``); see the module docstring."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS

    # -- EvEmulator ----------------------------------------------------------------------------
    def plug_in(self) -> None:
        self.apply(CONNECT, True)

    def unplug(self) -> None:
        self.apply(CONNECT, False)

    def set_charge_request(self, on: bool) -> None:
        self.apply(CHARGE, on)

    def set_max_current_a(self, amps: float) -> None:
        self.apply(MAX_CURRENT, amps)

    def set_phases(self, phases: int) -> None:
        self.apply(PHASES, phases)

    def set_response_delay_s(self, seconds: float) -> None:
        self.apply(RESPONSE_DELAY, seconds)

    def set_battery(self, capacity_wh: float, soc_pct: float, stop_when_full: bool = True) -> None:
        """Capacity, state of charge and stop-when-full; all validated before anything is sent."""
        commands = [CAPACITY.command(capacity_wh), SOC.command(soc_pct),
                    FULL_STOP.command(stop_when_full)]
        for command in commands:
            self.write(command)

    def read_pilot(self) -> PilotReading:
        state = str(self.query_value("MEASure:CP:STATe?", _parse_state))
        duty = float(self.query_value("MEASure:CP:DUTY?", parse_float))
        if not 0.0 <= duty <= 100.0:
            raise InstrumentError(f"{self.name}: duty cycle {duty:g} % is outside 0 ... 100 %")
        offered = float(self.query_value("MEASure:CP:CURRent?", parse_float))
        return PilotReading(state=state, duty_pct=None if duty in (0.0, 100.0) else duty,
                            offered_current_a=offered)

    def read_draw(self) -> EvDrawReading:
        currents = self.query_value("MEASure:CURRent?", _parse_currents)
        soc = float(self.query_value("MEASure:SOC?", parse_float))
        return EvDrawReading(current_a=tuple(currents), soc_pct=soc)

    # -- model extras --------------------------------------------------------------------------
    def is_plugged_in(self) -> bool:
        return bool(self.fetch(CONNECT))

    def charge_requested(self) -> bool:
        return bool(self.fetch(CHARGE))

    def max_current_setpoint_a(self) -> float:
        return float(self.fetch(MAX_CURRENT))

    def phases(self) -> int:
        return int(self.fetch(PHASES))

    def response_delay_setpoint_s(self) -> float:
        return float(self.fetch(RESPONSE_DELAY))

    def battery_capacity_wh(self) -> float:
        return float(self.fetch(CAPACITY))

    def stops_when_full(self) -> bool:
        return bool(self.fetch(FULL_STOP))
