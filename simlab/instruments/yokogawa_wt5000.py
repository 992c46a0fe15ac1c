"""Simulated Yokogawa WT5000 power analyzer: the NUMeric / COMMunicate / STATus groups of the
WT5000 Communication Interface User's Manual (IM WT5000-17EN) used by
:mod:`instruments.drivers.yokogawa_wt`. Error codes are positive (``113,"Undefined header"``),
the empty queue answers ``0,"No error"``. Only ``:NUMeric:FORMat ASCii`` is simulated.

Data store (STORe group, simulated): ``:STORe:INTerval 0,0,<s>`` (the manual's h,m,s form; the
seconds may be fractional here, down to :data:`MIN_STORE_INTERVAL_S`, 1 us resolution),
``:STORe:STARt`` and ``:STORe:STOP`` follow the manual's headers. Once started, the store records the
numeric item list (the same values, in the same order, as ``:NUMeric:NORMal:VALue?``) at every
multiple of the interval on the lab's time axis (simlab/instruments/data_store.py; the lab stops its
physics exactly there). ``:STORe:DATA? <n>`` is this simulation's own block read-back (the real
WT5000 writes stored data to files): up to n records, oldest first, removed from the store, as one line
``count,t_1,v_1..v_K,t_2,...`` with t the record's instant in lab seconds (6 decimals). The command
strings the bench sends are in :mod:`instruments.drivers.yokogawa_wt`.

Readings are the lab's true values plus seeded gaussian noise of 2e-5 of reading (plus a tiny
absolute floor), well inside the WT5000's basic accuracy (about 0.03 % of reading + 0.02 % of
range); the noise is deterministic for a given seed and call sequence.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from simlab.instruments._scpi_device import (SimCommand, SimScpiDevice, SimScpiError, choice,
                                               in_range, number)
from simlab.instruments.capture import SimCapture, TriggerLine, capture_commands
from simlab.instruments.data_store import MICROSECONDS, DataStore
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
MIN_STORE_INTERVAL_S = 0.01
"""Shortest store interval the simulation accepts: the real WT5000's fastest data update interval
(10 ms, IM WT5000-01EN), so the simulated store behaves like the model. The simulated capture's own
minimum (simlab/instruments/capture.py) stands for windows of the sampled waveform, finer."""
MAX_BLOCK_RECORDS = 100_000
"""Most records one ``:STORe:DATA?`` returns."""


class SimYokogawaWT5000(SimScpiDevice):
    """WT5000 reading ``truth_fn()`` (per-phase truths) and ``frequency_fn()``."""

    identity = "YOKOGAWA,WT5000,SIMULATED-WT5000,F1.01"
    error_query = "STATus:ERRor"
    positive_error_codes = True
    no_error_reply = '0,"No error"'

    def __init__(self, truth_fn: Callable[[], list[PhaseTruth]], frequency_fn: Callable[[], float],
                 seed: int, *, faults: Mapping[str, int] | None = None,
                 time_fn: Callable[[], float] = lambda: 0.0,
                 trigger_line: TriggerLine | None = None) -> None:
        self.truth_fn = truth_fn
        self.frequency_fn = frequency_fn
        self.time_fn = time_fn      # the lab's time (s): where a started store begins
        self.store: DataStore[list[float]] = DataStore(self._reading)
        self.capture = SimCapture(self._reading, self.time_fn)   # triggered by the AC source's step
        if trigger_line is not None:
            trigger_line.connect(self.capture.on_trigger)
        self._store_interval_us = 200_000
        self.seed = seed
        self._rng = random.Random(seed)
        self.header_on = True
        self.item_count = 15
        self.items: dict[int, tuple[str, int]] = {}
        super().__init__(faults)

    def reset(self) -> None:
        self.header_on, self.item_count, self.items = True, 15, {}
        self.store.stop()
        self._store_interval_us = 200_000
        self.capture.abort()

    # the lab's observer protocol (simlab/lab.py LabObserver): the data store's instants
    def next_due_s(self) -> float | None:
        due = [t for t in (self.store.next_due_s(), self.capture.next_due_s()) if t is not None]
        return min(due) if due else None

    def observe(self, t_s: float) -> None:
        for part in (self.store, self.capture):
            due_s = part.next_due_s()
            if due_s is not None and due_s <= t_s + 1e-9:
                part.observe(t_s)

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

    def _reading(self) -> list[float]:
        """The numeric item list now (NaN for an unset item), with the seeded noise."""
        truths = self.truth_fn()
        frequency_hz = self.frequency_fn()
        out = []
        for index in range(1, self.item_count + 1):
            item = self.items.get(index)
            if item is None or item[1] > len(truths):
                out.append(float("nan"))
                continue
            function, element = item
            if function == "FU":
                value = self._noisy(frequency_hz)
            else:
                value = self._noisy(getattr(truths[element - 1], FUNCTIONS[function]))
                if function == "LAMBDA":
                    value = max(-1.0, min(1.0, value))
            out.append(value)
        return out

    def _values(self, args: list[str], _: int | None) -> str:
        return _numeric_text(self._reading())

    def _set_store_interval(self, args: list[str], _: int | None) -> None:
        hours, minutes, seconds = (in_range(number(args, i), 0, limit)
                                   for i, limit in enumerate((99.0, 59.0, 59.999999)))
        interval_s = hours * 3600 + minutes * 60 + seconds
        in_range(interval_s, MIN_STORE_INTERVAL_S, 99 * 3600 + 59 * 60 + 59.999999)
        self._store_interval_us = round(interval_s * MICROSECONDS)

    def _get_store_interval(self, args: list[str], _: int | None) -> str:
        hours, rest_us = divmod(self._store_interval_us, 3600 * MICROSECONDS)
        minutes, rest_us = divmod(rest_us, 60 * MICROSECONDS)
        return f"{hours},{minutes},{_seconds_text(rest_us)}"

    def _store_start(self, args: list[str], _: int | None) -> None:
        self.store.start(self.time_fn(), self._store_interval_us)

    def _store_stop(self, args: list[str], _: int | None) -> None:
        self.store.stop()

    def _store_data(self, args: list[str], _: int | None) -> str:
        count = int(in_range(number(args), 1, MAX_BLOCK_RECORDS)) if args else MAX_BLOCK_RECORDS
        records = self.store.take(count)
        fields = [str(len(records))]
        for t_us, values in records:
            fields.append(_seconds_text(t_us))
            fields.append(_numeric_text(values))
        return ",".join(fields)

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
            SimCommand("STORe:INTerval", self._set_store_interval, self._get_store_interval),
            SimCommand("STORe:STARt", self._store_start, None),
            SimCommand("STORe:STOP", self._store_stop, None),
            SimCommand("STORe:STATe", None, lambda a, n: "1" if self.store.running else "0"),
            SimCommand("STORe:DATA", None, self._store_data),
        ] + capture_commands(self.capture)


def _numeric_text(values: list[float]) -> str:
    """Values as the NUMeric group sends them in ASCII (NR3, ``NAN`` for no data)."""
    return ",".join("NAN" if value != value else f"{value:.5E}" for value in values)


def _seconds_text(t_us: int) -> str:
    """Microseconds as seconds with 6 decimals, exactly (no float rounding)."""
    sign = "-" if t_us < 0 else ""
    whole, frac = divmod(abs(t_us), MICROSECONDS)
    return f"{sign}{whole}.{frac:06d}"
