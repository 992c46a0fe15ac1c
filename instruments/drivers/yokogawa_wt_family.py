"""Yokogawa WT1800 and WT3000 precision power analyzers. Fill the
:class:`instruments.capabilities.PowerAnalyzer` capability.

Both speak the WT5000's dialect for everything :class:`YokogawaWT5000` sends (see
:mod:`instruments.drivers.yokogawa_wt`), so they are the same driver under their own model
names and identities:

* WT1800 (WT1801/WT1802/WT1803/WT1804/WT1805/WT1806): WT1800 Communication Interface
  User's Manual (IM WT1801-17EN): ``:COMMunicate:HEADer``, ``:NUMeric:FORMat``,
  ``:NUMeric:NORMal:NUMber`` (1 ... 255), ``:NUMeric:NORMal:ITEM<x> <function>,<element>``,
  ``:NUMeric:NORMal:VALue?``, ``:STATus:ERRor?``; functions ``U I P Q S LAMBda FU``.
* WT3000 (WT3000 / WT3000E): WT3000 Communication Interface User's Manual (IM 760301-17E),
  same headers, ``:NUMeric:NORMal:NUMber`` 1 ... 255, same function names.

Only the identity of the instrument differs in the transcripts; a dialect difference found on
hardware belongs in a subclass here, not in the WT5000 driver.

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

from instruments.drivers.yokogawa_wt import YokogawaWT5000

__all__ = ["YokogawaWT1800", "YokogawaWT3000"]


class YokogawaWT1800(YokogawaWT5000):
    """Yokogawa WT1800 series (a ``PowerAnalyzer``), WT5000 dialect (IM WT1801-17EN)."""

    min_acquisition_interval_s = 0.05
    min_capture_interval_s = 0.05


class YokogawaWT3000(YokogawaWT5000):
    """Yokogawa WT3000 / WT3000E (a ``PowerAnalyzer``), WT5000 dialect (IM 760301-17E)."""

    min_acquisition_interval_s = 0.05
    min_capture_interval_s = 0.05
