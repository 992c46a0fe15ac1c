"""Control inputs shared by the simulated devices (heat pump, home battery): a value that takes
effect a fixed delay after it changed (:class:`DelayLine`) and the failsafe of one control channel
on loss of its controller (:class:`FailsafeLatch`, EEBus LPC semantics)."""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

__all__ = ["DelayLine", "FailsafeLatch"]

_T = TypeVar("_T")


class DelayLine(Generic[_T]):
    """A control input that takes effect a fixed delay after it changed (polling / debounce)."""

    def __init__(self, initial: _T) -> None:
        self.requested: _T = initial
        self.acting: _T = initial
        self._pending: deque[tuple[float, _T]] = deque()

    def request(self, t_s: float, value: _T, delay_s: float) -> None:
        if value != self.requested:
            self.requested = value
            self._pending.append((t_s + delay_s, value))

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def take_due(self, t_s: float) -> list[tuple[_T, _T]]:
        """Changes (old, new) of the acting value that are due by ``t_s``, in order."""
        changes = []
        while self._pending and self._pending[0][0] <= t_s + 1e-9:
            _, value = self._pending.popleft()
            if value != self.acting:
                changes.append((self.acting, value))
                self.acting = value
        return changes


class FailsafeLatch:
    """Failsafe of one control channel on loss of its controller (EEBus LPC semantics).

    Heartbeat channel (Modbus): armed by the first heartbeat; a heartbeat missing for ``timeout_s``
    enters failsafe. Connection channel (S2): armed once connected; a connection lost for
    ``timeout_s`` enters failsafe. Failsafe is left only by a new instruction that arrives after
    the heartbeats / the connection resumed (:meth:`instruction`). Fault knobs: ``disabled``
    (never enters), ``never_left`` (never leaves), ``left_on_alive`` (leaves as soon as a heartbeat /
    the connection is back, without a new instruction).
    """

    def __init__(self, timeout_s: float, *, connection_based: bool = False, disabled: bool = False,
                 never_left: bool = False, left_on_alive: bool = False) -> None:
        self.timeout_s = timeout_s
        self.connection_based = connection_based
        self.disabled = disabled          # knob no_failsafe
        self.never_left = never_left      # knob failsafe_never_left
        self.left_on_alive = left_on_alive  # knobs failsafe_left_on_heartbeat / failsafe_left_on_reconnect
        self.armed = False
        self.active = False
        self.connected = False
        self._last_alive_s = 0.0
        self._resumed = False

    def alive(self, t_s: float) -> bool:
        """A heartbeat (or the connection came back); True when it left failsafe now (knob
        ``left_on_alive`` only: a compliant channel waits for a new instruction)."""
        self.armed = True
        self.connected = True
        self._last_alive_s = t_s
        if not self.active:
            return False
        if self.left_on_alive and not self.never_left:
            self.active = False
            self._resumed = False
            return True
        self._resumed = True
        return False

    def lost(self, t_s: float) -> None:
        """The connection went down (connection channels): the timeout starts now."""
        self.armed = True
        self.connected = False
        self._last_alive_s = t_s

    def instruction(self) -> bool:
        """A new instruction arrived; True when the channel follows it (it is not, or no longer, in failsafe)."""
        if self.connection_based and self.connected:
            self.armed = True
        if not self.active:
            return True
        if self._resumed and not self.never_left:
            self.active = False
            self._resumed = False
            return True
        return False

    def check(self, t_s: float) -> bool:
        """Enter failsafe when the timeout has passed; True when it entered now."""
        if self.disabled or self.active or not self.armed:
            return False
        if self.connection_based and self.connected:
            return False
        if t_s - self._last_alive_s >= self.timeout_s - 1e-9:
            self.active = True
            self._resumed = False
            return True
        return False
