"""OCPP transactions and the connector states around them, the same for both sides and versions.

:class:`Transaction` is what the CSMS and the charger both know of a running transaction: where
it runs, since when, and its id (1.6: the CSMS's StartTransaction.conf transactionId, as text;
2.0.1: the charger-made transactionId). Relative charging schedules start at ``start``; a TxProfile
naming a transaction applies to that one only (1.6 §3.13, 2.0.1 K01). The CSMS tracks the open
ones per connector/EVSE, the smart-charging computation and the simulated charger's controller
take them as they are.

:class:`ConnectorState` names a connector's state in the OCPP 1.6 ChargePointStatus words; each
version object says what its StatusNotification calls it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["ConnectorState", "Transaction"]


@dataclass(frozen=True)
class Transaction:
    """A running transaction on ``connector_id`` (1.6 connectorId, 2.0.1 evseId) since ``start``;
    ``transaction_id`` None while the charger does not know it yet (1.6, before the CSMS answered)."""

    connector_id: int
    start: dt.datetime
    transaction_id: str | None = None


class ConnectorState:
    """Connector states (OCPP 1.6 §7.7 ChargePointStatus names)."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"
