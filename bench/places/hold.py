"""Holding a labgrid place for a campaign through a coordinator reservation.

The bench never calls AcquirePlace: the coordinator keeps an acquired place (and the reservation
behind it) until someone releases it, also after its client died. A reservation it allocates the
place instead stops every other labgrid user from acquiring or being allocated that place, and
expires 60 s after its last poll: the bench polls it every ``poll_s`` from a background thread and
cancels it on release, so a bench killed with SIGKILL loses the place by the coordinator's own
expiry (docs/shared-instruments.md).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError
from bench.places.client import CoordinatorError, CoordinatorSession, Reservation
from bench.places.config import PlaceConfig

if TYPE_CHECKING:
    from bench.config import BenchConfig

RECORD_KIND = "place"
"""Record lines of a place (docs/record-format.md): ``action`` waiting / acquired / released / lost."""
WAIT_POLL_S = 1.0
RESERVATION_EXPIRY_S = 60.0
"""labgrid.remote.common.Reservation.refresh: a reservation expires this long after its last poll."""
HELD_STATES = ("allocated", "acquired")

Sink = Callable[[dict[str, Any]], object]


class PlaceBusy(BenchError):
    """Another holder kept the place for longer than the bench config's ``place.wait_s``."""

    def __init__(self, message: str, holder: str | None) -> None:
        super().__init__(message)
        self.holder = holder


def owner_name(bench_name: str) -> str:
    """The session name the coordinator reports for this bench (a reservation's owner): host and user
    as ``labgrid-client`` names itself (``LG_HOSTNAME`` / ``LG_USERNAME`` override them), then the
    bench config's name and this process id."""
    host = os.environ.get("LG_HOSTNAME") or socket.gethostname()
    user = os.environ.get("LG_USERNAME") or getpass.getuser()
    return f"{host}/{user}/{bench_name} pid {os.getpid()}"


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


