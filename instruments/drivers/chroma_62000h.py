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
* A new curve programmed while the output is on takes effect only after ``TRIG`` (a public
  62000H-S driver sends it after each SAS change with the output running, issue 18; without it the
  old curve probably stays in force, with no error). :meth:`Chroma62150H1000S.set_iv_curve` asks
  ``CONFigure:OUTPut?`` after the curve and sends ``TRIG`` when the output is on. The SVP driver
  ``Lib/svpelab/chromapv.py`` instead switches the output off and on around a curve change
  (``irradiance_set()``), which would disconnect the DUT; ``TRIG`` is unconfirmed (see
  :data:`COMMANDS`).

The curve is validated strictly before anything is sent (0 < Vmp < Voc <= 1000 V,
0 < Imp < Isc <= 15 A, Vmp x Imp <= 15 000 W); out-of-range values raise
:class:`instruments.scpi.SettingOutOfRange`, they are never clipped.
"""

from __future__ import annotations

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp, unconfirmed
from instruments.drivers.pv_common import check_iv_curve
from instruments.scpi import ScpiDriver, Setting, parse_on_off, strict_choice, strict_range

__all__ = ["Chroma62150H1000S", "COMMANDS"]

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
TRIGGER = "TRIG"

_SVP = "chromapv.py"
COMMANDS: tuple[CommandRow, ...] = (
    confirmed("*IDN", IEEE_488_2 + "; " + svp(_SVP, "info()")),
    unconfirmed("SYSTem:ERRor", "SVP chromapv.py reads no error queue; the Chroma form is assumed"),
    confirmed("OUTPut:MODE", svp(_SVP, "power_on(): OUTPut:MODE SAS; output_mode(): OUTPut:MODE?")),
    confirmed("SAS:VOC", svp(_SVP, "curve()")),
    confirmed("SAS:ISC", svp(_SVP, "curve()")),
    confirmed("SAS:VMP", svp(_SVP, "curve()")),
    confirmed("SAS:IMP", svp(_SVP, "curve()")),
    confirmed("CONFigure:OUTPut", svp(_SVP, "power_on() / power_off(): CONFigure:OUTPut ON|OFF"),
              note="the query form is unconfirmed: SVP reads the state with OUTPut:STATus?"),
    unconfirmed(TRIGGER, "a public 62000H-S driver sends TRIG after a SAS change with the output on (issue 18, "
                "file not at hand); SVP chromapv.py power-cycles the output instead"),
)


class Chroma62150H1000S(ScpiDriver):
    """Chroma 62150H-1000S in SAS mode (a ``PvSimulator``)."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS

    def open(self) -> None:
        """Put the supply into SAS (four-point I-V curve) mode."""
        self.apply(MODE, "SAS")

    def set_iv_curve(self, voc_v: float, isc_a: float, vmp_v: float, imp_a: float) -> None:
        """Program the curve's four points on one line after checking it as a whole
        (0 < Vmp < Voc <= 1000 V, 0 < Imp < Isc <= 15 A, Vmp x Imp <= 15 kW); with the output on,
        ``TRIG`` puts the new curve in force."""
        parts = [VOC.command(voc_v), ISC.command(isc_a), VMP.command(vmp_v),
                 IMP.command(imp_a)]  # per-value range and type checks first
        check_iv_curve(voc_v, isc_a, vmp_v, imp_a, max_power_w=MAX_POWER_W)
        self.write(";:".join(parts))
        if self.output_is_on():
            self.write(TRIGGER)

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
