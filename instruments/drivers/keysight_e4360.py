"""Keysight E4360A modular solar array simulator mainframe with an E4362A output module
(Voc <= 130 V, Isc <= 5 A, Pmp <= 600 W) on output 1. Fills the
:class:`instruments.capabilities.PvSimulator` capability.

Follows the Keysight E4360 Series User's Guide, chapter "Using the Solar Array Simulator" and
the SCPI reference: ``[SOURce:]CURRent:MODE SAS,(@1)``, ``CURRent:SAS:ISC|IMP``,
``VOLTage:SAS:VOC|VMP``, ``OUTPut ON|OFF,(@1)``, ``SYSTem:ERRor?``. As the guide recommends
for a new curve, :meth:`KeysightE4360A.set_iv_curve` sends all four parameters on ONE program
line, so the instrument validates them together.
"""

from __future__ import annotations

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, manual
from instruments.drivers.pv_common import check_iv_curve
from instruments.scpi import ScpiDriver, Setting, parse_on_off, strict_choice, strict_range
from instruments.transport import Transport

__all__ = ["COMMANDS", "KeysightE4360A"]

MAX_VOC_V = 130.0
MAX_ISC_A = 5.0
MAX_POWER_W = 600.0

MODE = Setting("CURRent:MODE {value},(@{channel})", "CURRent:MODE? (@{channel})", "",
               strict_choice({"SAS": "SAS", "FIXED": "FIXed"}), parse=str,
               doc="FIXed: ordinary supply; SAS: simulated I-V curve")
ISC = Setting("CURRent:SAS:ISC {value},(@{channel})", "CURRent:SAS:ISC? (@{channel})", "A",
              strict_range(0.0, MAX_ISC_A, "A"), doc="short-circuit current")
IMP = Setting("CURRent:SAS:IMP {value},(@{channel})", "CURRent:SAS:IMP? (@{channel})", "A",
              strict_range(0.0, MAX_ISC_A, "A"), doc="current at the maximum power point")
VOC = Setting("VOLTage:SAS:VOC {value},(@{channel})", "VOLTage:SAS:VOC? (@{channel})", "V",
              strict_range(0.0, MAX_VOC_V, "V"), doc="open-circuit voltage")
VMP = Setting("VOLTage:SAS:VMP {value},(@{channel})", "VOLTage:SAS:VMP? (@{channel})", "V",
              strict_range(0.0, MAX_VOC_V, "V"), doc="voltage at the maximum power point")
OUTPUT = Setting("OUTPut {value},(@{channel})", "OUTPut? (@{channel})", "",
                 strict_choice({True: "ON", False: "OFF"}), parse=parse_on_off, doc="output")


_MANUAL = manual(
    "Keysight E4360 Series User's Guide, Using the Solar Array Simulator and SCPI reference")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed('*IDN', IEEE_488_2),
    confirmed('SYSTem:ERRor', _MANUAL),
    confirmed('CURRent:MODE', _MANUAL),
    confirmed('CURRent:SAS:ISC', _MANUAL),
    confirmed('CURRent:SAS:IMP', _MANUAL),
    confirmed('VOLTage:SAS:VOC', _MANUAL),
    confirmed('VOLTage:SAS:VMP', _MANUAL),
    confirmed('OUTPut', _MANUAL),
)


class KeysightE4360A(ScpiDriver):
    """Keysight E4360A SAS driver (a ``PvSimulator``) for one output channel (default 1)."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS

    def __init__(self, transport: Transport, *, name: str, channel: int = 1) -> None:
        super().__init__(transport, name=name)
        if channel not in (1, 2):
            raise ValueError(f"E4360A channel must be 1 or 2, got {channel}")
        self.channel = channel

    def open(self) -> None:
        """Put the output into SAS (curve) mode."""
        self.apply(MODE, "SAS", channel=self.channel)

    def set_iv_curve(self, voc_v: float, isc_a: float, vmp_v: float, imp_a: float) -> None:
        """Program the curve's four points on one line; refuse inconsistent curves up front
        (Vmp < Voc, Imp < Isc, Vmp x Imp <= the module's rating)."""
        ch = self.channel
        parts = [ISC.command(isc_a, channel=ch), IMP.command(imp_a, channel=ch),
                 VOC.command(voc_v, channel=ch), VMP.command(vmp_v, channel=ch)]
        check_iv_curve(voc_v, isc_a, vmp_v, imp_a, max_power_w=MAX_POWER_W)
        line = (f"{parts[0]};{parts[1].removeprefix('CURRent:SAS:')};"
                f":{parts[2]};{parts[3].removeprefix('VOLTage:SAS:')}")
        self.write(line)

    def iv_curve(self) -> tuple[float, float, float, float]:
        """``(voc_v, isc_a, vmp_v, imp_a)`` as programmed."""
        ch = self.channel
        return (float(self.fetch(VOC, channel=ch)), float(self.fetch(ISC, channel=ch)),
                float(self.fetch(VMP, channel=ch)), float(self.fetch(IMP, channel=ch)))

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on, channel=self.channel)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT, channel=self.channel))

    def max_power_w(self) -> float:
        """Vmp x Imp of the programmed curve."""
        return float(self.fetch(VMP, channel=self.channel)) * \
            float(self.fetch(IMP, channel=self.channel))
