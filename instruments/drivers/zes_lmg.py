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

Block acquisition from the continuous output (``start_acquisition`` / ``read_acquired`` /
``stop_acquisition``, with ``min_acquisition_interval_s``), as a public LMG670 logging tool uses it
(github.com/cuveland/lmgtools, lmg670.py / powerlog670.py; NOT confirmed from the manual):
``ACTN;<query>?;<query>?...`` selects the values sent after every measuring cycle (sent without
expecting a reply there), ``CONT ON`` / ``CONT OFF`` start and stop that continuous output, one
``;``-separated line per cycle read with :meth:`instruments.transport.Transport.read_line`. Each
line starts with ``TSNORM1?`` / ``DURNORM1?`` (the cycle's time stamp and duration, the instrument's
own time, unit and epoch unconfirmed: taken as seconds), so every reading carries its instant. The
interval is the measuring cycle, ``CYCL`` 0.01 ... 60 s. Unconfirmed as well: whether lines of
cycles in flight still arrive after ``CONT OFF`` (this driver reads none after it; the next
``ERRALL?`` would then see them as its reply) and the stamps' meaning (start of the cycle here).

How many lines to read: every line of the cycles that ended up to the read, from the time offset
measured by :meth:`ZesLmg670.measure_time_offset` at the start (first line's end of cycle against
bench time on its arrival). The model has no ``arm_capture`` / ``read_capture`` (the trigger
commands that would start a capture at the AC source's step are not confirmed from any public
source), so it is not an ``AnalyzerAcquisition`` yet and the bench still polls it; the methods here
are its block half, tested on transcripts.
"""

from __future__ import annotations

from collections.abc import Callable

from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, svp, unconfirmed
from instruments.capabilities import AcquiredSample, AnalyzerReading, PhaseReading
from instruments.drivers.analyzer_common import ElementAnalyzer
from instruments.scpi import Setting, parse_float, strict_choice, strict_range

from bench.errors import InstrumentError

__all__ = ["COMMANDS", "ZesLmg670", "PHASE_QUERIES", "LANGUAGE", "FORMAT", "CYCLE_TIME"]

PHASE_QUERIES: tuple[str, ...] = ("UTRMS", "ITRMS", "P", "Q", "S", "PF")
"""Per-channel short queries, in the order of :class:`PhaseReading`'s fields."""
FREQUENCY_QUERY = "FCYC"
TIME_STAMP_QUERIES: tuple[str, ...] = ("TSNORM1", "DURNORM1")
"""Each continuous-output line's cycle start and duration (s, instrument time; unconfirmed)."""
CONTINUOUS_ON = "CONT ON"
CONTINUOUS_OFF = "CONT OFF"

LANGUAGE = Setting("*ZLANG {value}", None, "", strict_choice({"SHORT": "SHORT"}),
                   doc="interface language of this session (short commands)")
FORMAT = Setting("FRMT {value}", "FRMT?", "", strict_choice({"ASCII": "ASCii"}), parse=str,
                 doc="reply data format")
CYCLE_TIME = Setting("CYCL {value}", "CYCL?", "s", strict_range(0.01, 60.0, "s"),
                     doc="measuring cycle time")


COMMANDS: tuple[CommandRow, ...] = (
    confirmed('*IDN', IEEE_488_2),
    unconfirmed('ERRALL', 'no public driver reads the error queue this way; check the reply with several '
                'queued errors'),
    confirmed('*ZLANG', svp("device_lmg670.py", 'connect(): *zlang short')),
    confirmed('FRMT', svp("device_lmg670.py", 'rms_config(): FRMT ASCii')),
    confirmed('CYCL', svp("device_lmg670.py", 'rms_config(): cycl <s>')),
    confirmed('INIM', svp("device_lmg670.py", 'data_read(): INIM; ... queries')),
    confirmed('UTRMS{ch}', svp("device_lmg670.py", 'query_points AC_VRMS')),
    confirmed('ITRMS{ch}', svp("device_lmg670.py", 'query_points AC_IRMS')),
    confirmed('P{ch}', svp("device_lmg670.py", 'query_points AC_P')),
    confirmed('Q{ch}', svp("device_lmg670.py", 'query_points AC_Q')),
    confirmed('S{ch}', svp("device_lmg670.py", 'query_points AC_S')),
    confirmed('PF{ch}', svp("device_lmg670.py", 'query_points AC_PF')),
    confirmed('FCYC{ch}', svp("device_lmg670.py", 'query_points AC_FREQ')),
)


