"""The CSMS side of one charger connection: the ``ocpp`` library's ChargePoint with bench handlers.

One class per OCPP version (1.6J, 2.0.1), same shape, each bound to its version object
(:data:`CHARGE_POINT_CLASSES`). Both share :class:`_ConnectionRules`, which
- records a :class:`Violation` for a frame that is not OCPP-J RPC (bad JSON, not a list, bad
  MessageTypeId) instead of letting it reach the library's logger only;
- records a Violation and answers CALLERROR SecurityError for any CALL other than BootNotification
  before a BootNotification was accepted (OCPP 1.6 §4.2 Boot Notification; OCPP 2.0.1 Part 2 B02/B03);
- records a Violation when the library rejects a CALL (schema breach, or an action the version does
  not define); the library has already answered with the matching CALLERROR. A valid action the bench
  has no handler for (CALLERROR NotImplemented) is the bench's gap and is not a Violation;
- lets the bench send an arbitrary text frame (``send_raw``) and hands the charger's reply to it
  instead of to the library (robustness tests: unknown actions, malformed CALLs).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import OCPPError, SecurityError
from ocpp.messages import MessageType, unpack
from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call_result as v16_result
from ocpp.v16.enums import Action as V16Action
from ocpp.v16.enums import AuthorizationStatus, RegistrationStatus
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call_result as v201_result
from ocpp.v201.enums import Action as V201Action
from ocpp.v201.enums import AuthorizationStatusEnumType, RegistrationStatusEnumType

from links.ocpp.frames import MeterSample, Violation
from links.ocpp.timestamps import format_timestamp, parse_timestamp
from links.ocpp.transactions import Transaction
from links.ocpp.versions import OCPP16J, OCPP201, OcppVersion


class SessionHooks:
    """What a connection reports back to the server (called on the CSMS loop thread)."""

    def __init__(self, *, heartbeat_interval_s: int, now: Callable[[], dt.datetime],
                 on_violation: Callable[[Violation], None],
                 on_samples: Callable[[list[MeterSample]], None],
                 on_boot: Callable[[str, dict[str, Any]], None],
                 on_status: Callable[[str, int, str], None],
                 on_transaction_started: Callable[[str, Transaction], None] | None = None,
                 on_transaction_ended: Callable[[str, str], None] | None = None) -> None:
        self.heartbeat_interval_s = heartbeat_interval_s
        self.now = now
        self.on_violation = on_violation
        self.on_samples = on_samples
        self.on_boot = on_boot
        self.on_status = on_status
        # (charger id, the transaction reported open) / (charger id, the id of the one that ended)
        self.on_transaction_started = on_transaction_started or (lambda *_: None)
        self.on_transaction_ended = on_transaction_ended or (lambda *_: None)

    def timestamp(self) -> str:
        """``now()`` as an OCPP date-time in UTC (a naive ``now()`` is taken as UTC)."""
        return format_timestamp(self.now())

    def transaction(self, connector_id: int, transaction_id: str, timestamp: str) -> Transaction:
        """The transaction a charger reported, started at its ``timestamp`` (else at ``now()``)."""
        return Transaction(connector_id, parse_timestamp(timestamp) or self.now(), transaction_id)


class _ConnectionRules:
    """Mixin over the library's ChargePoint: violation capture at the library's own seams."""

    hooks: SessionHooks
    boot_accepted: bool = False
    last_raw_in: str = ""
    last_response_type: int | None = None
    last_response_raw: str = ""               # the latest CALLRESULT / CALLERROR as received
    id: str
    #: the OCPP version this connection speaks
    version: OcppVersion
    _call_lock: asyncio.Lock
    _connection: Any

    def _init_rules(self, hooks: SessionHooks) -> None:
        self.hooks = hooks
        self.closed = asyncio.Event()          # set by the server when the WebSocket has closed
        self._raw_waiter: tuple[str | None, asyncio.Future[str]] | None = None

    def _violation(self, frame: str, reason: str) -> None:
        self.hooks.on_violation(Violation(self.id, frame, reason))

    async def route_message(self, raw_msg: str) -> None:
        self.last_raw_in = raw_msg
        try:
            msg = unpack(raw_msg)
        except OCPPError as error:
            self._violation(raw_msg, f"not an OCPP-J RPC frame: {error}")
            self._offer_raw(raw_msg, None)
            return
        except Exception as error:  # noqa: BLE001 - e.g. a JSON number as message; never crash
            self._violation(raw_msg, f"not an OCPP-J RPC frame: {error!r}")
            self._offer_raw(raw_msg, None)
            return
        if msg.message_type_id in (MessageType.CallResult, MessageType.CallError):
            self.last_response_type = msg.message_type_id
            self.last_response_raw = raw_msg
            if self._offer_raw(raw_msg, str(msg.unique_id)):
                return
        await super().route_message(raw_msg)  # type: ignore[misc]

    def _offer_raw(self, frame: str, unique_id: str | None) -> bool:
        """Hand a reply to a pending ``send_raw`` (matching id; any reply when the sent frame had none)."""
        waiter = self._raw_waiter
        if waiter is None or waiter[1].done():
            return False
        expected, future = waiter
        if expected is not None and unique_id is not None and unique_id != expected:
            return False
        future.set_result(frame)
        return True

    async def send_raw(self, text: str, unique_id: str | None, timeout_s: float) -> str | None:
        """Send ``text`` as is; return the charger's reply frame, or None if the connection closed.

        Holds the library's call lock, so no CSMS call is outstanding meanwhile (OCPP-J: one CALL at a
        time). Raises asyncio.TimeoutError when nothing comes back within ``timeout_s``.
        """
        async with self._call_lock:
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._raw_waiter = (unique_id, future)
            closed = asyncio.ensure_future(self.closed.wait())
            waiters: set[asyncio.Future[Any]] = {future, closed}
            try:
                await self._connection.send(text)
                await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
                if future.done():
                    return future.result()
                if self.closed.is_set():
                    return None
                raise asyncio.TimeoutError
            finally:
                closed.cancel()
                self._raw_waiter = None

    async def _handle_call(self, msg: Any) -> Any:
        if not self.boot_accepted and msg.action != "BootNotification":
            self._violation(self.last_raw_in,
                            f"{msg.action} sent before a BootNotification was accepted")
            raise SecurityError(description="BootNotification not accepted yet")
        try:
            return await super()._handle_call(msg)  # type: ignore[misc]
        except OcppNotImplemented:
            raise    # a valid action the bench has no handler for: the bench's gap, not the charger's
        except OCPPError as error:
            self._violation(self.last_raw_in, f"{msg.action} rejected: {error}")
            raise

    def _store(self, connector_id: int, meter_value: list[dict[str, Any]]) -> None:
        try:
            samples = self.version.meter_samples(self.id, connector_id, meter_value)
        except (KeyError, TypeError, ValueError) as error:
            self._violation(self.last_raw_in, f"meter value not decodable: {error!r}")
            return
        self.hooks.on_samples(samples)


class CsmsChargePoint16(_ConnectionRules, V16ChargePoint):
    """CSMS handlers for OCPP 1.6J (Core profile + MeterValues)."""

    version = OCPP16J

    def __init__(self, charger_id: str, connection: Any, hooks: SessionHooks, response_timeout_s: float):
        super().__init__(charger_id, connection, response_timeout=response_timeout_s)
        self._init_rules(hooks)
        self._next_transaction_id = 1

    @on(V16Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str,
                             **kwargs: Any) -> v16_result.BootNotification:
        self.boot_accepted = True
        self.hooks.on_boot(self.id, {"vendor": charge_point_vendor, "model": charge_point_model, **kwargs})
        return v16_result.BootNotification(current_time=self.hooks.timestamp(),
                                           interval=self.hooks.heartbeat_interval_s,
                                           status=RegistrationStatus.accepted)

    @on(V16Action.heartbeat)
    def on_heartbeat(self) -> v16_result.Heartbeat:
        return v16_result.Heartbeat(current_time=self.hooks.timestamp())

    @on(V16Action.status_notification)
    def on_status_notification(self, connector_id: int, error_code: str, status: str,
                               **kwargs: Any) -> v16_result.StatusNotification:
        self.hooks.on_status(self.id, connector_id, status)
        return v16_result.StatusNotification()

    @on(V16Action.authorize)
    def on_authorize(self, id_tag: str) -> v16_result.Authorize:
        return v16_result.Authorize(id_tag_info={"status": AuthorizationStatus.accepted})

    @on(V16Action.start_transaction)
    def on_start_transaction(self, connector_id: int, id_tag: str, meter_start: int, timestamp: str,
                             **kwargs: Any) -> v16_result.StartTransaction:
        transaction_id = self._next_transaction_id
        self._next_transaction_id += 1
        self.hooks.on_transaction_started(self.id, self.hooks.transaction(connector_id, str(transaction_id),
                                                                          timestamp))
        return v16_result.StartTransaction(transaction_id=transaction_id,
                                           id_tag_info={"status": AuthorizationStatus.accepted})

    @on(V16Action.stop_transaction)
    def on_stop_transaction(self, meter_stop: int, timestamp: str, transaction_id: int,
                            **kwargs: Any) -> v16_result.StopTransaction:
        self.hooks.on_transaction_ended(self.id, str(transaction_id))
        return v16_result.StopTransaction()

    @on(V16Action.meter_values)
    def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]],
                        **kwargs: Any) -> v16_result.MeterValues:
        self._store(connector_id, meter_value)
        return v16_result.MeterValues()


class CsmsChargePoint201(_ConnectionRules, V201ChargePoint):
    """CSMS handlers for OCPP 2.0.1 (provisioning, availability, transactions, meter values)."""

    version = OCPP201

    def __init__(self, charger_id: str, connection: Any, hooks: SessionHooks, response_timeout_s: float):
        super().__init__(charger_id, connection, response_timeout=response_timeout_s)
        self._init_rules(hooks)
        self._transaction_evse: dict[str, int] = {}

    @on(V201Action.boot_notification)
    def on_boot_notification(self, charging_station: dict[str, Any], reason: str,
                             **kwargs: Any) -> v201_result.BootNotification:
        self.boot_accepted = True
        self.hooks.on_boot(self.id, {**charging_station, "reason": reason})
        return v201_result.BootNotification(current_time=self.hooks.timestamp(),
                                            interval=self.hooks.heartbeat_interval_s,
                                            status=RegistrationStatusEnumType.accepted)

    @on(V201Action.heartbeat)
    def on_heartbeat(self, **kwargs: Any) -> v201_result.Heartbeat:
        return v201_result.Heartbeat(current_time=self.hooks.timestamp())

    @on(V201Action.status_notification)
    def on_status_notification(self, timestamp: str, connector_status: str, evse_id: int,
                               connector_id: int, **kwargs: Any) -> v201_result.StatusNotification:
        self.hooks.on_status(self.id, evse_id, connector_status)
        return v201_result.StatusNotification()

    @on(V201Action.authorize)
    def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> v201_result.Authorize:
        return v201_result.Authorize(id_token_info={"status": AuthorizationStatusEnumType.accepted})

    @on(V201Action.transaction_event)
    def on_transaction_event(self, event_type: str, timestamp: str, trigger_reason: str, seq_no: int,
                             transaction_info: dict[str, Any], **kwargs: Any
                             ) -> v201_result.TransactionEvent:
        evse = kwargs.get("evse") or {}
        transaction_id = str(transaction_info.get("transaction_id", ""))
        # only the first event after the EV is connected must name the EVSE (2.0.1 E01/E02):
        # later ones belong to the EVSE that holds the transaction
        evse_id = int(evse["id"]) if "id" in evse else self._transaction_evse.get(transaction_id, 0)
        if event_type == "Ended":
            self._transaction_evse.pop(transaction_id, None)
            self.hooks.on_transaction_ended(self.id, transaction_id)
        elif transaction_id:
            self._transaction_evse[transaction_id] = evse_id
            self.hooks.on_transaction_started(self.id, self.hooks.transaction(evse_id, transaction_id, timestamp))
        if kwargs.get("meter_value"):
            self._store(evse_id, kwargs["meter_value"])
        if kwargs.get("id_token"):
            return v201_result.TransactionEvent(
                id_token_info={"status": AuthorizationStatusEnumType.accepted})
        return v201_result.TransactionEvent()

    @on(V201Action.meter_values)
    def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]],
                        **kwargs: Any) -> v201_result.MeterValues:
        self._store(evse_id, meter_value)
        return v201_result.MeterValues()


#: the CSMS side of a connection, per OCPP version
CHARGE_POINT_CLASSES: dict[OcppVersion, type[CsmsChargePoint16] | type[CsmsChargePoint201]] = {
    cls.version: cls for cls in (CsmsChargePoint16, CsmsChargePoint201)}
