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

Block acquisition (:class:`instruments.capabilities.AnalyzerAcquisition`) uses the data store,
STORe group, and the capture below. Which commands are confirmed from public sources and which are not:

* Confirmed headers (IM WT5000-17EN, command list): the NUMeric, COMMunicate and STATus commands
  above; the STORe group's ``:STORe:INTerval <h>,<m>,<s>``, ``:STORe:STARt``, ``:STORe:STOP``.
  A store interval is only meaningful at or above the data update interval.
* Unconfirmed (the simulated lab's, no WT5000 counterpart known): ``:STORe:DATA? <n>``, the
  block read-back (the real instrument stores to files; the hardware path is still to be
  chosen, e.g. reading the stored file over ``:FILE`` or streaming ``:NUMeric:NORMal:VALue?`` on
  every data update, timed by the UPD bit of the extended event register); the ``:CAPTure`` group
  below (NOT a WT5000 command group). The WT5000's own way to a sub-update capture is the WAVeform
  group (``:WAVeform:TRACe``, ``:WAVeform:STARt`` / ``:WAVeform:END``, ``:WAVeform:SEND?``, headers
  used by public Yokogawa WT/DL scripts, the exact WT5000 syntax, block format and record length
  unconfirmed) with the TRIGger group's external source: the bench would compute each capture
  interval's RMS and power from the waveform. Confirming these needs the manual's command pages or
  the instrument.

Model figures (IM WT5000-01EN / data sheet): fastest *data update interval* 10 ms, so
``min_acquisition_interval_s`` is 0.01 (the simulated WT5000 refuses a shorter store interval too);
waveform sampling about 10 MS/s, so a capture may be computed over windows far shorter than an update:
``min_capture_interval_s`` is 2.5 ms (an eighth of a 50 Hz cycle, what the simulated capture offers;
the 5 ms quarter-cycle capture of the trip suites is above it). Each stored or captured record
carries the item list above and its instant on the instrument's time base (see
:data:`STORE_DATA_QUERY`); ``instrument_time_offset_s`` maps that base onto bench time.

