"""A thin synchronous client of labgrid's coordinator (gRPC, the stubs labgrid generates).

labgrid's own client is asyncio and tied to ``labgrid-client``; a bench needs only a session (the
coordinator knows each client by the name it sends at startup) and the reservation calls. Every
call of one :class:`CoordinatorSession` goes over one channel, so the coordinator sees one peer:
the session the startup message opened.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass
from typing import Any

from bench.errors import BenchError

DEFAULT_COORDINATOR = "127.0.0.1:20408"
"""labgrid's default coordinator address (``labgrid-client -x`` / ``LG_COORDINATOR``)."""
CONNECT_TIMEOUT_S = 5.0
CALL_TIMEOUT_S = 10.0
RESERVATION_STATES = ("waiting", "allocated", "acquired", "expired", "invalid")
"""labgrid.remote.common.ReservationState, by value."""


class CoordinatorError(BenchError):
    """The coordinator could not be reached or refused a call: a bench error (exit 2), never a FAIL."""


@dataclass(frozen=True)
class Reservation:
    token: str
    owner: str
    state: str
    places: tuple[str, ...]
    timeout_utc_s: float


@dataclass(frozen=True)
class PlaceState:
    name: str
    acquired_by: str | None
    reservation_token: str | None


class CoordinatorSession:
    """A client session on the coordinator at ``address``, named ``name`` (what the coordinator
    records as a reservation's owner and a place's acquirer). Close it when done."""

    def __init__(self, address: str, name: str, *, connect_timeout_s: float | None = None) -> None:
        import grpc  # type: ignore[import-untyped]  # grpcio ships no type information
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb
        from labgrid.remote.generated import labgrid_coordinator_pb2_grpc as pb_grpc

        self.address, self.name = address, name
        connect_timeout_s = CONNECT_TIMEOUT_S if connect_timeout_s is None else connect_timeout_s
        self._pb, self._grpc = pb, grpc
        self._channel = grpc.insecure_channel(address, options=[
            ("grpc.use_local_subchannel_pool", 1),   # own connection: the coordinator tells sessions by peer
            ("grpc.keepalive_time_ms", 7500), ("grpc.keepalive_timeout_ms", 10000)])
        try:
            grpc.channel_ready_future(self._channel).result(timeout=connect_timeout_s)
        except grpc.FutureTimeoutError:
            self._channel.close()
            raise CoordinatorError(f"labgrid coordinator {address} unreachable (no connection within "
                                   f"{connect_timeout_s:g} s)") from None
        self._stub = pb_grpc.CoordinatorStub(self._channel)
        self._out: queue.Queue[Any] = queue.Queue()
        self._synced: dict[int, threading.Event] = {}
        self._ids = itertools.count(1)
        self._stream = self._stub.ClientStream(iter(self._out.get, None))
        self._reader = threading.Thread(target=self._read_stream, name=f"labgrid-session-{address}", daemon=True)
        self._reader.start()
        startup = pb.ClientInMessage()
        startup.startup.version = _labgrid_version()
        startup.startup.name = name
        self._out.put(startup)
        self._sync()      # the coordinator has registered the session once it answers a later sync

    def _read_stream(self) -> None:
        try:
            for message in self._stream:
                if message.HasField("sync"):
                    event = self._synced.pop(message.sync.id, None)
                    if event is not None:
                        event.set()
        except self._grpc.RpcError:
            pass          # closed by us, or the coordinator went away: the next call says so

    def _sync(self) -> None:
        ident = next(self._ids)
        event = self._synced[ident] = threading.Event()
        message = self._pb.ClientInMessage()
        message.sync.id = ident
        self._out.put(message)
        if not event.wait(CALL_TIMEOUT_S):
            self.close()
            raise CoordinatorError(f"labgrid coordinator {self.address} did not answer the session startup")

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=CALL_TIMEOUT_S)
        except self._grpc.RpcError as exc:
            code = exc.code()
            detail = exc.details() or code.name
            if code in (self._grpc.StatusCode.UNAVAILABLE, self._grpc.StatusCode.DEADLINE_EXCEEDED):
                raise CoordinatorError(f"labgrid coordinator {self.address} unreachable: {detail}") from None
            raise CoordinatorError(f"labgrid coordinator {self.address}: {method}: {detail}") from None

    def places(self) -> dict[str, PlaceState]:
        response = self._call("GetPlaces", self._pb.GetPlacesRequest())
        return {p.name: PlaceState(p.name, p.acquired if p.HasField("acquired") else None,
                                   p.reservation if p.HasField("reservation") else None) for p in response.places}

    def add_place(self, name: str) -> None:
        self._call("AddPlace", self._pb.AddPlaceRequest(name=name))

    def reserve(self, place: str) -> Reservation:
        """A reservation of the place named ``place`` (filter ``name=<place>``), in the coordinator's queue."""
        request = self._pb.CreateReservationRequest(
            filters={"main": self._pb.Reservation.Filter(filter={"name": place})})
        return _reservation(self._call("CreateReservation", request).reservation)

    def poll(self, token: str) -> Reservation | None:
        """Refresh the reservation (it expires 60 s after its last poll); None when the coordinator
        no longer has it (expired and removed, or the coordinator restarted)."""
        try:
            return _reservation(self._call("PollReservation", self._pb.PollReservationRequest(token=token))
                                .reservation)
        except CoordinatorError as exc:
            if "does not exist" in str(exc):
                return None
            raise

    def cancel(self, token: str) -> None:
        try:
            self._call("CancelReservation", self._pb.CancelReservationRequest(token=token))
        except CoordinatorError as exc:
            if "does not exist" not in str(exc):
                raise

    def schedule_now(self) -> None:
        """Have the coordinator run a scheduling pass now. A cancelled reservation's place is
        offered to the next waiting reservation only on the pass after the cancel (the scheduler
        runs on a create or cancel, and every 15 s): a reservation that matches no place (a tag no
        place has), created and cancelled at once, is two passes."""
        request = self._pb.CreateReservationRequest(
            filters={"main": self._pb.Reservation.Filter(filter={"flexbench_schedule": "now"})})
        self.cancel(self._call("CreateReservation", request).reservation.token)

    def reservations(self) -> dict[str, Reservation]:
        response = self._call("GetReservations", self._pb.GetReservationsRequest())
        return {r.token: _reservation(r) for r in response.reservations}

    def holder(self, place: str) -> str | None:
        """Who holds ``place`` as the coordinator reports it: the acquiring user, else the owner of
        the reservation allocated the place; None when it is free."""
        state = self.places().get(place)
        if state is None:
            return None
        if state.acquired_by:
            return state.acquired_by
        if state.reservation_token:
            res = self.reservations().get(state.reservation_token)
            return res.owner if res is not None else f"reservation {state.reservation_token}"
        return None

    def close(self) -> None:
        self._out.put(None)
        self._channel.close()


def _reservation(pb_res: Any) -> Reservation:
    state = RESERVATION_STATES[pb_res.state] if 0 <= pb_res.state < len(RESERVATION_STATES) else str(pb_res.state)
    return Reservation(token=pb_res.token, owner=pb_res.owner, state=state,
                       places=tuple(v for v in pb_res.allocations.values()), timeout_utc_s=pb_res.timeout)


def _labgrid_version() -> str:
    try:
        from labgrid import __version__
    except ImportError:
        return "unknown"
    return str(__version__)