class ZesLmg670(ElementAnalyzer):
    """ZES ZIMMER LMG600 family in short-command mode (a ``PowerAnalyzer``)."""

    error_query = "ERRALL?"
    commands = COMMANDS
    min_acquisition_interval_s = 0.01
    """The shortest measuring cycle, ``CYCL`` 10 ms (the continuous output sends one line a cycle)."""
    instrument_time_offset_s = 0.0
    """Instrument time minus bench time, set by :meth:`measure_time_offset`."""

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
        return self._reading(self._values(self.transport.query(command), command,
                                          len(PHASE_QUERIES) * self.phase_count + 1))

    # --- block acquisition from the continuous output ---------------------------------------------
    def action_command(self) -> str:
        """The ``ACTN`` list: time stamp and duration, then :meth:`read`'s values."""
        queries = [f"{q}?" for q in TIME_STAMP_QUERIES]
        queries += [f"{q}{channel}?" for channel in range(1, self.phase_count + 1) for q in PHASE_QUERIES]
        queries.append(f"{FREQUENCY_QUERY}1?")
        return "ACTN;" + ";".join(queries)

    def start_acquisition(self, interval_s: float) -> None:
        """A line every measuring cycle of ``interval_s`` from now on (restarting the output)."""
        if not self._configured:
            raise InstrumentError(f"{self.name}: start_acquisition() before open() selected short commands")
        if getattr(self, "_now_s", None) is not None:
            self.stop_acquisition()
        self.apply(CYCLE_TIME, interval_s)       # SettingOutOfRange below 0.01 s, before anything is sent
        self.write(self.action_command())
        self.transport.write(CONTINUOUS_ON)     # no error query after it: its reply would be mixed with the output
        self._interval_s = float(interval_s)
        self._pending: list[AcquiredSample] = []
        self._now_s: Callable[[], float] | None = None

    def measure_time_offset(self, now_s: Callable[[], float]) -> tuple[float, float]:
        """Read the first line and take instrument time minus bench time from it (its cycle's end
        against ``now_s()`` on arrival); returns (offset, uncertainty): the line arrives after its
        cycle ended, within the read's duration, so the offset is known to that much."""
        before_s = now_s()
        t_instrument_s, reading = self._next_line()
        arrived_s = now_s()
        self.instrument_time_offset_s = t_instrument_s + self._interval_s - arrived_s
        self._pending = [AcquiredSample(t_instrument_s - self.instrument_time_offset_s, reading)]
        self._now_s = now_s
        return self.instrument_time_offset_s, arrived_s - before_s

    def read_acquired(self) -> list[AcquiredSample]:
        """Every line of the cycles that ended up to now, oldest first."""
        now_s = getattr(self, "_now_s", None)
        if now_s is None:
            raise InstrumentError(f"{self.name}: read_acquired() before measure_time_offset() "
                                  "(the continuous output's time base is not known)")
        samples, self._pending = self._pending, []
        last_cycle_s = now_s() - self._interval_s      # the last cycle that ended (bench time)
        while not samples or samples[-1].t_s < last_cycle_s - 1e-9:
            t_instrument_s, reading = self._next_line()
            samples.append(AcquiredSample(t_instrument_s - self.instrument_time_offset_s, reading))
        return samples

    def stop_acquisition(self) -> None:
        """Stop the continuous output (no error query: lines in flight may still arrive)."""
        self.transport.write(CONTINUOUS_OFF)
        self._now_s = None

    def _next_line(self) -> tuple[float, AnalyzerReading]:
        line = self.transport.read_line()
        values = self._values(line, "the continuous output", len(TIME_STAMP_QUERIES) + len(PHASE_QUERIES)
                              * self.phase_count + 1)
        return values[0], self._reading(values[len(TIME_STAMP_QUERIES):])

    def _values(self, reply: str, what: str, expected: int) -> list[float]:
        fields = reply.split(";")
        if len(fields) != expected:
            raise InstrumentError(f"{self.name}: {what!r} returned {len(fields)} values, expected {expected}")
        try:
            return [parse_float(text) for text in fields]
        except ValueError as exc:
            raise InstrumentError(f"{self.name}: invalid numeric data in {reply!r}") from exc

    def _reading(self, values: list[float]) -> AnalyzerReading:
        width = len(PHASE_QUERIES)
        phases = tuple(PhaseReading(*values[i * width:(i + 1) * width])
                       for i in range(self.phase_count))
        return AnalyzerReading(phases=phases, frequency_hz=values[-1])
