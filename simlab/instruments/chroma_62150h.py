"""Simulated Chroma 62150H-1000S (62000H-S series, 1000 V / 15 A / 15 kW) in the dialect of
:mod:`instruments.drivers.chroma_62000h` (see there for which headers come from public drivers
and which behaviour is assumed), acting on a :class:`PvArrayState`.

* ``OUTPut:MODE CVCC|SAS`` (``EN50530``/``SANDIA`` are recognised but not simulated: -221);
* ``SAS:VOC|ISC|VMPp|IMPp`` and queries; each value is range-checked (-222), and the curve a
  program message leaves behind is checked as a whole at the end of the message
  (0 < Vmp < Voc, 0 < Imp < Isc, Vmp x Imp <= 15 kW): an invalid curve queues -222 and the
  previous curve stays in force;
* while the output is on, a new curve is held until ``TRIG`` puts it in force (the old curve stays
  in effect without it; the queries answer the programmed curve);
* ``CONFigure:OUTPut ON|OFF``, query answers ``ON``/``OFF``;
* ``SYSTem:ERRor?`` answers ``0,"No error"`` when empty.

``state.output_on`` is True only while the output is on AND the mode is SAS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from simlab.instruments._sas_curve import SimSasDevice
from simlab.instruments._scpi_device import (ON_OFF, SimCommand, SimScpiError, choice,
                                               in_range, number)
from simlab.physics import PvArrayState

MAX_VOC_V, MAX_ISC_A, MAX_POWER_W = 1000.0, 15.0, 15000.0


class SimChroma62150H(SimSasDevice):
    """Chroma 62150H-1000S solar array simulator on the lab's PV array state."""

    identity = "Chroma ATE,62150H-1000S,SIMULATED-62150H,01.00"
    no_error_reply = '0,"No error"'
    max_power_w = MAX_POWER_W

    def __init__(self, state: PvArrayState, *, faults: Mapping[str, int] | None = None) -> None:
        self.state = state
        self.mode = "CVCC"
        self.relay_on = state.output_on
        self._pending = {}
        self._staged: dict[str, float] = {}
        super().__init__(faults)
        self._sync()

    def reset(self) -> None:
        self.mode, self.relay_on, self._staged = "CVCC", False, {}
        self._sync()

    def _apply_curve(self, curve: dict[str, float]) -> None:
        if self.state.output_on:
            self._staged = curve
        else:
            super()._apply_curve(curve)

    def _trigger(self, args: list[str], _: int | None) -> None:
        staged, self._staged = self._staged, {}
        if staged:
            super()._apply_curve(staged)

    def _curve_getter(self, key: str) -> Callable[[list[str], int | None], str]:
        in_force = super()._curve_getter(key)

        def get_value(args: list[str], suffix: int | None) -> str:
            return f"{self._staged[key]:.10g}" if key in self._staged else in_force(args, suffix)
        return get_value

    def _curve_value(self, args: list[str], maximum: float) -> float:
        if len(args) > 1:
            raise SimScpiError(-108, ",".join(args[1:]))
        return in_range(number(args), 0.0, maximum)

    def _set_mode(self, args: list[str], _: int | None) -> None:
        mode = str(choice(args, {"CVCC": "CVCC", "SAS": "SAS", "EN50530": "EN50530",
                                 "SANDIA": "SANDIA"}))
        if mode not in ("CVCC", "SAS"):
            raise SimScpiError(-221, f"{mode} mode is not simulated")
        self.mode = mode
        self._sync()

    def _get_mode(self, args: list[str], _: int | None) -> str:
        return self.mode

    def _set_output(self, args: list[str], _: int | None) -> None:
        self.relay_on = bool(choice(args, ON_OFF))
        self._sync()

    def _get_output(self, args: list[str], _: int | None) -> str:
        return "ON" if self.relay_on else "OFF"

    def commands(self) -> list[SimCommand]:
        return [
            SimCommand("OUTPut:MODE", self._set_mode, self._get_mode),
            SimCommand("SAS:VOC", self._curve_setter("voc_v", MAX_VOC_V),
                       self._curve_getter("voc_v")),
            SimCommand("SAS:ISC", self._curve_setter("isc_a", MAX_ISC_A),
                       self._curve_getter("isc_a")),
            SimCommand("SAS:VMPp", self._curve_setter("vmp_v", MAX_VOC_V),
                       self._curve_getter("vmp_v")),
            SimCommand("SAS:IMPp", self._curve_setter("imp_a", MAX_ISC_A),
                       self._curve_getter("imp_a")),
            SimCommand("CONFigure:OUTPut", self._set_output, self._get_output),
            SimCommand("TRIG", self._trigger, None),
        ]
