"""Simulated Chroma A800067 three-phase RLC load, in the dialect of
:mod:`instruments.drivers.chroma_a800067` (see there for the source of each command), acting on the
lab's :class:`simlab.site.SiteState`: in the simulated lab it is the household load in parallel with
the DUT at the connection point (what the P1 meter sees beside the DUT; the power analyzer measures the
DUT alone).

* ``PHASE<n>:RLOAD|LLOAD|CLOAD <code>``: the step count as an 11-bit code in reverse bit order; one R
  step 16133.3 ohm, one L or C step 0.013633 A at 220 V / 50 Hz (scaled to 230 V here, the lab's
  nominal voltage; the driver scales the same way with its nominal);
* ``PHASE<n>:RLOADE|LLOADE|CLOADE ON|OFF`` and ``FUNCtion:S1|SLOAD ON|OFF`` are accepted (no effect);
* a phase other than 1..3 queues ``-114``, a code above 2047 ``-222``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from simlab.instruments._scpi_device import ON_OFF, SimCommand, SimScpiDevice, SimScpiError, choice, number
from simlab.site import SiteState

__all__ = ["SimChromaA800067"]

STEP_BITS = 11
OHMS_PER_STEP = 16133.3
AMPS_PER_LC_STEP_230V = 0.013633 * 230.0 / 220.0


def steps_of(code: int) -> int:
    """The step count of a wire code (its 11 bits reversed)."""
    return sum(1 << (STEP_BITS - 1 - bit) for bit in range(STEP_BITS) if code >> bit & 1)


class SimChromaA800067(SimScpiDevice):
    identity = "Chroma ATE,A800067,SIMULATED-A800067,1.00"

    def __init__(self, site: SiteState, *, faults: Mapping[str, int] | None = None) -> None:
        self.site = site
        super().__init__(faults)

    def reset(self) -> None:
        for k in range(3):
            self.site.resistance_ohm[k] = math.inf
            self.site.inductive_a[k] = self.site.capacitive_a[k] = 0.0

    @staticmethod
    def _phase(suffix: int | None) -> int:
        if suffix is None or not 1 <= suffix <= 3:
            raise SimScpiError(-114, f"phase {suffix}")
        return suffix - 1

    @staticmethod
    def _steps(args: list[str]) -> int:
        code = number(args)
        if code != int(code) or not 0 <= code < (1 << STEP_BITS):
            raise SimScpiError(-222, f"code {code:g}")
        return steps_of(int(code))

    def _set_r(self, args: list[str], suffix: int | None) -> None:
        phase, steps = self._phase(suffix), self._steps(args)
        self.site.resistance_ohm[phase] = math.inf if steps == 0 else OHMS_PER_STEP / steps

    def _set_l(self, args: list[str], suffix: int | None) -> None:
        phase, steps = self._phase(suffix), self._steps(args)
        self.site.inductive_a[phase] = steps * AMPS_PER_LC_STEP_230V

    def _set_c(self, args: list[str], suffix: int | None) -> None:
        phase, steps = self._phase(suffix), self._steps(args)
        self.site.capacitive_a[phase] = steps * AMPS_PER_LC_STEP_230V

    def _accept(self, args: list[str], suffix: int | None) -> None:
        choice(args, ON_OFF)

    def commands(self) -> list[SimCommand]:
        return [
            SimCommand("PHASE<n>:RLOAD", self._set_r), SimCommand("PHASE<n>:LLOAD", self._set_l),
            SimCommand("PHASE<n>:CLOAD", self._set_c),
            SimCommand("PHASE<n>:RLOADE", self._accept), SimCommand("PHASE<n>:LLOADE", self._accept),
            SimCommand("PHASE<n>:CLOADE", self._accept),
            SimCommand("FUNCtion:S1", self._accept), SimCommand("FUNCtion:SLOAD", self._accept),
        ]
