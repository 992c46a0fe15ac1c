"""What the CEM has learned, shared between its event-loop thread and the bench's thread.

One lock (with a condition for waiters) guards everything; sessions write on the loop thread,
suites read copies from theirs. Histories survive reconnects; the session number tells them apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from links.s2.codec import id_key as _key
from links.s2.records import (InstructionRecord, PowerSample, ReceivedMessage, ReceptionRecord,
                              RmDetails, StatusUpdate)
from links.violations import Violation


class CemStore:
    """Thread-safe histories: violations, details, measurements, instructions, received messages."""

    def __init__(self, on_violation: Callable[[Violation], None] | None = None) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._on_violation = on_violation
        self._violations: list[Violation] = []
        self._details: RmDetails | None = None
        self._first_resource_id: str | None = None
        self._measurements: list[PowerSample] = []
        self._instructions: dict[str, InstructionRecord] = {}
        self._received: list[ReceivedMessage] = []

    # ---- writers (loop thread) ----------------------------------------------------------------
    def add_violation(self, violation: Violation) -> None:
        with self.changed:
            self._violations.append(violation)
            self.changed.notify_all()
        if self._on_violation is not None:
            self._on_violation(violation)

    def set_details(self, details: RmDetails) -> None:
        with self.changed:
            self._details = details
            if self._first_resource_id is None:
                self._first_resource_id = details.resource_id
            self.changed.notify_all()

    def add_measurement(self, sample: PowerSample) -> None:
        with self.changed:
            self._measurements.append(sample)
            self.changed.notify_all()

    def add_instruction(self, record: InstructionRecord) -> None:
        with self.changed:
            self._instructions[_key(record.instruction_id)] = record

    def set_reception(self, instruction_id: str, reception: ReceptionRecord) -> None:
        with self.changed:
            self._instructions[_key(instruction_id)].reception = reception
            self.changed.notify_all()

    def add_status(self, update: StatusUpdate) -> None:
        with self.changed:
            self._instructions[_key(update.instruction_id)].updates.append(update)
            self.changed.notify_all()

    def add_received(self, message: ReceivedMessage) -> None:
        with self.changed:
            self._received.append(message)
            self.changed.notify_all()

    # ---- readers ----------------------------------------------------------------------------
    def first_resource_id(self) -> str | None:
        with self.lock:
            return self._first_resource_id

    def has_instruction(self, instruction_id: str) -> bool:
        with self.lock:
            return _key(instruction_id) in self._instructions

    def instruction(self, instruction_id: str) -> InstructionRecord | None:
        with self.lock:
            record = self._instructions.get(_key(instruction_id))
            if record is None:
                return None
            return InstructionRecord(record.instruction_id, record.message_id, record.message_type,
                                     record.execution_time, record.sent_at, record.session,
                                     record.reception, list(record.updates))

    def instructions(self) -> list[InstructionRecord]:
        with self.lock:
            ids = list(self._instructions)
        return [r for r in (self.instruction(i) for i in ids) if r is not None]

    def details(self) -> RmDetails | None:
        with self.lock:
            return self._details

    def measurements(self) -> list[PowerSample]:
        with self.lock:
            return list(self._measurements)

    def violations(self) -> list[Violation]:
        with self.lock:
            return list(self._violations)

    def received(self, message_type: str | None = None, session: int | None = None) -> list[ReceivedMessage]:
        with self.lock:
            return [m for m in self._received if (message_type is None or m.message_type == message_type)
                    and (session is None or m.session == session)]

    def wait_received(self, message_type: str, session: int, timeout_s: float) -> ReceivedMessage | None:
        """The latest message of a type in one session, waiting up to ``timeout_s`` for one."""
        def latest() -> ReceivedMessage | None:
            for message in reversed(self._received):
                if message.message_type == message_type and message.session == session:
                    return message
            return None

        with self.changed:
            self.changed.wait_for(lambda: latest() is not None, timeout_s)
            return latest()


__all__ = ["CemStore"]
