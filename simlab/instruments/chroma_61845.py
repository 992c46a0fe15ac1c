"""Simulated Chroma 61845 grid simulator: the dialect of
:mod:`instruments.drivers.chroma_61800` (Chroma 61500/61600/61700-family SCPI, see there for
which headers are confirmed by a manual), acting on a :class:`GridSourceState`.

A voltage or frequency setting that changes the output's setpoint is a programmed step: the source
fires its trigger output (:class:`simlab.instruments.capture.TriggerLine`, wired to the analyzer's
external trigger input) at that lab instant."""

from __future__ import annotations

from collections.abc import Mapping

from simlab.instruments._scpi_device import (ON_OFF, SimCommand, SimScpiDevice, SimScpiError,
                                               choice, in_range, number)
from simlab.instruments.capture import TriggerLine
from simlab.physics import GridSourceState

MAX_VOLTAGE_V = 300.0


def _fmt(value: float) -> str:
    return f"{value:.10g}"


class SimChroma61845(SimScpiDevice):
    """Chroma 61845 on the lab's grid-source state (phases 1-based on the wire)."""

    identity = "Chroma ATE,61845,SIMULATED-61845,1.00,1.00,1.00"
    no_error_reply = '0,"No error"'

    def __init__(self, state: GridSourceState, *, faults: Mapping[str, int] | None = None,
                 trigger_line: TriggerLine | None = None) -> None:
        self.state = state
        self.trigger_line = trigger_line
        self.coupled = True
        self.selected_phase = 1
        self.voltage_limit_v = MAX_VOLTAGE_V
        super().__init__(faults)

    def reset(self) -> None:
        s = self.state
        s.voltage_setpoint_v = [0.0] * s.phase_count
        s.frequency_setpoint_hz = 50.0
        s.phase_angle_deg = [0.0, 240.0, 120.0][:s.phase_count]
        s.voltage_slew_v_per_s = None
        s.frequency_slew_hz_per_s = None
        s.output_on = False
        self.coupled, self.selected_phase, self.voltage_limit_v = True, 1, MAX_VOLTAGE_V

    def _targets(self) -> list[int]:
        return list(range(self.state.phase_count)) if self.coupled else [self.selected_phase - 1]

    # -- handlers ------------------------------------------------------------------------
    def _set_couple(self, args: list[str], _: int | None) -> None:
        self.coupled = bool(choice(args, {"ALL": True, "NONE": False}))

    def _set_select(self, args: list[str], _: int | None) -> None:
        self.selected_phase = int(in_range(number(args), 1, self.state.phase_count))

    def _set_voltage(self, args: list[str], _: int | None) -> None:
        volts = in_range(number(args), 0.0, self.voltage_limit_v)
        stepped = any(self.state.voltage_setpoint_v[i] != volts for i in self._targets())
        for i in self._targets():
            self.state.voltage_setpoint_v[i] = volts
        if stepped:
            self._trigger_out()

    def _get_voltage(self, args: list[str], _: int | None) -> str:
        return _fmt(self.state.voltage_setpoint_v[self._targets()[0]])

    def _set_limit(self, args: list[str], _: int | None) -> None:
        self.voltage_limit_v = in_range(number(args), 0.0, MAX_VOLTAGE_V)

    def _set_frequency(self, args: list[str], _: int | None) -> None:
        hertz = in_range(number(args), 15.0, 1000.0)
        stepped = hertz != self.state.frequency_setpoint_hz
        self.state.frequency_setpoint_hz = hertz
        if stepped:
            self._trigger_out()

    def _trigger_out(self) -> None:
        """A setpoint step: pulse the trigger output (when the source's output is on)."""
        if self.trigger_line is not None and self.state.output_on:
            self.trigger_line.fire()

    def _set_phase(self, args: list[str], suffix: int | None) -> None:
        self.state.phase_angle_deg[self._phase_index(suffix)] = in_range(number(args), 0.0, 360.0)

    def _get_phase(self, args: list[str], suffix: int | None) -> str:
        return _fmt(self.state.phase_angle_deg[self._phase_index(suffix)])

    def _phase_index(self, suffix: int | None) -> int:
        if suffix not in (2, 3) or suffix > self.state.phase_count:
            raise SimScpiError(-114, f"P{suffix}")
        return suffix - 1

    def _set_voltage_slew(self, args: list[str], _: int | None) -> None:
        self.state.voltage_slew_v_per_s = in_range(number(args), 0.001, 1000.0) * 1000.0

    def _get_voltage_slew(self, args: list[str], _: int | None) -> str:
        rate = self.state.voltage_slew_v_per_s
        return _fmt(rate / 1000.0) if rate is not None else "1000"

    def _set_frequency_slew(self, args: list[str], _: int | None) -> None:
        self.state.frequency_slew_hz_per_s = in_range(number(args), 0.001, 1000.0) * 1000.0

    def _get_frequency_slew(self, args: list[str], _: int | None) -> str:
        rate = self.state.frequency_slew_hz_per_s
        return _fmt(rate / 1000.0) if rate is not None else "1000"

    def _set_output(self, args: list[str], _: int | None) -> None:
        self.state.output_on = bool(choice(args, ON_OFF))

    def commands(self) -> list[SimCommand]:
        s = self.state
        return [
            SimCommand("INSTrument:COUPle", self._set_couple,
                       lambda a, n: "ALL" if self.coupled else "NONE"),
            SimCommand("INSTrument:NSELect", self._set_select,
                       lambda a, n: str(self.selected_phase)),
            SimCommand("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]:AC",
                       self._set_voltage, self._get_voltage),
            SimCommand("[SOURce:]VOLTage:LIMit:AC", self._set_limit,
                       lambda a, n: _fmt(self.voltage_limit_v)),
            SimCommand("[SOURce:]FREQuency[:IMMediate]", self._set_frequency,
                       lambda a, n: _fmt(s.frequency_setpoint_hz)),
            SimCommand("[SOURce:]PHASe:P<n>", self._set_phase, self._get_phase),
            SimCommand("OUTPut:SLEW:VOLTage:AC", self._set_voltage_slew, self._get_voltage_slew),
            SimCommand("OUTPut:SLEW:FREQuency", self._set_frequency_slew,
                       self._get_frequency_slew),
            SimCommand("OUTPut[:STATe]", self._set_output,
                       lambda a, n: "ON" if s.output_on else "OFF"),
        ]
