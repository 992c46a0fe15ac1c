"""OCPP 1.6J (``ocpp16j``) and 2.0.1 (``ocpp201``): the bench is the CSMS, the charger dials in.

Profile keys (``links.<name>``)::

    protocol: ocpp16j | ocpp201
    charger_id: CP-SIM-001          # the charging station identity, last path segment of the URL
    security_profile: 0             # 0 none (bench only), 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS
    password: "16 to 40 characters" # profiles 1 and 2 (OCPP 2.0.1 SecurityCtrlr.BasicAuthPassword)
    host: 127.0.0.1                 # where the CSMS listens (hardware: the bench's address or 0.0.0.0)
    port: 0                         # 0 = a free port (simulation); hardware: a fixed port
    meter_value_interval_s: 10      # sent to the charger after boot (1.6 MeterValueSampleInterval,
                                    # 2.0.1 SampledDataCtrlr.TxUpdatedInterval); 0 disables sampling
    heartbeat_interval_s: 300       # BootNotification.conf interval
    timeout_s: 10                   # per CSMS-initiated call
    connect_timeout_s: 30           # how long open() waits for connection + accepted BootNotification
    pki_dir: /path/to/pki           # profiles 2/3: keep the test CA here across campaigns (hardware)
    tls_server_names: [192.0.2.5]   # profiles 2/3: SANs of the CSMS certificate (what the charger dials)

``before_lab`` starts the CSMS (and, for profiles 2/3, a test PKI) and returns what a simulated
charger needs (``csms_url``, ``charger_id``, ``password``, ``ocpp_version``, ``security_profile``,
``ca_cert``, ``client_cert``, ``client_key``, ``meter_value_interval_s``, ``heartbeat_interval_s``).
``open`` waits for the charger's accepted BootNotification (a charger that never comes is a
``LinkTimeout``: bench ERROR, inconclusive) and returns an :class:`OcppDutLink`. Frames go to the
record as ``command`` lines (``text`` = ``"-> "`` + frame to the charger, ``"<- "`` + frame from it),
connection events and protocol violations as ``event`` lines. Timestamps the CSMS writes
(BootNotification/Heartbeat ``currentTime``) come from the bench calendar (``clock.calendar()``): the
real calendar on the wall clock (a real charger's default), the frozen virtual one on the virtual clock.
See docs/ocpp.md for pointing a real charger at the bench.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

from links.openers import check_host, check_identifier, trace_target
from bench.errors import DeviceLacksFunction, LinkTimeout
from links.ocpp import (ChargingProfile, CompositeSchedule, ConfigurationKey, ConnectionEvent, CsmsConfig,
                        CsmsServer, MeterSample, OcppCallError, OcppCallTimeout, OcppInvalidResponse, ProfilePurpose,
                        RawReply, TestPki, Transaction, VariableResult, Violation)
from links.ocpp.versions import BY_PROTOCOL, OCPP16J, OCPP201, OcppVersion, Setting

_KEYS = ("charger_id", "security_profile", "password", "host", "port", "meter_value_interval_s",
         "heartbeat_interval_s", "timeout_s", "connect_timeout_s", "pki_dir", "tls_server_names")

#: OCPP 2.0.1 Part 4 §3.1.1: the identity is at most 48 characters; unreserved URL characters only
#: (no ':' either, it separates user and password in Basic auth).
#: the profile's charger id: the URL-safe part of the OCPP identity set (links/ocpp/handshake.py IDENTITY)
CHARGER_ID = re.compile(r"[A-Za-z0-9._-]{1,48}")

#: The profile function (``functions.<name>``) each CSMS-initiated action belongs to (OCPP 1.6
#: Smart Charging profile §3.13, 2.0.1 functional block K).
ACTION_FUNCTIONS = {"SetChargingProfile": "smart_charging", "ClearChargingProfile": "smart_charging",
                    "GetCompositeSchedule": "smart_charging"}
#: The profile function each setting written with ``configure`` serves (1.6 MeterValueSampleInterval /
#: MeterValuesSampledData, 2.0.1 SampledDataCtrlr).
SETTING_FUNCTIONS = {"meter_interval": "meter_values", "measurands": "meter_values"}
#: CSMS-initiated actions every charger of the version implements, so a profile that declares the
#: link protocol declares them: OCPP 1.6 §3 Core profile (TriggerMessage is the optional Remote
#: Trigger profile); OCPP 2.0.1 Core (B05/B06 Set/GetVariables, B11/B12 Reset, F01/F02 remote
#: start/stop, F05 UnlockConnector, G03 ChangeAvailability).
CORE_ACTIONS: dict[OcppVersion, frozenset[str]] = {
    OCPP16J: frozenset({"ChangeAvailability", "ChangeConfiguration", "ClearCache", "GetConfiguration",
                       "RemoteStartTransaction", "RemoteStopTransaction", "Reset", "UnlockConnector"}),
    OCPP201: frozenset({"ChangeAvailability", "GetVariables", "RequestStartTransaction",
                       "RequestStopTransaction", "Reset", "SetVariables", "UnlockConnector"}),
}
#: CALLERROR codes by which a charger says it does not have the action (1.6 §4.2.3, 2.0.1 Part 4 §4.3).
LACKING_CODES = ("NotImplemented", "NotSupported")

_T = TypeVar("_T")


def _number(doc: Any, name: str, cfg: dict[str, Any], key: str, *, integer: bool, low: float,
            high: float | None = None) -> None:
    if key not in cfg:
        return
    value = cfg[key]
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or value < low or (high is not None and value > high):
        span = f"{low:g}..{high:g}" if high is not None else f">= {low:g}"
        kind = "an integer" if integer else "a number"
        raise doc.error(f"links.{name}.{key}", f"must be {kind} {span}, got {value!r}")


class OcppOpener:
    """Opener (links/openers.py contract) for ``ocpp16j`` and ``ocpp201`` links."""

    KEYS = _KEYS

    @staticmethod
    def validate(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        check_identifier(doc, name, cfg, "charger_id", CHARGER_ID,
                         "1-48 characters of A-Z a-z 0-9 . _ - (the charging station identity)")
        _number(doc, name, cfg, "security_profile", integer=True, low=0, high=3)
        profile = cfg.get("security_profile", 0)
        password = cfg.get("password")
        if profile in (1, 2):
            if not isinstance(password, str) or not 16 <= len(password) <= 40:
                raise doc.error(f"links.{name}.password", f"security profile {profile} needs a password of 16-40 "
                                "characters (OCPP 2.0.1 SecurityCtrlr.BasicAuthPassword)")
        elif password is not None:
            raise doc.error(f"links.{name}.password", f"security profile {profile} uses no password")
        check_host(doc, name, cfg)
        _number(doc, name, cfg, "port", integer=True, low=0, high=65535)
        _number(doc, name, cfg, "meter_value_interval_s", integer=True, low=0)
        _number(doc, name, cfg, "heartbeat_interval_s", integer=True, low=1)
        _number(doc, name, cfg, "timeout_s", integer=False, low=0.001)
        _number(doc, name, cfg, "connect_timeout_s", integer=False, low=0.001)
        if "pki_dir" in cfg and not isinstance(cfg["pki_dir"], str):
            raise doc.error(f"links.{name}.pki_dir", "must be a folder path")
        names = cfg.get("tls_server_names")
        if names is not None and (not isinstance(names, list) or not names
                                  or not all(isinstance(n, str) and n for n in names)):
            raise doc.error(f"links.{name}.tls_server_names", "must be a list of host names / IP addresses")
        if profile < 2:
            for key in ("pki_dir", "tls_server_names"):
                if key in cfg:
                    raise doc.error(f"links.{name}.{key}", f"only for security profiles 2 and 3, not {profile}")

    def __init__(self, session: Any, name: str, cfg: dict[str, Any]) -> None:
        self.session, self.name, self.cfg = session, name, cfg    # validated at profile load (validate())
        self.version = BY_PROTOCOL[str(cfg["protocol"])]
        self.charger_id = str(cfg["charger_id"])
        self.security_profile = int(cfg.get("security_profile", 0))
        self.csms: CsmsServer | None = None
        self.csms_url = ""
        self.link: OcppDutLink | None = None
        self._target = trace_target(name)
        self._closing = False              # the bench itself is shutting the CSMS down

    # ---- wiring to the record and the bench calendar ------------------------------------------
    def _now(self) -> dt.datetime:
        """The bench calendar; before the (virtual) clock exists, its start calendar."""
        clock = self.session.clock
        if clock is not None:
            return clock.calendar()
        if self.session.clock_mode == "virtual":
            return dt.datetime.fromisoformat(self.session.config.start_calendar)
        return dt.datetime.now().astimezone()

    def _trace(self, direction: str, text: str) -> None:
        recorder = self.session.recorder
        kind, _, charger_id = direction.partition(":")
        if kind == "out":
            recorder.write("command", target=self._target, text="-> " + text, direction="to_dut")
        elif kind == "in":
            recorder.write("command", target=self._target, text="<- " + text, direction="from_dut")
        else:
            unexpected = text.startswith(("closed", "refused")) and not self._closing
            level = "warning" if unexpected else "info"
            recorder.write("event", level=level, message=f"{self._target} OCPP {charger_id} {text}")

    def _violation(self, violation: Violation) -> None:
        self.session.recorder.write("event", level="warning",
                                    message=f"{self._target} OCPP violation by {violation.peer_id}: "
                                            f"{violation.reason}", frame=violation.frame)

    # ---- opener contract ------------------------------------------------------------------------
    def before_lab(self) -> dict[str, Any]:
        cfg, session = self.cfg, self.session
        host = str(cfg.get("host", "127.0.0.1"))
        tls = untrusted = None
        ca_cert = client_cert = client_key = None
        if self.security_profile >= 2:
            # the test CA's private keys must not travel in the signed report package: by default
            # they live beside it, in <out>.pki/ (a fresh CA per campaign)
            out_dir = Path(session.out_dir)
            pki_dir = Path(cfg["pki_dir"]) if "pki_dir" in cfg else out_dir.with_name(out_dir.name + ".pki")
            pki = TestPki(pki_dir, reuse="pki_dir" in cfg)
            names = tuple(cfg.get("tls_server_names") or ("localhost", "127.0.0.1"))
            names = names if host in names or host == "0.0.0.0" else names + (host,)
            tls = pki.issue_server_cert(names=names)
            # a second CA the charger is never given: the "rogue CSMS" of the security tests
            untrusted = TestPki(pki_dir / "untrusted", name="flexbench untrusted test CA").issue_server_cert(
                names=names)
            ca_cert = str(pki.ca_cert_path)
            if self.security_profile == 3:
                files = pki.issue_client_cert(self.charger_id)
                client_cert, client_key = str(files.cert_path), str(files.key_path)
        password = cfg.get("password")
        config = CsmsConfig(
            host=host, port=int(cfg.get("port", 0)), security_profile=self.security_profile,
            passwords={self.charger_id: password} if password else {}, tls=tls, untrusted_tls=untrusted,
            heartbeat_interval_s=int(cfg.get("heartbeat_interval_s", 300)),
            response_timeout_s=float(cfg.get("timeout_s", 10.0)), now=self._now,
            subprotocols=(self.version.subprotocol,))
        self.csms = CsmsServer(config, trace=self._trace, on_violation=self._violation)
        port = self.csms.start()
        scheme = "wss" if self.security_profile >= 2 else "ws"
        url_host = "127.0.0.1" if host == "0.0.0.0" else host
        self.csms_url = f"{scheme}://{url_host}:{port}"
        where = f"{scheme}://{host}:{port}/{self.charger_id}" + (
            " (0.0.0.0: any address of this PC)" if host == "0.0.0.0" else "")
        session.recorder.write("event", level="info",
                               message=f"{self._target}: OCPP CSMS listening at {where} "
                                       f"({self.version.subprotocol}, security profile "
                                       f"{self.security_profile})")
        return {"csms_url": self.csms_url, "charger_id": self.charger_id, "password": password,
                "ocpp_version": self.version.name, "security_profile": self.security_profile,
                "ca_cert": ca_cert, "client_cert": client_cert, "client_key": client_key,
                "meter_value_interval_s": cfg.get("meter_value_interval_s"),
                "heartbeat_interval_s": int(cfg.get("heartbeat_interval_s", 300))}

    def open(self) -> OcppDutLink:
        if self.csms is None:
            self.before_lab()
        csms = self.csms
        if csms is None:                     # pragma: no cover - before_lab always sets it
            raise LinkTimeout(f"{self._target}: the CSMS is not running")
        cfg, session = self.cfg, self.session
        connect_timeout_s = float(cfg.get("connect_timeout_s", 30.0))
        try:
            csms.wait_for_charger(self.charger_id, connect_timeout_s)
        except OcppCallTimeout as error:
            seen = "; ".join(f"{e.kind}: {e.detail}" for e in csms.connection_events(self.charger_id))
            problems = "; ".join(v.reason for v in csms.violations(self.charger_id))
            raise LinkTimeout(
                f"{self._target}: charger {self.charger_id} did not connect to {self.csms_url}/{self.charger_id} "
                f"and get its BootNotification accepted within {connect_timeout_s:g} s"
                + (f" (connection events: {seen})" if seen else " (it never tried)")
                + (f" (violations: {problems})" if problems else "")) from error
        functions = getattr(session.profile, "functions", None) or {}
        declared = {function for function, claimed in functions.items() if claimed}
        self.link = OcppDutLink(csms, self.charger_id, name=self.name, csms_url=self.csms_url,
                                security_profile=self.security_profile, declared_functions=declared)
        boot = csms.boot_info(self.charger_id) or {}
        if self.name == "control":
            session.recorder.write("dut_identity", declared=session.profile.identity, read=_identity(boot))
        interval = cfg.get("meter_value_interval_s")
        if interval is not None:
            self._configure_meter_interval(self.link, int(interval))
        return self.link

    def _configure_meter_interval(self, link: OcppDutLink, interval_s: int) -> None:
        """Ask the charger for MeterValues every ``interval_s`` during a transaction; the answer is
        recorded (a refusal, even the charger's lacking the setting, is the suites' to judge, not a
        reason to stop the campaign)."""
        try:
            status = link.configure("meter_interval", interval_s)
        except OcppCallError as error:
            status = f"CALLERROR {error.code}"
        except DeviceLacksFunction as error:
            status = f"the charger lacks {error.function}: {error.evidence}"
        level = "info" if status == "Accepted" else "warning"
        self.session.recorder.write("event", level=level, message=f"{self._target}: meter value interval "
                                                                  f"{interval_s} s -> {status}")

    def close(self) -> None:
        if self.csms is not None:
            self._closing = True
            self.csms.stop()
            self.csms = None


def _identity(boot: dict[str, Any]) -> dict[str, Any]:
    """Manufacturer/model/serial/firmware as the BootNotification stated them (1.6 or 2.0.1 fields)."""
    return {"manufacturer": boot.get("vendor") or boot.get("vendor_name"),
            "model": boot.get("model"),
            "serial_number": (boot.get("charge_point_serial_number") or boot.get("charge_box_serial_number")
                              or boot.get("serial_number")),
            "firmware_version": boot.get("firmware_version")}


class OcppDutLink:
    """The CSMS as a suite sees it, bound to one charger: every operation without the charger id.

    Raises the ``links.ocpp`` exceptions (all LinkError: inconclusive) on communication problems;
    what the charger *did* (answers, meter values, violations, connection events) is returned for
    the suites to judge. One answer is classified here, where it is known to be the device's own:
    a CALLERROR NotImplemented / NotSupported, or a reply that breaks the schema, to a call whose
    function the profile declares raises :class:`~bench.errors.DeviceLacksFunction` with the frame
    as evidence (a FAIL of the running requirement). Declared are: the actions of a claimed
    function (:data:`ACTION_FUNCTIONS`, ``declared_functions``), a setting that serves a claimed
    function (:data:`SETTING_FUNCTIONS`), and the Core actions of the link's OCPP version
    (:data:`CORE_ACTIONS`). Any other CALLERROR stays an ``OcppCallError`` for the suite to judge.
    """

    def __init__(self, csms: CsmsServer, charger_id: str, *, name: str = "control", csms_url: str = "",
                 security_profile: int = 0, declared_functions: Collection[str] = ()) -> None:
        self.csms, self.charger_id, self.name = csms, charger_id, name
        self.csms_url, self.security_profile = csms_url, security_profile
        self.declared_functions = frozenset(declared_functions)

    def declaration(self, action: str, setting: str | None = None) -> str | None:
        """What in the profile declares ``action`` (for ``configure``: of ``setting``), or None."""
        function = SETTING_FUNCTIONS.get(setting) if setting is not None else None
        function = function or ACTION_FUNCTIONS.get(action)
        if function is not None and function in self.declared_functions:
            return f"{function.replace('_', ' ')} ({action}; declared as functions.{function})"
        version = self.version
        if action in CORE_ACTIONS[version]:
            return f"the OCPP {version} Core profile ({action}; declared by links.{self.name}.protocol " \
                   f"{version.protocol})"
        return None

    def _answered(self, action: str, send: Callable[[], _T], setting: str | None = None) -> _T:
        """``send()``; the charger's answer that it lacks a declared function becomes
        DeviceLacksFunction."""
        what = self.declaration(action, setting)
        if what is None:
            return send()
        try:
            return send()
        except OcppCallError as error:
            if error.code not in LACKING_CODES:
                raise
            raise DeviceLacksFunction(what, f"CALLERROR {error.code} to {action}: "
                                            f"{error.frame or error.description}") from error
        except OcppInvalidResponse as error:
            raise DeviceLacksFunction(what, f"reply to {action} breaks the schema: {error}; "
                                            f"frame {error.frame}") from error

    @property
    def version(self) -> OcppVersion:
        """The OCPP version the charger speaks (:data:`~links.ocpp.versions.OCPP16J` or ``OCPP201``)."""
        return self.csms.version(self.charger_id)

    # ---- smart charging -------------------------------------------------------------------------
    def set_charging_profile(self, profile: ChargingProfile, connector_id: int, *,
                             timeout_s: float | None = None) -> str:
        return self._answered("SetChargingProfile", lambda: self.csms.set_charging_profile(
            self.charger_id, profile, connector_id, timeout_s=timeout_s))

    def get_composite_schedule(self, connector_id: int, duration_s: int, unit: str | None = None, *,
                               timeout_s: float | None = None) -> CompositeSchedule:
        return self._answered("GetCompositeSchedule", lambda: self.csms.get_composite_schedule(
            self.charger_id, connector_id, duration_s, unit, timeout_s=timeout_s))

    def clear_charging_profile(self, *, profile_id: int | None = None, connector_id: int | None = None,
                               purpose: ProfilePurpose | str | None = None, stack_level: int | None = None,
                               timeout_s: float | None = None) -> str:
        return self._answered("ClearChargingProfile", lambda: self.csms.clear_charging_profile(
            self.charger_id, profile_id=profile_id, connector_id=connector_id, purpose=purpose,
            stack_level=stack_level, timeout_s=timeout_s))

    # ---- provisioning ---------------------------------------------------------------------------
    def reset(self, kind: str, *, timeout_s: float | None = None) -> str:
        return self._answered("Reset", lambda: self.csms.reset(self.charger_id, kind, timeout_s=timeout_s))

    def trigger_message(self, message: str, connector_id: int | None = None, *,
                        timeout_s: float | None = None) -> str:
        return self._answered("TriggerMessage", lambda: self.csms.trigger_message(
            self.charger_id, message, connector_id, timeout_s=timeout_s))

    def configure(self, setting: Setting, value: str | int | float | bool, *, timeout_s: float | None = None) -> str:
        """Write a charger setting by its neutral name (the version's configuration key / variable)."""
        action = type(self.version.configure_request(setting, value)).__name__   # ChangeConfiguration / SetVariables
        return self._answered(action, lambda: self.csms.configure(self.charger_id, setting, value,
                                                                  timeout_s=timeout_s), setting=setting)

    def change_configuration(self, key: str, value: str | int | float | bool, *,
                             timeout_s: float | None = None) -> str:
        return self._answered("ChangeConfiguration", lambda: self.csms.change_configuration(
            self.charger_id, key, value, timeout_s=timeout_s))

    def get_configuration(self, keys: Sequence[str] | None = None, *,
                          timeout_s: float | None = None) -> tuple[list[ConfigurationKey], list[str]]:
        return self._answered("GetConfiguration", lambda: self.csms.get_configuration(
            self.charger_id, keys, timeout_s=timeout_s))

    def set_variables(self, values: Sequence[tuple[str, str, str | int | float | bool]], *,
                      evse_id: int | None = None, timeout_s: float | None = None) -> list[VariableResult]:
        return self._answered("SetVariables", lambda: self.csms.set_variables(
            self.charger_id, values, evse_id=evse_id, timeout_s=timeout_s))

    def get_variables(self, names: Sequence[tuple[str, str]], *, evse_id: int | None = None,
                      timeout_s: float | None = None) -> list[VariableResult]:
        return self._answered("GetVariables", lambda: self.csms.get_variables(
            self.charger_id, names, evse_id=evse_id, timeout_s=timeout_s))

    def call(self, request: Any, *, timeout_s: float | None = None) -> Any:
        """Any ``ocpp.v16.call`` / ``ocpp.v201.call`` request (the library's response dataclass back).
        CsmsServer.call_checked sends it with the library's ``call(..., suppress=False)``: a CALLERROR reply
        raises OcppCallError instead of returning None."""
        timeout = self.csms.response_timeout_s if timeout_s is None else timeout_s
        return self._answered(type(request).__name__,
                              lambda: self.csms.call_checked(self.charger_id, request, timeout))

    def send_raw(self, frame_text: str, *, timeout_s: float | None = None) -> RawReply:
        return self.csms.send_raw(self.charger_id, frame_text, timeout_s)

    # ---- connection -----------------------------------------------------------------------------
    def disconnect(self, timeout_s: float = 5.0) -> bool:
        return self.csms.disconnect(self.charger_id, timeout_s)

    def refuse_connections(self, refuse: bool) -> None:
        self.csms.refuse_connections(self.charger_id, refuse)

    def is_connected(self) -> bool:
        return self.csms.is_connected(self.charger_id)

    # ---- what the CSMS expects / presents on new handshakes (security tests) ------------------
    def set_expected_password(self, password: str | None) -> None:
        """Profiles 1/2: expect another password (None: the configured one again)."""
        self.csms.set_expected_password(self.charger_id, password)

    def use_untrusted_server_certificate(self, use: bool) -> None:
        """Profiles 2/3: present a certificate chain from a CA the charger was never given."""
        self.csms.use_untrusted_server_certificate(use)

    def trust_client_certificates(self, trust: bool) -> None:
        """Profile 3: while False, no client certificate passes the TLS handshake."""
        self.csms.trust_client_certificates(trust)

    def wait_connected(self, timeout_s: float, *, booted: bool = True) -> None:
        """Block in real time until the charger is back (hardware / real-time mode; in virtual time
        poll :meth:`is_connected` between ``clock.sleep`` calls, since the lab only moves then)."""
        self.csms.wait_for_charger(self.charger_id, timeout_s, booted=booted)

    def connection_events(self) -> list[ConnectionEvent]:
        return self.csms.connection_events(self.charger_id)

    # ---- what the charger reported --------------------------------------------------------------
    def active_transaction(self, connector_id: int = 1) -> Transaction | None:
        """The charger's open transaction on that connector / EVSE (None: none open)."""
        return self.csms.active_transaction(self.charger_id, connector_id)

    def active_transaction_id(self, connector_id: int = 1) -> str | None:
        """The id of the charger's open transaction on that connector / EVSE (None: none open)."""
        return self.csms.active_transaction_id(self.charger_id, connector_id)

    def boot_info(self) -> dict[str, Any] | None:
        return self.csms.boot_info(self.charger_id)

    def connector_status(self) -> dict[int, str]:
        return self.csms.connector_status(self.charger_id)

    def meter_values(self, *, connector_id: int | None = None, measurand: str | None = None) -> list[MeterSample]:
        return self.csms.meter_values(self.charger_id, connector_id=connector_id, measurand=measurand)

    def violations(self) -> list[Violation]:
        return self.csms.violations(self.charger_id)

    def close(self) -> None:
        """Nothing to do: the opener stops the CSMS."""


__all__ = ["ACTION_FUNCTIONS", "CORE_ACTIONS", "LACKING_CODES", "SETTING_FUNCTIONS", "OcppDutLink", "OcppOpener"]
