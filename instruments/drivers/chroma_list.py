"""Chroma programmable AC sources: instrument-timed voltage programs in LIST mode.

Fills :class:`instruments.capabilities.AcSourceTransients` for the Chroma families that share
the LIST sub-system (61500/61600 User's Manual, chapter "Remote Operation"; the 61800 keeps it).
The order of a program load is the public driver's (SunSpec SVP ``Lib/svpelab/chroma_61845.py``,
``profile_load()``): stop a running program and leave LIST mode (``TRIG OFF``, ``OUTPut:MODE
FIXED``), then the list data (``LIST:COUPling ALL`` on three-phase models, ``LIST:COUNt 1``,
``LIST:BASE TIME``, ``LIST:TRIGger AUTO``, ``LIST:DWELl``, ``LIST:SHAPe`` (waveform buffer ``A`` per
point), ``LIST:VOLTage:AC:STARt`` / ``:END``, ``LIST:FREQuency:STARt`` / ``:END``), and
``OUTPut:MODE LIST`` last. ``TRIG ON`` starts the program; ``TRIG:STATE?`` (``OFF`` / ``RUNNING``)
is unconfirmed. Each row's source is in :data:`LIST_COMMANDS`.

Equal start and end values hold a level. ``LIST:DWELl`` is taken as milliseconds (0.1-99999.9 ms;
the SVP example lists 2000 per point) and the list length as 100 points: both unconfirmed.
Programs apply to all phases: per-phase lists are refused.

Frequency and phase per point (ride-through tests): a point's frequency is its
``LIST:FREQuency:STARt`` value, and a different ``:END`` value is taken as a linear ramp over the
point's dwell (the headers are the public driver's; the ramp semantics are unconfirmed). A phase
jump is ``LIST:DEGRee`` (the angle of the point's waveform against the program's start, one value
per point), sent once a point asked for one (and with every later program, whose length it must
match): header and meaning are unconfirmed.

Trigger output (for an analyzer capture timed from the step, docs/hardware-first-connection.md):
the bench assumes the source pulses its rear-panel trigger / sync output when ``TRIG ON`` starts
the program. This is unconfirmed: no manual text at hand says which event pulses that output. Check
it with a scope on the first hardware campaign.
"""

from __future__ import annotations

from typing import Any

from bench.errors import InstrumentError
from instruments.capabilities import VoltageStep
from instruments.command_sources import CommandRow, confirmed, svp, unconfirmed
from instruments.drivers.ac_common import validate_steps
from instruments.scpi import SettingOutOfRange, Validator, parse_float, strict_range

__all__ = ["ChromaListTransients", "LIST_COMMANDS", "seconds_as_ms"]

LIST_MAX_POINTS = 100
LIST_MIN_DWELL_MS, LIST_MAX_DWELL_MS = 0.1, 99999.9
LIST_MIN_FREQUENCY_HZ, LIST_MAX_FREQUENCY_HZ = 15.0, 1000.0
LIST_SHAPE = "A"
"""Waveform buffer of every point (the sine the source outputs outside LIST mode)."""

_SVP_LOAD = svp("chroma_61845.py", "profile_load()")
LIST_COMMANDS: tuple[CommandRow, ...] = (
    confirmed("TRIG", _SVP_LOAD + ": trig off first; trig ON starts the program (__main__)"),
    unconfirmed("TRIG:STATE", "no public driver polls the program state; check the reply words OFF / RUNNING"),
    confirmed("OUTPut:MODE", _SVP_LOAD + ": output:mode fixed first, output:mode list last"),
    confirmed("LIST:COUPling", _SVP_LOAD + ": list:coup ALL", note="three-phase models only"),
    confirmed("LIST:COUNt", _SVP_LOAD),
    confirmed("LIST:BASE", _SVP_LOAD),
    confirmed("LIST:TRIGger", _SVP_LOAD + ": list:trig auto"),
    confirmed("LIST:DWELl", _SVP_LOAD, note="unit taken as ms, unconfirmed"),
    confirmed("LIST:SHAPe", _SVP_LOAD + ": one buffer letter per point"),
    confirmed("LIST:VOLTage:AC:STARt", _SVP_LOAD),
    confirmed("LIST:VOLTage:AC:END", _SVP_LOAD),
    confirmed("LIST:FREQuency:STARt", _SVP_LOAD),
    confirmed("LIST:FREQuency:END", _SVP_LOAD, note="an END unlike STARt taken as a ramp over the dwell, unconfirmed"),
    unconfirmed("LIST:DEGRee", "no public driver programs a phase angle per LIST point; check the header and that "
                "it shifts every phase's waveform against the program's start (a phase jump)"),
)
"""The LIST rows every Chroma AC source driver with :class:`ChromaListTransients` declares."""


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
    _list_angles_loaded = False     # a LIST:DEGRee list stays loaded: later programs overwrite it

    def program_voltage_steps(self, steps: list[VoltageStep], phase: int | None = None) -> None:
        """Load ``steps`` as a LIST at the present frequency; ``run_transient`` starts it."""
        if phase is not None and not (self.phase_count == 1 and phase == 1):
            raise SettingOutOfRange(
                f"phase {phase!r}: this driver programs LIST transients on all phases only")
        dwells, volts = validate_steps(
            steps, max_steps=self.max_transient_steps,
            dwell=seconds_as_ms(LIST_MIN_DWELL_MS, LIST_MAX_DWELL_MS),
            volts=strict_range(0.0, self.list_voltage_max_v, "V"), frequency_and_angle=True)
        driver: Any = self
        hertz = driver.query_value("SOURce:FREQuency?", parse_float)
        starts, ends, degrees = _frequencies_and_angles(steps, hertz)
        coupling = ["LIST:COUPling ALL"] if self.phase_count > 1 else []
        angle: list[str] = []
        if self._list_angles_loaded or any(s.phase_shift_deg is not None for s in steps):
            angle = [f"LIST:DEGRee {','.join(degrees)}"]
            self._list_angles_loaded = True
        for command in ("TRIG OFF", "OUTPut:MODE FIXED", *coupling, "LIST:COUNt 1", "LIST:BASE TIME",
                        "LIST:TRIGger AUTO", f"LIST:DWELl {','.join(dwells)}",
                        f"LIST:SHAPe {','.join([LIST_SHAPE] * len(volts))}",
                        f"LIST:VOLTage:AC:STARt {','.join(volts)}",
                        f"LIST:VOLTage:AC:END {','.join(volts)}",
                        f"LIST:FREQuency:STARt {','.join(starts)}",
                        f"LIST:FREQuency:END {','.join(ends)}", *angle,
                        "OUTPut:MODE LIST"):
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


def _frequencies_and_angles(steps: list[VoltageStep], present_hz: float) -> tuple[list[str], list[str], list[str]]:
    """The wire texts of every point's start and end frequency (``present_hz`` where a point sets
    none) and phase shift (0 where it sets none), each validated."""
    hertz = strict_range(LIST_MIN_FREQUENCY_HZ, LIST_MAX_FREQUENCY_HZ, "Hz")
    degrees = strict_range(-360.0, 360.0, "deg")
    starts, ends, angles = [], [], []
    for index, step in enumerate(steps, start=1):
        start = step.frequency_hz if step.frequency_hz is not None else present_hz
        end = step.frequency_end_hz if step.frequency_end_hz is not None else start
        starts.append(hertz(start, f"step {index} frequency_hz"))
        ends.append(hertz(end, f"step {index} frequency_end_hz"))
        angles.append(degrees(step.phase_shift_deg or 0.0, f"step {index} phase_shift_deg"))
    return starts, ends, angles
