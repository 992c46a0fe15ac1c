"""OCPP link: the bench as CSMS (central system) for OCPP 1.6J and 2.0.1 (``ocpp`` library, websockets).

Folder layout: ``versions`` (one object per OCPP version: everything that differs between 1.6J
and 2.0.1, wire forms included), ``smart_charging`` (the one charging-profile model, the composite
schedule rules), ``transactions`` (the OCPP transaction), ``security`` (profiles 1-3, test PKI),
``frames`` (violations, meter samples, raw replies, connection events, exceptions),
``charge_points`` (per-version CSMS handlers), ``commands`` (CSMS-initiated operations),
``csms`` (server thread, sync API). See docs/ocpp.md.
"""

from links.ocpp.commands import ConfigurationKey, OcppBadArgument, OcppWrongVersion, VariableResult
from links.ocpp.csms import CsmsConfig, CsmsServer
from links.ocpp.frames import (ConnectionEvent, MeterSample, OcppCallError, OcppCallTimeout, OcppConnectionClosed,
                               OcppInvalidResponse, OcppNotConnected, RawReply, Violation)
from links.ocpp.security import CertFiles, TestPki, TlsServerFiles, client_ssl_context
from links.ocpp.smart_charging.model import (ChargingProfile, CompositeSchedule, InstalledProfile,
                                             InvalidChargingProfile, ProfileKind, ProfilePurpose, RateUnit,
                                             Recurrency, SchedulePeriod)
from links.ocpp.transactions import ConnectorState, Transaction
from links.ocpp.versions import BY_PROTOCOL, OCPP16J, OCPP201, VERSIONS, OcppVersion

__all__ = ["BY_PROTOCOL", "ChargingProfile", "CompositeSchedule", "ConfigurationKey", "ConnectionEvent",
           "ConnectorState", "CsmsConfig", "CsmsServer", "InstalledProfile", "InvalidChargingProfile", "MeterSample",
           "OCPP16J", "OCPP201", "OcppBadArgument", "OcppCallError", "OcppCallTimeout", "OcppConnectionClosed",
           "OcppInvalidResponse", "OcppNotConnected", "OcppVersion", "OcppWrongVersion", "ProfileKind",
           "ProfilePurpose", "RateUnit", "RawReply", "Recurrency", "SchedulePeriod", "Transaction", "VERSIONS",
           "VariableResult", "Violation", "CertFiles", "TestPki", "TlsServerFiles", "client_ssl_context"]
