"""Simulated Keysight DAQ970A with relay modules, in the dialect of
:mod:`instruments.drivers.keysight_daq970a` (see there for the manual), acting on a
:class:`ContactBank`: the lab's relay contacts that simulated devices read (SG-Ready inputs of
a heat pump, the §14a control input).

* ``ROUTe:CLOSe (@<list>)`` / ``ROUTe:OPEN (@<list>)`` with lists such as ``(@301,305)`` and
  ranges ``(@301:320)``; ``ROUTe:CLOSe? (@<list>)`` / ``ROUTe:OPEN? (@<list>)`` answer
  ``1``/``0`` per channel, comma-separated;
* a channel that is not on a switch module queues ``-222`` and the whole command is refused
  (no contact of that list moves); a malformed list queues ``-104``;
* ``SYSTem:CTYPe? <slot>00`` names each slot's module (``Keysight Technologies,0,0,0`` when
  empty; ``-222`` for a slot other than 1..3);
* ``*RST`` opens every contact; ``SYSTem:ERRor?`` answers ``+0,"No error"`` when empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from simlab.instruments._scpi_device import SimCommand, SimScpiDevice, SimScpiError

__all__ = ["ContactBank", "SimKeysightDAQ970A", "MODULE_CHANNELS"]

MODULE_CHANNELS: dict[str, range] = {"DAQM903A": range(1, 21), "DAQM901A": range(1, 21)}
"""Relay channels (within a slot) of each simulated module."""
VENDOR = "Keysight Technologies"
_LIST = re.compile(r"^\(@([0-9:,\s]+)\)$")


@dataclass
class ContactBank:
    """State of the lab's relay contacts: channel address -> closed. Absent means open."""

    closed: dict[int, bool] = field(default_factory=dict)

    def is_closed(self, channel: int) -> bool:
        return self.closed.get(channel, False)

    def closed_channels(self) -> list[int]:
        return sorted(channel for channel, on in self.closed.items() if on)


class SimKeysightDAQ970A(SimScpiDevice):
    """DAQ970A mainframe; ``modules`` maps slot (1..3) -> module model (default: a DAQM903A
    actuator in slot 3)."""

    identity = f"{VENDOR},DAQ970A,SIMULATED-DAQ970A,A.02.02-01.00-02.01-00.02-03-02"

    def __init__(self, contacts: ContactBank, *, modules: Mapping[int, str] | None = None,
                 faults: Mapping[str, int] | None = None) -> None:
        modules = dict({3: "DAQM903A"} if modules is None else modules)
        for slot, model in modules.items():
            if slot not in (1, 2, 3) or model not in MODULE_CHANNELS:
                raise ValueError(f"cannot fit module {model!r} in slot {slot!r}")
        self.modules = modules
        self.contacts = contacts
        self.valid_channels = frozenset(slot * 100 + n for slot, model in modules.items()
                                        for n in MODULE_CHANNELS[model])
        super().__init__(faults)

    def reset(self) -> None:
        self.contacts.closed.clear()

    def channel_list(self, args: list[str]) -> list[int]:
        """Expand ``(@301,303:305)``; -109 missing, -104 malformed, -222 not a relay."""
        if not args or args[0] == "":
            raise SimScpiError(-109)
        match = _LIST.match(args[0].replace(" ", ""))
        if len(args) != 1 or match is None:
            raise SimScpiError(-104, ",".join(args))
        channels: list[int] = []
        for part in match.group(1).split(","):
            low_text, _, high_text = part.partition(":")
            try:
                low, high = int(low_text), int(high_text or low_text)
            except ValueError:
                raise SimScpiError(-104, part) from None
            if high < low:
                raise SimScpiError(-104, part)
            channels.extend(range(low, high + 1))
        bad = [channel for channel in channels if channel not in self.valid_channels]
        if bad:
            raise SimScpiError(-222, f"not a relay channel: {bad[0]}")
        return channels

    def _setter(self, closed: bool):
        def switch(args: list[str], _: int | None) -> None:
            for channel in self.channel_list(args):
                self.contacts.closed[channel] = closed
        return switch

    def _getter(self, closed: bool):
        def state(args: list[str], _: int | None) -> str:
            return ",".join("1" if self.contacts.is_closed(channel) == closed else "0"
                            for channel in self.channel_list(args))
        return state

    def _card_type(self, args: list[str], _: int | None) -> str:
        if len(args) != 1 or args[0] not in ("100", "200", "300"):
            raise SimScpiError(-222, ",".join(args))
        model = self.modules.get(int(args[0]) // 100)
        return f"{VENDOR},{model},0,1.0" if model else f"{VENDOR},0,0,0"

    def commands(self) -> list[SimCommand]:
        return [
            SimCommand("ROUTe:CLOSe", self._setter(True), self._getter(True)),
            SimCommand("ROUTe:OPEN", self._setter(False), self._getter(False)),
            SimCommand("SYSTem:CTYPe", None, self._card_type),
        ]
