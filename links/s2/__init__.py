"""S2 link (EN 50491-12-2): the bench as Customer Energy Manager over WebSocket (s2-python models).

Folder layout, following the protocol's layers: ``codec`` (JSON frames <-> s2-python models,
verdict-safe validation, control type names), ``messages`` (what the CEM sends), ``records``
(violations, samples, instruction records, the link's exceptions), ``store`` (thread-safe
histories), ``session`` (one RM session: message order, acknowledgements), ``cem`` (server thread,
sync API). The simulated resource manager lives in simlab/devices/s2_resource_manager/; see docs/s2.md.
"""

from links.s2.cem import DEFAULT_ENVELOPE_DURATION_S, CemConfig, DdbcMode, S2CemServer
from links.s2.codec import CONTROL_TYPES, control_type_name, control_type_short
from links.s2.messages import EnvelopeElement, PowerEnvelope
from links.s2.records import (InstructionRecord, PowerSample, ReceivedMessage, ReceptionRecord,
                              RmDetails, S2ConnectionClosed, S2ControlTypeUnavailable,
                              S2NotConnected, S2Rejected, S2Timeout, StatusUpdate)
from links.violations import Violation

__all__ = ["CemConfig", "DdbcMode", "S2CemServer", "DEFAULT_ENVELOPE_DURATION_S", "CONTROL_TYPES",
           "control_type_name", "control_type_short", "EnvelopeElement", "PowerEnvelope",
           "InstructionRecord", "PowerSample", "ReceivedMessage", "ReceptionRecord", "RmDetails",
           "S2ConnectionClosed", "S2ControlTypeUnavailable", "S2NotConnected", "S2Rejected",
           "S2Timeout", "StatusUpdate", "Violation"]