class PlaceHold:
    """One bench's hold of one place. :meth:`acquire` waits for it (up to ``place.wait_s``),
    :meth:`release` gives it back (idempotent). Events go to the sink :meth:`attach` gives (the
    campaign record), kept until then."""

    def __init__(self, place: PlaceConfig, owner: str, *, notify: Callable[[str], None] = print) -> None:
        self.place, self.owner, self._notify = place, owner, notify
        self._session: CoordinatorSession | None = None
        self._token: str | None = None
        self._pending: list[dict[str, Any]] = []
        self._sink: Sink | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None
        self._held_since_s: float | None = None
        self._on_lost: list[Callable[[str], None]] = []
        self.lost: str | None = None

    @property
    def held(self) -> bool:
        return self._token is not None and self.lost is None

    def _event(self, action: str, **fields: Any) -> dict[str, Any]:
        event = {"action": action, "place": self.place.name, "coordinator": self.place.coordinator,
                 "owner": self.owner, "at_utc": _utc_now(), **fields}
        with self._lock:
            sink = self._sink
            if sink is None:
                self._pending.append(event)
        if sink is not None:
            sink(event)
        return event

    def attach(self, sink: Sink | None) -> None:
        """Write every event so far and each later one through ``sink`` (None: keep them again)."""
        with self._lock:
            self._sink, pending = sink, self._pending
            if sink is None:
                return
            self._pending = []
        for event in pending:
            sink(event)

    def on_lost(self, callback: Callable[[str], None]) -> None:
        self._on_lost.append(callback)

    def acquire(self) -> None:
        """Reserve the place and wait until the coordinator allocates it to this bench; PlaceBusy
        naming the holder after ``place.wait_s``; CoordinatorError when the coordinator cannot be
        reached or has no such place."""
        session = self._session = CoordinatorSession(self.place.coordinator, self.owner)
        try:
            if self.place.name not in session.places():
                raise CoordinatorError(f"labgrid coordinator {self.place.coordinator} has no place "
                                       f"{self.place.name!r} (bench config field place.name)")
            started = time.monotonic()
            reservation = session.reserve(self.place.name)
            self._token = reservation.token
            holder: str | None = None
            while reservation.state not in HELD_STATES:
                seen = session.holder(self.place.name)
                if seen is None:          # free, and no scheduling pass since: ask for one now
                    session.schedule_now()
                    reservation = self._poll(session, reservation.token)
                    if reservation.state in HELD_STATES:
                        break
                    seen = session.holder(self.place.name)     # an earlier reservation got it
                if seen is not None and seen != holder:
                    holder = seen
                    self._event("waiting", holder=holder, wait_s=self.place.wait_s)
                    self._notify(f"flexbench: place {self.place.name} (labgrid coordinator {self.place.coordinator}) "
                                 f"is held by {holder}; waiting up to {self.place.wait_s:g} s")
                waited_s = time.monotonic() - started
                if waited_s >= self.place.wait_s:
                    raise PlaceBusy(f"place {self.place.name} (labgrid coordinator {self.place.coordinator}) is held "
                                    f"by {holder or 'another reservation'}; gave up after {waited_s:.1f} s "
                                    f"(place.wait_s {self.place.wait_s:g})", holder)
                time.sleep(min(WAIT_POLL_S, max(0.05, self.place.wait_s - waited_s)))
                reservation = self._poll(session, reservation.token)
            waited_s = time.monotonic() - started
        except BaseException:
            self._abandon()
            raise
        self._held_since_s = time.monotonic()
        self._event("acquired", token=reservation.token, waited_s=round(waited_s, 3), previous_holder=holder)
        if holder is not None:
            self._notify(f"flexbench: place {self.place.name} acquired after {waited_s:.1f} s")
        self._keeper = threading.Thread(target=self._keep, name=f"place-{self.place.name}", daemon=True)
        self._keeper.start()

    def _poll(self, session: CoordinatorSession, token: str) -> Reservation:
        polled = session.poll(token)
        if polled is None:
            raise CoordinatorError(f"labgrid coordinator {self.place.coordinator} dropped the reservation {token} "
                                   f"of place {self.place.name}")
        return polled

    def _keep(self) -> None:
        """Poll the reservation every ``poll_s``; a reservation gone, expired or not reachable for
        nearly its expiry time is a lost place."""
        assert self._session is not None and self._token is not None
        last_ok = time.monotonic()
        while not self._stop.wait(self.place.poll_s):
            why = None
            try:
                res = self._session.poll(self._token)
                if res is None or res.state not in HELD_STATES:
                    why = f"reservation {self._token} is {res.state if res else 'gone'} on the coordinator"
                else:
                    last_ok = time.monotonic()
            except CoordinatorError as exc:
                if time.monotonic() - last_ok > RESERVATION_EXPIRY_S - 2 * self.place.poll_s:
                    why = f"no refresh for {time.monotonic() - last_ok:.0f} s: {exc}"
            if why is not None and not self._stop.is_set():
                self.lost = why
                self._event("lost", level="error", reason=why)
                for callback in self._on_lost:
                    callback(f"place {self.place.name} lost: {why}")
                return

    def release(self) -> dict[str, Any] | None:
        """Cancel the reservation (a waiting bench gets the place at once); the ``released`` event,
        None when nothing was held. Never raises: a coordinator gone lets the reservation expire."""
        if self._token is None:
            return None
        self._stop.set()
        if self._keeper is not None and self._keeper is not threading.current_thread():
            self._keeper.join(timeout=CALL_TIMEOUT_JOIN_S)
        held_s = time.monotonic() - self._held_since_s if self._held_since_s is not None else 0.0
        token, error = self._token, self._abandon()
        fields: dict[str, Any] = {"token": token, "held_s": round(held_s, 3)}
        if error:
            fields.update(level="warning", reason=f"{error} (the coordinator expires it "
                                                  f"{RESERVATION_EXPIRY_S:g} s after its last refresh)")
        return self._event("released", **fields)

    def _abandon(self) -> str | None:
        """Cancel the reservation, trigger the pass that hands the place on, close the session; the
        error text when the coordinator could not be told."""
        session, token = self._session, self._token
        self._session = self._token = None
        if session is None:
            return None
        error = None
        try:
            if token is not None:
                session.cancel(token)
        except CoordinatorError as exc:
            error = str(exc)
        try:
            if token is not None and error is None:
                session.schedule_now()
        except CoordinatorError:
            pass      # only hurries the hand-over: the coordinator's own pass comes within 15 s
        finally:
            session.close()
        return error


CALL_TIMEOUT_JOIN_S = 15.0

_HELD: dict[tuple[str, str], PlaceHold] = {}
_HELD_LOCK = threading.Lock()


def hold_place(place: PlaceConfig, bench_name: str, *, notify: Callable[[str], None] = print) -> PlaceHold:
    """This process's hold of ``place``: the one it already has (``flexbench run`` takes it before the
    session opens), else a new one, acquired here."""
    key = (place.coordinator, place.name)
    with _HELD_LOCK:
        existing = _HELD.get(key)
        if existing is not None and existing.held:
            return existing
    hold = PlaceHold(place, owner_name(bench_name), notify=notify)
    hold.acquire()
    with _HELD_LOCK:
        _HELD[key] = hold
    return hold


def release_all() -> None:
    """Release every place this process still holds (the last exit path of ``flexbench run``)."""
    with _HELD_LOCK:
        holds = list(_HELD.values())
        _HELD.clear()
    for hold in holds:
        hold.release()


@contextmanager
def campaign_place(config: BenchConfig) -> Iterator[PlaceHold | None]:
    """``flexbench run``: hold the bench config's place (if it names one) for the campaign, and
    release whatever this process still holds on leaving, whichever way (the session releases it
    first, so that its record holds the release)."""
    try:
        yield hold_place(config.place, config.name) if config.place is not None else None
    finally:
        release_all()
