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
"""

from __future__ import annotations

from instruments.drivers.yokogawa_wt import YokogawaWT5000

__all__ = ["YokogawaWT1800", "YokogawaWT3000"]


class YokogawaWT1800(YokogawaWT5000):
    """Yokogawa WT1800 series (a ``PowerAnalyzer``), WT5000 dialect (IM WT1801-17EN)."""


class YokogawaWT3000(YokogawaWT5000):
    """Yokogawa WT3000 / WT3000E (a ``PowerAnalyzer``), WT5000 dialect (IM 760301-17E)."""
