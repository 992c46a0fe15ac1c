"""ZES ZIMMER LMG600 family precision power analyzer (LMG610 ... LMG671; model key
``zes_lmg670``) driven in its *short command* language. Fills the
:class:`instruments.capabilities.PowerAnalyzer` capability.

Follows the "Instrument Family LMG600 User Manual" (ZES ZIMMER, V1.009 / firmware of 2014 and
later), remote-control chapter, short-command syntax. The interface speaks two languages,
selected per session with ``*ZLANG SCPI`` / ``*ZLANG SHORT``; this driver selects SHORT in
:meth:`ZesLmg670.open` and then uses only short commands:

* ``FRMT ASCii``: replies as ASCII numbers (the other format, ``PACKed``, is binary);
* ``CYCL <s>``: measuring cycle time, 0.01 ... 60 s;
* ``INIM``: wait for the next complete measuring cycle, so the queries after it in the same
  program message are all from ONE cycle (consistent U, I, P of all channels);
* per channel ``<n>`` (1-based power-meter channel): ``UTRMS<n>?``, ``ITRMS<n>?`` (true RMS),
  ``P<n>?``, ``Q<n>?``, ``S<n>?``, ``PF<n>?`` (power factor lambda = P/S), ``FCYC<n>?``
  (frequency of the synchronisation signal); the replies of one program message come back on
  one line, separated by ``;``;
* ``ERRALL?``: the whole error queue, ``0,"No error"`` when empty.

The short mnemonics above are also what public LMG600/LMG670 drivers send (checked against
them; no manual copy was at hand): confirm ``CYCL``'s range and the ``ERRALL?`` reply with
several queued errors on the first hardware session.

Channels 1..3 are the DUT's phases 1..3. :meth:`ZesLmg670.read` is ONE query round trip.

No ``AnalyzerAcquisition`` (block acquisition, triggered capture) yet; the suites poll this model.
What it would use, from a public LMG670 logging tool (github.com/cuveland/lmgtools, lmg670.py /
powerlog670.py; not from the manual): ``ACTN;<query>?;<query>?...`` selects the values sent after
every measuring cycle, ``CONT ON`` / ``CONT OFF`` start and stop that gapless continuous output (one
``;``-separated line per cycle), and ``TSNORM<n>?`` / ``DURNORM<n>?`` give each cycle's time stamp and
duration, so every line carries the instrument's own time. The shortest interval is then one
measuring cycle, ``CYCL`` 10 ms (unconfirmed, see above). Two things are missing: the continuous
output arrives unasked, and the bench's transports only query (``instruments.transport``: a
``read_line`` is needed), and the trigger commands that would start a capture at the AC source's
step are not confirmed from any public source.
"""

from __future__ import annotations

from instruments.capabilities import AnalyzerReading, PhaseReading
from instruments.drivers.analyzer_common import ElementAnalyzer
from instruments.scpi import Setting, parse_float, strict_choice, strict_range

from bench.errors import InstrumentError

__all__ = ["ZesLmg670", "PHASE_QUERIES", "LANGUAGE", "FORMAT", "CYCLE_TIME"]

PHASE_QUERIES: tuple[str, ...] = ("UTRMS", "ITRMS", "P", "Q", "S", "PF")
"""Per-channel short queries, in the order of :class:`PhaseReading`'s fields."""
FREQUENCY_QUERY = "FCYC"

LANGUAGE = Setting("*ZLANG {value}", None, "", strict_choice({"SHORT": "SHORT"}),
                   doc="interface language of this session (short commands)")
FORMAT = Setting("FRMT {value}", "FRMT?", "", strict_choice({"ASCII": "ASCii"}), parse=str,
                 doc="reply data format")
CYCLE_TIME = Setting("CYCL {value}", "CYCL?", "s", strict_range(0.01, 60.0, "s"),
                     doc="measuring cycle time")


class ZesLmg670(ElementAnalyzer):
    """ZES ZIMMER LMG600 family in short-command mode (a ``PowerAnalyzer``)."""

    error_query = "ERRALL?"

    def read_command(self) -> str:
        """The one program message :meth:`read` sends."""
        units = ["INIM"]
        units += [f"{query}{channel}?" for channel in range(1, self.phase_count + 1)
                  for query in PHASE_QUERIES]
        units.append(f"{FREQUENCY_QUERY}1?")
        return ";".join(units)

    def open(self) -> None:
        """Select the short-command language and ASCII replies (each checked)."""
        self.apply(LANGUAGE, "SHORT")
        self.apply(FORMAT, "ASCII")
        self._configured = True

    def set_cycle_time_s(self, seconds: float) -> None:
        """Measuring cycle time (0.01 ... 60 s); a reading averages over one cycle."""
        self.apply(CYCLE_TIME, seconds)

    def cycle_time_s(self) -> float:
        return float(self.fetch(CYCLE_TIME))

    def read(self) -> AnalyzerReading:
        """U, I, P, Q, S, PF per channel and f of channel 1, from one measuring cycle."""
        if not self._configured:
            raise InstrumentError(f"{self.name}: read() before open() selected short commands")
        command = self.read_command()
        reply = self.transport.query(command)
        fields = reply.split(";")
        expected = len(PHASE_QUERIES) * self.phase_count + 1
        if len(fields) != expected:
            raise InstrumentError(
                f"{self.name}: {command!r} returned {len(fields)} values, expected {expected}")
        try:
            values = [parse_float(text) for text in fields]
        except ValueError as exc:
            raise InstrumentError(f"{self.name}: invalid numeric data in {reply!r}") from exc
        width = len(PHASE_QUERIES)
        phases = tuple(PhaseReading(*values[i * width:(i + 1) * width])
                       for i in range(self.phase_count))
        return AnalyzerReading(phases=phases, frequency_hz=values[-1])
