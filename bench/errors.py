"""The one exception tree of flexbench.

::

    FlexbenchError
     ├── ConfigError                 bad bench config / device profile / CLI input  -> exit 3
     ├── BenchError                  the bench could not do its job -> INCONCLUSIVE  -> exit 2
     │    ├── InstrumentError        an instrument misbehaved
     │    │    ├── InstrumentTimeout         no answer within the transport timeout
     │    │    └── InstrumentReportedError   the instrument's error queue was not empty
     │    ├── SafetyLimitError       a command beyond the bench's declared limits was refused
     │    ├── LinkError              the DUT's control link failed (comms, not conformance)
     │    │    ├── LinkTimeout
     │    │    ├── ProtocolFrameError        a frame from the DUT could not be decoded
     │    │    └── ModelNotFoundError        the DUT lacks a protocol model the bench needs
     │    └── LabError               the simulated lab process failed or vanished
     └── DutNonConformance           a measured / observed non-conformance -> FAIL  -> exit 1
          └── DeviceLacksFunction    the device's own protocol answer shows it lacks or breaks
                                     a function its profile declares -> FAIL, frame as evidence

Only ``DutNonConformance`` may turn into a FAIL. Any other exception in a test is an ERROR and
makes the campaign INCONCLUSIVE. ``DutNonConformance`` derives from ``AssertionError`` so pytest
reports it as a test failure.
"""

from __future__ import annotations

from pathlib import Path


class FlexbenchError(Exception):
    """Root of every exception flexbench raises on purpose."""


class ConfigError(FlexbenchError):
    """A bench config, device profile or command-line input is invalid.

    The message always names the file and the field (a dotted path) and, when known, the line.
    """

    def __init__(self, message: str, *, file: str | Path | None = None, field: str | None = None,
                 line: int | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.field = field
        self.line = line
        where = []
        if self.file:
            where.append(self.file + (f":{line}" if line else ""))
        if field:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.detail = message


class BenchError(FlexbenchError):
    """The bench could not perform a step; the result is inconclusive, never FAIL, never PASS."""


class InstrumentError(BenchError):
    """An instrument failed: no answer, a garbled answer, or an error in its queue."""


class InstrumentTimeout(InstrumentError):
    """The instrument did not answer within its timeout."""


class InstrumentReportedError(InstrumentError):
    """The instrument's error queue (e.g. ``SYST:ERR?``) reported an error after a command."""

    def __init__(self, instrument: str, command: str, errors: list[str]) -> None:
        self.instrument = instrument
        self.command = command
        self.errors = errors
        super().__init__(f"{instrument}: after '{command}' the instrument reported: {'; '.join(errors)}")


class SafetyLimitError(BenchError):
    """A command beyond the bench's declared safety limits was refused before it was sent."""


class LinkError(BenchError):
    """The DUT's control link failed (communication, not conformance)."""


class LinkTimeout(LinkError):
    """The DUT did not answer on its control link within the timeout."""


class ProtocolFrameError(LinkError):
    """A frame from the DUT could not be decoded; the message names the frame."""


class ModelNotFoundError(LinkError):
    """The DUT does not expose a protocol model (e.g. a SunSpec model id) the bench needs."""


class LabError(BenchError):
    """The simulated lab process failed to start, answered wrongly, or vanished."""


class DutNonConformance(FlexbenchError, AssertionError):
    """A measured or observed non-conformance of the device under test: a FAIL."""

    def __init__(self, requirement_id: str, message: str) -> None:
        self.requirement_id = requirement_id
        super().__init__(f"[{requirement_id}] {message}")


class DeviceLacksFunction(DutNonConformance):
    """The device's own protocol answer shows that it lacks or breaks a function its profile
    declares: a CALLERROR NotImplemented / NotSupported, a Modbus exception 01 / 02 on a declared
    point, a mandatory SunSpec point left unimplemented, an S2 resource manager that does not offer
    the declared control type, a reply that breaks the message schema.

    Raised by a DUT link, which does not know the requirement: the pytest plugin turns it into a
    FAIL check of every requirement the running test covers (``function`` as the check name,
    ``evidence`` — the frame or point — as its detail). A function the profile does not declare is
    NOT_APPLICABLE instead, and a link or bench failure stays a :class:`LinkError` / ERROR.
    """

    def __init__(self, function: str, evidence: str, requirement_id: str = "") -> None:
        self.function = function
        self.evidence = evidence
        FlexbenchError.__init__(self, f"the device lacks {function}: {evidence}")
        self.requirement_id = requirement_id


class Inconclusive(BenchError):
    """A check could not decide: the measured value's uncertainty straddles the limit."""

    def __init__(self, requirement_id: str, message: str) -> None:
        self.requirement_id = requirement_id
        super().__init__(f"[{requirement_id}] {message}")
