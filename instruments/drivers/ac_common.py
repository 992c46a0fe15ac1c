"""Shared parts of the AC-source drivers: phase numbers, instrument-timed voltage programs and
:class:`TableAcSource`, the table-driven ``AcSource`` the models subclass.

Everything here raises :class:`instruments.scpi.SettingOutOfRange` before a driver sends
anything, so a refused call never leaves an instrument half-programmed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from instruments.capabilities import VoltageStep
from instruments.scpi import ScpiDriver, Setting, SettingOutOfRange, Validator, strict_choice

__all__ = ["AcSourceTable", "INSTRUMENT_COUPLE", "INSTRUMENT_EDIT", "INSTRUMENT_SELECT_PHASE",
           "TableAcSource", "check_phase", "check_rate", "validate_steps"]

# Phase addressing. California Instruments / AMETEK: ``INSTrument:COUPle ALL|NONE`` +
# ``INSTrument:NSELect n`` (SVP gridsim_ametek.py). Chroma 61500/61800: ``INSTrument:EDIT ALL`` for
# settings of every phase (SVP chroma_61845.py), ``INSTrument:EDIT EACH`` + ``INSTrument:NSELect n``
# for one phase (unconfirmed; see the drivers' command rows).
INSTRUMENT_COUPLE = Setting("INSTrument:COUPle {value}", "INSTrument:COUPle?", "",
                            strict_choice({True: "ALL", False: "NONE"}), parse=str,
                            doc="ALL: settings apply to every phase; NONE: to the selected one")
INSTRUMENT_EDIT = Setting("INSTrument:EDIT {value}", "INSTrument:EDIT?", "",
                          strict_choice({True: "ALL", False: "EACH"}), parse=str,
                          doc="ALL: settings apply to every phase; EACH: to the selected one")
INSTRUMENT_SELECT_PHASE = Setting("INSTrument:NSELect {value}", "INSTrument:NSELect?", "",
                                  strict_choice({1: "1", 2: "2", 3: "3"}), parse=int,
                                  doc="phase addressed by per-phase settings when uncoupled")


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
                   volts: Validator, frequency_and_angle: bool = False) -> tuple[list[str], list[str]]:
    """Validate a voltage program; return the wire texts ``(dwells, voltages)``.

    ``dwell`` validates one duration already converted to the instrument's unit by the caller
    (pass durations in seconds and a validator in seconds, or convert first). A point's frequency
    or phase shift is refused unless the driver programs them (``frequency_and_angle``; it then
    validates them itself).
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
        if not frequency_and_angle and (step.frequency_hz is not None or step.shapes_frequency_or_angle):
            raise SettingOutOfRange(f"step {index}: this driver programs voltage levels only "
                                    "(no frequency or phase angle per point)")
        dwell_texts.append(dwell(step.duration_s, f"step {index} duration_s"))
        volt_texts.append(volts(step.volts, f"step {index} volts"))
    return dwell_texts, volt_texts


@dataclass(frozen=True)
class AcSourceTable:
    """The command rows one AC-source model declares; :class:`TableAcSource` drives them.

    Rows the model lacks stay ``None`` and the matching call is refused before anything is
    sent. ``voltage`` programs all phases (or the one phase ``couple``/``select_phase``
    addressed); ``voltage_phase`` is for dialects whose header carries the phase number
    (``{phase}``). ``slew_divisor`` converts the API's per-second rates to the instrument's
    unit (1000 for V/ms and Hz/ms). ``phase_angle_selects_phase`` is True when the angle
    header applies to the phase addressed by ``select_phase`` instead of naming it.
    ``relay`` (when the model has an output relay) is closed before ``output`` goes on and opened
    after it goes off.
    """

    voltage: Setting
    frequency: Setting
    output: Setting
    voltage_phase: Setting | None = None
    voltage_range: Setting | None = None
    voltage_slew: Setting | None = None
    frequency_slew: Setting | None = None
    slew_divisor: float = 1.0
    phase_angle: Setting | None = None
    phase_angle_selects_phase: bool = False
    couple: Setting | None = None
    select_phase: Setting | None = None
    relay: Setting | None = None


