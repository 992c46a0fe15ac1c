"""Chroma programmable AC sources: instrument-timed voltage programs in LIST mode.

Fills :class:`instruments.capabilities.AcSourceTransients` for the Chroma families that share
the LIST sub-system (61500/61600 User's Manual, chapter "Remote Operation", LIST / OUTPut:MODE /
TRIG commands; the 61800 keeps the same sub-system):

* ``OUTPut:MODE LIST`` selects LIST mode, ``OUTPut:MODE FIXED`` returns to steady state;
* ``[SOURce:]LIST:BASE TIME`` times each point by ``LIST:DWELl`` (not by cycles);
* ``LIST:VOLTage:AC:STARt`` / ``:END`` and ``LIST:FREQuency:STARt`` / ``:END`` take one value
  per point (equal start and end hold a level; the manual's ranges: 0-300 V, 15-1000 Hz);
* ``TRIG ON`` starts the program, ``TRIG OFF`` stops it, ``TRIG:STATE?`` answers ``OFF`` or
  ``RUNNING``.

Not confirmed from the manual text available when this was written (confirm on the first
hardware campaign): ``LIST:COUNt`` (repeat count, sent as 1), the ``LIST:DWELl`` unit (taken as
milliseconds, 0.1-99999.9 ms) and the list length (taken as 100 points).
Programs apply to all phases: per-phase lists are refused.

Trigger output (for an analyzer capture timed from the step, docs/hardware-first-connection.md):
the bench assumes the source pulses its rear-panel trigger / sync output when ``TRIG ON`` starts
the program. This is unconfirmed: no manual text at hand says which event pulses that output. Check
it with a scope on the first hardware campaign.
"""

from __future__ import annotations

from typing import Any

from bench.errors import InstrumentError
from instruments.capabilities import VoltageStep
from instruments.drivers.ac_common import validate_steps
from instruments.scpi import SettingOutOfRange, Validator, parse_float, strict_range

__all__ = ["ChromaListTransients", "seconds_as_ms"]

LIST_MAX_POINTS = 100
LIST_MIN_DWELL_MS, LIST_MAX_DWELL_MS = 0.1, 99999.9


def seconds_as_ms(minimum_ms: float, maximum_ms: float) -> Validator:
    """Accept a duration in seconds whose millisecond value lies in the range; render ms."""
    in_ms = strict_range(minimum_ms, maximum_ms, "ms")

    def validate(value: Any, what: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingOutOfRange(f"{what}: {value!r} is not a number")
        return in_ms(round(value * 1000.0, 6), what)

    return validate


class ChromaListTransients:
    """Mixin for a Chroma ``ScpiDriver`` with ``phase_count`` and ``list_voltage_max_v``."""

    max_transient_steps = LIST_MAX_POINTS
    min_step_duration_s = LIST_MIN_DWELL_MS / 1000.0
    list_voltage_max_v: float
    phase_count: int

    def program_voltage_steps(self, steps: list[VoltageStep], phase: int | None = None) -> None:
        """Load ``steps`` as a LIST at the present frequency; ``run_transient`` starts it."""
        if phase is not None and not (self.phase_count == 1 and phase == 1):
            raise SettingOutOfRange(
                f"phase {phase!r}: this driver programs LIST transients on all phases only")
        dwells, volts = validate_steps(
            steps, max_steps=self.max_transient_steps,
            dwell=seconds_as_ms(LIST_MIN_DWELL_MS, LIST_MAX_DWELL_MS),
            volts=strict_range(0.0, self.list_voltage_max_v, "V"))
        driver: Any = self
        hertz = driver.query_value("SOURce:FREQuency?", parse_float)
        frequencies = ",".join([f"{hertz:.10g}"] * len(volts))
        for command in ("OUTPut:MODE LIST", "LIST:BASE TIME", "LIST:COUNt 1",
                        f"LIST:VOLTage:AC:STARt {','.join(volts)}",
                        f"LIST:VOLTage:AC:END {','.join(volts)}",
                        f"LIST:FREQuency:STARt {frequencies}",
                        f"LIST:FREQuency:END {frequencies}",
                        f"LIST:DWELl {','.join(dwells)}"):
            driver.write(command)

    def run_transient(self) -> None:
        driver: Any = self
        driver.write("TRIG ON")

    def transient_done(self) -> bool:
        driver: Any = self
        state = driver.query("TRIG:STATE?").strip().upper()
        if state not in ("OFF", "RUNNING"):
            raise InstrumentError(f"{driver.name}: unexpected TRIG:STATE? reply {state!r}")
        return state == "OFF"

    def abort_transient(self) -> None:
        driver: Any = self
        driver.write("TRIG OFF")
        driver.write("OUTPut:MODE FIXED")
