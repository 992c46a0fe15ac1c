"""A resource manager built only from s2-python 0.11.1's own classes (no flexbench imports).

Run as a separate process: ``python tests/s2/third_party_rm.py ws://127.0.0.1:PORT/rm-id [seconds]``.

Minimum configuration of s2-python's connection layer that works against a plain WebSocket CEM
(0.11.1 has no OAuth / pairing step in its connection layer):

* ``WebsocketClientMedium(url)``, then ``await medium.connect()`` (websockets' asyncio client);
* ``S2AsyncConnection(medium, eventloop)``;
* ``ResourceManagerHandler(control_types, asset_details).register_handlers(connection)`` - it sends
  the RM Handshake on connection start, acknowledges the CEM's Handshake and HandshakeResponse, then
  sends ResourceManagerDetails and activates the control type the CEM selects;
* a ``PEBCControlType`` subclass implementing ``activate`` / ``deactivate`` / ``handle_instruction``;
* ``await connection.run()``.

It prints one JSON object per line on stdout (``{"event": ...}``) so the test can follow it, and
stops after ``seconds`` (default 15) or when the CEM closes the connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import uuid
from typing import Any

from s2python.common import (CommodityQuantity, Duration, InstructionStatus, InstructionStatusUpdate,
                             NumberRange, PowerMeasurement, PowerValue, Role, RoleType, Commodity)
from s2python.connection.asset_details import AssetDetails
from s2python.connection.async_ import S2AsyncConnection
from s2python.connection.async_.control_type.class_based import (PEBCControlType,
                                                                 ResourceManagerHandler)
from s2python.connection.async_.medium.websocket import WebsocketClientMedium
from s2python.pebc import (PEBCAllowedLimitRange, PEBCInstruction, PEBCPowerConstraints,
                           PEBCPowerEnvelopeConsequenceType, PEBCPowerEnvelopeLimitType)

QUANTITY = CommodityQuantity.ELECTRIC_POWER_3_PHASE_SYMMETRIC


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}, default=str), flush=True)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ThirdPartyPebc(PEBCControlType):
    """Announces PEBC.PowerConstraints on activation; acknowledges and accepts every instruction."""

    async def activate(self, connection: S2AsyncConnection) -> None:
        constraints = PEBCPowerConstraints(
            message_id=uuid.uuid4(), id=uuid.uuid4(), valid_from=now(), valid_until=None,
            consequence_type=PEBCPowerEnvelopeConsequenceType.DEFER,
            allowed_limit_ranges=[
                PEBCAllowedLimitRange(commodity_quantity=QUANTITY,
                                      limit_type=PEBCPowerEnvelopeLimitType.UPPER_LIMIT,
                                      range_boundary=NumberRange(start_of_range=0.0, end_of_range=3000.0),
                                      abnormal_condition_only=False),
                PEBCAllowedLimitRange(commodity_quantity=QUANTITY,
                                      limit_type=PEBCPowerEnvelopeLimitType.LOWER_LIMIT,
                                      range_boundary=NumberRange(start_of_range=0.0, end_of_range=0.0),
                                      abnormal_condition_only=False)])
        status = await connection.send_msg_and_await_reception_status(constraints)
        emit("power_constraints_acknowledged", status=status.status.value, id=str(constraints.id))
        measurement = PowerMeasurement(message_id=uuid.uuid4(), measurement_timestamp=now(),
                                       values=[PowerValue(commodity_quantity=QUANTITY, value=1800.0)])
        status = await connection.send_msg_and_await_reception_status(measurement)
        emit("measurement_acknowledged", status=status.status.value)

    async def deactivate(self, connection: S2AsyncConnection) -> None:
        emit("deactivated")

    async def handle_instruction(self, connection: S2AsyncConnection, msg: Any, send_okay: Any) -> None:
        if not isinstance(msg, PEBCInstruction):
            return
        await send_okay()
        envelope = msg.power_envelopes[0]
        element = envelope.power_envelope_elements[0]
        emit("instruction", id=str(msg.id), commodity_quantity=envelope.commodity_quantity.value,
             upper_limit=element.upper_limit, lower_limit=element.lower_limit)
        update = InstructionStatusUpdate(message_id=uuid.uuid4(), instruction_id=msg.id,
                                         status_type=InstructionStatus.ACCEPTED, timestamp=now())
        status = await connection.send_msg_and_await_reception_status(update)
        emit("status_update_acknowledged", status=status.status.value)


async def main(url: str, run_s: float) -> int:
    details = AssetDetails(resource_id=uuid.uuid4(), provides_forecast=False,
                           provides_power_measurements=[QUANTITY],
                           instruction_processing_delay=Duration.from_milliseconds(2000),
                           roles=[Role(role=RoleType.ENERGY_CONSUMER, commodity=Commodity.ELECTRICITY)],
                           name="third-party heat pump", manufacturer="s2-python",
                           model="class-based RM", firmware_version="0.11.1", serial_number="TP-1")
    medium = WebsocketClientMedium(url=url, verify_certificate=False)
    await medium.connect()
    connection = S2AsyncConnection(medium, asyncio.get_running_loop())
    ResourceManagerHandler(control_types=[ThirdPartyPebc()], asset_details=details).register_handlers(connection)
    emit("connected", resource_id=str(details.resource_id))
    try:
        await asyncio.wait_for(connection.run(), run_s)
    except (asyncio.TimeoutError, TimeoutError):
        pass
    finally:
        await medium.disconnect()
    emit("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 15.0)))
