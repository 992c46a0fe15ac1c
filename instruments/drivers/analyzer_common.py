"""What the multi-element power analyzer drivers share."""

from __future__ import annotations

from instruments.scpi import ScpiDriver
from instruments.transport import Transport


class ElementAnalyzer(ScpiDriver):
    """A power analyzer reading one input element per phase (1..3 phases).

    ``read()`` is refused until the one-time ``open()`` sequence has configured the instrument's
    numeric output (``_configured``)."""

    def __init__(self, transport: Transport, *, name: str, phase_count: int = 3) -> None:
        super().__init__(transport, name=name)
        if phase_count not in (1, 2, 3):
            raise ValueError(f"phase_count must be 1..3, got {phase_count}")
        self.phase_count = phase_count
        self._configured = False
