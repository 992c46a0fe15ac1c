"""Chroma A800067 three-phase RLC load (model key ``chroma_a800067``). Fills the
:class:`instruments.capabilities.RlcLoad` capability: per phase a resistance and an inductive and a
capacitive current, the resonant load of anti-islanding tests.

What this driver knows of the unit comes from the only public driver, the SunSpec SVP
``Lib/svpelab/chroma_A800067.py`` (used by ``loadsim_chroma_A800067.py``); each row's source is in
:data:`COMMANDS`:

* ``PHASE<n>:RLOAD|LLOAD|CLOAD <code>`` switch the R, L and C steps of phase n; the code is the
  step count as an 11-bit pattern written in reverse bit order (step count 1 is code 1024);
* one resistance step is 16133.3 ohm (the step count is 16133.3 ohm / R, rounded); one L or C step
  draws 0.013633 A at 220 V / 50 Hz (inductive steps scale with V/f, capacitive ones with V x f);
* ``PHASE<n>:RLOADE|LLOADE|CLOADE OFF`` switch the external R, L, C loads off;
* ``FUNCtion:S1 OFF`` and ``FUNCtion:SLOAD OFF`` are sent by SVP when it takes over the unit (what the
  two functions switch is not documented in the source).

:meth:`ChromaA800067.open` puts the unit in the state SVP starts from: both functions off, every step
of every phase open, the external loads off. Step counts above 2047 (more than 11 bits) are refused.
"""

from __future__ import annotations

import math

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp
from instruments.drivers.ac_common import check_phase
from instruments.scpi import ScpiDriver, SettingOutOfRange

__all__ = ["ChromaA800067", "COMMANDS", "step_code"]

STEP_BITS = 11
MAX_STEPS = (1 << STEP_BITS) - 1
OHMS_PER_STEP = 16133.3
"""Resistance of one step (SVP chroma_A800067.py ``BASE_RESISTANCE``)."""
AMPS_PER_LC_STEP = 0.013633
"""Current of one L or C step at :data:`STEP_RATING_V` / :data:`STEP_RATING_HZ` (SVP ``BASE_LC_CURRENT``)."""
STEP_RATING_V, STEP_RATING_HZ = 220.0, 50.0
PHASE_COUNT = 3

_SVP = "chroma_A800067.py"
COMMANDS: tuple[CommandRow, ...] = (
    confirmed("*IDN", IEEE_488_2 + "; " + svp(_SVP, "info()")),
    confirmed("SYSTem:ERRor", svp(_SVP, "cmd(): read after every command")),
    confirmed("FUNCtion:S1", svp(_SVP, "__init__(): FUNCtion:S1 OFF"), note="what S1 switches is undocumented"),
    confirmed("FUNCtion:SLOAD", svp(_SVP, "__init__(): FUNCtion:SLOAD OFF"),
              note="what SLOAD switches is undocumented"),
    confirmed("PHASE{phase}:RLOAD", svp(_SVP, "resistance(): bit-reversed 11-bit step count")),
    confirmed("PHASE{phase}:LLOAD", svp(_SVP, "inductance(), calcL()")),
    confirmed("PHASE{phase}:CLOAD", svp(_SVP, "capacitance(), calcC()")),
    confirmed("PHASE{phase}:RLOADE", svp(_SVP, "__init__(): external loads off")),
    confirmed("PHASE{phase}:LLOADE", svp(_SVP, "__init__(): external loads off")),
    confirmed("PHASE{phase}:CLOADE", svp(_SVP, "__init__(): external loads off")),
)


def step_code(steps: int) -> int:
    """The wire code of a step count: its 11-bit pattern in reverse bit order."""
    if not 0 <= steps <= MAX_STEPS:
        raise SettingOutOfRange(f"{steps} steps: the load has {MAX_STEPS} at most")
    return sum(1 << (STEP_BITS - 1 - bit) for bit in range(STEP_BITS) if steps >> bit & 1)


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise SettingOutOfRange(f"{what}: {value!r} is not a number")
    return float(value)


class ChromaA800067(ScpiDriver):
    """Chroma A800067 RLC load (an ``RlcLoad``); see the module docstring."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    phase_count = PHASE_COUNT
    nominal_v = 230.0
    nominal_hz = 50.0

    def open(self) -> None:
        """Functions off, every step open, external loads off (SVP's starting state)."""
        self.write("FUNCtion:S1 OFF")
        self.write("FUNCtion:SLOAD OFF")
        for phase in range(1, PHASE_COUNT + 1):
            for part in ("RLOAD", "LLOAD", "CLOAD"):
                self.write(f"PHASE{phase}:{part} 0")
            for part in ("RLOADE", "LLOADE", "CLOADE"):
                self.write(f"PHASE{phase}:{part} OFF")

    def set_nominal(self, volts: float, hertz: float) -> None:
        volts, hertz = _number(volts, "nominal voltage"), _number(hertz, "nominal frequency")
        if not (0 < volts <= 400 and 0 < hertz <= 400):
            raise SettingOutOfRange(f"nominal {volts:g} V / {hertz:g} Hz is not a grid's")
        self.nominal_v, self.nominal_hz = volts, hertz

    def _lc_step_a(self, inductive: bool) -> float:
        ratio = self.nominal_hz / STEP_RATING_HZ
        scale = (self.nominal_v / STEP_RATING_V) * (1.0 / ratio if inductive else ratio)
        return AMPS_PER_LC_STEP * scale

    def _send_steps(self, phase: int, part: str, steps: int) -> None:
        self.write(f"PHASE{phase}:{part} {step_code(steps)}")

    def set_resistance_ohm(self, phase: int, ohms: float) -> float:
        check_phase(phase, PHASE_COUNT)
        ohms = _number(ohms, "resistance")
        if not ohms > 0:
            raise SettingOutOfRange(f"resistance {ohms:g} ohm must be positive (math.inf: open)")
        steps = 0 if math.isinf(ohms) else round(OHMS_PER_STEP / ohms)
        step_code(steps)
        if steps == 0 and not math.isinf(ohms):
            raise SettingOutOfRange(f"resistance {ohms:g} ohm is above one step ({OHMS_PER_STEP:g} ohm)")
        self._send_steps(phase, "RLOAD", steps)
        return math.inf if steps == 0 else OHMS_PER_STEP / steps

    def _set_reactive(self, phase: int, amps: float, inductive: bool) -> float:
        check_phase(phase, PHASE_COUNT)
        amps = _number(amps, "inductive current" if inductive else "capacitive current")
        if amps < 0:
            raise SettingOutOfRange(f"reactive current {amps:g} A is negative")
        step_a = self._lc_step_a(inductive)
        steps = round(amps / step_a)
        step_code(steps)
        self._send_steps(phase, "LLOAD" if inductive else "CLOAD", steps)
        return steps * step_a

    def set_inductive_current_a(self, phase: int, amps: float) -> float:
        return self._set_reactive(phase, amps, inductive=True)

    def set_capacitive_current_a(self, phase: int, amps: float) -> float:
        return self._set_reactive(phase, amps, inductive=False)

    def disconnect(self) -> None:
        for phase in range(1, PHASE_COUNT + 1):
            for part in ("RLOAD", "LLOAD", "CLOAD"):
                self._send_steps(phase, part, 0)
