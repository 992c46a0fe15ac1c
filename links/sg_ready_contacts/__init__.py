"""SG-Ready (BWP) control of a heat pump through two relay contacts of a DigitalIO instrument.

The SG-Ready label defines four operating states from the positions of two contacts
(contact 1 : contact 2, 1 = closed): 1:0 state 1 blocked (at most 2 h), 0:0 state 2 normal,
0:1 state 3 recommended on / boost, 1:1 state 4 forced on. The device profile names the two
``digital_io`` channels wired to the DUT's inputs (``links.control.contact_1_channel`` /
``contact_2_channel``). There is no network link and nothing to read back: the measured power
at the analyzer is the only evidence of what the DUT does.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Callable

from instruments.capabilities import DigitalIO

__all__ = ["SgReadyState", "SgReadyContactsLink", "CONTACTS_FOR_STATE", "sg_ready_state"]


class SgReadyState(IntEnum):
    """SG-Ready operating states (BWP numbering); the bench's link and the simulated heat pump share it."""

    BLOCKED = 1
    NORMAL = 2
    RECOMMENDED_ON = 3
    FORCED_ON = 4


CONTACTS_FOR_STATE: dict[SgReadyState, tuple[bool, bool]] = {
    SgReadyState.BLOCKED: (True, False),
    SgReadyState.NORMAL: (False, False),
    SgReadyState.RECOMMENDED_ON: (False, True),
    SgReadyState.FORCED_ON: (True, True),
}
"""State -> (contact 1 closed, contact 2 closed)."""


def sg_ready_state(contact_1_closed: bool, contact_2_closed: bool) -> SgReadyState:
    """The SG-Ready state of two contact positions (every combination is a state)."""
    closed = (bool(contact_1_closed), bool(contact_2_closed))
    return next(s for s, c in CONTACTS_FOR_STATE.items() if c == closed)


class SgReadyContactsLink:
    """Drives the SG-Ready inputs; ``close()`` returns them to state 2 (both open, normal)."""

    def __init__(self, digital_io: DigitalIO, contact_1_channel: int, contact_2_channel: int, *,
                 trace: Callable[[str, str], None] | None = None) -> None:
        self.io = digital_io
        self.channels = (contact_1_channel, contact_2_channel)
        self._trace = trace
        self.state: SgReadyState | None = None

    def set_state(self, state: SgReadyState) -> None:
        """Set both contacts for ``state`` (contact 1 first); errors of the instrument raise."""
        state = SgReadyState(state)
        if self._trace is not None:
            c1, c2 = CONTACTS_FOR_STATE[state]
            self._trace("out", f"SG-Ready state {int(state)} ({state.name}): contacts {int(c1)}:{int(c2)}")
        for channel, closed in zip(self.channels, CONTACTS_FOR_STATE[state], strict=True):
            self.io.set_output(channel, closed)
        self.state = state

    def read_state(self) -> SgReadyState:
        """The state the contacts are in now (read back from the instrument)."""
        return sg_ready_state(*(self.io.output_state(ch) for ch in self.channels))

    def close(self) -> None:
        """Leave the DUT in normal operation (state 2: both contacts open)."""
        self.set_state(SgReadyState.NORMAL)
