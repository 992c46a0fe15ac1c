"""Chroma 62000H-S series programmable DC power supply with solar array simulation, model
62150H-1000S (1000 V, 15 A, 15 kW), used in SAS mode. Fills the
:class:`instruments.capabilities.PvSimulator` capability.

Command set (Chroma 62000H-S "Programmable DC Power Supply (Solar Array Simulator)" user's
manual, remote-operation chapter, firmware as shipped with the SAS option; no manual copy was at
hand while writing this driver, the headers below are the ones used by public drivers of the
62000H-S series, including ones written for the 62150H-1000S):

* ``OUTPut:MODE SAS`` selects the simple four-point I-V curve mode (other values seen:
  ``CVCC``, ``EN50530``, ``SANDIA``); query ``OUTPut:MODE?``. The 62000H-S has no
  ``SOURce:CURRent:MODE`` (that is the Keysight E4360 form). The exact text of the query reply
  is an assumption (``SAS``); :meth:`Chroma62150H1000S.mode` returns it unparsed.
* ``SAS:VOC``, ``SAS:ISC``, ``SAS:VMP`` (long form ``SAS:VMPp``), ``SAS:IMP`` (``SAS:IMPp``)
  and their ``?`` queries.
* ``CONFigure:OUTPut ON|OFF`` switches the output; ``CONFigure:OUTPut?`` answers ``ON``/``OFF``.
* ``SYSTem:ERRor?`` answers ``<code>,"<message>"``, ``0,"No error"`` when empty.

Assumptions, to confirm on the first hardware session:

* :meth:`Chroma62150H1000S.set_iv_curve` sends the four curve parameters on ONE program line,
  each unit with its full path (``SAS:VOC 800;:SAS:ISC 15;:SAS:VMP 700;:SAS:IMP 14``), so a
  curve is never half-programmed between error-queue reads and the instrument can check the
  curve as a whole. If the firmware rejects compound messages the first setting raises
  ``InstrumentReportedError`` (loud, not a silently wrong curve).
* Public drivers send ``TRIG`` after changing SAS parameters while the output is running to
  make the new curve take effect; this driver does not (the bench sets the curve with the
  output off). Check whether a running output picks up a new curve without it.

The curve is validated strictly before anything is sent (0 < Vmp < Voc <= 1000 V,
0 < Imp < Isc <= 15 A, Vmp x Imp <= 15 000 W); out-of-range values raise
:class:`instruments.scpi.SettingOutOfRange`, they are never clipped.
"""

from __future__ import annotations

from instruments.drivers.pv_common import check_iv_curve
from instruments.scpi import ScpiDriver, Setting, parse_on_off, strict_choice, strict_range

__all__ = ["Chroma62150H1000S"]

MAX_VOC_V = 1000.0
MAX_ISC_A = 15.0
MAX_POWER_W = 15000.0

MODE = Setting("OUTPut:MODE {value}", "OUTPut:MODE?", "",
               strict_choice({"SAS": "SAS", "CVCC": "CVCC"}), parse=lambda r: r.strip(),
               doc="CVCC: ordinary supply; SAS: simulated I-V curve from Voc/Isc/Vmp/Imp")
VOC = Setting("SAS:VOC {value}", "SAS:VOC?", "V", strict_range(0.0, MAX_VOC_V, "V"),
              doc="open-circuit voltage")
ISC = Setting("SAS:ISC {value}", "SAS:ISC?", "A", strict_range(0.0, MAX_ISC_A, "A"),
              doc="short-circuit current")
VMP = Setting("SAS:VMP {value}", "SAS:VMP?", "V", strict_range(0.0, MAX_VOC_V, "V"),
              doc="voltage at the maximum power point")
IMP = Setting("SAS:IMP {value}", "SAS:IMP?", "A", strict_range(0.0, MAX_ISC_A, "A"),
              doc="current at the maximum power point")
OUTPUT = Setting("CONFigure:OUTPut {value}", "CONFigure:OUTPut?", "",
                 strict_choice({True: "ON", False: "OFF"}), parse=parse_on_off, doc="output")


class Chroma62150H1000S(ScpiDriver):
    """Chroma 62150H-1000S in SAS mode (a ``PvSimulator``)."""

    error_query = "SYSTem:ERRor?"

    def open(self) -> None:
        """Put the supply into SAS (four-point I-V curve) mode."""
        self.apply(MODE, "SAS")

    def set_iv_curve(self, voc_v: float, isc_a: float, vmp_v: float, imp_a: float) -> None:
        """Program the curve's four points on one line after checking it as a whole
        (0 < Vmp < Voc <= 1000 V, 0 < Imp < Isc <= 15 A, Vmp x Imp <= 15 kW)."""
        parts = [VOC.command(voc_v), ISC.command(isc_a), VMP.command(vmp_v),
                 IMP.command(imp_a)]  # per-value range and type checks first
        check_iv_curve(voc_v, isc_a, vmp_v, imp_a, max_power_w=MAX_POWER_W)
        self.write(";:".join(parts))

    def iv_curve(self) -> tuple[float, float, float, float]:
        """``(voc_v, isc_a, vmp_v, imp_a)`` as programmed."""
        return (float(self.fetch(VOC)), float(self.fetch(ISC)), float(self.fetch(VMP)),
                float(self.fetch(IMP)))

    def mode(self) -> str:
        """The output mode as the instrument reports it (e.g. ``SAS``)."""
        return str(self.fetch(MODE))

    def set_output(self, on: bool) -> None:
        self.apply(OUTPUT, on)

    def output_is_on(self) -> bool:
        return bool(self.fetch(OUTPUT))

    def max_power_w(self) -> float:
        """Vmp x Imp of the programmed curve."""
        return float(self.fetch(VMP)) * float(self.fetch(IMP))