Triggered capture (``arm_capture`` / ``read_capture``), simulated group: ``:CAPTure:INTerval``,
``:CAPTure:PRETrigger``, ``:CAPTure:POSTtrigger`` (seconds), ``:CAPTure:ARM``, ``:CAPTure:STATe?``
(IDLE/ARMED/TRIGGERED/COMPLETE), ``:CAPTure:ABORt``, ``:CAPTure:TRIGger:TIME?``, ``:CAPTure:COUNt?`` and
``:CAPTure:DATA? <first>,<count>`` (the store's block format), simlab/instruments/capture.py. From
the WT5000 user's manual (IM WT5000-01EN, "Data Update Interval" / "Update Mode"): a *trigger* update
mode in which storage and communication output follow the waveform trigger, and an external trigger
source; the mapping of arm / pre-trigger / read-back onto those, and whether a pre-trigger record
exists at all, is unconfirmed and must be settled on hardware. Wiring assumption: the AC source's
trigger output goes to the analyzer's external trigger input (docs/hardware-first-connection.md,
"Wire the trigger").
"""

from __future__ import annotations

from typing import ClassVar

from instruments.capabilities import AcquiredSample, AnalyzerReading, Capture, PhaseReading
from instruments.command_sources import IEEE_488_2, CommandRow, confirmed, unconfirmed
from instruments.drivers.analyzer_common import ElementAnalyzer
from instruments.scpi import Setting, SettingOutOfRange, parse_float, strict_choice, strict_range

from bench.errors import InstrumentError

__all__ = ["YokogawaWT5000", "PHASE_FUNCTIONS", "STORE_INTERVAL", "STORE_START", "STORE_STOP",
           "STORE_DATA_QUERY", "parse_store_block"]

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


def _store_interval_text(interval_s: float, what: str) -> str:
    """``h,m,s`` of the STORe group, seconds with microsecond resolution."""
    if isinstance(interval_s, bool) or not isinstance(interval_s, (int, float)) or not interval_s > 0:
        raise SettingOutOfRange(f"{what}: {interval_s!r} is not a positive interval")
    total_us = round(interval_s * 1e6)
    hours, rest_us = divmod(total_us, 3_600_000_000)
    minutes, rest_us = divmod(rest_us, 60_000_000)
    if hours > 99:
        raise SettingOutOfRange(f"{what}: {interval_s:g} s is longer than 99 h")
    return f"{hours},{minutes},{rest_us // 1_000_000}.{rest_us % 1_000_000:06d}"


STORE_INTERVAL = Setting(":STORe:INTerval {value}", ":STORe:INTerval?", "s", _store_interval_text, parse=str,
                         doc="data store interval (h,m,s)")
STORE_START = ":STORe:STARt"
"""Start storing: a record at every multiple of the interval on the instrument's time base after
now (unread records are discarded)."""
STORE_STOP = ":STORe:STOP"
"""Stop storing (unread records are discarded)."""
STORE_DATA_QUERY = ":STORe:DATA? {max_records}"
"""Up to ``max_records`` stored records, oldest first, removed from the store. Reply: one line
``count,t_1,v_1..v_K,t_2,...``: t the record's instant (s, instrument time base), v the K values of the
``:NUMeric:NORMal`` item list (as ``:NUMeric:NORMal:VALue?``)."""
STORE_BLOCK_RECORDS = 250
"""Records asked for per ``:STORe:DATA?`` round trip: about 60 KB of ASCII for a three-phase item list,
so one reply arrives well within the transport's deadline (the timeout is a deadline for the whole
reply, bench/deadlines.py) even on a loaded machine; a 2000-record reply (~500 KB) did not always."""


def parse_store_block(reply: str, values_per_record: int) -> list[tuple[float, list[float]]]:
    """``(t_s, values)`` of each record of a :data:`STORE_DATA_QUERY` reply; ValueError when it
    is malformed (a count that does not match, non-numeric data)."""
    fields = reply.split(",")
    count = int(fields[0])
    width = values_per_record + 1
    if count < 0 or len(fields) != 1 + count * width:
        raise ValueError(f"{count} records of {width} fields announced, {len(fields) - 1} fields sent")
    records = []
    for k in range(count):
        start = 1 + k * width
        records.append((float(fields[start]), [parse_float(text) for text in fields[start + 1:start + width]]))
    return records


def _seconds_text(seconds: float, what: str) -> str:
    """A duration in seconds with microsecond resolution (the capture group's unit)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise SettingOutOfRange(f"{what}: {seconds!r} is not a duration in seconds")
    return f"{round(seconds * 1e6) / 1e6:.6f}"


CAPTURE_INTERVAL = Setting(":CAPTure:INTerval {value}", ":CAPTure:INTerval?", "s", _seconds_text,
                           doc="capture interval")
CAPTURE_PRE_TRIGGER = Setting(":CAPTure:PRETrigger {value}", ":CAPTure:PRETrigger?", "s", _seconds_text,
                              doc="capture length before the trigger")
CAPTURE_POST_TRIGGER = Setting(":CAPTure:POSTtrigger {value}", ":CAPTure:POSTtrigger?", "s", _seconds_text,
                               doc="capture length after the trigger")
CAPTURE_ARM = ":CAPTure:ARM"
"""Arm: record every interval into a pre-trigger ring; the external trigger input's next edge
completes the capture ``POSTtrigger`` later."""
CAPTURE_ABORT = ":CAPTure:ABORt"
"""Disarm and drop the capture."""
CAPTURE_STATE_QUERY = ":CAPTure:STATe?"
"""``IDLE``, ``ARMED``, ``TRIGGERED`` or ``COMPLETE``."""
CAPTURE_TRIGGER_TIME_QUERY = ":CAPTure:TRIGger:TIME?"
"""The trigger edge's instant (s, instrument time base)."""
CAPTURE_COUNT_QUERY = ":CAPTure:COUNt?"
"""How many records the complete capture holds."""
CAPTURE_DATA_QUERY = ":CAPTure:DATA? {first},{count}"
"""Records ``first`` .. ``first + count - 1`` of a complete capture, in the store's block format
(:func:`parse_store_block`)."""
CAPTURE_BLOCK_RECORDS = 100
"""Records asked for per ``:CAPTure:DATA?`` round trip."""

WT5000_MANUAL = "IM WT5000-17EN, command list (as cited when the driver was written; page not recorded)"
_SIMULATED = "the simulated lab's command, no Yokogawa counterpart known (see the module docstring)"


def wt_commands(manual: str, item: CommandRow, *, store: str = "") -> tuple[CommandRow, ...]:
    """The rows of the WT dialect: ``manual`` confirms the common headers, ``item`` is the model's
    ``:NUMeric:NORMal:ITEM`` row (its function names), ``store`` the source of the STORe group
    (empty: unconfirmed for the model)."""
    store_rows = tuple(confirmed(h, store) if store else
                       unconfirmed(h, "the WT5000's STORe header (IM WT5000-17EN); unconfirmed for this model")
                       for h in (":STORe:INTerval", STORE_START, STORE_STOP))
    return (
        confirmed("*IDN", IEEE_488_2),
        confirmed(":STATus:ERRor", manual),
        confirmed(":COMMunicate:HEADer", manual),
        confirmed(":NUMeric:FORMat", manual),
        confirmed(":NUMeric:NORMal:NUMber", manual),
        item,
        confirmed(VALUES_QUERY.rstrip("?"), manual),
    ) + store_rows + (
        unconfirmed(":STORe:DATA", _SIMULATED),
        *(unconfirmed(h, _SIMULATED) for h in (":CAPTure:INTerval", ":CAPTure:PRETrigger", ":CAPTure:POSTtrigger",
                                               CAPTURE_ARM, CAPTURE_ABORT, ":CAPTure:STATe", ":CAPTure:TRIGger:TIME",
                                               ":CAPTure:COUNt", ":CAPTure:DATA")),
    )


WT5000_COMMANDS = wt_commands(WT5000_MANUAL, unconfirmed(
    ":NUMeric:NORMal:ITEM{item}", "the header is in IM WT5000-17EN; the function names U and I (rms voltage and "
    "current) are unconfirmed for the WT5000 (the WT1800 names them URMS / IRMS): check the items on the "
    "instrument", note="functions U, I, P, Q, S, LAMBda, FU"), store=WT5000_MANUAL)


class YokogawaWT5000(ElementAnalyzer):
    """Yokogawa WT5000 driver (a ``PowerAnalyzer``); ``phase_count`` elements are read."""

    error_query = ":STATus:ERRor?"
    commands = WT5000_COMMANDS
    min_acquisition_interval_s = 0.01
    """The WT5000's fastest data update interval, 10 ms (IM WT5000-01EN, "Data Update Interval")."""
    min_capture_interval_s = 0.0025
    """Shortest capture interval: windows of the sampled waveform (about 10 MS/s), an eighth of a
    50 Hz cycle (the hardware path, the WAVeform group, is unconfirmed: see the module docstring)."""
    capture_trigger_uncertainty_s = 0.0
    """Uncertainty of the capture's trigger instant: the instrument time-stamps the edge on its
    external trigger input, so nothing is added to the capture interval here. The AC source's own
    delay between applying a step and its trigger pulse is not included (measure it once, see
    docs/hardware-first-connection.md, and set it here)."""
    instrument_time_offset_s = 0.0
    """Instrument time base minus bench time (0 on the simulated lab, whose instruments run on the
    bench's time axis)."""

    phase_functions: ClassVar[tuple[str, ...]] = PHASE_FUNCTIONS
    """The model's numeric function names for the :class:`PhaseReading` fields, in order."""

    def item_list(self) -> list[str]:
        """The ``function,element`` items programmed by :meth:`open`, in reply order."""
        items = [f"{function},{element}" for element in range(1, self.phase_count + 1)
                 for function in self.phase_functions]
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
        self._require_configured("read()")
        reply = self.transport.query(VALUES_QUERY)
        fields = reply.split(",")
        expected = self._values_per_reading()
        if len(fields) != expected:
            raise InstrumentError(
                f"{self.name}: {VALUES_QUERY} returned {len(fields)} values, expected {expected}")
        try:
            values = [parse_float(text) for text in fields]
        except ValueError as exc:  # NAN (no data) or INF (over range) per the manual
            raise InstrumentError(f"{self.name}: invalid numeric data in {reply!r}") from exc
        return self._reading(values)

    # --- block acquisition (AnalyzerAcquisition) ---------------------------------------------------
    def start_acquisition(self, interval_s: float) -> None:
        """Store a reading every ``interval_s`` from now on (the data store, restarted)."""
        self._require_configured("start_acquisition()")
        if interval_s < self.min_acquisition_interval_s - 1e-12:
            raise SettingOutOfRange(f"{self.name}: acquisition interval {interval_s:g} s is below the "
                                    f"model's {self.min_acquisition_interval_s:g} s")
        self.apply(STORE_INTERVAL, interval_s)
        self.write(STORE_START)

    def read_acquired(self) -> list[AcquiredSample]:
        """Every stored reading not read yet, oldest first (one round trip per
        :data:`STORE_BLOCK_RECORDS`)."""
        self._require_configured("read_acquired()")
        width = self._values_per_reading()
        samples: list[AcquiredSample] = []
        while True:
            query = STORE_DATA_QUERY.format(max_records=STORE_BLOCK_RECORDS)
            reply = self.transport.query(query)
            try:
                records = parse_store_block(reply, width)
            except ValueError as exc:
                raise InstrumentError(f"{self.name}: invalid stored data in reply to {query}: {exc}") from exc
            samples.extend(AcquiredSample(t_s - self.instrument_time_offset_s, self._reading(values))
                           for t_s, values in records)
            if len(records) < STORE_BLOCK_RECORDS:
                return samples

    def stop_acquisition(self) -> None:
        self.write(STORE_STOP)

    # --- triggered capture (AnalyzerAcquisition) ------------------------------------------------
    def arm_capture(self, interval_s: float, pre_trigger_s: float, post_trigger_s: float) -> None:
        """Arm a capture every ``interval_s``, ``pre_trigger_s`` before and ``post_trigger_s``
        after the next edge on the external trigger input (the AC source's step)."""
        self._require_configured("arm_capture()")
        if interval_s < self.min_capture_interval_s - 1e-12:
            raise SettingOutOfRange(f"{self.name}: capture interval {interval_s:g} s is below the "
                                    f"model's {self.min_capture_interval_s:g} s")
        if not post_trigger_s > 0:
            raise SettingOutOfRange(f"{self.name}: a capture needs a positive post-trigger time")
        self.apply(CAPTURE_INTERVAL, interval_s)
        self.apply(CAPTURE_PRE_TRIGGER, pre_trigger_s)
        self.apply(CAPTURE_POST_TRIGGER, post_trigger_s)
        self.write(CAPTURE_ARM)
        self._capture_interval_s = float(interval_s)

    def abort_capture(self) -> None:
        """Disarm (an armed capture that will not be read is dropped)."""
        self.write(CAPTURE_ABORT)

    def read_capture(self) -> Capture | None:
        """The complete capture (None while armed or still recording after the trigger), read
        back in blocks of :data:`CAPTURE_BLOCK_RECORDS`."""
        interval_s = getattr(self, "_capture_interval_s", None)
        if interval_s is None:
            raise InstrumentError(f"{self.name}: read_capture() before arm_capture()")
        state = self.query(CAPTURE_STATE_QUERY).strip().upper()
        if state in ("ARMED", "TRIGGERED"):
            return None
        if state != "COMPLETE":
            raise InstrumentError(f"{self.name}: capture state {state!r} (the capture was not armed)")
        trigger_t_s = self.query_value(CAPTURE_TRIGGER_TIME_QUERY)
        count = self.query_value(CAPTURE_COUNT_QUERY, int)
        width = self._values_per_reading()
        samples: list[AcquiredSample] = []
        while len(samples) < count:
            query = CAPTURE_DATA_QUERY.format(first=len(samples),
                                              count=min(CAPTURE_BLOCK_RECORDS, count - len(samples)))
            reply = self.transport.query(query)
            try:
                records = parse_store_block(reply, width)
            except ValueError as exc:
                raise InstrumentError(f"{self.name}: invalid captured data in reply to {query}: {exc}") from exc
            if not records:
                raise InstrumentError(f"{self.name}: {query} returned no records of the {count} captured")
            samples.extend(AcquiredSample(t_s - self.instrument_time_offset_s, self._reading(values))
                           for t_s, values in records)
        return Capture(trigger_t_s - self.instrument_time_offset_s, interval_s, tuple(samples))

    # --- internals ---------------------------------------------------------------------------------
    def _require_configured(self, what: str) -> None:
        if not self._configured:
            raise InstrumentError(f"{self.name}: {what} before open() programmed the item list")

    def _values_per_reading(self) -> int:
        return len(self.phase_functions) * self.phase_count + 1

    def _reading(self, values: list[float]) -> AnalyzerReading:
        width = len(self.phase_functions)
        phases = tuple(PhaseReading(*values[i * width:(i + 1) * width])
                       for i in range(self.phase_count))
        return AnalyzerReading(phases=phases, frequency_hz=values[-1])
