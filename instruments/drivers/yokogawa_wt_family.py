"""Yokogawa WT1800 and WT3000 precision power analyzers. Fill the
:class:`instruments.capabilities.PowerAnalyzer` capability.

Both speak the WT5000's dialect for the headers :class:`YokogawaWT5000` sends (see
:mod:`instruments.drivers.yokogawa_wt`); each model's differences live in its subclass here:

* WT1800 (WT1801/WT1802/WT1803/WT1804/WT1805/WT1806): WT1800 Communication Interface
  User's Manual (IM WT1801-17EN): ``:COMMunicate:HEADer``, ``:NUMeric:FORMat``,
  ``:NUMeric:NORMal:NUMber`` (1 ... 255), ``:NUMeric:NORMal:ITEM<x> <function>,<element>``,
  ``:NUMeric:NORMal:VALue?``, ``:STATus:ERRor?``. Its rms voltage and current functions are
  ``URMS`` / ``IRMS`` (the WT1800 has no plain ``U`` / ``I``: an item list with them fails in
  ``open()``); the others are ``P Q S LAMBda FU``.
* WT3000 (WT3000 / WT3000E): WT3000 Communication Interface User's Manual (IM 760301-17E),
  same headers, ``:NUMeric:NORMal:NUMber`` 1 ... 255, functions ``U I P Q S LAMBda FU`` (the SunSpec
  SVP driver ``Lib/svpelab/device_wt3000.py`` programs ``U``, ``I``, ``P``, ``S``, ``Q``, ``LAMBDA``,
  ``FU`` items). Over Ethernet the WT3000 talks on TCP port 10001 with a framed protocol (a 4-byte
  header: 0x80, 0x00 and the 16-bit payload length, per SVP ``device_wt3000.py`` ``_cmd()``) after a
  user-name / password login; a raw socket resource cannot speak it, so :meth:`YokogawaWT3000.open`
  refuses ``TCPIP::<host>::<port>::SOCKET`` resources and names the alternatives (GPIB, or VXI-11
  ``TCPIP::<host>::INSTR`` where the unit offers it).

Acquisition (``AnalyzerAcquisition``): the store and the triggered capture are the WT5000 driver's
(see there for which commands are confirmed and which are the simulated lab's); each model here
states only its own shortest interval, its fastest *data update interval* in normal measurement
mode (the store and the communication output follow the data update):

* WT3000: 50 ms (IM 760301-01E, "Data Update Rate": 50 ms, 100 ms, 250 ms, 500 ms, 1 s ... 20 s;
  the cycle-by-cycle measurement mode of the /CC option updates once per signal cycle, 20 ms at
  50 Hz, and is not used here);
* WT1800: 50 ms (IM WT1801-01EN, data update interval 50 ms ... 20 s in normal measurement mode;
  unconfirmed from the manual text at hand, and the /HS high-speed capture option is not used).

Their ``min_capture_interval_s`` is the same update interval: a finer capture would need the raw
waveform (WT3000: the ACQuisition group, /G6 option, and the WAVeform group, known from public
analyses of the WT3000 manual IM 760301-17E, syntax unconfirmed here), which these drivers do not read.
The WT3000's update rate header is ``:RATE`` (IM 760301-17E; not sent by the bench, which takes the
instrument's setting as found).
"""

from __future__ import annotations

import re

from bench.errors import ConfigError

from instruments.command_sources import confirmed, svp
from instruments.drivers.yokogawa_wt import wt_commands, YokogawaWT5000

__all__ = ["YokogawaWT1800", "YokogawaWT3000", "WT1800_PHASE_FUNCTIONS"]

WT1800_PHASE_FUNCTIONS: tuple[str, ...] = ("URMS", "IRMS", "P", "Q", "S", "LAMBda")
WT1800_MANUAL = "IM WT1801-17EN, NUMeric group (as cited when the driver was written; page not recorded)"
WT3000_MANUAL = "IM 760301-17E (as cited when the driver was written; page not recorded)"
_RAW_SOCKET = re.compile(r"^TCPIP\d*::[^:]+::\d+::SOCKET$", re.IGNORECASE)


class YokogawaWT1800(YokogawaWT5000):
    """Yokogawa WT1800 series (a ``PowerAnalyzer``), WT5000 dialect with ``URMS`` / ``IRMS`` items
    (IM WT1801-17EN)."""

    phase_functions = WT1800_PHASE_FUNCTIONS
    commands = wt_commands(WT1800_MANUAL, confirmed(
        ":NUMeric:NORMal:ITEM{item}", WT1800_MANUAL + ": function symbols URMS, IRMS, P, Q, S, LAMBda, FU",
        note="issue 18's manual-derived WT1800 reference"))
    min_acquisition_interval_s = 0.05
    min_capture_interval_s = 0.05


class YokogawaWT3000(YokogawaWT5000):
    """Yokogawa WT3000 / WT3000E (a ``PowerAnalyzer``), WT5000 dialect (IM 760301-17E); GPIB or
    VXI-11 only (its Ethernet port 10001 protocol is refused, see the module docstring)."""

    commands = wt_commands(WT3000_MANUAL, confirmed(
        ":NUMeric:NORMal:ITEM{item}", svp("device_wt3000.py", ":NUMERIC:NORMAL:ITEM<n> U,<e> ... FU,<e>")))
    min_acquisition_interval_s = 0.05
    min_capture_interval_s = 0.05

    def open(self) -> None:
        """Refuse a raw-socket resource (the WT3000's framed LAN protocol), then the WT5000 sequence."""
        resource = str(getattr(self.transport, "resource", ""))
        if _RAW_SOCKET.match(resource):
            raise ConfigError(
                f"{resource}: the WT3000's Ethernet interface speaks a framed protocol on port 10001 (a 4-byte "
                "length header per message, after a user-name/password login), not raw SCPI over a socket; "
                "connect it over GPIB (GPIB0::<address>::INSTR) or, where the unit offers VXI-11, as "
                "TCPIP::<host>::INSTR", field="resource")
        super().open()
