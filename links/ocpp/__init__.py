"""OCPP link: the bench as CSMS (central system) for OCPP 1.6J and 2.0.1 (``ocpp`` library, websockets).

Folder layout: ``security`` (profiles 1-3, test PKI), ``frames`` (violations, meter samples, raw
replies, connection events, exceptions), ``charge_points`` (per-version CSMS handlers), ``profiles``
(version-neutral charging profiles and composite schedules), ``commands`` (version-neutral
CSMS-initiated operations), ``csms`` (server thread, sync API). See docs/ocpp.md.
"""

from links.ocpp.commands import ConfigurationKey, OcppBadArgument, OcppWrongVersion, VariableResult
from links.ocpp.csms import CsmsConfig, CsmsServer
from links.ocpp.frames import (ConnectionEvent, MeterSample, OcppCallError, OcppCallTimeout, OcppConnectionClosed,
                               OcppInvalidResponse, OcppNotConnected, RawReply, Violation)
from links.ocpp.profiles import (ChargingProfileSpec, CompositeSchedule, InvalidProfileSpec, ProfileKind,
                                 ProfilePurpose, SchedulePeriod)
from links.ocpp.security import CertFiles, TestPki, TlsServerFiles, client_ssl_context

__all__ = ["ChargingProfileSpec", "CompositeSchedule", "ConfigurationKey", "ConnectionEvent", "CsmsConfig",
           "CsmsServer", "InvalidProfileSpec", "MeterSample", "OcppBadArgument", "OcppCallError",
           "OcppCallTimeout", "OcppConnectionClosed", "OcppInvalidResponse", "OcppNotConnected",
           "OcppWrongVersion", "ProfileKind", "ProfilePurpose", "RawReply", "SchedulePeriod", "VariableResult",
           "Violation", "CertFiles", "TestPki", "TlsServerFiles", "client_ssl_context"]
