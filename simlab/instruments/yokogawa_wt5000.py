"""Simulated Yokogawa WT5000 power analyzer: the NUMeric / COMMunicate / STATus groups of the
WT5000 Communication Interface User's Manual (IM WT5000-17EN) used by
:mod:`instruments.drivers.yokogawa_wt`. Error codes are positive (``113,"Undefined header"``),
the empty queue answers ``0,"No error"``. Only ``:NUMeric:FORMat ASCii`` is simulated.

Readings are the lab's true values plus seeded gaussian noise of 2e-5 of reading (plus a tiny
absolute floor), well inside the WT5000's basic accuracy (about 0.03 % of reading + 0.02 % of
range); the noise is deterministic for a given seed and call sequence.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from simlab.instruments._scpi_device import (SimCommand, SimScpiDevice, SimScpiError, choice,
                                               in_range, number)
from simlab.physics import PhaseTruth

ELEMENTS = 3
FUNCTIONS: dict[str, str] = {  # wire function -> PhaseTruth field (FU handled separately)
    "U": "voltage_v", "I": "current_a", "P": "active_power_w", "Q": "reactive_power_var",
    "S": "apparent_power_va", "LAMBDA": "power_factor",
}
FUNCTION_NAMES = {"U": "U", "I": "I", "P": "P", "Q": "Q", "S": "S", "LAMBda": "LAMBDA",
                  "FU": "FU"}
RELATIVE_NOISE = 2e-5
ABSOLUTE_NOISE = 1e-6


class SimYokogawaWT5000(SimScpiDevice):
    """WT5000 reading ``truth_fn()`` (per-phase truths) and ``frequency_fn()``."""

    identity = "YOKOGAWA,WT5000,SIMULATED-WT5000,F1.01"
    error_query = "STATus:ERRor"
    positive_error_codes = True
    no_error_reply = '0,"No error"'

    def __init__(self, truth_fn: Callable[[], list[PhaseTruth]], frequency_fn: Callable[[], float],
                 seed: int, *, faults: Mapping[str, int] | None = None) -> None:
        self.truth_fn = truth_fn
        self.frequency_fn = frequency_fn
        self.seed = seed
        self._rng = random.Random(seed)
        self.header_on = True
        self.item_count = 15
        self.items: dict[int, tuple[str, int]] = {}
        super().__init__(faults)

    def reset(self) -> None:
        self.header_on, self.item_count, self.items = True, 15, {}

    def _noisy(self, value: float) -> float:
        return value + self._rng.gauss(0.0, RELATIVE_NOISE * abs(value) + ABSOLUTE_NOISE)

    def _set_item(self, args: list[str], suffix: int | None) -> None:
        index = suffix or 1
        if not 1 <= index <= 255:
            raise SimScpiError(-114, f"ITEM{index}")
        function = str(choice(args, FUNCTION_NAMES))
        element = int(in_range(number(args, 1), 1, ELEMENTS)) if len(args) > 1 else 1
        self.items[index] = (function, element)

    def _get_item(self, args: list[str], suffix: int | None) -> str:
        function, element = self.items.get(suffix or 1, ("NONE", 1))
        return f"{function},{element}"

    def _values(self, args: list[str], _: int | None) -> str:
        truths = self.truth_fn()
        frequency_hz = self.frequency_fn()
        out = []
        for index in range(1, self.item_count + 1):
            item = self.items.get(index)
            if item is None or item[1] > len(truths):
                out.append("NAN")
                continue
            function, element = item
            if function == "FU":
                value = self._noisy(frequency_hz)
            else:
                value = self._noisy(getattr(truths[element - 1], FUNCTIONS[function]))
                if function == "LAMBDA":
                    value = max(-1.0, min(1.0, value))
            out.append(f"{value:.5E}")
        return ",".join(out)

    def _set_header(self, args: list[str], _: int | None) -> None:
        self.header_on = bool(choice(args, {"ON": True, "OFF": False, "1": True, "0": False}))

    def _set_format(self, args: list[str], _: int | None) -> None:
        if choice(args, {"ASCii": "ASCII", "FLOat": "FLOAT"}) != "ASCII":
            raise SimScpiError(-224, "only ASCii is simulated")

    def _set_number(self, args: list[str], _: int | None) -> None:
        self.item_count = int(in_range(number(args), 1, 255))

    def commands(self) -> list[SimCommand]:
        return [
            SimCommand("COMMunicate:HEADer", self._set_header,
                       lambda a, n: "1" if self.header_on else "0"),
            SimCommand("NUMeric:FORMat", self._set_format, lambda a, n: "ASCII"),
            SimCommand("NUMeric[:NORMal]:NUMber", self._set_number,
                       lambda a, n: str(self.item_count)),
            SimCommand("NUMeric[:NORMal]:ITEM<n>", self._set_item, self._get_item),
            SimCommand("NUMeric[:NORMal]:VALue", None, self._values),
        ]