class TableAcSource(ScpiDriver):
    """An :class:`~instruments.capabilities.AcSource` driven from an :class:`AcSourceTable`.

    Subclasses declare ``table``, ``phase_count`` and ``model_label`` and add only their real
    sequences (LIST transients, limits). Every value and phase number is validated before
    the first byte is sent; phase 1 is the 0 deg reference (only 0 deg accepted, nothing
    sent). Multi-phase models with ``couple``/``select_phase`` rows address one phase with
    ``couple`` False (``COUPle NONE`` / ``EDIT EACH``) + ``NSELect n`` and all phases with
    ``couple`` True (``COUPle ALL`` / ``EDIT ALL``).
    """

    table: ClassVar[AcSourceTable]
    phase_count: int  # an instance attribute in the AcSource Protocol; subclasses set it
    model_label: ClassVar[str]

    def _address(self, phase: int | None) -> None:
        couple, select = self.table.couple, self.table.select_phase
        if couple is None or select is None or self.phase_count == 1:
            return
        if phase is None:
            self.apply(couple, True)
        else:
            self.apply(couple, False)
            self.apply(select, phase)

    def set_voltage_v(self, volts: float, phase: int | None = None) -> None:
        """RMS voltage of one phase (1-based) or, with ``phase=None``, of all phases."""
        per_phase = self.table.voltage_phase
        if phase is not None and per_phase is not None:
            command = per_phase.command(volts, phase=phase)
        else:
            command = self.table.voltage.command(volts)
        if phase is not None:
            check_phase(phase, self.phase_count)
        self._address(phase)
        self.write(command)

    def voltage_setpoint_v(self, phase: int) -> float:
        self._address(check_phase(phase, self.phase_count))
        per_phase = self.table.voltage_phase
        if per_phase is not None:
            return float(self.fetch(per_phase, phase=phase))
        return float(self.fetch(self.table.voltage))

    def set_voltage_range_v(self, range_v: int) -> None:
        """Select an output range by its top in volts (the output should be off)."""
        if self.table.voltage_range is None:
            raise SettingOutOfRange(f"{self.model_label}: no selectable voltage range")
        self.apply(self.table.voltage_range, range_v)

    def set_frequency_hz(self, hertz: float) -> None:
        self.apply(self.table.frequency, hertz)

    def frequency_setpoint_hz(self) -> float:
        return float(self.fetch(self.table.frequency))

    def set_phase_angle_deg(self, phase: int, degrees: float) -> None:
        """Angle of phase 2 or 3 relative to phase 1 (the 0 deg reference, nothing sent)."""
        if check_phase(phase, self.phase_count) == 1:
            if degrees != 0:
                raise SettingOutOfRange("phase 1 is the reference; its angle is fixed at 0 deg")
            return
        if self.table.phase_angle is None:
            raise SettingOutOfRange(f"{self.model_label}: phase angles are not programmable")
        command = self.table.phase_angle.command(degrees, phase=phase)
        if self.table.phase_angle_selects_phase:
            self._address(phase)
        self.write(command)

    def set_voltage_slew_v_per_s(self, volts_per_second: float) -> None:
        self._apply_slew(self.table.voltage_slew, volts_per_second, "voltage slew")

    def set_frequency_slew_hz_per_s(self, hertz_per_second: float) -> None:
        self._apply_slew(self.table.frequency_slew, hertz_per_second, "frequency slew")

    def _apply_slew(self, setting: Setting | None, rate_per_s: float, what: str) -> None:
        if setting is None:
            raise SettingOutOfRange(f"{self.model_label}: the {what} rate is not programmable")
        self.apply(setting, check_rate(rate_per_s, what) / self.table.slew_divisor)

    def set_output(self, on: bool) -> None:
        """Output on or off; a model with a ``relay`` row closes it first and opens it last."""
        relay = self.table.relay
        command = self.table.output.command(on)
        if relay is not None and on is True:
            self.apply(relay, True)
        self.write(command)
        if relay is not None and on is False:
            self.apply(relay, False)

    def output_is_on(self) -> bool:
        return bool(self.fetch(self.table.output))
