"""Chroma 66205 single-phase digital power meter (600 V / 20 A class, 66200 series). Fills
the :class:`instruments.capabilities.PowerAnalyzer` capability with ONE phase.

Follows the Chroma "Digital Power Meter 66200 Series User's Manual", chapter 5 (remote
control), whose FETCh/MEASure subsystem the 66203/66204 manual shares:

* ``FETCh? <item>{,<item>}`` (up to 10 items) returns the latest values of the measurement
  buffer, in the order asked, as ``<NR2>`` separated by the response data separator;
  items used here: ``V`` (U rms), ``I`` (I rms), ``W``, ``VAR``, ``VA``, ``PF``, ``FREQ``;
* a value of ``-1`` (integration not complete yet), ``-2`` (range change error during an
  integration) or ``-3`` (invalid data: OVR, OCR or OCP) is a status code, not a measurement;
* ``SYSTem:TRANsmit:SEParator 0|1`` selects ``,`` (0) or ``;`` (1) as response data separator;
* ``SYSTem:ERRor?`` answers ``<code>,"<message>"``, ``0,"No error"`` when empty (assumed to
  follow the other Chroma instruments; confirm on the first hardware session).

Replies must come WITHOUT headers: :meth:`Chroma66205.open` sends ``SYSTem:HEADer OFF`` first, as
the SunSpec SVP driver ``Lib/svpelab/device_chroma_dpm.py`` does (``SYST:HEAD OFF``); a reply carrying a
header anyway does not parse and raises :class:`bench.errors.InstrumentError` (never a silently wrong
value). SVP reads the same item names (V, I, W, VAR, VA, PF, FREQ) with ``MEAS?`` instead of
``FETCh?``; each row's source is in :data:`COMMANDS`.
"""

from __future__ import annotations

from instruments.capabilities import AnalyzerReading, PhaseReading
from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp, unconfirmed
from instruments.scpi import ScpiDriver, Setting, parse_float, strict_choice

from bench.errors import InstrumentError

__all__ = ["Chroma66205", "COMMANDS", "FETCH_ITEMS", "HEADER", "SEPARATOR", "STATUS_CODES"]

FETCH_ITEMS: tuple[str, ...] = ("V", "I", "W", "VAR", "VA", "PF", "FREQ")
"""``FETCh?`` items: the six :class:`PhaseReading` fields in order, then the frequency."""
NEVER_NEGATIVE = frozenset({"V", "I", "VA", "FREQ"})
"""Items that cannot be negative: a -1/-2/-3 there is a status code (see the manual)."""
STATUS_CODES: dict[float, str] = {
    -1.0: "first integrated calculation not complete",
    -2.0: "range change error during integration",
    -3.0: "invalid data (over voltage / over current range or over current protection)",
}

SEPARATOR = Setting("SYSTem:TRANsmit:SEParator {value}", "SYSTem:TRANsmit:SEParator?", "",
                    strict_choice({",": "0", ";": "1"}), parse=int,
                    doc="response data separator (0: comma, 1: semicolon)")
HEADER = Setting("SYSTem:HEADer {value}", "SYSTem:HEADer?", "", strict_choice({True: "ON", False: "OFF"}),
                 parse=str, doc="headers on query replies")
FETCH_QUERY = "FETCh? " + ",".join(FETCH_ITEMS)

_SVP = "device_chroma_dpm.py"
_MANUAL = ("Chroma Digital Power Meter 66200 Series User's Manual, chapter 5 (as cited when the driver was "
           "written; page not recorded)")
COMMANDS: tuple[CommandRow, ...] = (
    confirmed("*IDN", IEEE_488_2 + "; " + svp(_SVP, "info()")),
    unconfirmed("SYSTem:ERRor", "the Chroma form is assumed; SVP device_chroma_dpm.py reads no error queue"),
    confirmed("SYSTem:HEADer", svp(_SVP, "__init__(): SYST:HEAD OFF")),
    confirmed("SYSTem:TRANsmit:SEParator", _MANUAL),
    confirmed("FETCh", _MANUAL, note="SVP device_chroma_dpm.py reads the same items with MEAS?"),
)


class Chroma66205(ScpiDriver):
    """Chroma 66205 digital power meter (a one-phase ``PowerAnalyzer``)."""

    error_query = "SYSTem:ERRor?"
    commands = COMMANDS
    phase_count = 1

    def open(self) -> None:
        """Headers off, comma as response data separator (each checked)."""
        self.apply(HEADER, False)
        self.apply(SEPARATOR, ",")

    def read(self) -> AnalyzerReading:
        """U, I, P, Q, S, PF and f in one ``FETCh?`` round trip."""
        reply = self.transport.query(FETCH_QUERY)
        fields = reply.split(",")
        if len(fields) != len(FETCH_ITEMS):
            raise InstrumentError(f"{self.name}: {FETCH_QUERY!r} returned {len(fields)} values, "
                                  f"expected {len(FETCH_ITEMS)}")
        try:
            values = dict(zip(FETCH_ITEMS, (parse_float(text) for text in fields), strict=True))
        except ValueError as exc:
            raise InstrumentError(f"{self.name}: invalid numeric data in {reply!r}") from exc
        for item in FETCH_ITEMS:
            if item in NEVER_NEGATIVE and values[item] in STATUS_CODES:
                raise InstrumentError(f"{self.name}: {item} = {values[item]:g}: "
                                      f"{STATUS_CODES[values[item]]}")
        phase = PhaseReading(values["V"], values["I"], values["W"], values["VAR"],
                             values["VA"], values["PF"])
        return AnalyzerReading(phases=(phase,), frequency_hz=values["FREQ"])
