"""Yokogawa WT5000 / WT1800 precision power analyzer. Fills the
:class:`instruments.capabilities.PowerAnalyzer` capability.

Follows the WT5000 Communication Interface User's Manual (IM WT5000-17EN), NUMeric group
(``:NUMeric:FORMat``, ``:NUMeric:NORMal:NUMber``, ``:NUMeric:NORMal:ITEM<x>``,
``:NUMeric:NORMal:VALue?``), COMMunicate group (``:COMMunicate:HEADer``) and STATus group
(``:STATus:ERRor?``, which answers ``0,"No error"`` when empty and positive codes such as
``113,"Undefined header"`` otherwise). The WT1800 uses the same headers.

Elements 1..3 are the DUT's phases 1..3 (1-based). :meth:`YokogawaWT5000.open` programs the
numeric item list once (U, I, P, Q, S, LAMBda for each element, then FU of element 1);
:meth:`YokogawaWT5000.read` is then ONE query round trip for every value.
"""

from __future__ import annotations

from instruments.capabilities import AnalyzerReading, PhaseReading
from instruments.drivers.analyzer_common import ElementAnalyzer
from instruments.scpi import Setting, parse_float, strict_choice, strict_range

from bench.errors import InstrumentError

__all__ = ["YokogawaWT5000", "PHASE_FUNCTIONS"]

PHASE_FUNCTIONS: tuple[str, ...] = ("U", "I", "P", "Q", "S", "LAMBda")
"""Per-element numeric functions, in the order of :class:`PhaseReading`'s fields."""
FREQUENCY_FUNCTION = "FU"
"""Voltage frequency of an element."""

HEADER = Setting(":COMMunicate:HEADer {value}", ":COMMunicate:HEADer?", "",
                 strict_choice({True: "ON", False: "OFF"}), doc="headers on query replies")
NUMERIC_FORMAT = Setting(":NUMeric:FORMat {value}", ":NUMeric:FORMat?", "",
                         strict_choice({"ASCII": "ASCii"}), parse=str,
                         doc="numeric data format (ASCII: comma-separated NR3)")
NUMERIC_NUMBER = Setting(":NUMeric:NORMal:NUMber {value}", ":NUMeric:NORMal:NUMber?", "",
                         strict_range(1, 255), parse=int,
                         doc="how many items :NUMeric:NORMal:VALue? returns")
NUMERIC_ITEM = Setting(":NUMeric:NORMal:ITEM{item} {value}", ":NUMeric:NORMal:ITEM{item}?", "",
                       lambda value, what: str(value), parse=str,
                       doc="function,element of one numeric item")
VALUES_QUERY = ":NUMeric:NORMal:VALue?"


class YokogawaWT5000(ElementAnalyzer):
    """Yokogawa WT5000 driver (a ``PowerAnalyzer``); ``phase_count`` elements are read."""

    error_query = ":STATus:ERRor?"

    def item_list(self) -> list[str]:
        """The ``function,element`` items programmed by :meth:`open`, in reply order."""
        items = [f"{function},{element}" for element in range(1, self.phase_count + 1)
                 for function in PHASE_FUNCTIONS]
        items.append(f"{FREQUENCY_FUNCTION},1")
        return items

    def open(self) -> None:
        """Program headers off, ASCII format and the item list (checked after each command)."""
        items = self.item_list()
        self.apply(HEADER, False)
        self.apply(NUMERIC_FORMAT, "ASCII")
        self.apply(NUMERIC_NUMBER, len(items))
        for index, item in enumerate(items, start=1):
            self.apply(NUMERIC_ITEM, item, item=index)
        self._configured = True

    def read(self) -> AnalyzerReading:
        """U, I, P, Q, S, PF per phase and f, in one ``:NUMeric:NORMal:VALue?`` round trip."""
        if not self._configured:
            raise InstrumentError(f"{self.name}: read() before open() programmed the item list")
        reply = self.transport.query(VALUES_QUERY)
        fields = reply.split(",")
        expected = len(PHASE_FUNCTIONS) * self.phase_count + 1
        if len(fields) != expected:
            raise InstrumentError(
                f"{self.name}: {VALUES_QUERY} returned {len(fields)} values, expected {expected}")
        try:
            values = [parse_float(text) for text in fields]
        except ValueError as exc:  # NAN (no data) or INF (over range) per the manual
            raise InstrumentError(f"{self.name}: invalid numeric data in {reply!r}") from exc
        width = len(PHASE_FUNCTIONS)
        phases = tuple(PhaseReading(*values[i * width:(i + 1) * width])
                       for i in range(self.phase_count))
        return AnalyzerReading(phases=phases, frequency_hz=values[-1])
