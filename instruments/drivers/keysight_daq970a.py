"""Keysight DAQ970A data acquisition system with DAQM903A actuator / general-purpose switch
modules (or DAQM901A multiplexers) used as relay contacts (model key ``keysight_daq970a``).
Fills the :class:`instruments.capabilities.DigitalIO` capability: SG-Ready contacts and the
§14a EnWG control input of a heat pump or charger are wired to module channels.

Follows the Keysight DAQ970A/DAQ973A Programming Guide (firmware A.01.xx / A.02.xx), ROUTe
and SYSTem subsystems:

* channel addresses are ``<slot><nn>``: slot 1..3, channel 01..20 (``301`` = slot 3,
  channel 1); a channel list is ``(@301,305)`` or a range ``(@301:320)``;
* ``ROUTe:CLOSe (@<list>)`` / ``ROUTe:OPEN (@<list>)`` close / open channels;
  ``ROUTe:CLOSe? (@<list>)`` answers ``1`` (closed) or ``0`` per channel, comma-separated;
* ``SYSTem:CTYPe? <slot>00`` answers the module in a slot as
  ``<vendor>,<model>,<serial>,<firmware>`` (model ``0`` for an empty slot);
* ``SYSTem:ERRor?`` answers ``+0,"No error"`` when the queue is empty.

DAQM903A: 20 independent SPDT (form C) relays, channels 01..20. DAQM901A: 20-channel
multiplexer; its channels 01..20 switch to the module's COM (21/22 are current channels and
are not offered as contacts).

:meth:`KeysightDAQ970A.open` asks every slot for its module, offers the channels of the switch
modules it finds and opens all of them (the safe state). A channel that is not on a switch
module raises :class:`instruments.scpi.SettingOutOfRange` before anything is sent.
"""

from __future__ import annotations

from typing import Any

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, manual
from instruments.scpi import (ScpiDriver, Setting, SettingOutOfRange, parse_on_off,
                              strict_choice)
from instruments.transport import Transport

from bench.errors import InstrumentError

__all__ = ["COMMANDS", "KeysightDAQ970A", "SWITCH_MODULES", "SLOTS", "ROUTE"]

SLOTS: tuple[int, ...] = (1, 2, 3)
SWITCH_MODULES: dict[str, range] = {"DAQM903A": range(1, 21), "DAQM901A": range(1, 21)}
"""Module model -> channel numbers (within the slot) this driver offers as contacts."""

ROUTE = Setting("ROUTe:{value} (@{channel})", "ROUTe:CLOSe? (@{channel})", "",
                strict_choice({True: "CLOSe", False: "OPEN"}), parse=parse_on_off,
                doc="close (True) / open (False) one channel; query: 1 when closed")


def _parse_card_type(reply: str) -> str:
    fields = [field.strip() for field in reply.split(",")]
    if len(fields) != 4:
        raise ValueError(f"not a SYSTem:CTYPe? reply: {reply!r}")
    return fields[1].upper()


_MANUAL = manual(
    "Keysight DAQ970A/DAQ973A Programming Guide, ROUTe and SYSTem subsystems")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed('*IDN', IEEE_488_2),
    confirmed('SYSTem:ERRor', _MANUAL),
    confirmed('SYSTem:CTYPe', _MANUAL),
    confirmed('ROUTe:CLOSe', _MANUAL),
    confirmed('ROUTe:OPEN', _MANUAL),
)


class KeysightDAQ970A(ScpiDriver):
    """DAQ970A relay contacts (a ``DigitalIO``); channels known after :meth:`open`."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS

    def __init__(self, transport: Transport, *, name: str) -> None:
        super().__init__(transport, name=name)
        self.modules: dict[int, str] = {}
        self.channels: tuple[int, ...] = ()

    def open(self) -> None:
        """Find the switch modules, then open all their contacts."""
        modules: dict[int, str] = {}
        for slot in SLOTS:
            model = str(self.query_value(f"SYSTem:CTYPe? {slot}00", _parse_card_type))
            if model in SWITCH_MODULES:
                modules[slot] = model
        if not modules:
            raise InstrumentError(f"{self.name}: no switch module ({', '.join(SWITCH_MODULES)}) "
                                  f"in slots {SLOTS}: nothing to use as contacts")
        self.modules = modules
        self.channels = tuple(slot * 100 + n for slot, model in sorted(modules.items())
                              for n in SWITCH_MODULES[model])
        self.all_open()

    def _checked_channel(self, channel: Any) -> int:
        if isinstance(channel, bool) or not isinstance(channel, int) \
                or channel not in self.channels:
            raise SettingOutOfRange(
                f"{self.name}: channel {channel!r} is not a contact of this unit "
                f"(switch modules: {self.modules or 'none found yet: call open()'})")
        return channel

    def set_output(self, channel: int, closed: bool) -> None:
        """Close (``closed=True``) or open one contact; the error queue is read after."""
        self.apply(ROUTE, closed, channel=self._checked_channel(channel))

    def output_state(self, channel: int) -> bool:
        return bool(self.fetch(ROUTE, channel=self._checked_channel(channel)))

    def channel_list(self) -> str:
        """Every contact as one SCPI channel list of ranges, e.g. ``(@101:120,301:320)``."""
        if not self.modules:
            raise InstrumentError(f"{self.name}: used before open() found the switch modules")
        ranges = [f"{slot}{SWITCH_MODULES[model][0]:02d}:{slot}{SWITCH_MODULES[model][-1]:02d}"
                  for slot, model in sorted(self.modules.items())]
        return f"(@{','.join(ranges)})"

    def all_open(self) -> None:
        """Open every contact of every switch module in one command."""
        self.write(f"ROUTe:OPEN {self.channel_list()}")

    def closed_channels(self) -> list[int]:
        """Every closed contact (one query for all channels)."""
        reply = self.query(f"ROUTe:CLOSe? {self.channel_list()}")
        try:
            states = [parse_on_off(text) for text in reply.split(",")]
        except ValueError as exc:
            raise InstrumentError(f"{self.name}: garbled ROUTe:CLOSe? reply {reply!r}") from exc
        if len(states) != len(self.channels):
            raise InstrumentError(f"{self.name}: ROUTe:CLOSe? returned {len(states)} states for "
                                  f"{len(self.channels)} channels")
        return [channel for channel, closed in zip(self.channels, states, strict=True) if closed]
