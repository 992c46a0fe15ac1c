"""Simulated OCPP EV charger: EVSE electrics + smart-charging controller + an OCPP client, in virtual time.

:class:`EvChargerSim` is the lab's :class:`simlab.physics.SimDevice` for ``kind: ev_charger``. It
composes three parts (simlab/devices/ev_charger/):

* ``EvseElectrical`` (electrical.py): control pilot, contactor, the simulated EV on the port
  (``physics.ev_port``), grid-voltage behaviour and the energy meter;
* ``ChargingController`` (controller.py): the composite smart-charging limit from the installed
  charging profiles (OCPP 1.6 §3.13, 2.0.1 K08), phase switching and the offline fallback;
* an OCPP charge point (ocpp16.py / ocpp201.py, the ``ocpp`` library's ChargePoint, client side)
  dialling the bench's CSMS over WebSocket (security profiles 0-3).

Every physics step asks the controller for the limit at the step's calendar time and hands it to
the EVSE as the offered current; while nothing is in transition the lab takes one step up to
:meth:`EvChargerSim.quiet_until_s` instead of many (the next profile boundary, timer or full
battery). The charge point never uses wall-clock time for protocol timing: every timestamp it
writes is ``calendar(t_s)`` of the bench time at which the event happened, and every
charger-initiated message (heartbeat, MeterValues, status, transactions, reconnects, the end of
a reboot) is sent from the lab hook :meth:`EvChargerSim.on_time`, at the bench time
:meth:`EvChargerSim.next_event_s` announced. Only the wait for a reply (``call_timeout_s``) and a
connection attempt are bounded in real time; a CSMS that does not answer in time counts as lost.
What the physics causes inside a chunk (EV plugged in, charging stopped) is queued with the time it
happened and sent when the lab next calls the hooks (its next ``advance``). CSMS requests are
answered at once, at the present bench time (the lab handles them while its physics waits).

Rules the charger follows (the compliant reference; knobs in knobs.py break them):

* a BootNotification opens every WebSocket connection (the bench's CSMS refuses any other CALL
  before an accepted boot on a connection); Pending/Rejected: retry after the given interval, send
  nothing else (OCPP 1.6 §4.2, 2.0.1 B02/B03); then StatusNotification for every connector;
* Heartbeat at the interval of the boot answer, or of ``HeartbeatInterval``;
* a transaction starts when the EV enters state C (or a remote start's EV is connected) and ends
  when the EV unplugs (state A), on a remote stop or a reset; at most one per connector; after a
  transaction that ended while the EV stays plugged in, the connector is ``Finishing`` and offers no
  current until the EV is unplugged;
* MeterValues every ``meter_value_interval_s`` of bench time (0 disables), inside a transaction
  with its id, outside one without (a bench extra so standby and offered current stay visible);
* offline (no WebSocket, or no answer within ``call_timeout_s``): transaction-related messages
  (StartTransaction / StopTransaction / MeterValues with a transactionId in 1.6; TransactionEvent
  in 2.0.1, flagged ``offline = true``, E04) are queued in order up to ``offline_queue_max`` (the
  oldest MeterValues go first) and delivered after the next boot; a 1.6 transaction started offline
  gets its id from the StartTransaction.conf before its queued MeterValues are built. Heartbeat,
  StatusNotification and MeterValues outside a transaction are dropped (a fresh StatusNotification
  follows every boot). The smart-charging limit offline is the controller's (1.6 §3.13 rules,
  2.1-style ``max_offline_duration_s`` fallback);
* security: profile 1 and 2 send HTTP Basic auth (user = charger id); profiles 2 and 3 use TLS 1.2+
  and trust only ``ca_cert``: a CSMS certificate from another CA, or for another host, is refused
  (the charger stays offline and retries); profile 3 presents ``client_cert``;
* reconnect attempts at bench times ``lost + backoff``, the backoff doubling from
  ``reconnect_backoff_min_s`` to ``reconnect_backoff_max_s`` (2.0.1 RetryBackOffWaitMinimum,
  without the random range so campaigns repeat exactly), also after a refused handshake (HTTP 401 /
  403, TLS failure); the knob ``gives_up_after_refusal`` stops redialling after such a refusal;
* Reset (1.6 Soft/Hard, 2.0.1 Immediate, or OnIdle once no transaction runs): stop the transaction,
  close the connection, offer no current for ``reboot_delay_s``, lose volatile state (transaction,
  remote authorisation, unsent non-transaction messages), keep configuration, availability and the
  controller's profile store (``controller.on_reboot()`` decides what survives), then dial and boot.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import math
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from links.ocpp.transactions import ConnectorState
from links.ocpp.versions import OcppVersion
from simlab.devices.ev_charger.electrical import QUIET_MARGIN_S
from simlab.devices.hooks import DefaultLabHooks
from simlab.physics import DeviceOutput, TerminalConditions

__all__ = ["EvChargerSim", "OcppEndpoint", "OcppSettings", "ChargerIdentity", "ChargerConfig",
           "ChargingSession", "MeterSampleValue", "OcppProtocol", "SmartChargingLimits", "Outgoing",
           "SUPPORTED_MEASURANDS", "DEFAULT_MEASURANDS", "refused_handshake"]

LOG = logging.getLogger("flexbench.sim.ev_charger")

CONNECTOR_ID = 1        # one EVSE with one connector (1.6 connectorId 1; 2.0.1 evseId 1, connectorId 1)
_EPS_S = 1e-9
#: HTTP statuses of a refused WebSocket upgrade (authentication / authorisation), unlike 503 (busy)
_REFUSAL_STATUSES = frozenset({401, 403})
#: actions whose payload the knob ``meter_values_break_schema`` spoils (the client skips validation)
_METER_ACTIONS = frozenset({"MeterValues", "TransactionEvent"})
#: Default measurands (OCPP 1.6 §7.31 Measurand; 2.0.1 MeasurandEnumType).
DEFAULT_MEASURANDS: tuple[str, ...] = ("Energy.Active.Import.Register", "Power.Active.Import",
                                       "Current.Import", "Voltage", "Current.Offered")
#: Measurands the charger can be configured to sample (SoC is accepted and never known, see
#: :meth:`EvChargerSim.meter_samples`).
SUPPORTED_MEASURANDS: frozenset[str] = frozenset({
    "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "Current.Offered",
    "Power.Offered", "Frequency", "Temperature", "SoC"})
SIMULATED_TEMPERATURE_C = 25.0     # the charger's internal temperature sensor (constant)


@dataclass(frozen=True)
class SmartChargingLimits:
    """What the charger declares about its profile store (1.6 §9.4 ChargeProfileMaxStackLevel,
    ChargingScheduleMaxPeriods, MaxChargingProfilesInstalled; 2.0.1 SmartChargingCtrlr)."""

    max_stack_level: int = 8
    max_periods: int = 24
    max_profiles: int = 16


@dataclass(frozen=True)
class OcppEndpoint:
    """Where and how the charger dials the CSMS (runtime info of the profile's ``control`` link)."""

    csms_url: str                       # ws[s]://host:port[/path]; the charger appends /<charger_id>
    charger_id: str
    version: OcppVersion
    security_profile: int = 0           # 0 none, 1 basic auth, 2 TLS + basic auth, 3 mutual TLS
    password: str | None = None         # Basic-auth password (profiles 1, 2); user = charger_id
    ca_cert: Path | None = None         # the CA the CSMS certificate must chain to (profiles 2, 3)
    client_cert: Path | None = None     # the charger's certificate and key (profile 3)
    client_key: Path | None = None

    @property
    def url(self) -> str:
        return f"{self.csms_url.rstrip('/')}/{self.charger_id}"

    @property
    def subprotocol(self) -> str:
        return self.version.subprotocol


@dataclass(frozen=True)
class ChargerIdentity:
    """What BootNotification reports (from the profile's nameplate)."""

    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None


@dataclass(frozen=True)
class OcppSettings:
    """How the simulated charge point behaves on the wire (from parameters and fault knobs)."""

    id_tag: str = "FLEXBENCH-EV"              # idTag of automatically started transactions
    meter_value_interval_s: float = 10.0      # 1.6 MeterValueSampleInterval / 2.0.1 TxUpdatedInterval
    heartbeat_interval_s: float = 300.0       # until a boot answer gives one
    reboot_delay_s: float = 5.0               # bench time between Reset and the new BootNotification
    reconnect_backoff_min_s: float = 10.0     # first reconnect attempt after a loss (bench time)
    reconnect_backoff_max_s: float = 300.0
    boot_retry_s: float = 30.0                # Pending/Rejected boot with interval 0
    connection_timeout_s: float = 60.0        # remote start: wait for the EV to plug in (1.6 ConnectionTimeOut)
    call_timeout_s: float = 5.0               # REAL seconds to wait for a CSMS reply before counting it lost
    offline_queue_max: int = 1000
    measurands: tuple[str, ...] = DEFAULT_MEASURANDS
    # fault knobs
    closes_socket_on_unknown_message: bool = False   # close the WebSocket instead of a CALLERROR
    accepts_any_server_certificate: bool = False     # TLS without verifying the CSMS (security defect)
    drops_offline_transaction_messages: bool = False  # queue nothing while offline
    gives_up_after_refusal: bool = False             # no redial after a 401/403/TLS refusal
    meter_values_break_schema: bool = False          # MeterValues without the required timestamp


@dataclass
class ChargerConfig:
    """Configuration that survives reconnects and reboots (1.6 configuration keys / 2.0.1 variables)."""

    heartbeat_interval_s: float
    meter_value_interval_s: float
    measurands: tuple[str, ...]
    connection_timeout_s: float
    operative: bool = True                # ChangeAvailability (persistent, OCPP 1.6 §5.2)


@dataclass(frozen=True)
class MeterSampleValue:
    """One sampled value in neutral form; the protocol modules put it on the wire."""

    measurand: str
    value: float
    unit: str                 # "Wh", "W", "A", "V", "Percent"
    phase: str | None = None  # "L1".."L3", "L1-N".."L3-N", None for totals


@dataclass
class ChargingSession:
    """What the charger keeps of the transaction it runs, to report it (volatile: lost on reboot).

    The protocol's view of it (connector, start, id) is :class:`links.ocpp.transactions.Transaction`,
    which the controller holds; this adds the charger's bookkeeping: its own id, both versions' ids,
    the idTag, meter start, 2.0.1 seqNo and last chargingState."""

    local_id: str                       # 2.0.1 transactionId (charger-made)
    connector_id: int
    id_tag: str
    started_t_s: float
    meter_start_wh: float
    remote_start_id: int | None = None
    id_token_type: str = "Local"        # 2.0.1 IdTokenEnumType of the idTag
    csms_id: int | None = None          # 1.6 transactionId from StartTransaction.conf
    seq_no: int = 0                     # 2.0.1 TransactionEvent seqNo (next to use)
    charging_state: str | None = None   # 2.0.1 chargingState last reported
    ended: bool = False

    def next_seq_no(self) -> int:
        seq, self.seq_no = self.seq_no, self.seq_no + 1
        return seq


@dataclass
class Outgoing:
    """A charger-initiated CALL waiting in the outbox; ``build`` runs at send time (1.6 transaction
    ids are only known once StartTransaction.conf arrived)."""

    queued_t_s: float
    action: str
    build: Callable[[], Any]
    transactional: bool
    on_result: Callable[[Any], None] | None = None


class OcppProtocol(Protocol):
    """What ocpp16.py / ocpp201.py provide to the version-neutral charger."""

    version: OcppVersion
    #: a triggered MeterValues carries the running transaction's id (1.6); else it is a plain
    #: MeterValues (2.0.1 reports transaction values by TransactionEvent)
    triggered_meter_values_in_transaction: bool

    def attach(self, charger: EvChargerSim) -> None: ...
    def charge_point(self, charger: EvChargerSim, connection: ClientConnection) -> Any: ...
    def boot_request(self, reason: str) -> Any: ...
    def heartbeat_request(self) -> Any: ...
    def state_messages(self, old: str | None, new: str, tx: ChargingSession | None,
                       t_s: float) -> list[Outgoing]: ...
    def boot_status_messages(self, state: str, t_s: float) -> list[Outgoing]: ...
    def transaction_started(self, tx: ChargingSession, t_s: float, trigger: str) -> list[Outgoing]: ...
    def transaction_ended(self, tx: ChargingSession, t_s: float, reason: str,
                          meter_stop_wh: float) -> list[Outgoing]: ...
    def meter_values(self, tx: ChargingSession | None, t_s: float, samples: list[MeterSampleValue],
                     context: str) -> list[Outgoing]: ...


class _ConnectionLost(Exception):
    """The WebSocket closed, or the CSMS did not answer within ``call_timeout_s``."""


def refused_handshake(error: BaseException, *, tls: bool = False) -> bool:
    """Did the CSMS refuse this connection attempt (HTTP 401/403, or the TLS handshake failed:
    untrusted server certificate, or a client certificate the CSMS rejected)? A refused TCP
    connection, a timeout or HTTP 503 are not refusals (the CSMS is down or busy).

    ``tls``: the attempt was over TLS. With TLS 1.3 the server checks the client certificate after
    the client has finished its handshake (RFC 8446 §4.4.2), so a rejected certificate reaches the
    client as a TLS session closed before any HTTP response (EOF), which counts as refused too."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError) or (tls and isinstance(current, EOFError)):
            return True
        if isinstance(current, InvalidStatus) and current.response.status_code in _REFUSAL_STATUSES:
            return True
        current = current.__cause__ or current.__context__
    return False


class EvChargerSim(DefaultLabHooks):
    """The simulated OCPP charger (SimDevice + lab hooks ``serve``/``next_event_s``/``on_time``/``aclose``).

    ``electrical`` and ``controller`` follow the EV-charger contract (EvseElectrical,
    ChargingController); ``protocol`` is an :class:`OcppProtocol` (None: no OCPP link, the charger
    behaves as offline from the start, e.g. when the bench only validates a profile).
    """

    rebound: Any = None         # ChargerRebound when the parameters declare a randomised restart

    def __init__(self, *, electrical: Any, controller: Any, protocol: OcppProtocol | None,
                 endpoint: OcppEndpoint | None, identity: ChargerIdentity, settings: OcppSettings,
                 calendar: Callable[[float], dt.datetime], rated_current_a: float,
                 phase_count: int = 3, limits: SmartChargingLimits = SmartChargingLimits(),
                 grid_phases: tuple[int, ...] | None = None) -> None:
        self.electrical = electrical
        self.controller = controller
        self.protocol = protocol
        self.endpoint = endpoint
        self.identity = identity
        self.settings = settings
        self.calendar = calendar
        self.rated_current_a = rated_current_a
        self.phase_count = phase_count
        self.grid_phases = grid_phases      # source phases of a single-phase charger (simlab.physics)
        self.limits = limits
        self.config = ChargerConfig(heartbeat_interval_s=settings.heartbeat_interval_s,
                                    meter_value_interval_s=settings.meter_value_interval_s,
                                    measurands=settings.measurands,
                                    connection_timeout_s=settings.connection_timeout_s)
        self.t_s = 0.0
        # connection
        self._ws: ClientConnection | None = None
        self._cp: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.booted = False                       # an accepted BootNotification on this connection
        self.boot_count = 0
        self.connect_attempts = 0
        self.last_connect_error: str | None = None
        self.gave_up_at_s: float | None = None    # knob gives_up_after_refusal: no more redials since
        self._boot_reason = "PowerUp"
        self._boot_retry_s: float | None = None
        self._reconnect_s: float | None = None
        self._backoff_s = settings.reconnect_backoff_min_s
        self.offline_since_s: float | None = 0.0  # never connected yet
        self._closed = False
        # timers (bench time)
        self._heartbeat_s: float | None = None
        self._meter_s: float | None = self._first_meter_time(0.0)
        self.rebooting_until_s: float | None = None
        self._reset_request: tuple[str, float] | None = None    # (kind, requested at)
        self._scheduled_inoperative = False
        self._triggers: list[str] = []
        # connector
        self.transaction: ChargingSession | None = None
        self._tx_count = 0
        self._finishing = False
        # remote start waiting for the EV: (id tag, profile, expiry, remote start id, id token type)
        self._remote_auth: tuple[str, Any, float, int | None, str] | None = None
        self._state: str | None = None
        self._phases = phase_count
        self._frequency_hz = 0.0
        self._offline_since_cache: tuple[float, dt.datetime] | None = None
        # outbox and accounting
        self._outbox: deque[Outgoing] = deque()
        self.dropped_messages = 0
        self.p1: Any = None                      # P1Balancer when the charger balances the site load
        self._phase_to_use: int | None = None    # of a one-phase offer (2.0.1 phaseToUse, or P1's choice)
        self.sent_actions: list[tuple[float, str]] = []   # (bench time sent, action): test evidence
        self._stepped_key: tuple[object, ...] | None = None     # _offer_key() of the last step (quiet_until_s)
        if protocol is not None:
            protocol.attach(self)

    # ---- SimDevice -----------------------------------------------------------------------------
    def step(self, t_s: float, dt_s: float, terminal: TerminalConditions) -> None:
        """Controller limit at ``calendar(t_s)`` -> offered current -> EVSE and EV -> connector events."""
        self.t_s = t_s
        self._frequency_hz = terminal.frequency_hz
        self._stepped_key = self._offer_key()
        amps, phases = self._offer(t_s)
        if self.rebound is not None:          # randomised restart (ev_charger/rebound.py)
            amps = self.rebound.offer_a(t_s, amps, terminal.voltage_v, self.controller.store.installed)
        self.electrical.set_offered_current_a(amps, phases, self._phase_to_use)
        self.electrical.step(t_s, dt_s, terminal)
        self._observe(t_s)

    def output(self) -> DeviceOutput:
        return self.electrical.output()

    def _offer_key(self) -> tuple[object, ...]:
        """What the offer of a step depends on besides its bench time and the controller's own state
        (which :meth:`ChargingController.steady_for_s` checks): the profiles, the connection, reboot,
        availability and connector."""
        return (self.rebooting_until_s, self._finishing, self.config.operative, self.transaction, self.online,
                self.offline_since_s, self.controller.store.installed, self._remote_auth)

    def quiet_until_s(self, t_s: float, terminal: TerminalConditions) -> float:
        """The latest bench time at which ONE step from ``t_s`` under unchanged ``terminal`` ends as
        fixed steps would (simlab/devices/hooks.py): nothing changed since the last step (no CSMS
        request, connection change or connector event in between), and before the next instant the
        offer could change (a charging-profile boundary, the offline fallback, a rebound hold), the
        power stage acts (restart delay) or the EV is full. ``t_s`` while anything is in transition
        (pilot or phase change on its way, the EV following it, a P1 limit waiting, a ramp, a
        transaction about to start or end, a connector state to report). Protocol timers (heartbeat,
        MeterValues, reconnect, end of a reboot) are the lab's stops (``next_event_s``)."""
        if self._offer_key() != self._stepped_key:
            return t_s
        horizon_s = min(self.electrical.quiet_until_s(t_s, terminal), self._connector_quiet_until_s(t_s))
        if horizon_s <= t_s or (self.p1 is not None
                                and not self.p1.quiet(self.electrical.grid_draw(self.grid_phases)[0])):
            return t_s
        if self.rebound is not None:
            horizon_s = min(horizon_s, self.rebound.quiet_until_s(t_s, terminal.voltage_v,
                                                                  self.controller.store.installed))
        if self.rebooting_until_s is None and not self._finishing and (
                self.config.operative or self.transaction is not None):     # the controller decides (_offer)
            offline_since = None if self.offline_since_s is None else self._offline_since_dt(self.offline_since_s)
            steady_s = self.controller.steady_for_s(self.calendar(t_s), CONNECTOR_ID, self.transaction is not None,
                                                    self.online, offline_since)
            horizon_s = min(horizon_s, t_s + steady_s - QUIET_MARGIN_S)
        return max(horizon_s, t_s)

    def _connector_quiet_until_s(self, t_s: float) -> float:
        """Until when :meth:`_observe` changes nothing: ``t_s`` when a transaction starts or ends at
        the next step or the connector state is not the one reported; the end of a remote start's
        wait for the EV."""
        cp_state = self.electrical.cp_state
        connected = cp_state in ("B", "C", "D")
        if not connected:
            if self._finishing or self.transaction is not None:
                return t_s
        elif self.transaction is None and self.rebooting_until_s is None and self.config.operative \
                and not self._finishing and (self._remote_auth is not None or cp_state in ("C", "D")):
            return t_s
        if self._connector_state(cp_state) != self._state:
            return t_s
        if self._remote_auth is not None and self.transaction is None:
            return self._remote_auth[2]
        return math.inf

    @property
    def online(self) -> bool:
        return self._ws is not None and self.booted

    def _online_protocol(self) -> OcppProtocol:
        """The OCPP protocol of a charger that is online (only one with a control link connects)."""
        if self.protocol is None:
            raise RuntimeError("the simulated charger has no OCPP control link, so it cannot be online")
        return self.protocol

    def _offer(self, t_s: float) -> tuple[float | None, int]:
        if self.rebooting_until_s is not None or self._finishing or (
                not self.config.operative and self.transaction is None):
            return None, self._phases
        offline_since = None if self.offline_since_s is None else self._offline_since_dt(self.offline_since_s)
        amps, phases = self.controller.limit_a_per_phase(
            self.calendar(t_s), CONNECTOR_ID, self.transaction is not None, self.online, offline_since)
        self._phases = phases
        amps = self.rated_current_a if amps is None else min(amps, self.rated_current_a)
        self._phase_to_use = getattr(self.controller, "phase_to_use", None)
        if self.p1 is not None:     # site load balancing (p1_balancing.py)
            amps, phases, self._phase_to_use = self.p1.decide(t_s, amps, phases, self._phase_to_use,
                                                              *self.electrical.grid_draw(self.grid_phases))
        return amps, phases

    def _offline_since_dt(self, t_s: float) -> dt.datetime:
        cached = self._offline_since_cache
        if cached is None or cached[0] != t_s:
            cached = self._offline_since_cache = (t_s, self.calendar(t_s))
        return cached[1]

    def _observe(self, t_s: float) -> None:
        cp_state = self.electrical.cp_state
        connected = cp_state in ("B", "C", "D")
        if self._remote_auth is not None and t_s > self._remote_auth[2] + _EPS_S and self.transaction is None:
            self._remote_auth = None                  # ConnectionTimeOut passed without an EV
        if not connected:
            self._finishing = False
            if self.transaction is not None:
                self._end_transaction(t_s, "EVDisconnected")
        elif self.transaction is None and self.rebooting_until_s is None and self.config.operative \
                and not self._finishing:
            if self._remote_auth is not None:
                id_tag, profile, _, remote_id, token_type = self._remote_auth
                self._remote_auth = None
                self._start_transaction(t_s, id_tag, "RemoteStart", remote_id, profile, token_type)
            elif cp_state in ("C", "D"):
                self._start_transaction(t_s, self.settings.id_tag, "ChargingStateChanged", None, None, "Local")
        state = self._connector_state(cp_state)
        if state != self._state:
            old, self._state = self._state, state
            if self.protocol is not None and old is not None:
                for item in self.protocol.state_messages(old, state, self.transaction, t_s):
                    self._queue(item)

    def connector_state(self) -> str:
        """The connector's state now, in 1.6 ChargePointStatus names (:class:`ConnectorState`)."""
        return self._connector_state(self.electrical.cp_state)

    def _connector_state(self, cp_state: str) -> str:
        if cp_state in ("E", "F"):
            return ConnectorState.FAULTED
        tx = self.transaction
        if tx is None:
            if not self.config.operative or self.rebooting_until_s is not None:
                return ConnectorState.UNAVAILABLE
            if cp_state == "A":
                return ConnectorState.AVAILABLE
            return ConnectorState.FINISHING if self._finishing else ConnectorState.PREPARING
        if self.electrical.charging:
            return ConnectorState.CHARGING
        if self.electrical.offered_current_a < 6.0 or self.electrical.suspended_by_grid:
            return ConnectorState.SUSPENDED_EVSE
        return ConnectorState.SUSPENDED_EV

    # ---- transactions --------------------------------------------------------------------------
    def _start_transaction(self, t_s: float, id_tag: str, trigger: str, remote_start_id: int | None,
                           profile: Any, id_token_type: str) -> None:
        self._tx_count += 1
        tx = ChargingSession(local_id=f"{self._id}-{self.boot_count}-{self._tx_count}",
                             connector_id=CONNECTOR_ID, id_tag=id_tag, started_t_s=t_s,
                             meter_start_wh=self.electrical.meter().energy_import_wh,
                             remote_start_id=remote_start_id, id_token_type=id_token_type)
        self.transaction = tx
        charger_made = self.protocol is not None and self.protocol.version.charger_assigns_transaction_id
        self.controller.begin_transaction(CONNECTOR_ID, self.calendar(t_s), tx.local_id if charger_made else None)
        if profile is not None:        # RemoteStart's chargingProfile: a TxProfile of this transaction
            self.controller.set_profile(profile, CONNECTOR_ID, self.calendar(t_s), remote_start=True)
        if self.protocol is not None:
            for item in self.protocol.transaction_started(tx, t_s, trigger):
                self._queue(item)

    def _end_transaction(self, t_s: float, reason: str) -> None:
        tx = self.transaction
        if tx is None:
            return
        tx.ended = True
        self.transaction = None
        self._finishing = self.electrical.cp_state in ("B", "C", "D")
        meter_stop = self.electrical.meter().energy_import_wh
        if self.protocol is not None:
            for item in self.protocol.transaction_ended(tx, t_s, reason, meter_stop):
                self._queue(item)
        self.controller.end_transaction(CONNECTOR_ID)   # its TxProfiles go with it (1.6 §3.13, 2.0.1 K01)
        if self._scheduled_inoperative:
            self._scheduled_inoperative = False
            self.config.operative = False

    def transaction_started_result(self, tx: ChargingSession, accepted: bool, csms_id: int | None) -> None:
        """1.6 StartTransaction.conf: remember the id; an idTag the CSMS refused ends the
        transaction (StopTransactionOnInvalidId, OCPP 1.6 §5 / §9.1)."""
        tx.csms_id = csms_id
        if csms_id is not None and self.transaction is tx:
            self.controller.set_transaction_id(CONNECTOR_ID, csms_id)
        if not accepted and self.transaction is tx:
            self._end_transaction(self.t_s, "DeAuthorized")

    # ---- services for the protocol handlers (CSMS-initiated operations) -----------------------
    def now(self) -> dt.datetime:
        """The calendar time of the present bench time (handlers run while the physics waits)."""
        return self.calendar(self.t_s)

    def smart_charging_limits(self) -> SmartChargingLimits:
        return self.limits

    def install_profile(self, profile: Any, connector_id: int) -> str:
        """SetChargingProfile: the controller applies the connector / purpose / transaction and
        capacity rules (1.6 §5.16, 2.0.1 K01) and answers "Accepted" or "Rejected"."""
        return str(self.controller.set_profile(profile, connector_id, self.now()))

    def clear_profiles(self, *, profile_id: int | None = None, connector_id: int | None = None,
                       purpose: str | None = None, stack_level: int | None = None) -> str:
        """ClearChargingProfile (1.6 §5.5, 2.0.1 K10): "Accepted" or "Unknown"."""
        return str(self.controller.clear_profiles(profile_id=profile_id, connector_id=connector_id,
                                                  purpose=purpose, stack_level=stack_level))

    def composite_schedule(self, connector_id: int, start: dt.datetime, duration_s: int,
                           unit: str | None) -> Any:
        """GetCompositeSchedule (1.6 §5.7, 2.0.1 K08) from the controller."""
        return self.controller.composite_schedule(connector_id, start, duration_s, unit)

    def request_reset(self, kind: str) -> str:
        """Reset: 1.6 Soft/Hard, 2.0.1 Immediate/OnIdle. The reboot itself runs in :meth:`on_time`."""
        if kind == "OnIdle" and self.transaction is not None:
            self._reset_request = (kind, self.t_s)
            return "Scheduled"
        self._reset_request = (kind, self.t_s)
        return "Accepted"

    def remote_start(self, id_tag: str, profile: Any, remote_start_id: int | None, *,
                     id_token_type: str = "Central") -> str:
        """RemoteStartTransaction / RequestStartTransaction: authorise the connector; the
        transaction starts once the EV is connected, within ``connection_timeout_s``."""
        if not self.config.operative or self.transaction is not None or self.rebooting_until_s is not None:
            return "Rejected"
        self._remote_auth = (id_tag, profile, self.t_s + self.config.connection_timeout_s, remote_start_id,
                             id_token_type)
        self._finishing = False
        return "Accepted"

    def remote_stop(self, transaction_matches: Callable[[ChargingSession], bool]) -> str:
        tx = self.transaction
        if tx is None or not transaction_matches(tx):
            return "Rejected"
        self._end_transaction(self.t_s, "Remote")
        return "Accepted"

    def change_availability(self, operative: bool) -> str:
        """ChangeAvailability (1.6 §5.2, 2.0.1 G03): Scheduled while a transaction runs."""
        if not operative and self.transaction is not None:
            self._scheduled_inoperative = True
            return "Scheduled"
        self._scheduled_inoperative = False
        self.config.operative = operative
        return "Accepted"

    def trigger(self, message: str) -> str:
        """TriggerMessage: the requested message is sent at the next :meth:`on_time`."""
        if message in ("BootNotification", "Heartbeat", "StatusNotification", "MeterValues",
                       "TransactionEvent"):
            self._triggers.append(message)
            return "Accepted"
        return "NotImplemented"

    def set_heartbeat_interval(self, seconds: float) -> None:
        self.config.heartbeat_interval_s = seconds
        self._heartbeat_s = self.t_s + seconds if seconds > 0 and self.online else None

    def set_meter_interval(self, seconds: float) -> None:
        self.config.meter_value_interval_s = seconds
        self._meter_s = self._first_meter_time(self.t_s)

    def _first_meter_time(self, t_s: float) -> float | None:
        interval = self.config.meter_value_interval_s if hasattr(self, "config") else 0.0
        return t_s + interval if interval > 0 else None

    # ---- lab hooks -----------------------------------------------------------------------------
    async def serve(self, host: str) -> dict[str, int | str]:
        """Dial the CSMS and boot (awaited, so the charger is up when the lab reports ready).
        A charger publishes no endpoints: it is the client."""
        if self.endpoint is not None and self.protocol is not None:
            await self._connect(self.t_s)
            await self.on_time(self.t_s)          # the StatusNotifications that follow the boot
        return {}

    def next_event_s(self) -> float | None:
        """The next bench time with protocol work: outbox, trigger or reset (now), MeterValues,
        Heartbeat, boot retry, reconnect attempt or the end of a reboot."""
        if self._closed or self.protocol is None:
            return None
        due: list[float] = []
        if self._meter_s is not None:
            due.append(self._meter_s)
        if self.rebooting_until_s is not None:
            due.append(self.rebooting_until_s)
        elif self._ws is None:
            if self._reconnect_s is not None and self.endpoint is not None:
                due.append(self._reconnect_s)
        elif not self.booted:
            if self._boot_retry_s is not None:
                due.append(self._boot_retry_s)
        else:
            if self._heartbeat_s is not None:
                due.append(self._heartbeat_s)
            if self._outbox:
                due.append(self._outbox[0].queued_t_s)
            if self._triggers:
                due.append(self.t_s)
        if self._reset_request is not None and (self._reset_request[0] != "OnIdle" or self.transaction is None):
            due.append(self._reset_request[1])
        return min(due) if due else None

    async def on_time(self, t_s: float) -> None:
        """Do everything due at bench time ``t_s`` (the physics waits): send, await replies."""
        self.t_s = max(self.t_s, t_s)
        for _ in range(32):       # handlers may queue more work while a reply is awaited
            if not await self._run_due(self.t_s):
                return

    async def aclose(self) -> None:
        """Stop dialling and close the connection (lab shutdown)."""
        self._closed = True
        await self._drop_connection()

    # ---- the work behind on_time -----------------------------------------------------------
    async def _run_due(self, t: float) -> bool:
        did = False
        if self._reset_request is not None and self._reset_request[1] <= t + _EPS_S and (
                self._reset_request[0] != "OnIdle" or self.transaction is None):
            await self._reboot(t)
            did = True
        if self.rebooting_until_s is not None and self.rebooting_until_s <= t + _EPS_S:
            self.rebooting_until_s = None
            self._reconnect_s = None
            await self._connect(t)
            did = True
        elif self._ws is None and self._reconnect_s is not None and self._reconnect_s <= t + _EPS_S:
            await self._connect(t)
            did = True
        elif self._ws is not None and not self.booted and self._boot_retry_s is not None \
                and self._boot_retry_s <= t + _EPS_S:
            await self._boot(t)
            did = True
        if self._meter_s is not None and self._meter_s <= t + _EPS_S:
            self._sample_meter(t, "Sample.Periodic")
            interval = self.config.meter_value_interval_s
            while self._meter_s is not None and self._meter_s <= t + _EPS_S:
                self._meter_s = self._meter_s + interval if interval > 0 else None
            did = True
        if self.online and self._heartbeat_s is not None and self._heartbeat_s <= t + _EPS_S:
            self._queue(Outgoing(t, "Heartbeat", self._online_protocol().heartbeat_request, False))
            interval = self.config.heartbeat_interval_s
            while self._heartbeat_s is not None and self._heartbeat_s <= t + _EPS_S:
                self._heartbeat_s = self._heartbeat_s + interval if interval > 0 else None
            did = True
        if self.online and self._triggers:
            triggers, self._triggers = self._triggers, []
            for message in triggers:
                self._triggered(message, t)
            did = True
        if self.online and self._outbox:
            await self._flush()
            did = True
        return did and (self.next_event_s() or float("inf")) <= t + _EPS_S

    def _triggered(self, message: str, t: float) -> None:
        protocol = self._online_protocol()
        if message == "Heartbeat":
            self._queue(Outgoing(t, "Heartbeat", protocol.heartbeat_request, False))
        elif message == "BootNotification":
            self._queue(Outgoing(t, "BootNotification", lambda: protocol.boot_request("Triggered"),
                                  False, self._boot_answer))
        elif message == "StatusNotification":
            for item in protocol.boot_status_messages(self._state or ConnectorState.AVAILABLE, t):
                self._queue(item)
        elif message == "MeterValues":
            self._sample_meter(t, "Trigger", in_transaction=protocol.triggered_meter_values_in_transaction)
        elif message == "TransactionEvent" and self.transaction is not None:
            self._sample_meter(t, "Trigger")

    def _sample_meter(self, t: float, context: str, *, in_transaction: bool = True) -> None:
        if self.protocol is None:
            return
        tx = self.transaction if in_transaction else None
        if tx is None and not self.online:
            return                 # outside a transaction nothing is kept while offline
        for item in self.protocol.meter_values(tx, t, self.meter_samples(), context):
            self._queue(item)

    def meter_samples(self) -> list[MeterSampleValue]:
        """The configured measurands from the EVSE's meter (``MeterValuesSampledData``)."""
        reading = self.electrical.meter()
        wanted = self.config.measurands
        samples: list[MeterSampleValue] = []
        if "Energy.Active.Import.Register" in wanted:
            samples.append(MeterSampleValue("Energy.Active.Import.Register", reading.energy_import_wh, "Wh"))
        if "Power.Active.Import" in wanted:
            samples.append(MeterSampleValue("Power.Active.Import", reading.power_active_import_w, "W"))
        if "Current.Import" in wanted:
            samples += [MeterSampleValue("Current.Import", amps, "A", f"L{i + 1}")
                        for i, amps in enumerate(reading.current_import_a)]
        if "Voltage" in wanted:
            samples += [MeterSampleValue("Voltage", volts, "V", f"L{i + 1}-N")
                        for i, volts in enumerate(reading.voltage_v)]
        if "Current.Offered" in wanted:
            samples.append(MeterSampleValue("Current.Offered", reading.current_offered_a, "A"))
        if "Power.Offered" in wanted:
            volts = sum(reading.voltage_v[:self._phases])
            samples.append(MeterSampleValue("Power.Offered", reading.current_offered_a * volts, "W"))
        if "Frequency" in wanted:
            samples.append(MeterSampleValue("Frequency", self._frequency_hz, "Hz"))
        if "Temperature" in wanted:
            samples.append(MeterSampleValue("Temperature", SIMULATED_TEMPERATURE_C, "Celsius"))
        # "SoC": a charger on the IEC 61851-1 PWM pilot alone does not learn the EV's state of
        # charge, so it is never sampled even when configured.
        return samples

    # ---- outbox --------------------------------------------------------------------------------
    def _queue(self, item: Outgoing) -> None:
        if self.online:
            self._outbox.append(item)
            return
        if not item.transactional or self.settings.drops_offline_transaction_messages:
            self.dropped_messages += 1
            return
        self._outbox.append(item)
        while len(self._outbox) > self.settings.offline_queue_max:
            victim = next((m for m in self._outbox if m.action in ("MeterValues", "TransactionEvent")
                           and m.transactional), self._outbox[0])
            self._outbox.remove(victim)
            self.dropped_messages += 1

    async def _flush(self) -> None:
        """Send the outbox in order; a CALLERROR drops the message, a lost connection keeps
        transaction-related messages for the next connection."""
        while self.online and self._outbox:
            item = self._outbox[0]
            request = item.build()
            if request is None:                  # e.g. 1.6 stop of a transaction the CSMS never numbered
                self._outbox.popleft()
                continue
            try:
                result = await self._call(request)
            except _ConnectionLost:
                return
            except Exception as error:  # noqa: BLE001 - CALLERROR or a reply breaking the schema
                LOG.warning("%s: %s answered with %r; message dropped", self._id, item.action, error)
                result = None
            if self._outbox and self._outbox[0] is item:
                self._outbox.popleft()
            if result is not None and item.on_result is not None:
                item.on_result(result)

    async def _call(self, request: Any) -> Any:
        """One CALL with ``suppress=False`` and a real-time timeout; a timeout or a closed socket
        counts as a lost connection (:class:`_ConnectionLost`)."""
        cp = self._cp
        if cp is None:
            raise _ConnectionLost("not connected")
        try:
            skip = self.settings.meter_values_break_schema and type(request).__name__ in _METER_ACTIONS
            result = await asyncio.wait_for(cp.call(request, suppress=False, skip_schema_validation=skip),
                                            self.settings.call_timeout_s)
        except (asyncio.TimeoutError, TimeoutError, ConnectionClosed) as error:
            await self._lose_connection(f"{type(request).__name__}: {error!r}")
            raise _ConnectionLost(str(error)) from error
        self.sent_actions.append((self.t_s, type(request).__name__))
        return result

    # ---- connection ----------------------------------------------------------------------------
    @property
    def _id(self) -> str:
        return self.endpoint.charger_id if self.endpoint else "ev_charger"

    def _ssl_context(self) -> ssl.SSLContext | None:
        endpoint = self.endpoint
        assert endpoint is not None
        if endpoint.security_profile < 2:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)     # verifies the chain and the host name
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2      # OCPP security profiles 2, 3: TLS 1.2 minimum
        if endpoint.ca_cert is not None:
            ctx.load_verify_locations(endpoint.ca_cert)   # trust only the configured CA
        if endpoint.security_profile == 3 and endpoint.client_cert is not None:
            ctx.load_cert_chain(endpoint.client_cert, endpoint.client_key)
        if self.settings.accepts_any_server_certificate:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _headers(self) -> dict[str, str]:
        endpoint = self.endpoint
        assert endpoint is not None
        if endpoint.security_profile not in (1, 2) or endpoint.password is None:
            return {}
        token = base64.b64encode(f"{endpoint.charger_id}:{endpoint.password}".encode("latin-1")).decode()
        return {"Authorization": f"Basic {token}"}

    async def _connect(self, t: float) -> None:
        """Open the WebSocket and boot; on failure schedule the next attempt in bench time."""
        if self._closed or self.endpoint is None or self.protocol is None:
            return
        self.connect_attempts += 1
        timeout = self.settings.call_timeout_s
        try:
            ws = await asyncio.wait_for(
                connect(self.endpoint.url, subprotocols=[self.endpoint.subprotocol],  # type: ignore[list-item]
                        additional_headers=self._headers(), ssl=self._ssl_context(),
                        open_timeout=timeout, ping_interval=None, close_timeout=1.0), timeout + 1.0)
        except Exception as error:  # noqa: BLE001 - refused, TLS, HTTP 401/503, timeout...: all "offline"
            self.last_connect_error = f"{type(error).__name__}: {error}"
            LOG.info("%s: connection to %s failed: %s", self._id, self.endpoint.url, self.last_connect_error)
            if self.settings.gives_up_after_refusal and refused_handshake(
                    error, tls=self.endpoint.security_profile >= 2):
                self.gave_up_at_s, self._reconnect_s = t, None      # fault knob: never dials again
                LOG.info("%s: handshake refused; gives up redialling (fault knob)", self._id)
                return
            self._schedule_reconnect(t)
            return
        if ws.subprotocol != self.endpoint.subprotocol:     # OCPP-J: no agreed subprotocol -> close
            self.last_connect_error = f"CSMS agreed subprotocol {ws.subprotocol!r}"
            await ws.close()
            self._schedule_reconnect(t)
            return
        self._ws = ws
        self._cp = self.protocol.charge_point(self, ws)
        self._reader = asyncio.get_running_loop().create_task(self._read(ws, self._cp))
        self.booted = False
        await self._boot(t)

    async def _read(self, ws: ClientConnection, cp: Any) -> None:
        try:
            await cp.start()
        except ConnectionClosed:
            pass
        except Exception as error:  # noqa: BLE001 - the receive loop must not die silently
            LOG.warning("%s: receive loop ended: %r", self._id, error)
        if self._ws is ws:
            await self._lose_connection("CSMS closed the connection")

    async def _boot(self, t: float) -> None:
        assert self.protocol is not None
        self._boot_retry_s = None
        try:
            result = await self._call(self.protocol.boot_request(self._boot_reason))
        except _ConnectionLost:
            return
        except Exception as error:  # noqa: BLE001 - CALLERROR: retry later, as for Rejected
            LOG.warning("%s: BootNotification answered with %r", self._id, error)
            self._boot_retry_s = t + self.settings.boot_retry_s
            return
        self._boot_answer(result)

    def _boot_answer(self, result: Any) -> None:
        t = self.t_s
        interval = float(getattr(result, "interval", 0) or 0)
        if str(result.status) != "Accepted":
            self.booted = False
            self._boot_retry_s = t + (interval if interval > 0 else self.settings.boot_retry_s)
            return
        was_booted, self.booted = self.booted, True
        if interval > 0:
            self.config.heartbeat_interval_s = interval
        self._heartbeat_s = t + self.config.heartbeat_interval_s if self.config.heartbeat_interval_s > 0 else None
        if was_booted:
            return                               # a triggered BootNotification on a live connection
        self.boot_count += 1
        self._boot_reason = "Unknown"            # a later boot on this power cycle is a reconnect
        self._backoff_s = self.settings.reconnect_backoff_min_s
        self._reconnect_s = None
        self.offline_since_s = None
        self.controller.on_reconnect()
        assert self.protocol is not None
        state = self._state = self._connector_state(self.electrical.cp_state)
        queued = list(self._outbox)              # transaction messages kept while offline go after the status
        self._outbox.clear()
        for item in self.protocol.boot_status_messages(state, t):
            self._outbox.append(item)
        self._outbox.extend(queued)
        if self._meter_s is None:
            self._meter_s = self._first_meter_time(t)

    def _schedule_reconnect(self, t: float) -> None:
        self._reconnect_s = t + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2.0, self.settings.reconnect_backoff_max_s)

    async def _lose_connection(self, reason: str) -> None:
        """The CSMS is gone: offline from the present bench time, reconnect after the backoff."""
        if self._ws is None:
            return
        LOG.info("%s: offline at t=%.3f s: %s", self._id, self.t_s, reason)
        await self._drop_connection()
        if self.offline_since_s is None:
            self.offline_since_s = self.t_s
        if self.rebooting_until_s is None and not self._closed:
            self._schedule_reconnect(self.t_s)
        self._outbox = deque(m for m in self._outbox if m.transactional
                             and not self.settings.drops_offline_transaction_messages)

    async def _drop_connection(self) -> None:
        ws, reader, self._ws, self._cp, self._reader = self._ws, self._reader, None, None, None
        self.booted = False
        self._heartbeat_s = None
        self._boot_retry_s = None
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(), 2.0)
            except (asyncio.TimeoutError, TimeoutError, OSError, ConnectionClosed):
                pass
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()

    async def close_on_protocol_error(self) -> None:
        """Knob ``closes_socket_on_unknown_message``: the charger drops the WebSocket."""
        await self._lose_connection("closed the socket on an unknown message (fault knob)")

    async def _reboot(self, t: float) -> None:
        """Reset: stop the transaction, send what can be sent, disconnect, reboot for ``reboot_delay_s``."""
        kind, _ = self._reset_request or ("Hard", t)
        self._reset_request = None
        if self.transaction is not None:
            self._end_transaction(t, {"Soft": "SoftReset", "OnIdle": "SoftReset"}.get(kind, "HardReset"))
        if self.online:
            await self._flush()
        self.rebooting_until_s = t + self.settings.reboot_delay_s
        await self._drop_connection()
        if self.offline_since_s is None:
            self.offline_since_s = t
        # volatile state is lost; configuration, availability and the profile store stay
        self._outbox = deque(m for m in self._outbox if m.transactional)
        self._triggers.clear()
        self._remote_auth = None
        self._finishing = False
        self._scheduled_inoperative = False
        self._backoff_s = self.settings.reconnect_backoff_min_s
        self._reconnect_s = None
        self._boot_reason = "RemoteReset"
        self.controller.on_reboot()
