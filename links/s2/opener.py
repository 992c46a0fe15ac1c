"""S2 (``s2``, EN 50491-12-2): the bench is the Customer Energy Manager, the device's resource
manager dials in over WebSocket.

Profile keys (``links.<name>``)::

    protocol: s2
    rm_id: hp-1                 # last path segment of the URL the RM dials: ws://<host>:<port>/<rm_id>
    control_type: PEBC          # PEBC | FRBC | DDBC (also PPBC, OMBC): selected by open()
    host: 127.0.0.1             # where the CEM listens (hardware: the bench's address or 0.0.0.0)
    port: 0                     # 0 or "sim" = a free port (simulation); hardware: a fixed port
    timeout_s: 5                # real time allowed for each ReceptionStatus
    connect_timeout_s: 30       # how long open() waits for Handshake + ResourceManagerDetails

``before_lab`` starts the CEM and returns ``{"cem_url": "ws://host:port/<rm_id>", "rm_id": ...,
"control_type": ...}`` for a simulated device (``ctx.links[name]``; simlab/s2 dials it).
``open`` waits for the RM (a RM that never comes is a ``LinkTimeout``: bench ERROR, inconclusive),
records ``dut_identity`` for the control link (ResourceManagerDetails), selects ``control_type``
and returns an :class:`S2DutLink`. An RM whose ResourceManagerDetails do not offer the declared
``control_type`` still opens (nothing selected, a warning event): the requirements that need that
control type FAIL with the details as evidence (links/s2/capability.py), the others run.
Frames go to the record as ``command`` lines (``"-> "`` + frame to the RM, ``"<- "`` + frame
from it), connection events and S2 violations as ``event`` lines.
Timestamps the CEM writes (instruction execution times) come from the bench calendar
(``clock.calendar()``). See docs/s2.md for pointing a real RM at the bench.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from links.openers import check_host, check_identifier, trace_target
from bench.errors import DeviceLacksFunction, LinkTimeout, ProtocolFrameError
from links.s2 import (CemConfig, DdbcMode, InstructionRecord, PowerEnvelope, PowerSample,
                      ReceivedMessage, RmDetails, S2CemServer, S2Timeout, StatusUpdate,
                      control_type_name)
from links.s2.capability import ControlTypeSupport, control_type_function, control_type_support
from links.violations import Violation

_KEYS = ("rm_id", "control_type", "host", "port", "timeout_s", "connect_timeout_s")
#: An RM id is one URL path segment (unreserved characters).
RM_ID = re.compile(r"[A-Za-z0-9._~-]{1,64}")
CONTROL_TYPES = ("PEBC", "PPBC", "OMBC", "FRBC", "DDBC")

_T = TypeVar("_T")


def _positive(doc: Any, name: str, cfg: dict[str, Any], key: str) -> None:
    value = cfg.get(key)
    if key in cfg and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
        raise doc.error(f"links.{name}.{key}", f"must be a positive number of seconds, got {value!r}")


class S2Opener:
    """Opener (links/openers.py contract) for ``s2`` links."""

    KEYS = _KEYS

    @staticmethod
    def validate(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        check_identifier(doc, name, cfg, "rm_id", RM_ID,
                         "1-64 characters of A-Z a-z 0-9 . _ ~ - (the RM's URL path segment)")
        control_type = cfg.get("control_type")
        if not isinstance(control_type, str) or control_type.upper() not in CONTROL_TYPES:
            raise doc.error(f"links.{name}.control_type", f"required: one of {', '.join(CONTROL_TYPES)}")
        check_host(doc, name, cfg)
        port = cfg.get("port", 0)
        if port != "sim" and (isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535):
            raise doc.error(f"links.{name}.port", f"must be 0..65535 or \"sim\" (a free port), got {port!r}")
        _positive(doc, name, cfg, "timeout_s")
        _positive(doc, name, cfg, "connect_timeout_s")

    def __init__(self, session: Any, name: str, cfg: dict[str, Any]) -> None:
        self.session, self.name, self.cfg = session, name, cfg    # validated at profile load (validate())
        self.rm_id = str(cfg["rm_id"])
        self.control_type = str(cfg["control_type"]).upper()
        self.cem: S2CemServer | None = None
        self.link: S2DutLink | None = None
        self._target = trace_target(name)

    # ---- wiring to the record and the bench calendar ------------------------------------------
    def _now(self) -> dt.datetime:
        """The bench calendar; before the clock exists, its start (simulation) or the wall clock."""
        clock = self.session.clock
        if clock is not None:
            calendar: dt.datetime = clock.calendar()
            return calendar
        if self.session.simulated:
            return dt.datetime.fromisoformat(self.session.config.start_calendar)
        return dt.datetime.now().astimezone()

    def _trace(self, direction: str, text: str) -> None:
        recorder = self.session.recorder
        kind, _, rm_id = direction.partition(":")
        if kind == "out":
            recorder.write("command", target=self._target, text="-> " + text, direction="to_dut")
        elif kind == "in":
            recorder.write("command", target=self._target, text="<- " + text, direction="from_dut")
        else:
            level = "warning" if ("refused" in text or "closed" in text or "drops" in text) else "info"
            recorder.write("event", level=level, message=f"{self._target} S2 {rm_id} {text}")

    def _violation(self, violation: Violation) -> None:
        self.session.recorder.write("event", level="warning",
                                    message=f"{self._target} S2 violation by {violation.peer_id} "
                                            f"(session {violation.session}): {violation.reason}",
                                    frame=violation.frame)

    # ---- opener contract ------------------------------------------------------------------------
    def before_lab(self) -> dict[str, Any]:
        cfg = self.cfg
        port = cfg.get("port", 0)
        config = CemConfig(host=str(cfg.get("host", "127.0.0.1")), port=0 if port == "sim" else int(port),
                           rm_id=self.rm_id, response_timeout_s=float(cfg.get("timeout_s", 5.0)),
                           now=self._now, on_violation=self._violation)
        self.cem = S2CemServer(config, trace=self._trace)
        self.cem.start()
        self.session.recorder.write("event", level="info",
                                    message=f"{self._target}: S2 CEM listening at {self.cem.url}")
        return {"cem_url": self.cem.url, "rm_id": self.rm_id, "control_type": self.control_type}

    def open(self) -> S2DutLink:
        if self.cem is None:
            self.before_lab()
        cem = self.cem
        assert cem is not None
        connect_timeout_s = float(self.cfg.get("connect_timeout_s", 30.0))
        try:
            cem.wait_for_rm(connect_timeout_s)
        except S2Timeout as error:
            problems = "; ".join(v.reason + (f" in frame {v.frame[:200]!r}" if v.frame else "")
                                 for v in cem.violations()[:3])
            raise LinkTimeout(
                f"{self._target}: no S2 resource manager completed Handshake and ResourceManagerDetails "
                f"at {cem.url} within {connect_timeout_s:g} s"
                + (f" (violations: {problems})" if problems else
                   " (it never connected)" if cem.session_number() == 0 else "")) from error
        details = cem.details()
        if self.name == "control" and details is not None:
            self.session.recorder.write("dut_identity", declared=self.session.profile.identity,
                                        read={"manufacturer": details.manufacturer, "model": details.model,
                                              "serial_number": details.serial_number,
                                              "firmware_version": details.firmware_version})
        self.link = S2DutLink(cem, name=self.name, control_type=self.control_type)
        offered = details is not None and control_type_name(self.control_type) in details.available_control_types
        if not offered:
            # The RM's own answer: the device lacks the declared control type. The session stays
            # open (requirements that do not need it run); those that need it FAIL (capability.py).
            offers = ", ".join(details.available_control_types) if details is not None else "nothing"
            self.session.recorder.write(
                "event", level="warning",
                message=f"{self._target}: the S2 resource manager offers {offers or 'no control type'}, "
                        f"not the declared control type {self.control_type}: nothing selected; "
                        f"requirements that need {self.control_type} FAIL")
            return self.link
        cem.select_control_type(self.control_type)
        self.session.recorder.write("event", level="info",
                                    message=f"{self._target}: S2 control type {self.control_type} selected")
        return self.link

    def close(self) -> None:
        if self.cem is not None:
            self.cem.stop()
            self.cem = None


class S2DutLink:
    """The CEM as a suite sees it. Every method delegates to :class:`links.s2.S2CemServer` (``.cem``
    has the rest); communication problems raise the ``links.s2`` exceptions (all LinkError:
    inconclusive), what the RM *did* (acknowledgements, statuses, measurements, violations) is
    returned for the suites to judge.

    One answer is classified here, where the declared control type is known: a broken or
    unreadable answer (``ProtocolFrameError`` from the CEM) to SelectControlType or an instruction
    of the control type the profile declares raises :class:`~bench.errors.DeviceLacksFunction`
    naming the control type, the frame as evidence (a FAIL of the requirement that needs it); for
    another control type it stays the ProtocolFrameError (ERROR)."""

    def __init__(self, cem: S2CemServer, *, name: str = "control", control_type: str = "PEBC") -> None:
        self.cem, self.name, self.control_type = cem, name, control_type_name(control_type)

    def _answered(self, control_type: str, send: Callable[[], _T]) -> _T:
        try:
            return send()
        except ProtocolFrameError as error:
            if control_type_name(control_type) != self.control_type:
                raise
            raise DeviceLacksFunction(control_type_function(control_type),
                                      f"{error} (declared in links.{self.name}.control_type)") from error

    # ---- session ------------------------------------------------------------------------------
    def details(self) -> RmDetails | None:
        return self.cem.details()

    def select_control_type(self, control_type: str | None = None, *, timeout_s: float | None = None) -> None:
        """Select ``control_type`` (default: the profile's), e.g. again after a reconnect."""
        wanted = control_type or self.control_type
        self._answered(wanted, lambda: self.cem.select_control_type(wanted, timeout_s))

    def selected_control_type(self) -> str | None:
        return self.cem.selected_control_type()

    def control_type_support(self, needed: str) -> ControlTypeSupport:
        """The mismatch rule (links/s2/capability.py) for a control type a requirement needs:
        OFFERED (run it), NOT_DECLARED (NOT_APPLICABLE), or :class:`~bench.errors.DeviceLacksFunction`
        when the profile declares it and the RM's ResourceManagerDetails do not offer it."""
        return control_type_support(needed, (self.control_type,), self.cem.details(),
                                    where=f"links.{self.name}.control_type")

    def is_ready(self) -> bool:
        return self.cem.ready()

    def session_number(self) -> int:
        return self.cem.session_number()

    def wait_for_rm(self, timeout_s: float, *, session_after: int = 0) -> int:
        """Real-time wait (hardware / real-time mode); in virtual time poll :meth:`is_ready` between
        ``clock.sleep`` calls, since the simulated RM redials in bench time."""
        return self.cem.wait_for_rm(timeout_s, session_after=session_after)

    def drop_connection(self, refuse_reconnect: bool, *, abrupt: bool = False) -> None:
        self.cem.drop_connection(refuse_reconnect, abrupt=abrupt)

    def allow_reconnect(self) -> None:
        self.cem.allow_reconnect()

    # ---- instructions -------------------------------------------------------------------------
    def pebc_limit_consumption_w(self, upper_w: float, lower_w: float = 0.0,
                                 execution_time: dt.datetime | None = None, **options: Any) -> str:
        return self._answered("PEBC", lambda: self.cem.pebc_limit_consumption_w(upper_w, lower_w, execution_time,
                                                                               **options))

    def send_pebc_instruction(self, power_envelopes: Sequence[PowerEnvelope],
                              execution_time: dt.datetime | None = None, **options: Any) -> str:
        return self._answered("PEBC", lambda: self.cem.send_pebc_instruction(power_envelopes, execution_time,
                                                                            **options))

    def send_ddbc_instruction(self, actuator_id: str, operation_mode_id: str,
                              execution_time: dt.datetime | None = None, **options: Any) -> str:
        return self._answered("DDBC", lambda: self.cem.send_ddbc_instruction(actuator_id, operation_mode_id,
                                                                            execution_time, **options))

    def send_frbc_instruction(self, actuator_id: str, operation_mode_id: str,
                              execution_time: dt.datetime | None = None, **options: Any) -> str:
        return self._answered("FRBC", lambda: self.cem.send_frbc_instruction(actuator_id, operation_mode_id,
                                                                            execution_time, **options))

    def ddbc_modes(self) -> list[DdbcMode]:
        return self.cem.ddbc_modes()

    # ---- what the RM reported -----------------------------------------------------------------
    def instruction(self, instruction_id: str) -> InstructionRecord | None:
        return self.cem.instruction(instruction_id)

    def instruction_status(self, instruction_id: str) -> list[StatusUpdate]:
        return self.cem.instruction_status(instruction_id)

    def measurements(self) -> list[PowerSample]:
        return self.cem.measurements()

    def received(self, message_type: str | None = None) -> list[ReceivedMessage]:
        return self.cem.received(message_type)

    def violations(self) -> list[Violation]:
        return self.cem.violations()

    def close(self) -> None:
        """Nothing to do: the opener stops the CEM."""


__all__ = ["S2DutLink", "S2Opener"]
