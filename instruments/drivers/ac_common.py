"""Shared checks for AC-source drivers: phase numbers and instrument-timed voltage programs.

Everything here raises :class:`instruments.scpi.SettingOutOfRange` before a driver sends
anything, so a refused call never leaves an instrument half-programmed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from instruments.capabilities import VoltageStep
from instruments.scpi import SettingOutOfRange, Validator

__all__ = ["check_phase", "check_rate", "validate_steps"]


def check_phase(phase: object, phase_count: int) -> int:
    """Return ``phase`` when it is an int in ``1..phase_count``; refuse anything else."""
    if isinstance(phase, bool) or not isinstance(phase, int) or not 1 <= phase <= phase_count:
        raise SettingOutOfRange(f"phase {phase!r} is not one of 1..{phase_count}")
    return phase


def check_rate(rate: object, what: str) -> float:
    """A slew rate must be a real number (its range is the driver's validator's job)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or math.isnan(rate):
        raise SettingOutOfRange(f"{what} {rate!r} is not a number")
    return float(rate)


def validate_steps(steps: Sequence[VoltageStep], *, max_steps: int, dwell: Validator,
                   volts: Validator) -> tuple[list[str], list[str]]:
    """Validate a voltage program; return the wire texts ``(dwells, voltages)``.

    ``dwell`` validates one duration already converted to the instrument's unit by the caller
    (pass durations in seconds and a validator in seconds, or convert first).
    """
    if not isinstance(steps, (list, tuple)) or not steps:
        raise SettingOutOfRange("a voltage program needs at least one step")
    if len(steps) > max_steps:
        raise SettingOutOfRange(f"{len(steps)} steps exceed the model's {max_steps} list points")
    dwell_texts: list[str] = []
    volt_texts: list[str] = []
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, VoltageStep):
            raise SettingOutOfRange(f"step {index}: {step!r} is not a VoltageStep")
        dwell_texts.append(dwell(step.duration_s, f"step {index} duration_s"))
        volt_texts.append(volts(step.volts, f"step {index} volts"))
    return dwell_texts, volt_texts
