"""OCPP link: the bench as CSMS (central system) for OCPP 1.6J and 2.0.1 (``ocpp`` library, websockets).

Folder layout: ``security`` (profiles 1-3, test PKI), ``frames`` (violations, meter samples,
exceptions), ``charge_points`` (per-version CSMS handlers), ``csms`` (server thread, sync API).
"""

from links.ocpp.csms import CsmsConfig, CsmsServer
from links.ocpp.frames import (MeterSample, OcppCallError, OcppCallTimeout, OcppConnectionClosed,
                               OcppInvalidResponse, OcppNotConnected, Violation)
from links.ocpp.security import CertFiles, TestPki, TlsServerFiles, client_ssl_context

__all__ = ["CsmsConfig", "CsmsServer", "MeterSample", "OcppCallError", "OcppCallTimeout",
           "OcppConnectionClosed", "OcppInvalidResponse", "OcppNotConnected", "Violation",
           "CertFiles", "TestPki", "TlsServerFiles", "client_ssl_context"]
