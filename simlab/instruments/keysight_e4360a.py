"""Simulated Keysight E4360A with an E4362A module on output 1 (Voc <= 130 V, Isc <= 5 A,
Pmp <= 600 W), per the E4360 Series User's Guide "Using the Solar Array Simulator": curve
parameters sent on one program line are validated together, and an invalid curve leaves the
previous one in force with an execution error in the queue. Acts on a :class:`PvArrayState`;
``state.output_on`` is True only while the output is on AND the mode is SAS."""

from __future__ import annotations

from collections.abc import Mapping

from simlab.instruments._sas_curve import SimSasDevice
from simlab.instruments._scpi_device import (ON_OFF, SimCommand, SimScpiError, choice,
                                               in_range, number)
from simlab.physics import PvArrayState

MAX_VOC_V, MAX_ISC_A, MAX_POWER_W = 130.0, 5.0, 600.0


def _channel(args: list[str], index: int) -> None:
    """Only output 1 is fitted in the simulated mainframe."""
    if index >= len(args) or args[index].replace(" ", "") != "(@1)":
        raise SimScpiError(-222, f"channel list {args[index] if index < len(args) else '-'}")


class SimKeysightE4360A(SimSasDevice):
    """E4360A SAS mainframe on the lab's PV array state."""

    identity = "Keysight Technologies,E4360A,SIMULATED-E4360A,A.01.01"
    no_error_reply = '+0,"No error"'
    max_power_w = MAX_POWER_W

    def __init__(self, state: PvArrayState, *, faults: Mapping[str, int] | None = None) -> None:
        self.state = state
        self.mode = "FIX"
        self.relay_on = state.output_on
        self._pending = {}
        super().__init__(faults)

    def reset(self) -> None:
        self.mode, self.relay_on = "FIX", False
        self._sync()

    def _curve_value(self, args: list[str], maximum: float) -> float:
        value = in_range(number(args), 0.0, maximum)
        _channel(args, 1)
        return value

    def _check_query_args(self, args: list[str]) -> None:
        _channel(args, 0)

    def _set_mode(self, args: list[str], _: int | None) -> None:
        mode = str(choice(args, {"FIXed": "FIX", "SAS": "SAS", "TABLe": "TABL"}))
        _channel(args, 1)
        if mode == "TABL":
            raise SimScpiError(-221, "table mode is not simulated")
        self.mode = mode
        self._sync()

    def _get_mode(self, args: list[str], _: int | None) -> str:
        _channel(args, 0)
        return self.mode

    def _set_output(self, args: list[str], _: int | None) -> None:
        on = bool(choice(args, ON_OFF))
        _channel(args, 1)
        self.relay_on = on
        self._sync()

    def _get_output(self, args: list[str], _: int | None) -> str:
        _channel(args, 0)
        return "1" if self.relay_on else "0"

    def commands(self) -> list[SimCommand]:
        return [
            SimCommand("[SOURce:]CURRent:MODE", self._set_mode, self._get_mode),
            SimCommand("[SOURce:]CURRent:SAS:ISC", self._curve_setter("isc_a", MAX_ISC_A),
                       self._curve_getter("isc_a")),
            SimCommand("[SOURce:]CURRent:SAS:IMP", self._curve_setter("imp_a", MAX_ISC_A),
                       self._curve_getter("imp_a")),
            SimCommand("[SOURce:]VOLTage:SAS:VOC", self._curve_setter("voc_v", MAX_VOC_V),
                       self._curve_getter("voc_v")),
            SimCommand("[SOURce:]VOLTage:SAS:VMP", self._curve_setter("vmp_v", MAX_VOC_V),
                       self._curve_getter("vmp_v")),
            SimCommand("OUTPut[:STATe]", self._set_output, self._get_output),
        ]
