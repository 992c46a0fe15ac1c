"""Simulated EV emulator in flexbench's own dialect (:mod:`instruments.drivers.flexbench_ev_emulator`:
no real instrument speaks it, see there), acting on the lab's :class:`simlab.ev_port.EvPort` (``physics.ev_port``).

Settings write the EV side of the port (connected, S2 request, limit, phases, delay, battery);
measurements read what the charger and :class:`simlab.ev_port.EvModel` put there. The
instrument never advances time: the EV draws current only while a simulated charger steps it.

* out-of-range values queue ``-222`` and change nothing; a bad keyword ``-224``; a missing
  parameter ``-109``; an unknown header ``-113``;
* ``MEASure:CP:DUTY?`` answers ``100`` when the charger sends no PWM (steady positive pilot);
* ``*RST`` unplugs the EV and restores the defaults (32 A, 3 phases, 2 s, 60 kWh at 50 %,
  stop when full); ``SYSTem:ERRor?`` answers ``0,"No error"`` when empty.
"""

from __future__ import annotations

from collections.abc import Mapping

from simlab.ev_port import EvPort, pilot_current_a
from simlab.instruments._scpi_device import (ON_OFF, QueryHandler, SetHandler, SimCommand,
                                               SimScpiDevice, SimScpiError, choice, in_range,
                                               number)

__all__ = ["SimFlexbenchEvEmulator"]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _on_off(value: bool) -> str:
    return "ON" if value else "OFF"


class SimFlexbenchEvEmulator(SimScpiDevice):
    """The EV emulator on one charging cable (:class:`EvPort`)."""

    identity = "flexbench,EV-EMULATOR,SIMULATED,1.00"
    no_error_reply = '0,"No error"'

    def __init__(self, port: EvPort, *, faults: Mapping[str, int] | None = None) -> None:
        self.port = port
        super().__init__(faults)

    def reset(self) -> None:
        defaults = EvPort()
        p = self.port
        p.ev_connected = defaults.ev_connected
        p.ev_requests_charge = defaults.ev_requests_charge
        p.ev_max_current_a = defaults.ev_max_current_a
        p.ev_phases = defaults.ev_phases
        p.ev_response_delay_s = defaults.ev_response_delay_s
        p.battery_capacity_wh = defaults.battery_capacity_wh
        p.soc_pct = defaults.soc_pct
        p.stop_when_full = defaults.stop_when_full

    # -- handlers -------------------------------------------------------------------------------
    def _bool_setting(self, attribute: str) -> tuple[SetHandler, QueryHandler]:
        def set_(args: list[str], _: int | None) -> None:
            setattr(self.port, attribute, bool(choice(args, ON_OFF)))

        def get(args: list[str], _: int | None) -> str:
            return _on_off(bool(getattr(self.port, attribute)))

        return set_, get

    def _number_setting(self, attribute: str, low: float,
                        high: float) -> tuple[SetHandler, QueryHandler]:
        def set_(args: list[str], _: int | None) -> None:
            setattr(self.port, attribute, in_range(number(args), low, high))

        def get(args: list[str], _: int | None) -> str:
            return _fmt(float(getattr(self.port, attribute)))

        return set_, get

    def _set_phases(self, args: list[str], _: int | None) -> None:
        value = number(args)
        if value not in (1.0, 3.0):
            raise SimScpiError(-224, f"{value:g} phases")
        self.port.ev_phases = int(value)

    def _get_phases(self, args: list[str], _: int | None) -> str:
        return str(self.port.ev_phases)

    def _cp_state(self, args: list[str], _: int | None) -> str:
        return self.port.cp_state()

    def _cp_duty(self, args: list[str], _: int | None) -> str:
        duty = self.port.pilot_duty_pct
        return _fmt(100.0 if duty is None else duty)

    def _cp_current(self, args: list[str], _: int | None) -> str:
        return _fmt(pilot_current_a(self.port.pilot_duty_pct))

    def _currents(self, args: list[str], _: int | None) -> str:
        currents = list(self.port.ev_current_a) + [0.0] * (3 - len(self.port.ev_current_a))
        return ",".join(_fmt(i) for i in currents[:3])

    def _soc(self, args: list[str], _: int | None) -> str:
        return _fmt(self.port.soc_pct)

    def commands(self) -> list[SimCommand]:
        connect = self._bool_setting("ev_connected")
        charge = self._bool_setting("ev_requests_charge")
        full = self._bool_setting("stop_when_full")
        current = self._number_setting("ev_max_current_a", 0.0, 80.0)
        delay = self._number_setting("ev_response_delay_s", 0.0, 60.0)
        capacity = self._number_setting("battery_capacity_wh", 1000.0, 200000.0)
        soc = self._number_setting("soc_pct", 0.0, 100.0)
        return [
            SimCommand("EV:CONNect", *connect),
            SimCommand("EV:CHARge", *charge),
            SimCommand("EV:CURRent:MAXimum", *current),
            SimCommand("EV:PHASes", self._set_phases, self._get_phases),
            SimCommand("EV:DELay", *delay),
            SimCommand("BATTery:CAPacity", *capacity),
            SimCommand("BATTery:SOC", *soc),
            SimCommand("BATTery:FULL:STOP", *full),
            SimCommand("MEASure:CP:STATe", None, self._cp_state),
            SimCommand("MEASure:CP:DUTY", None, self._cp_duty),
            SimCommand("MEASure:CP:CURRent", None, self._cp_current),
            SimCommand("MEASure:CURRent", None, self._currents),
            SimCommand("MEASure:SOC", None, self._soc),
        ]
