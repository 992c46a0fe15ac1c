"""Shared behaviour of the simulated solar array simulators (Chroma 62150H-1000S, Keysight
E4360A): curve parameters received in one program message are collected and checked as a whole
at the end of the message (0 < Vmp < Voc, 0 < Imp < Isc, Vmp x Imp <= the rated power, per the
E4360 Series User's Guide "Using the Solar Array Simulator"); an invalid curve queues -222 and
the previous curve stays in force. ``state.output_on`` is True only while the output relay is on
AND the mode is SAS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from simlab.instruments._scpi_device import SimScpiDevice, SimScpiError
from simlab.physics import PvArrayState

__all__ = ["CURVE_KEYS", "SimSasDevice"]

CURVE_KEYS = ("voc_v", "isc_a", "vmp_v", "imp_a")

SetHandler = Callable[[list[str], "int | None"], None]
QueryHandler = Callable[[list[str], "int | None"], str]


class SimSasDevice(SimScpiDevice):
    """Base of a simulated SAS on a :class:`PvArrayState`; subclasses declare
    ``max_power_w``, parse one curve value (``_curve_value``) and may check a query's
    arguments (``_check_query_args``)."""

    max_power_w: ClassVar[float]
    state: PvArrayState
    mode: str
    relay_on: bool
    _pending: dict[str, float]

    def _sync(self) -> None:
        self.state.output_on = self.relay_on and self.mode == "SAS"

    def begin_message(self) -> None:
        self._pending = {}

    def end_message(self, ok: bool) -> None:
        pending, self._pending = self._pending, {}
        if not pending or not ok:
            return  # an error in the line: no new curve is programmed
        curve = {key: pending.get(key, getattr(self.state, key)) for key in CURVE_KEYS}
        if not (0 < curve["vmp_v"] < curve["voc_v"] and 0 < curve["imp_a"] < curve["isc_a"]
                and curve["vmp_v"] * curve["imp_a"] <= self.max_power_w):
            raise SimScpiError(-222, f"invalid SAS curve {curve}")
        self._apply_curve(curve)

    def _apply_curve(self, curve: dict[str, float]) -> None:
        """Put a checked curve in force (a model may hold it until a trigger)."""
        for key, value in curve.items():
            setattr(self.state, key, value)

    def _curve_value(self, args: list[str], maximum: float) -> float:
        """Parse and range-check one curve parameter from a set command's arguments."""
        raise NotImplementedError

    def _check_query_args(self, args: list[str]) -> None:
        """Check a curve query's arguments (none expected by default)."""

    def _curve_setter(self, key: str, maximum: float) -> SetHandler:
        def set_value(args: list[str], _: int | None) -> None:
            self._pending[key] = self._curve_value(args, maximum)
        return set_value

    def _curve_getter(self, key: str) -> QueryHandler:
        def get_value(args: list[str], _: int | None) -> str:
            self._check_query_args(args)
            return f"{getattr(self.state, key):.10g}"
        return get_value
